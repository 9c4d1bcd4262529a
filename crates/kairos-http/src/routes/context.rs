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
use kairos_core::Timestamp;
use kairos_core::consent::{self, PrivacySettings};
use kairos_core::context::{self, ContextSettings, MAX_BATCH, Refusal};
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::{CustomerId, TenantId};
use kairos_core::party::Role;
use kairos_store::context::{ContextEventRecord, NewContextEvent, Outcome, Subject};
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

/// One event on the wire.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventIn {
    id: String,
    subject: SubjectIn,
    #[serde(rename = "type")]
    event_type: String,
    time: String,
    #[serde(default)]
    place: Option<String>,
    #[serde(default)]
    attributes: serde_json::Map<String, Value>,
}

/// Whom: `{"customer_id": …}` or an identity `{"kind": "email", "value": …}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectIn {
    customer_id: Option<String>,
    kind: Option<String>,
    value: Option<String>,
    network: Option<String>,
}

/// One event (`id`, `subject` as `{"customer_id"}` or `{"kind","value"}`, `type`, `time`
/// RFC 3339, optional `place` and flat `attributes`), or `{"events": [...]}` with 1–1000.
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
    /// Why refused: `no_consent`, `unknown_subject`, `unmapped_type`, `invalid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    /// For `invalid`: what is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
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

fn subject(s: SubjectIn) -> Result<Subject, String> {
    match (s.customer_id, s.kind, s.value) {
        (Some(id), None, None) if s.network.is_none() => id
            .parse::<Uuid>()
            .map(|u| Subject::Customer(CustomerId(u)))
            .map_err(|_| "subject.customer_id is not a UUID".to_owned()),
        (None, Some(kind), Some(value)) => {
            let kind = IdentityKind::parse(&kind).map_err(|e| e.to_string())?;
            Identity::parse(kind, &value, s.network.as_deref(), None)
                .map(Subject::Identity)
                .map_err(|e| e.to_string())
        }
        _ => Err("subject names either `customer_id` or `kind` and `value`".to_owned()),
    }
}

/// Checks one event without the store: the event ready for the consent check, or why not.
fn prepare(
    raw: Value,
    cfg: &ContextSettings,
    now: Timestamp,
) -> Result<NewContextEvent, (Refusal, Option<String>)> {
    let invalid = |d: String| (Refusal::Invalid, Some(d));
    let e: EventIn = serde_json::from_value(raw).map_err(|e| invalid(e.to_string()))?;
    let time = Timestamp::parse_rfc3339(&e.time)
        .ok_or_else(|| invalid("time is not an RFC 3339 timestamp".into()))?;
    context::validate_event(
        &e.id,
        &e.event_type,
        e.place.as_deref(),
        time,
        &e.attributes,
        now,
    )
    .map_err(|e| invalid(e.to_string()))?;
    let subject = subject(e.subject).map_err(invalid)?;
    let purpose = cfg
        .purpose_for(&e.event_type)
        .ok_or((Refusal::UnmappedType, None))?
        .to_owned();
    Ok(NewContextEvent {
        event_id: e.id,
        subject,
        event_type: e.event_type,
        purpose,
        place: e.place,
        time,
        attributes: e.attributes,
    })
}

/// The events of a body: one object, or `{"events": [...]}` with 1–1000.
fn events_of(body: Value) -> Result<Vec<Value>, ApiError> {
    match body {
        Value::Object(mut m) if m.contains_key("events") => {
            if m.len() != 1 {
                return Err(ApiError::bad_request(
                    "a batch is an object with `events` only",
                ));
            }
            match m.remove("events") {
                Some(Value::Array(events)) if (1..=MAX_BATCH).contains(&events.len()) => Ok(events),
                _ => Err(ApiError::invalid(
                    "events",
                    format!("an array of 1 to {MAX_BATCH} events"),
                )),
            }
        }
        Value::Object(m) => Ok(vec![Value::Object(m)]),
        _ => Err(ApiError::bad_request(
            "the body is one event object or {\"events\": [...]}",
        )),
    }
}

fn refused(index: usize, id: Option<String>, r: Refusal, detail: Option<String>) -> EventResult {
    metrics::counter!("kairos_context_events_refused_total", "reason" => r.as_str()).increment(1);
    EventResult {
        index,
        id,
        status: "refused",
        reason: Some(r.as_str()),
        detail,
    }
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
    let raw = events_of(body)?;
    let cfg = settings(&state, p.tenant_id).await?;
    let now = kairos_store::now();
    let mut results: Vec<Option<EventResult>> = Vec::with_capacity(raw.len());
    let mut ready = Vec::new();
    let mut positions = Vec::new();
    for (index, v) in raw.into_iter().enumerate() {
        let id = v
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && s.len() <= context::MAX_ID_LEN)
            .map(str::to_owned);
        match prepare(v, &cfg, now) {
            Ok(e) => {
                ready.push(e);
                positions.push((index, id));
                results.push(None);
            }
            Err((r, detail)) => results.push(Some(refused(index, id, r, detail))),
        }
    }
    if !ready.is_empty() {
        let outcomes = state
            .store
            .ingest_context_events(p.tenant_id, ready)
            .await?;
        for ((index, id), outcome) in positions.into_iter().zip(outcomes) {
            let result = match outcome {
                Outcome::Accepted(_) | Outcome::Duplicate => {
                    let accepted = matches!(outcome, Outcome::Accepted(_));
                    if accepted {
                        metrics::counter!("kairos_context_events_accepted_total").increment(1);
                    }
                    EventResult {
                        index,
                        id,
                        status: if accepted { "accepted" } else { "duplicate" },
                        reason: None,
                        detail: None,
                    }
                }
                Outcome::Refused(r) => refused(index, id, r, None),
            };
            if let Some(slot) = results.get_mut(index) {
                *slot = Some(result);
            }
        }
    }
    let results: Vec<EventResult> = results.into_iter().flatten().collect();
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
/// purpose it needs (the longest match wins; an unmapped type is refused).
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
