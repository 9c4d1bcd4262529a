//! Context events over HTTP (checklist N12, N10, I02): devices, Wi-Fi controllers and feeds
//! post what they saw about a customer; an event is stored only if the customer's current
//! consent covers the purpose its type maps to. Refused events are counted
//! (`kairos_context_events_refused_total{reason}`) and never kept.

use super::customers::may_read_customer;
use super::{load_setting, page_limit, save_setting};
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query, parse_id};
use axum::extract::{Path, State};
use kairos_core::consent::{self, PrivacySettings};
use kairos_core::context::{self, ContextSettings};
use kairos_core::ids::{CustomerId, TenantId};
use kairos_core::party::Role;
use kairos_store::context::ContextEventRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ingest))
        .routes(routes!(list))
        .routes(routes!(get_settings, put_settings))
}

/// One event (`id`, `subject` as `{"customer_id"}`, `{"kind","value"}` or — for reference
/// data of a feed — `{"feed"}`, `type`, `time` RFC 3339, optional `place` and flat
/// `attributes`), or `{"events": [...]}` with 1–1000.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub(crate) struct IngestDocument(Value);

/// What became of one event.
#[derive(Serialize, ToSchema)]
pub(crate) struct EventResult {
    /// Its position in the request.
    index: usize,
    /// Its id, if it had a readable one.
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    /// `accepted`, `duplicate` (stored before; nothing changed) or `refused`.
    status: &'static str,
    /// Why refused: `no_consent`, `unknown_subject`, `unmapped_type`, `not_a_feed_type`, `invalid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    /// For `invalid`: what is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

impl From<kairos_context::EventResult> for EventResult {
    fn from(r: kairos_context::EventResult) -> Self {
        Self {
            index: r.index,
            id: r.id,
            status: r.status.as_str(),
            reason: r.reason.map(|r| r.as_str()),
            detail: r.detail,
        }
    }
}

/// The answer to an ingestion.
#[derive(Serialize, ToSchema)]
pub(crate) struct IngestReport {
    /// Events stored now.
    accepted: usize,
    /// Events stored before (redeliveries).
    duplicates: usize,
    /// Events refused (nothing of them kept).
    refused: usize,
    /// One per event, in order.
    results: Vec<EventResult>,
}

/// A stored context event.
#[derive(Serialize, ToSchema)]
pub(crate) struct ContextEventView {
    /// The sender's id.
    id: String,
    /// Whose.
    customer_id: Uuid,
    /// Its type.
    #[serde(rename = "type")]
    event_type: String,
    /// The consent purpose it was stored under.
    purpose: String,
    /// Where, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    place: Option<String>,
    /// When it happened (RFC 3339).
    time: String,
    /// Its attributes.
    #[schema(value_type = Object)]
    attributes: Value,
    /// When Kairos received it (RFC 3339).
    received_at: String,
}

impl From<ContextEventRecord> for ContextEventView {
    fn from(r: ContextEventRecord) -> Self {
        Self {
            id: r.event_id,
            customer_id: r.customer_id.0,
            event_type: r.event_type,
            purpose: r.purpose,
            place: r.place,
            time: r.time.to_rfc3339(),
            attributes: r.attributes,
            received_at: r.received_at.to_rfc3339(),
        }
    }
}

/// A customer's context events, newest first.
#[derive(Serialize, ToSchema)]
pub(crate) struct ContextEventList {
    /// The events.
    events: Vec<ContextEventView>,
}

/// Paging of the list.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    /// Most events, 1–1000 (default 100).
    limit: Option<u32>,
}

async fn settings(state: &AppState, tenant: TenantId) -> Result<ContextSettings, ApiError> {
    load_setting(state, tenant, context::SETTINGS_KEY).await
}

/// Takes context events (staff tokens: admin or agent). Each is stored only if its type maps
/// to a purpose and the subject's current consent covers it; otherwise it is refused with a
/// reason and nothing of it is kept. A redelivered id answers `duplicate`.
#[utoipa::path(post, path = "/api/v1/context-events", tag = "context", request_body = IngestDocument,
    responses((status = 200, body = IngestReport), (status = 400, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn ingest(
    State(state): State<AppState>,
    p: Principal,
    Json(IngestDocument(body)): Json<IngestDocument>,
) -> Result<axum::Json<IngestReport>, ApiError> {
    p.require_staff()?;
    let raw = kairos_context::split_body(body).map_err(|e| match e {
        kairos_context::BodyError::BatchSize => ApiError::invalid("events", e.to_string()),
        _ => ApiError::bad_request(e.to_string()),
    })?;
    let results: Vec<EventResult> = state
        .context
        .ingest(p.tenant_id, raw)
        .await?
        .into_iter()
        .map(EventResult::from)
        .collect();
    let count = |s: &str| results.iter().filter(|r| r.status == s).count();
    Ok(axum::Json(IngestReport {
        accepted: count("accepted"),
        duplicates: count("duplicate"),
        refused: count("refused"),
        results,
    }))
}

/// A customer's stored context events, newest first (staff, or the customer themself).
#[utoipa::path(get, path = "/api/v1/customers/{id}/context-events", tag = "context", params(("id" = Uuid, Path), ListQuery),
    responses((status = 200, body = ContextEventList), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<ContextEventList>, ApiError> {
    let id: CustomerId = parse_id(&id, "customer")?;
    may_read_customer(&p, id)?;
    let limit = page_limit(q.limit, 100, 1000)?;
    if state.store.customer(p.tenant_id, id).await?.is_none() {
        return Err(ApiError::not_found("customer"));
    }
    let events = state.store.context_events(p.tenant_id, id, limit).await?;
    Ok(axum::Json(ContextEventList {
        events: events.into_iter().map(ContextEventView::from).collect(),
    }))
}

/// Context settings: `purposes` maps an event type, or a prefix ending in `.`, to the consent
/// purpose it needs (the longest match wins; an unmapped type is refused); `feeds` lists the
/// types (or prefixes) a feed of reference data may send without consent.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub(crate) struct ContextDocument(ContextSettings);

/// The type → purpose mapping (staff).
#[utoipa::path(get, path = "/api/v1/context/settings", tag = "context",
    responses((status = 200, body = ContextDocument), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn get_settings(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<ContextDocument>, ApiError> {
    p.require_staff()?;
    Ok(axum::Json(ContextDocument(
        settings(&state, p.tenant_id).await?,
    )))
}

/// Replaces the type → purpose mapping (admins); purposes must be the tenant's.
#[utoipa::path(put, path = "/api/v1/context/settings", tag = "context", request_body = ContextDocument,
    responses((status = 200, body = ContextDocument), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn put_settings(
    State(state): State<AppState>,
    p: Principal,
    Json(ContextDocument(cfg)): Json<ContextDocument>,
) -> Result<axum::Json<ContextDocument>, ApiError> {
    p.require(&[Role::Admin])?;
    let privacy: PrivacySettings = load_setting(&state, p.tenant_id, consent::SETTINGS_KEY).await?;
    let cfg = cfg.validate(&privacy.purposes)?;
    save_setting(&state, &p, context::SETTINGS_KEY, &cfg).await?;
    Ok(axum::Json(ContextDocument(cfg)))
}
