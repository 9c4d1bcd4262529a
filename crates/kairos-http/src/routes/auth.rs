//! Staff sign-in with a password (argon2id) and a session cookie, for the web UI.

use crate::AppState;
use crate::auth::{self, Principal, Via, session_cookie_name};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use kairos_core::Timestamp;
use kairos_store::SessionRecord;
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

/// How long a session lasts.
const SESSION_HOURS: i64 = 12;

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
    responses((status = 200, body = MeView), (status = 401, body = Problem)))]
async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    let tenant = state.store.tenant_by_slug(&req.tenant).await?;
    let party = match &tenant {
        Some(t) => {
            state
                .store
                .party_by_email(t.id, &req.email.trim().to_lowercase())
                .await?
        }
        None => None,
    };
    let stored = party.as_ref().and_then(|p| p.password_hash.clone());
    let password = req.password;
    // Verify even when there is no such user, against a fixed hash, so timing does not
    // reveal which accounts exist.
    let ok = tokio::task::spawn_blocking(move || match stored {
        Some(hash) => auth::verify_password(&password, &hash),
        None => {
            let _ = auth::verify_password(&password, dummy_hash());
            false
        }
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?;
    let (Some(tenant), Some(party), true) = (tenant, party, ok) else {
        tracing::info!(tenant = %req.tenant.escape_debug(), "login failed");
        return Err(ApiError::unauthenticated());
    };
    let (secret, hash) = auth::new_secret("");
    let (csrf, _) = auth::new_secret("");
    let expires_at =
        Timestamp::from_micros(kairos_store::now().as_micros() + SESSION_HOURS * 3600 * 1_000_000);
    let session = SessionRecord {
        tenant_id: tenant.id,
        party_id: party.id,
        role: party.role,
        csrf_token: csrf.clone(),
        expires_at,
    };
    state.store.create_session(&hash, &session).await?;
    let principal = Principal {
        tenant_id: tenant.id,
        role: party.role,
        party_id: Some(party.id),
        customer_id: None,
        via: Via::Session { hash, csrf },
    };
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        session_cookie_name(state.secure_cookies),
        SESSION_HOURS * 3600
    );
    let mut response = (StatusCode::OK, axum::Json(me_view(&principal))).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::internal(e.to_string()))?,
    );
    Ok(response)
}

/// An argon2id hash of a random string, verified against when the account does not exist,
/// so a miss costs as much as a wrong password.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| auth::hash_password(&auth::new_secret("").0).unwrap_or_default())
}

/// Ends the cookie session. For bearer-token callers it does nothing: tokens are revoked by an admin, not by logging out.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = Problem)))]
async fn logout(State(state): State<AppState>, p: Principal) -> Result<Response, ApiError> {
    if let Via::Session { hash, .. } = &p.via {
        state.store.delete_session(hash).await?;
        // Sockets opened with this session close now, not when they next ask (M05).
        state.hub.revoke_session(hash);
    }
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}",
        session_cookie_name(state.secure_cookies)
    );
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::internal(e.to_string()))?,
    );
    Ok(response)
}

/// Who am I (token or session).
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = MeView), (status = 401, body = Problem)), security(("bearer" = [])))]
async fn me(p: Principal) -> axum::Json<MeView> {
    axum::Json(me_view(&p))
}
