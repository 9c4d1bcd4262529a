//! Tenant settings, SLA clocks and log consumers that write back to the log.
//!
//! The SLA worker follows a tenant's log from its cursor; [`Store::sla_follow`] lets the core
//! decide the clock changes for a batch of events and appends them together with the new
//! cursor in one transaction, so a crash never applies a batch twice or skips one.

use crate::error::{Result, StoreError};
use crate::flows::{WriteTx, append_for_survivor};
use crate::{Store, now};
use kairos_core::event::{Actor, Event, EventData, NewEvent};
use kairos_core::ids::{ConversationId, CustomerId, TenantId};
use kairos_core::sla::{self, Clock, ConversationClocks, SlaConfig};
use kairos_core::{DomainError, Timestamp};

/// The reads and writes beside the log that SLA flows need inside the write transaction.
pub(crate) trait SlaTx {
    /// The conversation's clocks.
    async fn sla_clocks(&mut self, conversation: ConversationId) -> Result<Vec<Clock>>;
    /// Where `consumer` is on this tenant's log (`None`: it has not been here).
    async fn consumer_cursor(&mut self, consumer: &str) -> Result<Option<i64>>;
    /// Moves `consumer` to `seq`.
    async fn set_consumer_cursor(&mut self, consumer: &str, seq: i64) -> Result<()>;
    /// A customer's service tier.
    async fn customer_tier(&mut self, customer: CustomerId) -> Result<Option<String>>;
}

/// Decides and appends the clock changes for `events` (this tenant's, in order, right after
/// `after`); moves `consumer` to the last one. Refuses if the cursor is not at `after`
/// (another worker got there first).
async fn follow<T: WriteTx + SlaTx>(
    tx: &mut T,
    consumer: &str,
    after: i64,
    events: &[Event],
    cfg: &SlaConfig,
    at: Timestamp,
) -> Result<i64> {
    if tx
        .consumer_cursor(consumer)
        .await?
        .is_some_and(|c| c != after)
    {
        return Err(DomainError::Conflict(format!("{consumer} moved on")).into());
    }
    let mut upto = after;
    for event in events {
        upto = event.seq;
        let Some(id) = event.data.conversation() else {
            continue;
        };
        if matches!(
            event.data,
            EventData::SlaClockChanged { .. } | EventData::SlaBreached { .. }
        ) {
            continue;
        }
        let Some((conversation, _)) = tx.conversation(id).await? else {
            continue;
        };
        let state = ConversationClocks {
            conversation_id: id,
            priority: conversation.priority,
            tier: tx.customer_tier(conversation.customer_id).await?,
            clocks: tx.sla_clocks(id).await?,
        };
        let decided = sla::on_event(cfg, &state, &event.data, event.at);
        if !decided.is_empty() {
            let new = decided
                .into_iter()
                .map(|d| NewEvent::new(at, &Actor::System, d))
                .collect();
            tx.append(new).await?;
        }
    }
    tx.set_consumer_cursor(consumer, upto).await?;
    Ok(upto)
}

async fn breach<T: WriteTx + SlaTx>(
    tx: &mut T,
    conversation: ConversationId,
    at: Timestamp,
) -> Result<usize> {
    let clocks = tx.sla_clocks(conversation).await?;
    let events: Vec<NewEvent> = sla::overdue(conversation, &clocks, at)
        .into_iter()
        .map(|d| NewEvent::new(at, &Actor::System, d))
        .collect();
    let n = events.len();
    if n > 0 {
        tx.append(events).await?;
    }
    Ok(n)
}

async fn put_setting<T: WriteTx + SlaTx>(
    tx: &mut T,
    key: String,
    value: serde_json::Value,
    at: Timestamp,
    actor: &Actor,
) -> Result<()> {
    let switches_sla_on = key == sla::SETTINGS_KEY;
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::SettingChanged { key, value },
    )])
    .await?;
    // SLA applies from the moment it is configured: the worker's position is stored with
    // the setting, so nothing written between now and the worker's next look is skipped.
    if switches_sla_on && tx.consumer_cursor(SLA_CONSUMER).await?.is_none() {
        let seq = tx.latest_seq().await?;
        tx.set_consumer_cursor(SLA_CONSUMER, seq).await?;
    }
    Ok(())
}

/// The SLA worker's consumer name (its cursor is created with the first SLA settings).
pub const SLA_CONSUMER: &str = "sla";

impl Store {
    /// Sets (or with `None` clears) a customer's service tier; returns the customer it was
    /// set on (the surviving one after merges).
    pub async fn set_customer_tier(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        tier: Option<String>,
        actor: &Actor,
    ) -> Result<CustomerId> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| append_for_survivor(
            tx,
            customer,
            at,
            &actor,
            |customer_id| EventData::CustomerTierSet { customer_id, tier }
        ))
    }

    /// Replaces a tenant setting (recorded on the log as `setting.changed`).
    pub async fn put_setting(
        &self,
        tenant: TenantId,
        key: &str,
        value: serde_json::Value,
        actor: &Actor,
    ) -> Result<()> {
        let (key, actor, at) = (key.to_owned(), actor.clone(), now());
        flow!(self, tenant, |tx| put_setting(tx, key, value, at, &actor))
    }

    /// A tenant setting, if set.
    pub async fn setting(&self, tenant: TenantId, key: &str) -> Result<Option<serde_json::Value>> {
        let raw = match self {
            Store::Sqlite(s) => s.setting(tenant, key).await?,
            Store::Postgres(s) => s.setting(tenant, key).await?,
        };
        raw.map(|r| {
            serde_json::from_str(&r).map_err(|e| StoreError::Corrupt(format!("setting {key}: {e}")))
        })
        .transpose()
    }

    /// Applies `cfg` to `events` (see the module docs); returns the consumer's new position.
    pub async fn sla_follow(
        &self,
        tenant: TenantId,
        consumer: &str,
        after: i64,
        events: Vec<Event>,
        cfg: SlaConfig,
    ) -> Result<i64> {
        let (consumer, at) = (consumer.to_owned(), now());
        flow!(self, tenant, |tx| async move {
            follow(tx, &consumer, after, &events, &cfg, at).await
        })
    }

    /// Records breaches of the conversation's running clocks due by `at`; returns how many.
    pub async fn sla_breach(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        at: Timestamp,
    ) -> Result<usize> {
        flow!(self, tenant, |tx| breach(tx, conversation, at))
    }

    /// Conversations (with their tenant) that have a running, unbreached clock due by `at`.
    pub async fn sla_overdue(
        &self,
        at: Timestamp,
        limit: u32,
    ) -> Result<Vec<(TenantId, ConversationId)>> {
        dispatch!(self, s => s.sla_overdue(at, limit).await)
    }

    /// A conversation's SLA clocks.
    pub async fn sla_clocks(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
    ) -> Result<Vec<Clock>> {
        dispatch!(self, s => s.sla_clocks_of(tenant, conversation).await)
    }

    /// Where `consumer` stands on a tenant's log, if it has been there.
    pub async fn consumer_cursor(&self, tenant: TenantId, consumer: &str) -> Result<Option<i64>> {
        dispatch!(self, s => s.consumer_cursor(tenant, consumer).await)
    }

    /// Every tenant's id.
    pub async fn tenant_ids(&self) -> Result<Vec<TenantId>> {
        dispatch!(self, s => s.tenant_ids().await)
    }
}
