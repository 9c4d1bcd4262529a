//! The chat widget's settings (docs/ui.md#chat-widget): which web sites may embed the chat
//! frame (its `frame-ancestors`, checklist B05) and whether visitors see a pre-chat form.

use super::{load_setting, save_setting};
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use axum::extract::State;
use kairos_core::party::Role;
use kairos_core::widget::{SETTINGS_KEY, WidgetSettings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_widget, put_widget))
}

/// `allowed_origins`: the sites (`https://www.acme.example`, `https://*.acme.example`, at
/// most 20) whose pages may show the chat (default: none); `prechat_form`: ask for name and
/// e-mail before the first message (default false).
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub(crate) struct WidgetDocument(WidgetSettings);

/// The widget settings (staff); a tenant that never set them has the defaults.
#[utoipa::path(get, path = "/api/v1/widget", tag = "live",
    responses((status = 200, body = WidgetDocument), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn get_widget(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<WidgetDocument>, ApiError> {
    p.require_staff()?;
    let settings: WidgetSettings = load_setting(&state, p.tenant_id, SETTINGS_KEY).await?;
    Ok(axum::Json(WidgetDocument(settings)))
}

/// Replaces the widget settings (admins). Origins are checked strictly: scheme, host and
/// port only, since they end up in the frame's `Content-Security-Policy`.
#[utoipa::path(put, path = "/api/v1/widget", tag = "live", request_body = WidgetDocument,
    responses((status = 200, body = WidgetDocument), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn put_widget(
    State(state): State<AppState>,
    p: Principal,
    Json(WidgetDocument(settings)): Json<WidgetDocument>,
) -> Result<axum::Json<WidgetDocument>, ApiError> {
    p.require(&[Role::Admin])?;
    let settings = WidgetSettings::parse(settings)?;
    save_setting(&state, &p, SETTINGS_KEY, &settings).await?;
    Ok(axum::Json(WidgetDocument(settings)))
}
