//! The caller's organisation: its id, sign-in short name (slug) and display name, which
//! admins may change. The slug never changes: sign-in, portal URLs and widget snippets name it.

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use axum::extract::State;
use kairos_core::tenant::Tenant;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_tenant, patch_tenant))
}

/// The organisation.
#[derive(Serialize, ToSchema)]
pub(crate) struct TenantView {
    /// Tenant id.
    id: Uuid,
    /// Sign-in short name (never changes).
    slug: String,
    /// Display name.
    name: String,
    /// When it was created (RFC 3339).
    created_at: String,
}

impl From<Tenant> for TenantView {
    fn from(t: Tenant) -> Self {
        Self {
            id: t.id.0,
            slug: t.slug.as_str().to_owned(),
            name: t.name,
            created_at: t.created_at.to_rfc3339(),
        }
    }
}

/// What an admin changes about the organisation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatchTenant {
    /// The display name: 1–200 characters without control characters (trimmed).
    name: String,
}

/// The caller's organisation (staff).
#[utoipa::path(get, path = "/api/v1/tenant", tag = "admin",
    responses((status = 200, body = TenantView), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn get_tenant(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<TenantView>, ApiError> {
    let tenant = crate::admin::tenant(&state, &p).await?;
    Ok(axum::Json(tenant.into()))
}

/// Renames the organisation (admins): recorded on the log as `tenant.renamed`.
#[utoipa::path(patch, path = "/api/v1/tenant", tag = "admin", request_body = PatchTenant,
    responses((status = 200, body = TenantView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn patch_tenant(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<PatchTenant>,
) -> Result<axum::Json<TenantView>, ApiError> {
    let tenant = crate::admin::rename_tenant(&state, &p, &req.name).await?;
    Ok(axum::Json(tenant.into()))
}
