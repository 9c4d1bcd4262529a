//! The tenant event log: pages, and a live Server-Sent Events stream that resumes from any
//! `seq` (query `after` or the `Last-Event-ID` header) and misses nothing.

use super::page_limit;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::Query;
use crate::views::{EventView, Page};
use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::Stream;
use http::HeaderMap;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(stream))
}

/// Where to resume.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventsQuery {
    /// Events after this `seq` (0 = from the start).
    after: Option<i64>,
    /// Page size, 1–1000 (default 100).
    limit: Option<u32>,
}

/// A page of the tenant's event log in `seq` order.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventsQuery),
    responses((status = 200, body = Page<EventView>), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<EventsQuery>,
) -> Result<axum::Json<Page<EventView>>, ApiError> {
    p.require_staff()?;
    let limit = page_limit(q.limit, 100, 1000)?;
    let items = state
        .store
        .events(p.tenant_id, q.after.unwrap_or(0).max(0), limit)
        .await?;
    let next_cursor = items.last().map(|e| e.seq.to_string());
    Ok(axum::Json(Page {
        items: items.iter().map(EventView::from).collect(),
        next_cursor,
    }))
}

/// Events fetched per round while catching up.
const BATCH: u32 = 500;

/// The live log as `text/event-stream`: each event's SSE `id` is its `seq`, `event` its type.
/// Reconnecting with `Last-Event-ID` (or `after`) resumes exactly after it.
#[utoipa::path(get, path = "/api/v1/events/stream", tag = "events", params(EventsQuery),
    responses((status = 200, description = "text/event-stream of EventView", content_type = "text/event-stream"), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn stream(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    p.require_staff()?;
    let from_header = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    let mut cursor = from_header.or(q.after).unwrap_or(0).max(0);
    let tenant = p.tenant_id;
    // Subscribe before the first read so a commit between read and wait is not missed.
    let mut notices = state.store.subscribe();
    let store = state.store.clone();
    let mut shutdown = state.shutdown.clone();
    let events = async_stream::stream! {
        loop {
            let batch = match store.events(tenant, cursor, BATCH).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "event stream: read failed; ending the stream so the client reconnects");
                    break;
                }
            };
            let full = batch.len() == BATCH as usize;
            for event in &batch {
                cursor = event.seq;
                let view = EventView::from(event);
                let data = serde_json::to_string(&view).unwrap_or_default();
                yield Ok(SseEvent::default().id(event.seq.to_string()).event(view.type_.clone()).data(data));
            }
            if full {
                continue;
            }
            // Wait for a commit of this tenant beyond the cursor; re-read on lag or timeout.
            let wait = async {
                loop {
                    match notices.recv().await {
                        Ok(n) if n.tenant_id == tenant && n.seq > cursor => return true,
                        Ok(_) => continue,
                        Err(RecvError::Lagged(_)) => return true,
                        Err(RecvError::Closed) => return false,
                    }
                }
            };
            if *shutdown.borrow() {
                break;
            }
            tokio::select! {
                // The server is stopping: end the stream; the client resumes elsewhere with
                // Last-Event-ID.
                _ = shutdown.changed() => break,
                woke = tokio::time::timeout(Duration::from_secs(30), wait) => match woke {
                    Ok(false) => break,
                    Ok(true) | Err(_) => continue,
                },
            }
        }
    };
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
