//! Admin: staff accounts (create, list, change role, deactivate) and API tokens.

use crate::AppState;
use crate::admin;
use crate::auth::{self, Principal};
use crate::error::{ApiError, Problem};
use crate::extract::{Json, parse_id};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use kairos_core::ids::PartyId;
use kairos_core::party::Role;
use kairos_store::staff::StaffChange;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_staff, list_staff))
        .routes(routes!(change_role))
        .routes(routes!(deactivate))
        .routes(routes!(create_token))
}

/// A new staff account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateStaff {
    /// Login e-mail.
    email: String,
    /// Name shown to colleagues.
    display_name: String,
    /// `admin` or `agent`.
    #[serde(rename = "role")]
    staff_role: String,
    /// 12–1024 characters.
    password: String,
}

/// A staff account (never its password hash).
#[derive(Serialize, ToSchema)]
pub(crate) struct StaffView {
    /// Party id.
    id: Uuid,
    /// Login e-mail.
    email: String,
    /// Name.
    display_name: String,
    /// Role.
    role: String,
    /// When the account was deactivated (RFC 3339), if it was.
    deactivated_at: Option<String>,
}

/// Creates a staff account (admins only).
#[utoipa::path(post, path = "/api/v1/staff", tag = "admin", request_body = CreateStaff,
    responses((status = 201, body = StaffView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn create_staff(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<CreateStaff>,
) -> Result<Response, ApiError> {
    let new = admin::create_staff(
        &state,
        &p,
        &req.email,
        &req.display_name,
        &req.staff_role,
        req.password,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(StaffView {
            id: new.id.0,
            email: new.email,
            display_name: new.display_name,
            role: new.role.as_str().into(),
            deactivated_at: None,
        }),
    )
        .into_response())
}

/// The tenant's staff.
#[derive(Serialize, ToSchema)]
pub(crate) struct StaffList {
    /// Active first, then by name.
    items: Vec<StaffView>,
}

/// Lists the tenant's staff accounts (admins only).
#[utoipa::path(get, path = "/api/v1/staff", tag = "admin",
    responses((status = 200, body = StaffList), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list_staff(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<StaffList>, ApiError> {
    p.require(&[Role::Admin])?;
    let items = state
        .store
        .staff(p.tenant_id)
        .await?
        .into_iter()
        .map(|m| StaffView {
            id: m.id.0,
            email: m.email.unwrap_or_default(),
            display_name: m.display_name,
            role: m.role.as_str().into(),
            deactivated_at: m.deactivated_at.map(|t| t.to_rfc3339()),
        })
        .collect();
    Ok(axum::Json(StaffList { items }))
}

/// A new role for a staff member.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleChange {
    /// `admin` or `agent`.
    #[serde(rename = "role")]
    staff_role: String,
}

/// Gives a staff member another role (admins only, not oneself; the tenant keeps at least
/// one active admin). Their sessions, tokens and sockets end at once (checklist F04).
#[utoipa::path(put, path = "/api/v1/staff/{id}/role", tag = "admin", request_body = RoleChange, params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn change_role(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(req): Json<RoleChange>,
) -> Result<StatusCode, ApiError> {
    p.require(&[Role::Admin])?;
    let party: PartyId = parse_id(&id, "staff member")?;
    let role: Role = req.staff_role.parse()?;
    admin::change_staff(&state, &p, party, StaffChange::Role(role)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deactivates a staff member (admins only, not oneself; the tenant keeps at least one
/// active admin): they can no longer sign in, and their sessions, tokens and sockets end
/// at once (checklist F04). Their name stays on what they did.
#[utoipa::path(post, path = "/api/v1/staff/{id}/deactivate", tag = "admin", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
async fn deactivate(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    p.require(&[Role::Admin])?;
    let party: PartyId = parse_id(&id, "staff member")?;
    admin::change_staff(&state, &p, party, StaffChange::Deactivate).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new API token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateToken {
    /// The role the token carries.
    #[serde(rename = "role")]
    token_role: String,
    /// Required for (and only for) `customer` tokens: the customer it acts as.
    #[serde(default)]
    customer_id: Option<Uuid>,
}

/// The token, shown once.
#[derive(Serialize, ToSchema)]
pub(crate) struct TokenView {
    /// Token id.
    id: Uuid,
    /// The secret: store it now, it cannot be shown again.
    token: String,
    /// Role.
    role: String,
}

/// Issues an API token for this tenant (admins only).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "admin", request_body = CreateToken,
    responses((status = 201, body = TokenView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn create_token(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<CreateToken>,
) -> Result<Response, ApiError> {
    p.require(&[Role::Admin])?;
    let role: Role = req.token_role.parse()?;
    let customer = match (role, req.customer_id) {
        (Role::Customer, Some(id)) => {
            let c = state
                .store
                .customer(p.tenant_id, id.into())
                .await?
                .ok_or_else(|| ApiError::not_found("customer"))?;
            Some(c.merged_into.unwrap_or(c.id))
        }
        (Role::Customer, None) => {
            return Err(ApiError::invalid(
                "customer_id",
                "customer tokens need the customer they act as",
            ));
        }
        (_, Some(_)) => {
            return Err(ApiError::invalid(
                "customer_id",
                "only customer tokens are bound to a customer",
            ));
        }
        (_, None) => None,
    };
    let (token, hash) = auth::new_token();
    let id = state
        .store
        .create_token(p.tenant_id, role, None, customer, &hash, &p.actor())
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(TokenView {
            id: id.0,
            token,
            role: role.as_str().into(),
        }),
    )
        .into_response())
}
