//! Live chat: the visitor-token endpoint for the web widget, and the two WebSocket doors.
//! The protocol itself is in `crate::live` and `docs/live-chat.md`.

use crate::AppState;
use crate::auth::{self, Principal, Via};
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::live::protocol::MAX_FRAME;
use crate::live::socket::{self, Door};
use crate::live::visitor::{self, VISITOR_TOKEN_DAYS, Visitor};
use axum::extract::State;
use axum::extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, StatusCode};
use kairos_core::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(new_visitor))
        .routes(routes!(customer_socket))
        .routes(routes!(staff_socket))
}

/// Which tenant's widget asks.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VisitorRequest {
    /// The tenant's slug (the widget's `data-tenant`).
    tenant: String,
}

/// A new visitor's credentials.
#[derive(Serialize, ToSchema)]
pub(crate) struct VisitorView {
    /// Send it in the socket's `auth` frame; keep it to resume on the next visit.
    visitor_token: String,
    /// The visitor's device id (their identity once they write).
    device_id: Uuid,
    /// RFC 3339.
    expires_at: String,
}

/// Issues a visitor token for the chat widget of a tenant (no sign-in needed).
#[utoipa::path(post, path = "/api/v1/chat/visitors", tag = "live", request_body = VisitorRequest,
    responses((status = 201, body = VisitorView), (status = 404, description = "no such tenant", body = Problem)))]
async fn new_visitor(
    State(state): State<AppState>,
    Json(req): Json<VisitorRequest>,
) -> Result<Response, ApiError> {
    let tenant = state
        .store
        .tenant_by_slug(req.tenant.trim())
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))?;
    let key = state.visitor_key().await?;
    let v = Visitor {
        tenant_id: tenant.id,
        device: Uuid::new_v4(),
        issued: socket::unix_now(),
    };
    let expires = Timestamp::from_micros((v.issued + VISITOR_TOKEN_DAYS * 86_400) * 1_000_000);
    let view = VisitorView {
        visitor_token: visitor::sign(&key, &v),
        device_id: v.device,
        expires_at: expires.to_rfc3339(),
    };
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

fn upgrade(
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<WebSocketUpgrade, ApiError> {
    let ws =
        ws.map_err(|e| ApiError::bad_request(format!("this endpoint speaks WebSocket: {e}")))?;
    // Small frames and buffers: an idle socket should cost a few KiB (M04).
    Ok(ws
        .max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_FRAME * 4))
}

/// Credentials on the upgrade request itself, if any (`None`: the first frame must
/// authenticate). A cookie rides along on cross-site requests, so a cookie-authenticated
/// upgrade must come from our own origin (checklist M01).
async fn credentials(state: &AppState, headers: &HeaderMap) -> Result<Option<Principal>, ApiError> {
    let has_header = headers.contains_key(http::header::AUTHORIZATION);
    let has_cookie = headers.contains_key(http::header::COOKIE);
    if !has_header && !has_cookie {
        return Ok(None);
    }
    let p = match auth::authenticate(state, headers, &Method::GET).await {
        Ok(p) => p,
        // A stale cookie on a widget page is no reason to refuse; the first frame decides.
        Err(_) if !has_header => return Ok(None),
        Err(e) => return Err(e),
    };
    if matches!(p.via, Via::Session { .. }) && !same_origin(headers) {
        return Err(ApiError::forbidden());
    }
    Ok(Some(p))
}

fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok());
    let origin = headers
        .get(http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(|o| o.split_once("://").map(|(_, rest)| rest));
    matches!((host, origin), (Some(h), Some(o)) if h.eq_ignore_ascii_case(o))
}

/// The customer door: widget visitors (visitor token) and customer tokens. Speaks the live
/// protocol (`docs/live-chat.md`) after `101 Switching Protocols`.
#[utoipa::path(get, path = "/api/v1/chat/socket", tag = "live",
    responses((status = 101, description = "WebSocket: the live-chat protocol"), (status = 400, body = Problem), (status = 401, body = Problem)))]
async fn customer_socket(
    State(state): State<AppState>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let ws = upgrade(ws)?;
    let pre = credentials(&state, &headers).await?;
    if pre.as_ref().is_some_and(|p| p.customer_id.is_none()) {
        return Err(ApiError::forbidden());
    }
    Ok(ws.on_upgrade(move |s| socket::serve(s, state, Door::Customer, pre)))
}

/// The staff door: agents and admins (session cookie from our own origin, bearer token, or
/// a token in the first frame). Receives every event of the tenant's conversations.
#[utoipa::path(get, path = "/api/v1/staff/socket", tag = "live",
    responses((status = 101, description = "WebSocket: the live-chat protocol"), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn staff_socket(
    State(state): State<AppState>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let ws = upgrade(ws)?;
    let pre = credentials(&state, &headers).await?;
    if let Some(p) = &pre {
        p.require_staff()?;
    }
    Ok(ws.on_upgrade(move |s| socket::serve(s, state, Door::Staff, pre)))
}
