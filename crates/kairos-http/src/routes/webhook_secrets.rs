//! Tenant webhook secrets over HTTP (admins): the names that `webhook "…" signed with "NAME"`
//! actions sign with. Creating or rotating one answers its value once (201); listing shows
//! names and creation times only; the log records that a name changed, never the value
//! (checklist A07, P02: shown once, never listed or logged).

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use axum::extract::{Path, State};
use http::StatusCode;
use kairos_core::party::Role;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(rotate, delete))
}

/// A secret's name and when its current value was created (never the value).
#[derive(Serialize, ToSchema)]
pub(crate) struct SecretInfo {
    /// Its name (1–64 of `a-z0-9-_`).
    name: String,
    /// When the current value was created (RFC 3339).
    created_at: String,
}

/// The tenant's webhook secrets.
#[derive(Serialize, ToSchema)]
pub(crate) struct SecretList {
    /// By name.
    items: Vec<SecretInfo>,
}

/// A new secret value, shown this once.
#[derive(Serialize, ToSchema)]
pub(crate) struct NewSecret {
    /// Its name.
    name: String,
    /// The value (32 random bytes, base64url): the HMAC key receivers verify
    /// `Kairos-Signature` with. Not shown again.
    secret: String,
}

/// The tenant's webhook secret names (admins).
#[utoipa::path(get, path = "/api/v1/anticipation/secrets", tag = "anticipation",
    responses((status = 200, body = SecretList), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<SecretList>, ApiError> {
    p.require(&[Role::Admin])?;
    let items = state
        .store
        .webhook_secrets(p.tenant_id)
        .await?
        .into_iter()
        .map(|s| SecretInfo {
            name: s.name,
            created_at: s.created_at.to_rfc3339(),
        })
        .collect();
    Ok(axum::Json(SecretList { items }))
}

/// Creates or rotates the secret `name` (admins); the answer holds the value, once. A
/// rotation takes effect for the next delivery attempt.
#[utoipa::path(post, path = "/api/v1/anticipation/secrets/{name}", tag = "anticipation",
    params(("name" = String, Path, description = "1–64 of a-z, 0-9, '-' and '_'")),
    responses((status = 201, body = NewSecret), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn rotate(
    State(state): State<AppState>,
    p: Principal,
    Path(name): Path<String>,
) -> Result<(StatusCode, axum::Json<NewSecret>), ApiError> {
    p.require(&[Role::Admin])?;
    let secret = state
        .store
        .rotate_webhook_secret(p.tenant_id, &name, &p.actor())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(NewSecret { name, secret })))
}

/// Deletes the secret `name` (admins); webhooks signed with it are no longer delivered.
#[utoipa::path(delete, path = "/api/v1/anticipation/secrets/{name}", tag = "anticipation",
    params(("name" = String, Path, description = "The secret's name")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn delete(
    State(state): State<AppState>,
    p: Principal,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    p.require(&[Role::Admin])?;
    state
        .store
        .delete_webhook_secret(p.tenant_id, &name, &p.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
