//! Store side of restriction and objection (Art. 18, 21, 22; checklist N11, N13, N17): the
//! person's switches, checked inside the transactions that match events and execute
//! firings, and the automated decisions about them with their reasons and human review.

use crate::flows::{WriteTx, surviving_customer};
use crate::{Result, Store, StoreError, now};
use kairos_core::Timestamp;
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::{ConversationId, CustomerId, TenantId};
use kairos_core::restriction::{self, Restrictions, RestrictionsCommand, ReviewStatus};

/// An automated decision about a person: what a rule did, why, and its review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The firing's key.
    pub key: String,
    /// Whom it concerns.
    pub customer_id: CustomerId,
    /// The rule's name.
    pub rule: String,
    /// The rule's version.
    pub rule_version: u32,
    /// The action's kind.
    pub action: String,
    /// The rendered text, if any.
    pub text: Option<String>,
    /// One line per matched step and policy check.
    pub explanation: Vec<String>,
    /// The conversation it wrote to, if any.
    pub conversation_id: Option<ConversationId>,
    /// When it was executed.
    pub fired_at: Timestamp,
    /// Where its human review stands.
    pub review: Option<ReviewStatus>,
    /// The person's reason or the reviewer's note.
    pub review_note: Option<String>,
}

/// The reads restrictions need inside a write transaction.
pub(crate) trait RestrictionTx {
    /// The customer's current restrictions (none if never set).
    async fn restrictions_of(&mut self, customer: CustomerId) -> Result<Restrictions>;
    /// A decision of this tenant by its key.
    async fn decision(&mut self, key: &str) -> Result<Option<Decision>>;
}

async fn set<T: WriteTx + RestrictionTx>(
    tx: &mut T,
    customer: CustomerId,
    cmd: RestrictionsCommand,
    at: Timestamp,
    actor: &Actor,
) -> Result<Restrictions> {
    let customer = surviving_customer(tx, customer)
        .await?
        .ok_or(StoreError::not_found("customer"))?;
    let current = tx.restrictions_of(customer).await?;
    let next = cmd.apply(current)?;
    if next != current {
        tx.append(vec![NewEvent::new(
            at,
            actor,
            EventData::RestrictionsChanged {
                customer_id: customer,
                restrictions: next,
                reason: cmd.reason,
            },
        )])
        .await?;
    }
    Ok(next)
}

#[allow(clippy::too_many_arguments)]
async fn review<T: WriteTx + RestrictionTx>(
    tx: &mut T,
    customer: CustomerId,
    key: String,
    status: ReviewStatus,
    note: Option<String>,
    by_staff: bool,
    at: Timestamp,
    actor: &Actor,
) -> Result<Decision> {
    let customer = surviving_customer(tx, customer)
        .await?
        .ok_or(StoreError::not_found("customer"))?;
    let mut decision = match tx.decision(&key).await? {
        Some(d) if d.customer_id == customer => d,
        _ => return Err(StoreError::not_found("decision")),
    };
    let status = restriction::review(decision.review, status, by_staff, note.as_deref())?;
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::DecisionReviewed {
            customer_id: customer,
            key,
            status,
            note: note.clone(),
        },
    )])
    .await?;
    decision.review = Some(status);
    decision.review_note = note;
    Ok(decision)
}

impl Store {
    /// A customer's restrictions (none if never set).
    pub async fn restrictions(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Restrictions> {
        dispatch!(self, s => s.restrictions(tenant, customer).await)
    }

    /// Changes a customer's restrictions; they count from this commit on (`restrictions.changed`
    /// on the log when anything changed).
    pub async fn set_restrictions(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        cmd: RestrictionsCommand,
        actor: &Actor,
    ) -> Result<Restrictions> {
        let (at, actor) = (now(), actor.clone());
        flow!(self, tenant, |tx| set(tx, customer, cmd, at, &actor))
    }

    /// The automated decisions about a customer, newest first (at most `limit`).
    pub async fn decisions(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        limit: u32,
    ) -> Result<Vec<Decision>> {
        dispatch!(self, s => s.decisions(tenant, customer, limit).await)
    }

    /// Contests (the person) or decides (staff) the review of one decision about `customer`.
    #[allow(clippy::too_many_arguments)]
    pub async fn review_decision(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        key: String,
        status: ReviewStatus,
        note: Option<String>,
        by_staff: bool,
        actor: &Actor,
    ) -> Result<Decision> {
        let (at, actor) = (now(), actor.clone());
        flow!(self, tenant, |tx| review(
            tx, customer, key, status, note, by_staff, at, &actor
        ))
    }
}

/// Decodes a stored explanation.
pub(crate) fn explanation(json: &str) -> Result<Vec<String>> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("explanation: {e}")))
}

/// Decodes a stored review status.
pub(crate) fn review_status(s: Option<String>) -> Result<Option<ReviewStatus>> {
    s.map(|s| {
        serde_json::from_value(serde_json::Value::String(s))
            .map_err(|e| StoreError::Corrupt(format!("review status: {e}")))
    })
    .transpose()
}
