//! The tenant's retention schedule (privacy issue, item 5; checklist N08, N16): how long
//! closed conversations, context events and inactive customers are kept. The retention
//! worker applies it hourly; every deletion is an event on the log.

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use axum::extract::State;
use kairos_core::retention::RetentionSettings;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_retention, put_retention))
}

/// `closed_conversations_days` (default 730), `context_events_days` (default 30),
/// `inactive_customers_days` (default null: keep); each 1–36500 or null.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub(crate) struct RetentionDocument(RetentionSettings);

/// The retention schedule (staff); a tenant that never set one has the defaults.
#[utoipa::path(get, path = "/api/v1/retention", tag = "privacy",
    responses((status = 200, body = RetentionDocument), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn get_retention(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<RetentionDocument>, ApiError> {
    let settings = crate::admin::retention_settings(&state, &p).await?;
    Ok(axum::Json(RetentionDocument(settings)))
}

/// Replaces the retention schedule (admins). Shortening it deletes data at the worker's
/// next pass (within the hour).
#[utoipa::path(put, path = "/api/v1/retention", tag = "privacy", request_body = RetentionDocument,
    responses((status = 200, body = RetentionDocument), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn put_retention(
    State(state): State<AppState>,
    p: Principal,
    Json(RetentionDocument(settings)): Json<RetentionDocument>,
) -> Result<axum::Json<RetentionDocument>, ApiError> {
    let settings = crate::admin::save_retention_settings(&state, &p, settings).await?;
    Ok(axum::Json(RetentionDocument(settings)))
}
