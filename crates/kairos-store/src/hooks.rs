//! Provider channels' bookkeeping beside the log: the channels with their settings, the
//! webhook inbox (the queue of verified events and the de-duplication store, H02/H05), which
//! channel a conversation's customer writes through, the outbox of replies to send through a
//! provider, and delivery receipts (H03).
//!
//! The settings are stored as opaque JSON text: what they mean is `kairos-channels`' business.

use crate::{Result, Store};
use kairos_core::Timestamp;
use kairos_core::ids::{ConversationId, MessageId, TenantId};
use uuid::Uuid;

/// How long done inbox rows are kept: providers retry for up to three days (Stripe, Meta),
/// so a redelivery inside that window must still find its row (H05).
pub const INBOX_RETENTION_MICROS: i64 = 4 * 24 * 3600 * 1_000_000;

/// The log consumer that queues replies for sending through providers. Its cursor starts at
/// the tenant's log head when the tenant's first provider channel is created, so replies
/// written before that are never sent.
pub const OUTBOUND_CONSUMER: &str = "provider-outbound";

/// A provider channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderChannel {
    /// Its id (also the last segment of its webhook URL).
    pub id: Uuid,
    /// The tenant it delivers to.
    pub tenant_id: TenantId,
    /// `twilio`, `telegram` or `meta`.
    pub provider: String,
    /// A name for people.
    pub name: String,
    /// The settings as JSON text, secrets included.
    pub config: String,
    /// When it was created.
    pub created_at: Timestamp,
}

/// A queued inbox event, with the tenant of its channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxItem {
    /// The channel it came through.
    pub provider_channel_id: Uuid,
    /// The provider's event id.
    pub provider_event_id: String,
    /// The channel's tenant.
    pub tenant_id: TenantId,
    /// The channel's provider.
    pub provider: String,
    /// The normalised event as JSON.
    pub payload: Vec<u8>,
    /// Processing attempts so far.
    pub attempts: u32,
}

/// An inbox row as operators (and tests) see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxEntry {
    /// The provider's event id.
    pub provider_event_id: String,
    /// `queued`, `done` or `failed`.
    pub state: String,
    /// Processing attempts so far.
    pub attempts: u32,
    /// The last processing error.
    pub last_error: Option<String>,
    /// When it arrived.
    pub received_at: Timestamp,
}

/// A reply waiting to be sent through a provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderSend {
    /// The conversation message it carries (at most one send per message).
    pub message_id: MessageId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The channel to send through.
    pub provider_channel_id: Uuid,
    /// The provider's address of the customer (E.164 number, chat id).
    pub recipient: String,
    /// The text.
    pub text: String,
    /// Attempts so far.
    pub attempts: u32,
}

/// Where a provider send stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderSendEntry {
    /// `queued`, `sent` or `failed`.
    pub state: String,
    /// Attempts so far.
    pub attempts: u32,
    /// The provider's id of the sent message.
    pub external_id: Option<String>,
    /// The last error.
    pub last_error: Option<String>,
}

/// The outcome of one send attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// The provider accepted it, under this id (if it said one).
    Sent(Option<String>),
    /// Try again at this time.
    Retry(Timestamp, String),
    /// Give up.
    Failed(String),
}

impl Store {
    /// Creates a provider channel; `config` is the settings' JSON text. Starts the
    /// [`OUTBOUND_CONSUMER`] at the log head if it has not started for the tenant.
    pub async fn create_provider_channel(
        &self,
        tenant: TenantId,
        provider: &str,
        name: &str,
        config: &str,
    ) -> Result<ProviderChannel> {
        let ch = ProviderChannel {
            id: Uuid::now_v7(),
            tenant_id: tenant,
            provider: provider.to_owned(),
            name: name.to_owned(),
            config: config.to_owned(),
            created_at: crate::now(),
        };
        dispatch!(self, s => s.create_provider_channel(&ch).await)?;
        Ok(ch)
    }

    /// The tenant's provider channels, oldest first.
    pub async fn provider_channels(&self, tenant: TenantId) -> Result<Vec<ProviderChannel>> {
        dispatch!(self, s => s.provider_channels(Some(tenant), None).await)
    }

    /// A channel by id, of any tenant (the webhook edge finds the tenant this way).
    pub async fn provider_channel(&self, id: Uuid) -> Result<Option<ProviderChannel>> {
        Ok(
            dispatch!(self, s => s.provider_channels(None, Some(id)).await)?
                .into_iter()
                .next(),
        )
    }

    /// Deletes a channel of this tenant with its inbox and routes; `false` if it had none
    /// such. Queued sends through it fail when their turn comes.
    pub async fn delete_provider_channel(&self, tenant: TenantId, id: Uuid) -> Result<bool> {
        dispatch!(self, s => s.delete_provider_channel(tenant, id).await)
    }

    /// Queues a verified event: `true` if new, `false` for a redelivery (same channel and
    /// provider event id). Concurrent deliveries of one event queue it once.
    pub async fn webhook_accept(
        &self,
        channel: Uuid,
        provider_event_id: &str,
        payload: &[u8],
    ) -> Result<bool> {
        dispatch!(self, s => s.webhook_accept(channel, provider_event_id, payload, crate::now()).await)
    }

    /// Up to `limit` queued events due by `now`, oldest first.
    pub async fn webhook_due(&self, now: Timestamp, limit: u32) -> Result<Vec<InboxItem>> {
        dispatch!(self, s => s.webhook_due(now, limit).await)
    }

    /// Marks an event processed.
    pub async fn webhook_done(&self, channel: Uuid, provider_event_id: &str) -> Result<()> {
        dispatch!(self, s => s.webhook_finish(channel, provider_event_id, "done", None, None, crate::now()).await)
    }

    /// Records a failed attempt: queued again for `retry_at`, or failed for good with `None`.
    pub async fn webhook_failed(
        &self,
        channel: Uuid,
        provider_event_id: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<()> {
        let state = if retry_at.is_some() {
            "queued"
        } else {
            "failed"
        };
        dispatch!(self, s => s.webhook_finish(channel, provider_event_id, state, Some(error), retry_at, crate::now()).await)
    }

    /// A channel's inbox, newest first.
    pub async fn webhook_inbox(&self, channel: Uuid, limit: u32) -> Result<Vec<InboxEntry>> {
        dispatch!(self, s => s.webhook_inbox(channel, limit).await)
    }

    /// Forgets done events finished before `before`; returns how many. Keep at least
    /// [`INBOX_RETENTION_MICROS`] (H05).
    pub async fn webhook_purge(&self, before: Timestamp) -> Result<u64> {
        dispatch!(self, s => s.webhook_purge(before).await)
    }

    /// Notes that the conversation's customer writes through `channel` as `recipient`.
    pub async fn provider_route_set(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        channel: Uuid,
        recipient: &str,
    ) -> Result<()> {
        dispatch!(self, s => s.provider_route_set(tenant, conversation, channel, recipient, crate::now()).await)
    }

    /// The channel and recipient a conversation's replies go to, if it came through one.
    pub async fn provider_route(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
    ) -> Result<Option<(Uuid, String)>> {
        dispatch!(self, s => s.provider_route(tenant, conversation).await)
    }

    /// Queues a send; a second send of the same message is ignored (`false`).
    pub async fn provider_send_enqueue(&self, send: &ProviderSend) -> Result<bool> {
        dispatch!(self, s => s.provider_send_enqueue(send, crate::now()).await)
    }

    /// Up to `limit` queued sends due by `now`, oldest first.
    pub async fn provider_send_due(&self, now: Timestamp, limit: u32) -> Result<Vec<ProviderSend>> {
        dispatch!(self, s => s.provider_send_due(now, limit).await)
    }

    /// Records a send attempt.
    pub async fn provider_send_attempted(
        &self,
        message: MessageId,
        outcome: &SendOutcome,
    ) -> Result<()> {
        dispatch!(self, s => s.provider_send_attempted(message, outcome, crate::now()).await)
    }

    /// Where the send of a message stands.
    pub async fn provider_send(&self, message: MessageId) -> Result<Option<ProviderSendEntry>> {
        dispatch!(self, s => s.provider_send(message).await)
    }

    /// Records a delivery status of a sent message; a status ranked below the one stored
    /// (a late "sent" after "delivered") changes nothing, so out-of-order receipts converge
    /// (H03). Receipts for messages Kairos does not know are kept all the same.
    pub async fn provider_receipt(
        &self,
        channel: Uuid,
        external_id: &str,
        status: &str,
        rank: i64,
    ) -> Result<()> {
        dispatch!(self, s => s.provider_receipt(channel, external_id, status, rank, crate::now()).await)
    }

    /// The best delivery status recorded for a sent message.
    pub async fn provider_receipt_status(
        &self,
        channel: Uuid,
        external_id: &str,
    ) -> Result<Option<String>> {
        dispatch!(self, s => s.provider_receipt_status(channel, external_id).await)
    }
}

/// `(state, next_attempt_at, last_error, external_id, done_at)` for an outcome.
pub(crate) fn outcome_columns(
    outcome: &SendOutcome,
    now: Timestamp,
) -> (
    &'static str,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
) {
    let now = now.as_micros();
    match outcome {
        SendOutcome::Sent(id) => ("sent", now, None, id.clone(), Some(now)),
        SendOutcome::Retry(at, e) => ("queued", at.as_micros(), Some(e.clone()), None, None),
        SendOutcome::Failed(e) => ("failed", now, Some(e.clone()), None, Some(now)),
    }
}
