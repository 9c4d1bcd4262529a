//! The routes, one module per resource, merged here with the middleware stack.

mod agents;
mod anticipation;
mod audit;
mod auth;
mod canned;
mod channels;
mod chat_files;
mod consents;
mod context;
mod conversations;
mod coupons;
mod customers;
mod events;
mod export;
mod forum;
mod forum_search;
mod health;
mod hooks;
mod inbound;
mod kb;
mod kb_admin;
pub(crate) mod kb_attachments;
mod kb_history;
mod kb_search;
pub(crate) use customers::may_read_customer;
pub(crate) use kb_search::suggestions_for;
mod invitations;
mod live;
mod mail;
mod restrictions;
mod retention;
mod search;
mod sla;
mod staff;
mod tenant;
mod webhook_secrets;
mod widget;

use crate::AppState;
use crate::error::ApiError;
use crate::idempotency;
use crate::security;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::response::IntoResponse;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;

/// Every API route with its OpenAPI description.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(inbound::router())
        .merge(customers::router())
        .merge(conversations::router())
        .merge(events::router())
        .merge(auth::router())
        .merge(staff::router())
        .merge(tenant::router())
        .merge(invitations::router())
        .merge(canned::router())
        .merge(live::router())
        .merge(chat_files::router())
        .merge(sla::router())
        .merge(agents::router())
        .merge(mail::router())
        .merge(consents::router())
        .merge(context::router())
        .merge(anticipation::router())
        .merge(webhook_secrets::router())
        .merge(coupons::router())
        .merge(audit::router())
        .merge(export::router())
        .merge(retention::router())
        .merge(restrictions::router())
        .merge(channels::router())
        .merge(hooks::router())
        .merge(kb::router())
        .merge(forum::router())
        .merge(forum_search::router())
        .merge(kb_admin::router())
        .merge(kb_attachments::router())
        .merge(kb_history::router())
        .merge(kb_search::router())
        .merge(search::router())
        .merge(widget::router())
        .merge(health::documented())
}

/// A tenant setting (a JSON document per key), or `T`'s default when none is stored. A
/// stored value that no longer reads is our fault (500), never the caller's.
pub(crate) async fn load_setting<T: serde::de::DeserializeOwned + Default>(
    state: &AppState,
    tenant: kairos_core::ids::TenantId,
    key: &str,
) -> Result<T, ApiError> {
    match state.store.setting(tenant, key).await? {
        Some(v) => serde_json::from_value(v)
            .map_err(|e| ApiError::internal(format!("stored {key} settings: {e}"))),
        None => Ok(T::default()),
    }
}

/// Replaces a tenant setting with an already validated value (recorded on the log as
/// `setting.changed`, with who changed it).
pub(crate) async fn save_setting<T: serde::Serialize>(
    state: &AppState,
    p: &crate::auth::Principal,
    key: &str,
    value: &T,
) -> Result<(), ApiError> {
    let value = serde_json::to_value(value).map_err(|e| ApiError::internal(e.to_string()))?;
    state
        .store
        .put_setting(p.tenant_id, key, value, &p.actor())
        .await?;
    Ok(())
}

/// Paging along the log: items after a `seq`.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeqPageQuery {
    /// Items after this log position (the previous page's `next_cursor`).
    after: Option<i64>,
    /// Page size, 1–500 (default 100).
    limit: Option<u32>,
}

/// Page size bounds shared by list endpoints.
pub(crate) fn page_limit(requested: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    match requested {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid("limit", format!("1–{max}"))),
    }
}

async fn fallback() -> impl IntoResponse {
    ApiError::not_found("route")
}

/// The application router with middleware.
pub(crate) fn router(state: AppState, extra: Router<AppState>) -> Router {
    let (api, _) = api().split_for_parts();
    let request_id = http::HeaderName::from_static("x-request-id");
    api.merge(health::undocumented())
        .merge(extra)
        .route_layer(middleware::from_fn_with_state(state.clone(), crate::audit::layer))
        .route_layer(middleware::from_fn(crate::routes::health::track))
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(state.clone(), idempotency::layer))
        .layer(DefaultBodyLimit::max(idempotency::MAX_BODY))
        // A client trickling its body cannot hold a request open for ever.
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(30)))
        .layer(middleware::from_fn(security::headers))
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| ApiError::internal("a handler panicked").into_response()))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(move |req: &http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}
