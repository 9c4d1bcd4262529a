//! Context events (checklist N12, N10, I02): stored only if the subject's current consent
//! covers the event's purpose, decided inside the tenant's write transaction so that a
//! withdrawal committed first is always respected. Refused events leave nothing behind.
//! They are kept in their own table, not on the tenant log (volume), and belong to the
//! person's data (export, erasure).

use crate::flows::{WriteTx, surviving_customer};
use crate::restriction::RestrictionTx;
use crate::{Result, Store, StoreError, now};
use kairos_core::Timestamp;
use kairos_core::consent::{self, ConsentRecord};
use kairos_core::context::Refusal;
use kairos_core::identity::Identity;
use kairos_core::ids::{CustomerId, TenantId};

/// Whom an incoming event is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A customer id (followed through merges).
    Customer(CustomerId),
    /// An identity the tenant knows (e-mail, phone, device id, …).
    Identity(Identity),
    /// A feed of reference data about no person (flight status, traffic), by name.
    Feed(String),
}

/// A validated event with its purpose, ready for the consent check.
#[derive(Clone, Debug)]
pub struct NewContextEvent {
    /// The sender's event id (unique per tenant).
    pub event_id: String,
    /// Whom it is about.
    pub subject: Subject,
    /// Its type.
    pub event_type: String,
    /// The consent purpose its type needs (empty for a feed's events).
    pub purpose: String,
    /// Where, if known.
    pub place: Option<String>,
    /// When it happened.
    pub time: Timestamp,
    /// Flat attributes as a JSON object.
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

/// A stored context event.
#[derive(Clone, Debug, PartialEq)]
pub struct ContextEventRecord {
    /// The sender's event id.
    pub event_id: String,
    /// Whose.
    pub customer_id: CustomerId,
    /// Its type.
    pub event_type: String,
    /// The purpose it was stored under.
    pub purpose: String,
    /// Where, if known.
    pub place: Option<String>,
    /// When it happened.
    pub time: Timestamp,
    /// Its attributes (a JSON object).
    pub attributes: serde_json::Value,
    /// When Kairos received it.
    pub received_at: Timestamp,
}

/// A stored event of a feed: reference data about no person.
#[derive(Clone, Debug, PartialEq)]
pub struct ReferenceEventRecord {
    /// The sender's event id.
    pub event_id: String,
    /// The feed's name.
    pub feed: String,
    /// Its type.
    pub event_type: String,
    /// Where, if known.
    pub place: Option<String>,
    /// When it happened.
    pub time: Timestamp,
    /// Its attributes (a JSON object).
    pub attributes: serde_json::Value,
    /// When Kairos received it.
    pub received_at: Timestamp,
}

/// What became of one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Stored for this customer.
    Accepted(CustomerId),
    /// Stored for this customer, who has objected to profiling: not to be matched.
    AcceptedUnmatched(CustomerId),
    /// Stored as reference data of a feed.
    Reference,
    /// An event with this id is already stored; nothing changed.
    Duplicate,
    /// Refused; nothing was stored.
    Refused(Refusal),
}

/// The reads and writes beside the log that ingestion needs inside the write transaction.
pub(crate) trait ContextTx {
    /// The customer's consent records (JSON).
    async fn consent_records_of(&mut self, customer: CustomerId) -> Result<Vec<String>>;
    /// Whether an event with this id is stored in this tenant.
    async fn context_event_exists(&mut self, event_id: &str) -> Result<bool>;
    /// Stores one event.
    async fn insert_context_event(&mut self, event: &ContextEventRecord) -> Result<()>;
    /// Whether a feed event with this id is stored in this tenant.
    async fn reference_event_exists(&mut self, event_id: &str) -> Result<bool>;
    /// Stores one feed event.
    async fn insert_reference_event(&mut self, event: &ReferenceEventRecord) -> Result<()>;
}

/// The live customer behind a subject, if there is one in this tenant.
async fn resolve<T: WriteTx>(tx: &mut T, subject: &Subject) -> Result<Option<CustomerId>> {
    let id = match subject {
        Subject::Customer(id) => *id,
        Subject::Identity(identity) => match tx.customer_by_identity(identity).await? {
            Some(id) => id,
            None => return Ok(None),
        },
        Subject::Feed(_) => return Ok(None),
    };
    surviving_customer(tx, id).await
}

async fn ingest<T: WriteTx + ContextTx + RestrictionTx>(
    tx: &mut T,
    events: Vec<NewContextEvent>,
    at: Timestamp,
) -> Result<Vec<Outcome>> {
    let mut outcomes = Vec::with_capacity(events.len());
    for e in events {
        if let Subject::Feed(feed) = e.subject {
            if tx.reference_event_exists(&e.event_id).await? {
                outcomes.push(Outcome::Duplicate);
                continue;
            }
            tx.insert_reference_event(&ReferenceEventRecord {
                event_id: e.event_id,
                feed,
                event_type: e.event_type,
                place: e.place,
                time: e.time,
                attributes: serde_json::Value::Object(e.attributes),
                received_at: at,
            })
            .await?;
            outcomes.push(Outcome::Reference);
            continue;
        }
        let Some(customer) = resolve(tx, &e.subject).await? else {
            outcomes.push(Outcome::Refused(Refusal::UnknownSubject));
            continue;
        };
        // A redelivery gets the first delivery's answer, whatever changed since (I02).
        if tx.context_event_exists(&e.event_id).await? {
            outcomes.push(Outcome::Duplicate);
            continue;
        }
        let records: Vec<ConsentRecord> = tx
            .consent_records_of(customer)
            .await?
            .iter()
            .map(|json| {
                serde_json::from_str(json)
                    .map_err(|e| StoreError::Corrupt(format!("consent record: {e}")))
            })
            .collect::<Result<_>>()?;
        if !consent::allows(&records, &e.purpose) {
            outcomes.push(Outcome::Refused(Refusal::NoConsent));
            continue;
        }
        tx.insert_context_event(&ContextEventRecord {
            event_id: e.event_id,
            customer_id: customer,
            event_type: e.event_type,
            purpose: e.purpose,
            place: e.place,
            time: e.time,
            attributes: serde_json::Value::Object(e.attributes),
            received_at: at,
        })
        .await?;
        let matchable = tx.restrictions_of(customer).await?.allows_matching();
        outcomes.push(if matchable {
            Outcome::Accepted(customer)
        } else {
            Outcome::AcceptedUnmatched(customer)
        });
    }
    Ok(outcomes)
}

impl Store {
    /// Checks each event's subject and consent and stores those that pass, all in one write
    /// transaction of the tenant; answers one outcome per event, in order.
    pub async fn ingest_context_events(
        &self,
        tenant: TenantId,
        events: Vec<NewContextEvent>,
    ) -> Result<Vec<Outcome>> {
        let at = now();
        flow!(self, tenant, |tx| ingest(tx, events, at))
    }

    /// A customer's context events since `from`, oldest first (the engine's look-back).
    pub async fn context_history(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        from: Timestamp,
    ) -> Result<Vec<ContextEventRecord>> {
        dispatch!(self, s => s.context_history(tenant, customer, from).await)
    }

    /// The tenant's context events of every customer since `from`, oldest first, at most
    /// `limit` (the runtime replays them after a restart).
    pub async fn context_events_since(
        &self,
        tenant: TenantId,
        from: Timestamp,
        limit: u32,
    ) -> Result<Vec<ContextEventRecord>> {
        dispatch!(self, s => s.context_events_since(tenant, from, limit).await)
    }

    /// The tenant's feed events since `from`, oldest first, at most `limit`.
    pub async fn reference_events_since(
        &self,
        tenant: TenantId,
        from: Timestamp,
        limit: u32,
    ) -> Result<Vec<ReferenceEventRecord>> {
        dispatch!(self, s => s.reference_events_since(tenant, from, limit).await)
    }

    /// A customer's context events, newest first (at most `limit`).
    pub async fn context_events(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        limit: u32,
    ) -> Result<Vec<ContextEventRecord>> {
        dispatch!(self, s => s.context_events_of(tenant, customer, limit).await)
    }
}

/// Decodes a stored row's attributes.
pub(crate) fn attributes(json: &str) -> Result<serde_json::Value> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("context event: {e}")))
}
