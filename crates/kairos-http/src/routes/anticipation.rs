//! A tenant's anticipation rules over HTTP (anticipation issue, item 3): admins read and
//! replace the rule file and switch it on; a file that does not parse is refused with its
//! line and column and changes nothing. Staff see what the running engine does.

use super::{load_setting, save_setting};
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use axum::extract::State;
use kairos_anticipation::RuleSet;
use kairos_core::anticipation::{AnticipationSettings, SETTINGS_KEY};
use kairos_core::party::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_rules, put_rules))
        .routes(routes!(status))
}

/// `enabled` (default false) and `rules`, the rule file as text (see docs/anticipation.md).
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub(crate) struct RulesDocument(AnticipationSettings);

/// What the tenant's engine is doing (`running` false when switched off or idle).
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
pub(crate) struct StatusDocument(serde_json::Value);

/// The tenant's rule file and whether it runs (admins).
#[utoipa::path(get, path = "/api/v1/anticipation/rules", tag = "anticipation",
    responses((status = 200, body = RulesDocument), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn get_rules(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<RulesDocument>, ApiError> {
    p.require(&[Role::Admin])?;
    let settings: AnticipationSettings = load_setting(&state, p.tenant_id, SETTINGS_KEY).await?;
    Ok(axum::Json(RulesDocument(settings)))
}

/// Replaces the rule file (admins). It must parse: errors answer 422 with `line` and
/// `column`. The running engine restarts with the new rules (replaying the last day).
#[utoipa::path(put, path = "/api/v1/anticipation/rules", tag = "anticipation", request_body = RulesDocument,
    responses((status = 200, body = RulesDocument), (status = 400, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn put_rules(
    State(state): State<AppState>,
    p: Principal,
    Json(RulesDocument(settings)): Json<RulesDocument>,
) -> Result<axum::Json<RulesDocument>, ApiError> {
    p.require(&[Role::Admin])?;
    let settings = settings.validate()?;
    if let Err(e) = RuleSet::parse(&settings.rules) {
        return Err(ApiError::invalid(
            "rules",
            format!("line {}, column {}: {}", e.pos.line, e.pos.col, e.message),
        ));
    }
    save_setting(&state, &p, SETTINGS_KEY, &settings).await?;
    if let Some(runtime) = state.context.runtime() {
        runtime.reload(p.tenant_id).await;
    }
    Ok(axum::Json(RulesDocument(settings)))
}

/// The engine's rules, totals and state size (staff).
#[utoipa::path(get, path = "/api/v1/anticipation/status", tag = "anticipation",
    responses((status = 200, body = StatusDocument), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn status(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<StatusDocument>, ApiError> {
    p.require_staff()?;
    let status = match state.context.runtime() {
        Some(runtime) => runtime.status(p.tenant_id).await,
        None => None,
    };
    let value = match status {
        Some(s) => serde_json::to_value(s).map_err(|e| ApiError::internal(e.to_string()))?,
        None => serde_json::json!({ "running": false }),
    };
    Ok(axum::Json(StatusDocument(value)))
}
