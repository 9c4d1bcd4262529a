//! Erasure of a person (GDPR Art. 17; checklist N04, N05), as one write transaction of the
//! tenant: every row about them and their conversations is deleted, every event about them
//! on the log is replaced by a `redacted` placeholder (the log keeps its positions, so
//! consumers and `kairos check` still see a gap-free log), their forum posts lose their text
//! and author (`forum::erase_posts`), and a `customer.erased` event
//! without personal data records that it happened.
//!
//! Because the erasure is one transaction in the tenant's writer, a mail or chat from the
//! person that arrives meanwhile is either erased with them (it committed first) or starts a
//! new, complete customer record (it commits after) — never an orphan.

use crate::flows::{WriteTx, surviving_customer};
use crate::{Result, Store, StoreError, now};
use kairos_core::Timestamp;
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::{ConversationId, CustomerId, MessageId, TenantId};

/// What an erasure removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErasureReport {
    /// The erased customer (the surviving record of a merge) and those merged into it.
    pub customers: Vec<CustomerId>,
    /// Conversations removed.
    pub conversations: u64,
    /// Messages removed.
    pub messages: u64,
    /// Events redacted on the log.
    pub events_redacted: u64,
    /// Other rows removed (identities, consents, outbox entries, tokens, receipts, …).
    pub other_rows: u64,
    /// Attachment blobs their messages named; the caller deletes those no other message
    /// names ([`Store::blob_in_use`]).
    pub blobs: Vec<String>,
}

/// What the erasure flow needs beyond [`WriteTx`], inside the write transaction.
pub(crate) trait ErasureTx {
    /// The customers merged into `id`.
    async fn merged_customers(&mut self, id: CustomerId) -> Result<Vec<CustomerId>>;
    /// The identity values (e-mail addresses, phone numbers, handles) of `people`.
    async fn identity_values(&mut self, people: &[CustomerId]) -> Result<Vec<String>>;
    /// The conversations of `people`.
    async fn conversations_of(&mut self, people: &[CustomerId]) -> Result<Vec<ConversationId>>;
    /// The messages of `conversations`, with their attachments' JSON.
    async fn messages_of(
        &mut self,
        conversations: &[ConversationId],
    ) -> Result<Vec<(MessageId, String)>>;
    /// Replaces every event about `people` or `conversations` with a placeholder.
    async fn redact_events(
        &mut self,
        people: &[CustomerId],
        conversations: &[ConversationId],
    ) -> Result<u64>;
    /// Deletes every row about them; returns how many.
    async fn delete_person_rows(&mut self, doomed: &Doomed) -> Result<u64>;
    /// Deletes the tenant's context events that happened before `before`; returns how many.
    async fn delete_context_events_before(&mut self, before: Timestamp) -> Result<u64>;
}

/// Everything about one person that an erasure deletes.
pub(crate) struct Doomed {
    pub(crate) people: Vec<CustomerId>,
    pub(crate) conversations: Vec<ConversationId>,
    pub(crate) messages: Vec<MessageId>,
    /// Identity values, and phone numbers also without their `+` (providers' payloads
    /// write them so).
    pub(crate) values: Vec<String>,
}

async fn erase<T: WriteTx + ErasureTx + crate::forum::ForumTx>(
    tx: &mut T,
    customer: CustomerId,
    at: Timestamp,
    actor: &Actor,
) -> Result<ErasureReport> {
    // The person is the surviving record and everything merged into it.
    let id = surviving_customer(tx, customer)
        .await?
        .ok_or(StoreError::not_found("customer"))?;
    let mut people = vec![id];
    people.extend(tx.merged_customers(id).await?);
    let mut values = tx.identity_values(&people).await?;
    let unprefixed: Vec<String> = values
        .iter()
        .filter_map(|v| v.strip_prefix('+').map(str::to_owned))
        .collect();
    values.extend(unprefixed);
    let conversations = tx.conversations_of(&people).await?;
    let messages = tx.messages_of(&conversations).await?;
    let mut blobs: Vec<String> = Vec::new();
    for (_, attachments) in &messages {
        let list: Vec<kairos_core::message::Attachment> = serde_json::from_str(attachments)?;
        blobs.extend(list.into_iter().map(|a| a.sha256));
    }
    blobs.sort();
    blobs.dedup();
    let events_redacted = tx.redact_events(&people, &conversations).await?;
    let doomed = Doomed {
        people: people.clone(),
        conversations: conversations.clone(),
        messages: messages.iter().map(|(m, _)| *m).collect(),
        values,
    };
    let mut other_rows = tx.delete_person_rows(&doomed).await?;
    // Their forum posts: own text goes, others' replies in their threads stay.
    other_rows += crate::forum::erase_posts(tx, &people).await?;
    let report = ErasureReport {
        customers: people.clone(),
        conversations: conversations.len() as u64,
        messages: messages.len() as u64,
        events_redacted,
        other_rows,
        blobs,
    };
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::CustomerErased {
            customer_id: id,
            merged: people[1..].to_vec(),
            conversations: report.conversations,
            messages: report.messages,
        },
    )])
    .await?;
    Ok(report)
}

impl Store {
    /// Erases a person from this tenant (see the module documentation). Attachment blobs
    /// and the database's free space are the caller's next steps
    /// (`kairos_privacy::erase` does both).
    pub async fn erase_person(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        actor: &Actor,
    ) -> Result<ErasureReport> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| erase(tx, customer, at, &actor))
    }

    /// Whether any message or knowledge-base article of any tenant still names the blob
    /// `sha256` (content-addressed: one file may belong to both).
    pub async fn blob_in_use(&self, sha256: &str) -> Result<bool> {
        let sha = sha256.to_owned();
        dispatch!(self, s => s.blob_in_use(sha).await)
    }

    /// Makes deleted content unrecoverable from the database files: on SQLite (which
    /// zeroes deleted content, `secure_delete`) the write-ahead log is checkpointed and
    /// truncated, so no old page images remain in it. On PostgreSQL this is `VACUUM`'s job
    /// (see docs/privacy.md).
    pub async fn scrub(&self) -> Result<()> {
        match self {
            Store::Sqlite(s) => s.checkpoint_truncate().await,
            Store::Postgres(_) => Ok(()),
        }
    }
}
