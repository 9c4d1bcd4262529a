//! The e-mail channel's bookkeeping beside the log: which tenant receives mail for an
//! address, the outbox of mail waiting for the relay, and the automatic-reply ledger.

use crate::{Result, Store, StoreError};
use kairos_core::Timestamp;
use kairos_core::ids::{ConversationId, MessageId, TenantId};
use uuid::Uuid;

/// The outbox follower's consumer name. Its cursor is created with a tenant's first support
/// address: replies written from then on are sent, none written before mail was set up.
pub const OUTBOX_CONSUMER: &str = "mail-outbox";

/// One mail in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxMail {
    /// Its id.
    pub id: Uuid,
    /// The tenant it is sent for.
    pub tenant_id: TenantId,
    /// The message it carries, if it is a conversation message (not an automatic reply).
    pub message_id: Option<MessageId>,
    /// The envelope sender.
    pub mail_from: String,
    /// The envelope recipient.
    pub recipient: String,
    /// The complete RFC 5322 message.
    pub raw: Vec<u8>,
    /// Delivery attempts so far.
    pub attempts: u32,
}

/// Where an outbox mail stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboxState {
    /// Waiting for its next attempt.
    Queued,
    /// The relay accepted it.
    Sent,
    /// The relay refused it permanently, or it ran out of attempts.
    Failed,
}

impl OutboxState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
        }
    }
}

impl Store {
    /// Receives mail for `address` in `tenant`. An address belongs to one tenant: another
    /// tenant's address is a conflict that does not say whose it is (checklist C07).
    pub async fn add_mail_address(&self, tenant: TenantId, address: &str) -> Result<()> {
        let now = crate::now();
        let owner = dispatch!(self, s => s.add_mail_address(tenant, address, now).await)?;
        if owner != tenant {
            return Err(StoreError::Domain(kairos_core::DomainError::Conflict(
                "this address is not available".into(),
            )));
        }
        Ok(())
    }

    /// Stops receiving mail for `address`; `false` if the tenant did not have it.
    pub async fn remove_mail_address(&self, tenant: TenantId, address: &str) -> Result<bool> {
        dispatch!(self, s => s.remove_mail_address(tenant, address).await)
    }

    /// The tenant's support addresses, sorted.
    pub async fn mail_addresses(&self, tenant: TenantId) -> Result<Vec<String>> {
        dispatch!(self, s => s.mail_addresses(tenant).await)
    }

    /// The tenant that receives mail for `address` (lower case), if any.
    pub async fn mail_address_tenant(&self, address: &str) -> Result<Option<TenantId>> {
        dispatch!(self, s => s.mail_address_tenant(address).await)
    }

    /// Queues a mail; a second mail for the same conversation message is ignored (`false`).
    pub async fn outbox_enqueue(&self, mail: &OutboxMail, now: Timestamp) -> Result<bool> {
        dispatch!(self, s => s.outbox_enqueue(mail, now).await)
    }

    /// Up to `limit` queued mails due by `now`, oldest first.
    pub async fn outbox_due(&self, now: Timestamp, limit: u32) -> Result<Vec<OutboxMail>> {
        dispatch!(self, s => s.outbox_due(now, limit).await)
    }

    /// Claims a due mail for one sender until `lease` (`false`: another sender has it).
    pub async fn outbox_claim(&self, id: Uuid, now: Timestamp, lease: Timestamp) -> Result<bool> {
        dispatch!(self, s => s.outbox_claim(id, now, lease).await)
    }

    /// Records an attempt: `state` after it, when to try next (if queued), and the error.
    pub async fn outbox_attempted(
        &self,
        id: Uuid,
        state: OutboxState,
        next_attempt_at: Timestamp,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        dispatch!(self, s => s.outbox_attempted(id, state, next_attempt_at, error, now).await)
    }

    /// The outbox entries of a tenant, newest first, with their state and last error.
    pub async fn outbox(&self, tenant: TenantId, limit: u32) -> Result<Vec<OutboxEntry>> {
        dispatch!(self, s => s.outbox(tenant, limit).await)
    }

    /// Claims the right to send `address` an automatic reply: `true` (and noted) unless one
    /// went to it after `since` (RFC 3834 §2: at most one per sender per period).
    pub async fn auto_reply_claim(
        &self,
        tenant: TenantId,
        address: &str,
        since: Timestamp,
        now: Timestamp,
    ) -> Result<bool> {
        dispatch!(self, s => s.auto_reply_claim(tenant, address, since, now).await)
    }
}

impl Store {
    /// Notes the Message-ID of the mail behind `message` (inbound or outbound).
    pub async fn record_mail_id(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        message: MessageId,
        rfc_id: &str,
    ) -> Result<()> {
        let now = crate::now();
        dispatch!(self, s => s.record_mail_id(tenant, conversation, message, rfc_id, now).await)
    }

    /// The Message-IDs of a conversation's mail, newest first (at most `limit`).
    pub async fn mail_ids(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        limit: u32,
    ) -> Result<Vec<String>> {
        dispatch!(self, s => s.mail_ids(tenant, conversation, limit).await)
    }

    /// Moves a log consumer that keeps its own bookkeeping (idempotent effects) to `seq`.
    pub async fn set_consumer_cursor(
        &self,
        tenant: TenantId,
        consumer: &str,
        seq: i64,
    ) -> Result<()> {
        dispatch!(self, s => s.set_consumer_cursor(tenant, consumer, seq).await)
    }
}

/// An outbox row as operators see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Its id.
    pub id: Uuid,
    /// The conversation message it carries, if any.
    pub message_id: Option<MessageId>,
    /// The envelope recipient.
    pub recipient: String,
    /// `queued`, `sent` or `failed`.
    pub state: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (queued only).
    pub next_attempt_at: Timestamp,
    /// The last error the relay gave.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: Timestamp,
}
