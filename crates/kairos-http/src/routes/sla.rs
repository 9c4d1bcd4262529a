//! SLA settings (business hours, holidays, policies) and a conversation's SLA clocks.

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, parse_id};
use axum::extract::{Path, State};
use kairos_core::ids::ConversationId;
use kairos_core::sla::{Clock, ClockState, SlaSettings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(clocks))
}

/// SLA settings: `business_hours` (`time_zone`, `week` with `mon`…`sun` → `["09:00-17:00"]`,
/// `holidays` → `["2026-12-24"]`) and `policies` (`name`, optional customer `tier`, `targets`
/// per priority with `first_response`, `next_response`, `resolution` in business seconds).
/// See `docs/sla.md`.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub(crate) struct SlaDocument(SlaSettings);

/// The tenant's SLA settings (none configured: no policies).
#[utoipa::path(get, path = "/api/v1/sla", tag = "sla",
    responses((status = 200, body = SlaDocument), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn get_settings(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<SlaDocument>, ApiError> {
    let settings = crate::admin::sla_settings(&state, &p).await?;
    Ok(axum::Json(SlaDocument(settings)))
}

/// Replaces the SLA settings (admins). New clocks use them at once; running clocks keep
/// their due times until their conversation changes.
#[utoipa::path(put, path = "/api/v1/sla", tag = "sla", request_body = SlaDocument,
    responses((status = 200, body = SlaDocument), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn put_settings(
    State(state): State<AppState>,
    p: Principal,
    Json(SlaDocument(settings)): Json<SlaDocument>,
) -> Result<axum::Json<SlaDocument>, ApiError> {
    crate::admin::save_sla_settings(&state, &p, &settings).await?;
    Ok(axum::Json(SlaDocument(settings)))
}

/// One SLA clock.
#[derive(Serialize, ToSchema)]
pub(crate) struct ClockView {
    /// `first_response`, `next_response` or `resolution`.
    metric: String,
    /// `running`, `paused` or `stopped`.
    state: String,
    /// RFC 3339.
    started_at: String,
    /// The target in business seconds.
    target_secs: i64,
    /// RFC 3339; when it is (or was) due.
    due_at: Option<String>,
    /// Business seconds left while paused.
    remaining_secs: Option<i64>,
    /// RFC 3339; when it was met.
    met_at: Option<String>,
    /// Whether the due time passed before it was met.
    breached: bool,
}

impl From<&Clock> for ClockView {
    fn from(c: &Clock) -> Self {
        Self {
            metric: c.metric.as_str().to_owned(),
            state: match c.state {
                ClockState::Running => "running",
                ClockState::Paused => "paused",
                ClockState::Stopped => "stopped",
            }
            .to_owned(),
            started_at: c.started_at.to_rfc3339(),
            target_secs: c.target_secs,
            due_at: c.due_at.map(|d| d.to_rfc3339()),
            remaining_secs: c.remaining_secs,
            met_at: c.met_at.map(|d| d.to_rfc3339()),
            breached: c.breached,
        }
    }
}

/// A conversation's SLA clocks (staff).
#[utoipa::path(get, path = "/api/v1/conversations/{id}/sla", tag = "sla", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<ClockView>), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn clocks(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<ClockView>>, ApiError> {
    p.require_staff()?;
    let id: ConversationId = parse_id(&id, "conversation")?;
    let clocks = state.store.sla_clocks(p.tenant_id, id).await?;
    Ok(axum::Json(clocks.iter().map(ClockView::from).collect()))
}
