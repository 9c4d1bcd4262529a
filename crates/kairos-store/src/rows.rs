//! Row shapes shared by both backends, and their conversion into domain types.

use crate::error::{Result, StoreError};
use kairos_core::Timestamp;
use kairos_core::conversation::{Conversation, Priority, Status};
use kairos_core::event::{Actor, Event, EventData};
use kairos_core::ids::TenantId;
use kairos_core::message::{Attachment, Author, Body, Channel, Direction, Message};
use uuid::Uuid;

/// A `conversations` row as both backends read it.
pub(crate) struct ConversationRow {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub status: String,
    pub priority: String,
    pub assignee: Option<Uuid>,
    pub tags: String,
    pub channel_mask: i64,
    pub last_channel: String,
    pub subject: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The columns of a conversation query, in [`ConversationRow`] order.
pub(crate) const CONVERSATION_COLUMNS: &str = "id, customer_id, status, priority, assignee, tags, channel_mask, last_channel, subject, created_at, updated_at";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

impl ConversationRow {
    /// Into the domain type, with the last channel used.
    pub fn into_domain(self) -> Result<(Conversation, Channel)> {
        let last = Channel::parse(&self.last_channel).map_err(|e| corrupt("last_channel", e))?;
        Ok((
            Conversation {
                id: self.id.into(),
                customer_id: self.customer_id.into(),
                status: Status::parse(&self.status).map_err(|e| corrupt("status", e))?,
                priority: Priority::parse(&self.priority).map_err(|e| corrupt("priority", e))?,
                assignee: self.assignee.map(Into::into),
                tags: serde_json::from_str(&self.tags)?,
                channels: Channel::from_mask(self.channel_mask),
                subject: self.subject,
                created_at: Timestamp::from_micros(self.created_at),
                updated_at: Timestamp::from_micros(self.updated_at),
            },
            last,
        ))
    }
}

/// A `messages` row as both backends read it.
pub(crate) struct MessageRow {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub seq: i64,
    pub direction: String,
    pub channel: String,
    pub author: String,
    pub subject: Option<String>,
    pub body_text: String,
    pub body_html: Option<String>,
    pub attachments: String,
    pub external_id: Option<String>,
    pub created_at: i64,
}

/// The columns of a message query, in [`MessageRow`] order (prefix `m.` where joined).
pub(crate) const MESSAGE_COLUMNS: &str = "m.id, m.conversation_id, m.seq, m.direction, m.channel, m.author, m.subject, m.body_text, m.body_html, m.attachments, m.external_id, m.created_at";

impl MessageRow {
    /// Into the domain type.
    pub fn into_domain(self) -> Result<Message> {
        let author: Author = serde_json::from_str(&self.author)?;
        let attachments: Vec<Attachment> = serde_json::from_str(&self.attachments)?;
        Ok(Message {
            id: self.id.into(),
            conversation_id: self.conversation_id.into(),
            seq: self.seq,
            direction: Direction::parse(&self.direction).map_err(|e| corrupt("direction", e))?,
            channel: Channel::parse(&self.channel).map_err(|e| corrupt("channel", e))?,
            author,
            subject: self.subject,
            body: Body {
                text: self.body_text,
                html: self.body_html,
            },
            attachments,
            external_id: self.external_id,
            created_at: Timestamp::from_micros(self.created_at),
        })
    }
}

/// An `events` row as both backends read it.
pub(crate) struct EventRow {
    pub seq: i64,
    pub id: Uuid,
    pub at: i64,
    pub actor: String,
    pub data: String,
}

impl EventRow {
    /// Into the domain type.
    pub fn into_domain(self, tenant_id: TenantId) -> Result<Event> {
        let actor: Actor = serde_json::from_str(&self.actor)?;
        let data: EventData = serde_json::from_str(&self.data)?;
        Ok(Event {
            seq: self.seq,
            id: self.id.into(),
            tenant_id,
            at: Timestamp::from_micros(self.at),
            actor,
            data,
        })
    }
}

/// The values a `message.appended` event writes into `messages`, serialised once.
pub(crate) struct MessageInsert<'a> {
    pub direction: &'static str,
    pub channel: &'static str,
    pub author: String,
    pub subject: Option<&'a str>,
    pub body: &'a Body,
    pub attachments: String,
    pub external_id: Option<&'a str>,
}

impl<'a> MessageInsert<'a> {
    /// Serialises the JSON columns of a message.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        direction: Direction,
        channel: Channel,
        author: &Author,
        subject: &'a Option<String>,
        body: &'a Body,
        attachments: &[Attachment],
        external_id: &'a Option<String>,
    ) -> Result<Self> {
        Ok(Self {
            direction: direction.as_str(),
            channel: channel.as_str(),
            author: serde_json::to_string(author)?,
            subject: subject.as_deref(),
            body,
            attachments: serde_json::to_string(attachments)?,
            external_id: external_id.as_deref(),
        })
    }
}

/// Tenants whose log is not `1..=last_seq` without gaps (same SQL on both backends).
pub(crate) const LOG_CHECK_SQL: &str =
    "SELECT t.slug, t.last_seq, count(e.seq), coalesce(max(e.seq), 0)
     FROM tenants t LEFT JOIN events e ON e.tenant_id = t.id
     GROUP BY t.id, t.slug, t.last_seq
     HAVING count(e.seq) != t.last_seq OR coalesce(max(e.seq), 0) != t.last_seq";

/// Rows whose owner is gone (`(what, how many)`, only kinds with some): an erasure or a
/// merge that raced with a write must never leave these (checklist N05).
pub(crate) const ORPHAN_CHECK_SQL: &str = "SELECT what, n FROM (
    SELECT 'messages without their conversation' AS what, count(*) AS n FROM messages m
        WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = m.conversation_id)
    UNION ALL SELECT 'conversations without their customer', count(*) FROM conversations v
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = v.customer_id)
    UNION ALL SELECT 'identities without their customer', count(*) FROM identities i
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = i.customer_id)
    UNION ALL SELECT 'consent records without their customer', count(*) FROM consent_records r
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = r.customer_id)
    UNION ALL SELECT 'coupons without their customer', count(*) FROM coupons k
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = k.customer_id)
) AS orphans WHERE n > 0";
