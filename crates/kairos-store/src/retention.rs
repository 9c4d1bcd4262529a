//! Store side of retention (privacy issue, item 5): finding what a schedule has made due,
//! and deleting one conversation at a time — each deletion its own transaction and its own
//! `conversation.purged` event.

use crate::erasure::{Doomed, ErasureTx};
use crate::flows::WriteTx;
use crate::{Result, Store, now};
use kairos_core::Timestamp;
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::{ConversationId, CustomerId, TenantId};

/// A purged conversation's attachment blobs (the caller deletes those no other message
/// names) and message count.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Messages removed.
    pub messages: u64,
    /// Attachment blobs they named.
    pub blobs: Vec<String>,
}

async fn purge<T: WriteTx + ErasureTx>(
    tx: &mut T,
    id: ConversationId,
    at: Timestamp,
    actor: &Actor,
) -> Result<Option<Purged>> {
    if tx.conversation(id).await?.is_none() {
        return Ok(None);
    }
    let messages = tx.messages_of(&[id]).await?;
    let mut blobs = Vec::new();
    for (_, attachments) in &messages {
        let list: Vec<kairos_core::message::Attachment> = serde_json::from_str(attachments)?;
        blobs.extend(list.into_iter().map(|a| a.sha256));
    }
    blobs.sort();
    blobs.dedup();
    tx.redact_events(&[], &[id]).await?;
    tx.delete_person_rows(&Doomed {
        people: Vec::new(),
        conversations: vec![id],
        messages: messages.iter().map(|(m, _)| *m).collect(),
        values: Vec::new(),
    })
    .await?;
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::ConversationPurged {
            conversation_id: id,
            messages: messages.len() as u64,
            reason: "retention".into(),
        },
    )])
    .await?;
    Ok(Some(Purged {
        messages: messages.len() as u64,
        blobs,
    }))
}

async fn purge_context<T: WriteTx + ErasureTx>(
    tx: &mut T,
    before: Timestamp,
    at: Timestamp,
) -> Result<u64> {
    let count = tx.delete_context_events_before(before).await?;
    if count > 0 {
        let data = EventData::ContextEventsPurged { before, count };
        tx.append(vec![NewEvent::new(at, &Actor::System, data)])
            .await?;
    }
    Ok(count)
}

impl Store {
    /// Deletes the tenant's context events that happened before `before` (one
    /// `context.purged` event when there were any); returns how many.
    pub async fn purge_context_events(&self, tenant: TenantId, before: Timestamp) -> Result<u64> {
        let at = now();
        flow!(self, tenant, |tx| purge_context(tx, before, at))
    }

    /// Resolved or closed conversations last changed before `before`, oldest first.
    pub async fn conversations_done_before(
        &self,
        tenant: TenantId,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<ConversationId>> {
        dispatch!(self, s => s.conversations_done_before(tenant, before, limit).await)
    }

    /// Customers (not merged away) created before `before` with no conversation changed and
    /// no consent recorded since.
    pub async fn customers_inactive_since(
        &self,
        tenant: TenantId,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<CustomerId>> {
        dispatch!(self, s => s.customers_inactive_since(tenant, before, limit).await)
    }

    /// Deletes one conversation under the retention schedule (`None`: already gone).
    pub async fn purge_conversation(
        &self,
        tenant: TenantId,
        id: ConversationId,
    ) -> Result<Option<Purged>> {
        let at = now();
        flow!(self, tenant, |tx| purge(tx, id, at, &Actor::System))
    }
}
