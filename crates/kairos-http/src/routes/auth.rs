//! Staff sign-in with a password (argon2id) and a session cookie, for the web UI.

use crate::AppState;
use crate::auth::{self, Principal, Via};
use crate::client_ip::ClientIp;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
}

/// Credentials.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginRequest {
    /// The tenant's slug.
    tenant: String,
    /// Login e-mail.
    email: String,
    /// Password.
    password: String,
}

/// The signed-in caller.
#[derive(Serialize, ToSchema)]
pub(crate) struct MeView {
    /// Tenant id.
    tenant_id: Uuid,
    /// Role.
    role: String,
    /// Staff party, if any.
    party_id: Option<Uuid>,
    /// Customer, for customer tokens.
    customer_id: Option<Uuid>,
    /// For sessions: the token to send as `X-CSRF-Token` on state-changing requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<String>,
}

fn me_view(p: &Principal) -> MeView {
    MeView {
        tenant_id: p.tenant_id.0,
        role: p.role.as_str().to_owned(),
        party_id: p.party_id.map(|id| id.0),
        customer_id: p.customer_id.map(|id| id.0),
        csrf_token: match &p.via {
            Via::Session { csrf, .. } => Some(csrf.clone()),
            Via::Token(_) => None,
        },
    }
}

/// Signs a staff member in; sets an HttpOnly, SameSite=Strict session cookie. Wrong tenant,
/// unknown e-mail and wrong password answer alike (F06).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = MeView), (status = 401, body = Problem),
        (status = 429, body = Problem, description = "too many failed sign-ins from this address or for this account; see `Retry-After`")))]
async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Json(req): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    let (principal, cookie) =
        auth::sign_in(&state, client, &req.tenant, &req.email, req.password).await?;
    let mut response = (StatusCode::OK, axum::Json(me_view(&principal))).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Ends the cookie session. For bearer-token callers it does nothing: tokens are revoked by an admin, not by logging out.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = Problem)))]
async fn logout(State(state): State<AppState>, p: Principal) -> Result<Response, ApiError> {
    let cookie = auth::sign_out(&state, &p).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Who am I (token or session).
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = MeView), (status = 401, body = Problem)), security(("bearer" = [])))]
async fn me(p: Principal) -> axum::Json<MeView> {
    axum::Json(me_view(&p))
}
