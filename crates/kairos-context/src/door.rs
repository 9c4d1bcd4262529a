//! The door every context event comes through, whatever carried it (HTTP, MQTT, NATS):
//! shape and limits (checklist I01), the type → purpose mapping, the consent check inside
//! the store's write transaction (N12, N10), de-duplication by id (I02). What passes is
//! stored and handed to the anticipation runtime; what is refused is counted and never kept.

use crate::runtime::RuntimeHandle;
use kairos_anticipation::{Attributes, ContextEvent};
use kairos_core::Timestamp;
use kairos_core::context::{self, ContextSettings, MAX_BATCH, Refusal};
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::{CustomerId, TenantId};
use kairos_store::context::{NewContextEvent, Outcome, Subject};
use kairos_store::{Store, StoreError};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

/// Why a whole body was refused before looking at its events.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BodyError {
    /// Not one event object nor `{"events": [...]}`.
    #[error("the body is one event object or {{\"events\": [...]}}")]
    Shape,
    /// A batch object with other keys than `events`.
    #[error("a batch is an object with `events` only")]
    BatchKeys,
    /// A batch of 0 or more than the limit.
    #[error("`events` must be an array of 1 to {MAX_BATCH} events")]
    BatchSize,
}

/// The events of a body: one object, or `{"events": [...]}` with 1–1000.
pub fn split_body(body: Value) -> Result<Vec<Value>, BodyError> {
    match body {
        Value::Object(mut m) if m.contains_key("events") => {
            if m.len() != 1 {
                return Err(BodyError::BatchKeys);
            }
            match m.remove("events") {
                Some(Value::Array(events)) if (1..=MAX_BATCH).contains(&events.len()) => Ok(events),
                _ => Err(BodyError::BatchSize),
            }
        }
        Value::Object(m) => Ok(vec![Value::Object(m)]),
        _ => Err(BodyError::Shape),
    }
}

/// What became of one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventResult {
    /// Its position in the request.
    pub index: usize,
    /// Its id, if it had a readable one.
    pub id: Option<String>,
    /// Accepted, duplicate or refused.
    pub status: Status,
    /// Why refused.
    pub reason: Option<Refusal>,
    /// For `invalid`: what is wrong.
    pub detail: Option<String>,
}

/// An event's fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Stored now.
    Accepted,
    /// Stored before; nothing changed.
    Duplicate,
    /// Refused; nothing kept.
    Refused,
}

impl Status {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Duplicate => "duplicate",
            Status::Refused => "refused",
        }
    }
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

/// Whom: `{"customer_id"}`, an identity `{"kind", "value"}`, or `{"feed"}` for reference data.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectIn {
    customer_id: Option<String>,
    kind: Option<String>,
    value: Option<String>,
    network: Option<String>,
    feed: Option<String>,
}

fn subject(s: SubjectIn) -> Result<Subject, String> {
    match (s.customer_id, s.kind, s.value, s.feed) {
        (Some(id), None, None, None) if s.network.is_none() => id
            .parse::<Uuid>()
            .map(|u| Subject::Customer(CustomerId(u)))
            .map_err(|_| "subject.customer_id is not a UUID".to_owned()),
        (None, Some(kind), Some(value), None) => {
            let kind = IdentityKind::parse(&kind).map_err(|e| e.to_string())?;
            Identity::parse(kind, &value, s.network.as_deref(), None)
                .map(Subject::Identity)
                .map_err(|e| e.to_string())
        }
        (None, None, None, Some(feed)) if s.network.is_none() => {
            let ok = !feed.is_empty()
                && feed.len() <= 64
                && feed
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
            if ok {
                Ok(Subject::Feed(feed))
            } else {
                Err("subject.feed is 1 to 64 of A-Z, a-z, 0-9, `-`, `_`, `.`".to_owned())
            }
        }
        _ => Err("subject names either `customer_id`, `kind` and `value`, or `feed`".to_owned()),
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
    let purpose = match &subject {
        Subject::Feed(_) if cfg.is_feed_type(&e.event_type) => String::new(),
        Subject::Feed(_) => return Err((Refusal::NotAFeedType, None)),
        _ => cfg
            .purpose_for(&e.event_type)
            .ok_or((Refusal::UnmappedType, None))?
            .to_owned(),
    };
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

/// The engine's form of a stored event: customers by their id, feeds as `feed:NAME`.
pub(crate) fn engine_event(
    tenant: TenantId,
    e: &NewContextEvent,
    customer: Option<CustomerId>,
) -> Option<ContextEvent> {
    let subject = match (&e.subject, customer) {
        (Subject::Feed(feed), _) => format!("feed:{feed}"),
        (_, Some(c)) => c.0.to_string(),
        _ => return None,
    };
    let attributes: Attributes =
        serde_json::from_value(Value::Object(e.attributes.clone())).ok()?;
    Some(ContextEvent {
        id: e.event_id.clone(),
        tenant,
        subject,
        event_type: e.event_type.clone(),
        time: e.time,
        place: e.place.clone(),
        attributes,
    })
}

fn refused(index: usize, id: Option<String>, r: Refusal, detail: Option<String>) -> EventResult {
    metrics::counter!("kairos_context_events_refused_total", "reason" => r.as_str()).increment(1);
    EventResult {
        index,
        id,
        status: Status::Refused,
        reason: Some(r),
        detail,
    }
}

/// The door: the store, and the runtime that gets what was stored (if one runs).
#[derive(Clone)]
pub struct ContextDoor {
    store: Store,
    runtime: Option<RuntimeHandle>,
}

impl ContextDoor {
    /// A door that stores only (no engine runs).
    pub fn new(store: Store) -> Self {
        Self {
            store,
            runtime: None,
        }
    }

    /// A door that hands what it stored to `runtime`.
    pub fn with_runtime(store: Store, runtime: RuntimeHandle) -> Self {
        Self {
            store,
            runtime: Some(runtime),
        }
    }

    /// The runtime, if one runs.
    pub fn runtime(&self) -> Option<&RuntimeHandle> {
        self.runtime.as_ref()
    }

    /// Checks, stores and forwards `raw` events of `tenant`: one result per event, in order.
    pub async fn ingest(
        &self,
        tenant: TenantId,
        raw: Vec<Value>,
    ) -> Result<Vec<EventResult>, StoreError> {
        let cfg: ContextSettings = match self.store.setting(tenant, context::SETTINGS_KEY).await? {
            Some(v) => serde_json::from_value(v)
                .map_err(|e| StoreError::Corrupt(format!("context settings: {e}")))?,
            None => ContextSettings::default(),
        };
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
        let mut stored = Vec::new();
        if !ready.is_empty() {
            let outcomes = self
                .store
                .ingest_context_events(tenant, ready.clone())
                .await?;
            for (((index, id), outcome), event) in positions.into_iter().zip(outcomes).zip(ready) {
                let status = match outcome {
                    Outcome::Accepted(customer) => {
                        stored.extend(engine_event(tenant, &event, Some(customer)));
                        Status::Accepted
                    }
                    // Objected to profiling: kept (the consent covers it), never matched.
                    Outcome::AcceptedUnmatched(_) => Status::Accepted,
                    Outcome::Reference => {
                        stored.extend(engine_event(tenant, &event, None));
                        Status::Accepted
                    }
                    Outcome::Duplicate => Status::Duplicate,
                    Outcome::Refused(r) => {
                        if let Some(slot) = results.get_mut(index) {
                            *slot = Some(refused(index, id, r, None));
                        }
                        continue;
                    }
                };
                if status == Status::Accepted {
                    metrics::counter!("kairos_context_events_accepted_total").increment(1);
                }
                if let Some(slot) = results.get_mut(index) {
                    *slot = Some(EventResult {
                        index,
                        id,
                        status,
                        reason: None,
                        detail: None,
                    });
                }
            }
        }
        if let (Some(runtime), false) = (&self.runtime, stored.is_empty()) {
            runtime.feed(tenant, stored).await;
        }
        Ok(results.into_iter().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_are_one_event_or_a_bounded_batch() {
        assert_eq!(split_body(json!({"id": "a"})).map(|v| v.len()), Ok(1));
        assert_eq!(split_body(json!([])), Err(BodyError::Shape));
        assert_eq!(split_body(json!({"events": []})), Err(BodyError::BatchSize));
        assert_eq!(
            split_body(json!({"events": [{}], "x": 1})),
            Err(BodyError::BatchKeys)
        );
        let big: Vec<Value> = (0..=MAX_BATCH).map(|_| json!({})).collect();
        assert_eq!(
            split_body(json!({ "events": big })),
            Err(BodyError::BatchSize)
        );
    }

    #[test]
    fn feeds_may_send_only_feed_types() {
        let cfg = ContextSettings::default();
        let now = Timestamp::from_micros(2_000_000_000_000_000);
        let ev = |ty: &str| {
            json!({"id": "f1", "subject": {"feed": "flights"}, "type": ty,
                   "time": "2026-12-01T10:00:00Z", "attributes": {"number": "LH1"}})
        };
        let ok = prepare(ev("flight.status"), &cfg, now).map(|e| e.subject);
        assert_eq!(ok, Ok(Subject::Feed("flights".into())));
        let smuggled = prepare(ev("presence.wifi"), &cfg, now).map(|e| e.subject);
        assert_eq!(smuggled, Err((Refusal::NotAFeedType, None)));
        let bad = json!({"id": "f2", "subject": {"feed": "a b"}, "type": "flight.status",
                         "time": "2026-12-01T10:00:00Z"});
        assert!(matches!(
            prepare(bad, &cfg, now),
            Err((Refusal::Invalid, Some(_)))
        ));
    }
}
