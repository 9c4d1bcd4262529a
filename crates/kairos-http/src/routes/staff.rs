//! Admin: staff accounts and API tokens.

use crate::AppState;
use crate::auth::{self, Principal};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use kairos_core::identity::Identity;
use kairos_core::party::{Role, parse_display_name};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_staff))
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
}

/// Creates a staff account (admins only).
#[utoipa::path(post, path = "/api/v1/staff", tag = "admin", request_body = CreateStaff,
    responses((status = 201, body = StaffView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn create_staff(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<CreateStaff>,
) -> Result<Response, ApiError> {
    p.require(&[Role::Admin])?;
    let role: Role = req.staff_role.parse()?;
    if !role.is_staff() {
        return Err(ApiError::invalid(
            "role",
            "staff accounts are 'admin' or 'agent'",
        ));
    }
    let email = Identity::email(&req.email)?.value;
    let name = parse_display_name("display_name", &req.display_name)?;
    auth::check_password_policy(&req.password)?;
    let password = req.password;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    let id = state
        .store
        .create_party(
            p.tenant_id,
            role,
            Some(&email),
            &name,
            Some(&hash),
            &p.actor(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(StaffView {
            id: id.0,
            email,
            display_name: name,
            role: role.as_str().into(),
        }),
    )
        .into_response())
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
