//! Reads for the staff dashboard: each backend reads the same raw rows (conversations in
//! or open during the period, status changes on the log, SLA clocks, replies and
//! assignments per agent); they become [`kairos_core::dashboard::Facts`] here, and the core
//! decides the figures.

use crate::error::{Result, StoreError};
use crate::{Store, now};
use kairos_core::Timestamp;
use kairos_core::conversation::Status;
use kairos_core::dashboard::{ConversationFact, Dashboard, Facts, Period, summarise};
use kairos_core::event::EventData;
use kairos_core::ids::{ConversationId, PartyId, TenantId};
use kairos_core::message::{Author, Channel};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A conversation row: id, opened, status, first message's channel, last channel, first
/// reply.
pub(crate) type ConversationFactRow = (Uuid, i64, String, Option<String>, String, Option<i64>);

/// The rows both backends read for a dashboard starting at `from`.
#[derive(Default)]
pub(crate) struct FactRows {
    /// Conversations opened since `from`, or open or pending now, or changed since `from`.
    pub conversations: Vec<ConversationFactRow>,
    /// `conversation.changed` events since `from` (`at`, data), in log order.
    pub changes: Vec<(i64, String)>,
    /// `first_response` and `resolution` clocks (JSON) of conversations opened since `from`.
    pub clocks: Vec<String>,
    /// Replies since `from`: author (JSON) and the conversations replied in.
    pub handled: Vec<(String, i64)>,
    /// Open or pending conversations per assignee.
    pub open_assigned: Vec<(Uuid, i64)>,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl FactRows {
    /// Into the core's facts.
    pub(crate) fn into_facts(self) -> Result<Facts> {
        // The latest change to resolved/closed per conversation, forgotten when it reopens.
        let mut resolved: HashMap<ConversationId, Option<i64>> = HashMap::new();
        for (at, data) in &self.changes {
            let Ok(EventData::ConversationChanged {
                conversation_id,
                changes,
            }) = serde_json::from_str::<EventData>(data)
            else {
                continue;
            };
            match changes.status {
                Some(Status::Resolved | Status::Closed) => {
                    resolved.insert(conversation_id, Some(*at));
                }
                Some(Status::Open | Status::Pending) => {
                    resolved.insert(conversation_id, None);
                }
                None => {}
            }
        }
        let mut conversations = Vec::with_capacity(self.conversations.len());
        for (id, created, status, first, last, reply) in self.conversations {
            let id = ConversationId(id);
            let status = Status::parse(&status).map_err(|e| corrupt("status", e))?;
            let channel = Channel::parse(first.as_deref().unwrap_or(&last))
                .map_err(|e| corrupt("channel", e))?;
            let resolved_at = match status {
                Status::Resolved | Status::Closed => resolved.get(&id).copied().flatten(),
                _ => None,
            };
            conversations.push(ConversationFact {
                id,
                created_at: Timestamp::from_micros(created),
                channel,
                status,
                first_reply_at: reply.map(Timestamp::from_micros),
                resolved_at: resolved_at.map(Timestamp::from_micros),
            });
        }
        let clocks = self
            .clocks
            .iter()
            .map(|raw| serde_json::from_str(raw).map_err(StoreError::from))
            .collect::<Result<_>>()?;
        let mut handled = BTreeMap::new();
        for (author, n) in self.handled {
            if let Ok(Author::Party { id }) = serde_json::from_str::<Author>(&author) {
                *handled.entry(id).or_insert(0) += count(n);
            }
        }
        let open_assigned = self
            .open_assigned
            .into_iter()
            .map(|(id, n)| (PartyId(id), count(n)))
            .collect();
        Ok(Facts {
            conversations,
            clocks,
            handled,
            open_assigned,
        })
    }
}

impl Store {
    /// The dashboard of the last `days` days in time zone `zone` (IANA; empty: UTC).
    pub async fn dashboard(&self, tenant: TenantId, days: usize, zone: &str) -> Result<Dashboard> {
        self.dashboard_at(tenant, Period::new(days, zone, now()))
            .await
    }

    /// The dashboard of `period` (tests pass their own `now` through it).
    pub async fn dashboard_at(&self, tenant: TenantId, period: Period) -> Result<Dashboard> {
        let from = period.start().as_micros();
        let rows = dispatch!(self, s => s.dashboard_rows(tenant, from).await)?;
        Ok(summarise(&rows.into_facts()?, &period))
    }
}
