//! The e-mail channel's settings: the support addresses a tenant receives mail for.

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use axum::extract::{Path, State};
use http::StatusCode;
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::party::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_addresses, add_address))
        .routes(routes!(remove_address))
}

/// A support address.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MailAddress {
    /// The address mail is received for (stored in lower case).
    #[schema(example = "support@acme.example")]
    address: String,
}

/// The support addresses.
#[derive(Serialize, ToSchema)]
pub(crate) struct MailAddresses {
    /// Sorted.
    addresses: Vec<String>,
}

fn normalise(raw: &str) -> Result<String, ApiError> {
    Identity::parse(IdentityKind::Email, raw, None, None)
        .map(|i| i.value)
        .map_err(|_| ApiError::invalid("address", "an e-mail address such as support@acme.example"))
}

/// The tenant's support addresses (staff).
#[utoipa::path(get, path = "/api/v1/mail/addresses", tag = "mail",
    responses((status = 200, body = MailAddresses), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list_addresses(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<MailAddresses>, ApiError> {
    p.require_staff()?;
    let addresses = state.store.mail_addresses(p.tenant_id).await?;
    Ok(axum::Json(MailAddresses { addresses }))
}

/// Receives mail for another address (admins). An address another tenant receives mail
/// for is refused with 409, without saying whose it is.
#[utoipa::path(post, path = "/api/v1/mail/addresses", tag = "mail", request_body = MailAddress,
    responses((status = 201, body = MailAddress), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "the address is not available", body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn add_address(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<MailAddress>,
) -> Result<(StatusCode, axum::Json<MailAddress>), ApiError> {
    p.require(&[Role::Admin])?;
    let address = normalise(&req.address)?;
    state.store.add_mail_address(p.tenant_id, &address).await?;
    Ok((StatusCode::CREATED, axum::Json(MailAddress { address })))
}

/// Stops receiving mail for an address (admins). Removing an address the tenant does not
/// have is not an error: the outcome is the same.
#[utoipa::path(delete, path = "/api/v1/mail/addresses/{address}", tag = "mail", params(("address" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn remove_address(
    State(state): State<AppState>,
    p: Principal,
    Path(address): Path<String>,
) -> Result<StatusCode, ApiError> {
    p.require(&[Role::Admin])?;
    let address = normalise(&address)?;
    state
        .store
        .remove_mail_address(p.tenant_id, &address)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
