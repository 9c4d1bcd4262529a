//! The SQLite side of [`WriteTx`]: reads inside the writer's transaction, and `append`,
//! which numbers events and applies them to the tables.

use crate::Committed;
use crate::error::{Result, StoreError};
use crate::flows::WriteTx;
use crate::rows::{CONVERSATION_COLUMNS, ConversationRow, MessageInsert};
use kairos_core::conversation::{Conversation, Priority, Status};
use kairos_core::event::{EventData, NewEvent};
use kairos_core::identity::Identity;
use kairos_core::ids::{ConversationId, CustomerId, TenantId};
use kairos_core::inbound::{ConversationState, InboundIds};
use kairos_core::message::Channel;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

/// A write transaction for one tenant on the writer's connection (the writer owns BEGIN
/// and COMMIT; this only runs statements inside them).
pub(crate) struct SqliteTx<'c> {
    conn: &'c Connection,
    tenant: TenantId,
    last_seq: Option<i64>,
}

impl<'c> SqliteTx<'c> {
    pub fn new(conn: &'c Connection, tenant: TenantId) -> Self {
        Self {
            conn,
            tenant,
            last_seq: None,
        }
    }

    /// The log position this transaction wrote up to, if it appended.
    pub fn committed(&self) -> Option<Committed> {
        self.last_seq.map(|seq| Committed {
            tenant_id: self.tenant,
            seq,
        })
    }

    pub fn conn(&self) -> &Connection {
        self.conn
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    fn current_seq(&self) -> Result<i64> {
        match self.last_seq {
            Some(s) => Ok(s),
            None => self
                .conn
                .prepare_cached("SELECT last_seq FROM tenants WHERE id = ?1")?
                .query_row([self.tenant.0], |r| r.get(0))
                .optional()?
                .ok_or(StoreError::not_found("tenant")),
        }
    }

    fn next_seq(&mut self) -> Result<i64> {
        let current = self.current_seq()?;
        self.last_seq = Some(current + 1);
        Ok(current + 1)
    }

    fn apply(&self, event: &NewEvent, seq: i64) -> Result<()> {
        let t = self.tenant.0;
        let at = event.at.as_micros();
        let c = self.conn;
        match &event.data {
            // Credentials and tenants are written by their operations directly: their
            // secrets never go on the log.
            EventData::TenantCreated { .. }
            | EventData::PartyCreated { .. }
            | EventData::TokenCreated { .. } => {}
            EventData::TenantRenamed { name } => {
                c.prepare_cached("UPDATE tenants SET name = ?1 WHERE id = ?2")?
                    .execute(params![name, t])?;
            }
            EventData::CustomerCreated {
                customer_id,
                display_name,
            } => {
                c.prepare_cached("INSERT INTO customers (id, tenant_id, display_name, merged_into, created_at) VALUES (?1, ?2, ?3, NULL, ?4)")?
                    .execute(params![customer_id.0, t, display_name, at])?;
            }
            EventData::ConsentRecorded { record } => {
                c.prepare_cached("INSERT INTO consent_records (id, tenant_id, customer_id, purpose, record, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
                    .execute(params![record.id, t, record.customer_id.0, record.command.purpose, serde_json::to_string(record)?, record.at.as_micros()])?;
            }
            EventData::CustomerTierSet { customer_id, tier } => {
                c.prepare_cached(
                    "UPDATE customers SET tier = ?1 WHERE id = ?2 AND tenant_id = ?3",
                )?
                .execute(params![tier, customer_id.0, t])?;
            }
            EventData::CustomerTimeZoneSet {
                customer_id,
                time_zone,
            } => {
                c.prepare_cached(
                    "UPDATE customers SET time_zone = ?1 WHERE id = ?2 AND tenant_id = ?3",
                )?
                .execute(params![time_zone, customer_id.0, t])?;
            }
            EventData::ConversationFollowUp {
                conversation_id,
                email,
            } => {
                c.prepare_cached(
                    "UPDATE conversations SET follow_up_email = ?1 WHERE id = ?2 AND tenant_id = ?3",
                )?
                .execute(params![email, conversation_id.0, t])?;
            }
            EventData::IdentityAdded {
                customer_id,
                identity,
            } => {
                c.prepare_cached("INSERT INTO identities (tenant_id, kind, network, value, customer_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
                    .execute(params![t, identity.kind.as_str(), identity.network, identity.value, customer_id.0, at])?;
            }
            EventData::CustomersMerged { into, from } => {
                let (into, from) = (into.0, from.0);
                c.prepare_cached("UPDATE identities SET customer_id = ?1 WHERE customer_id = ?2 AND tenant_id = ?3")?.execute(params![into, from, t])?;
                c.prepare_cached("UPDATE conversations SET customer_id = ?1 WHERE customer_id = ?2 AND tenant_id = ?3")?.execute(params![into, from, t])?;
                c.prepare_cached("UPDATE customers SET merged_into = ?1 WHERE (id = ?2 OR merged_into = ?2) AND tenant_id = ?3")?.execute(params![into, from, t])?;
                c.prepare_cached("UPDATE api_tokens SET customer_id = ?1 WHERE customer_id = ?2 AND tenant_id = ?3")?.execute(params![into, from, t])?;
                c.prepare_cached("UPDATE consent_records SET customer_id = ?1 WHERE customer_id = ?2 AND tenant_id = ?3")?.execute(params![into, from, t])?;
                c.prepare_cached("UPDATE context_events SET customer_id = ?1 WHERE customer_id = ?2 AND tenant_id = ?3")?.execute(params![into, from, t])?;
                c.prepare_cached(
                    "UPDATE coupons SET customer_id = ?1 WHERE customer_id = ?2 AND tenant_id = ?3",
                )?
                .execute(params![into, from, t])?;
                c.prepare_cached("UPDATE anticipation_firings SET customer_id = ?1 WHERE customer_id = ?2 AND tenant_id = ?3")?.execute(params![into, from, t])?;
                // A merge keeps every restriction either record had.
                c.prepare_cached(
                    "INSERT INTO restrictions (tenant_id, customer_id, profiling, proactive, automation, updated_at)
                     SELECT tenant_id, ?1, profiling, proactive, automation, updated_at FROM restrictions
                     WHERE customer_id = ?2 AND tenant_id = ?3
                     ON CONFLICT (tenant_id, customer_id) DO UPDATE SET
                       profiling = max(profiling, excluded.profiling), proactive = max(proactive, excluded.proactive),
                       automation = max(automation, excluded.automation)",
                )?
                .execute(params![into, from, t])?;
                c.prepare_cached(
                    "DELETE FROM restrictions WHERE customer_id = ?1 AND tenant_id = ?2",
                )?
                .execute(params![from, t])?;
            }
            EventData::ConversationOpened {
                conversation_id,
                customer_id,
                channel,
                subject,
            } => {
                c.prepare_cached(
                    "INSERT INTO conversations (id, tenant_id, customer_id, status, priority, assignee, tags, channel_mask, last_channel, subject, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, NULL, '[]', ?6, ?7, ?8, ?9, ?9)",
                )?
                .execute(params![conversation_id.0, t, customer_id.0, Status::Open.as_str(), Priority::Normal.as_str(), channel.bit(), channel.as_str(), subject, at])?;
            }
            EventData::ConversationChanged {
                conversation_id,
                changes,
            } => {
                let id = conversation_id.0;
                if let Some(s) = changes.status {
                    c.prepare_cached("UPDATE conversations SET status = ?1 WHERE id = ?2")?
                        .execute(params![s.as_str(), id])?;
                }
                if let Some(p) = changes.priority {
                    c.prepare_cached("UPDATE conversations SET priority = ?1 WHERE id = ?2")?
                        .execute(params![p.as_str(), id])?;
                }
                if let Some(a) = changes.assignee {
                    c.prepare_cached("UPDATE conversations SET assignee = ?1 WHERE id = ?2")?
                        .execute(params![a.map(|p| p.0), id])?;
                    if let Some(p) = a {
                        super::agents::apply_assigned(c, p, at)?;
                    }
                }
                if let Some(tags) = &changes.tags {
                    c.prepare_cached("UPDATE conversations SET tags = ?1 WHERE id = ?2")?
                        .execute(params![serde_json::to_string(tags)?, id])?;
                }
                c.prepare_cached("UPDATE conversations SET updated_at = ?1 WHERE id = ?2")?
                    .execute(params![at, id])?;
            }
            EventData::MessageAppended {
                message_id,
                conversation_id,
                direction,
                channel,
                author,
                subject,
                body,
                attachments,
                external_id,
            } => {
                let m = MessageInsert::new(
                    *direction,
                    *channel,
                    author,
                    subject,
                    body,
                    attachments,
                    external_id,
                )?;
                c.prepare_cached(
                    "INSERT INTO messages (id, tenant_id, conversation_id, seq, direction, channel, author, subject, body_text, body_html, attachments, external_id, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )?
                .execute(params![message_id.0, t, conversation_id.0, seq, m.direction, m.channel, m.author, m.subject, m.body.text, m.body.html, m.attachments, m.external_id, at])?;
                c.prepare_cached("UPDATE conversations SET channel_mask = channel_mask | ?1, last_channel = ?2, updated_at = ?3 WHERE id = ?4")?
                    .execute(params![channel.bit(), channel.as_str(), at, conversation_id.0])?;
            }
            // Receipts live on the log only: readers take the newest one. An erasure's rows
            // are removed by the erasure itself. Coupon rows are written by their flow, which
            // alone knows the token's hash (kept off the log); so are webhook secrets' (whose value
            // is kept off the log).
            EventData::ConversationSeen { .. }
            | EventData::CouponIssued { .. }
            | EventData::CouponRedeemed { .. }
            | EventData::WebhookSecretChanged { .. }
            | EventData::PartyChanged { .. }
            | EventData::CannedReplyChanged { .. }
            | EventData::CustomerErased { .. }
            | EventData::ConversationPurged { .. }
            | EventData::ContextEventsPurged { .. }
            | EventData::Redacted
            | EventData::AnticipationFired { .. } => {}
            EventData::RestrictionsChanged {
                customer_id,
                restrictions: r,
                ..
            } => {
                c.prepare_cached(
                    "INSERT INTO restrictions (tenant_id, customer_id, profiling, proactive, automation, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (tenant_id, customer_id) DO UPDATE SET profiling = excluded.profiling,
                       proactive = excluded.proactive, automation = excluded.automation, updated_at = excluded.updated_at",
                )?
                .execute(params![t, customer_id.0, r.profiling, r.proactive, r.automation, at])?;
            }
            EventData::DecisionReviewed {
                key, status, note, ..
            } => {
                c.prepare_cached(
                    "UPDATE anticipation_firings SET review_status = ?1, review_note = ?2
                     WHERE tenant_id = ?3 AND firing_key = ?4",
                )?
                .execute(params![status.as_str(), note, t, key])?;
            }
            // The knowledge-base flows write the article, revision, vote and grant rows
            // themselves (src/knowledge.rs): an article row is a document rebuilt from the
            // current one, which the flow has read in this transaction anyway.
            EventData::KbCategorySaved { .. }
            | EventData::KbArticleCreated { .. }
            | EventData::KbArticleRevised { .. }
            | EventData::KbArticleChanged { .. }
            | EventData::KbArticleAttachment { .. }
            | EventData::KbFeedback { .. }
            | EventData::KbDeflected { .. }
            | EventData::KbPartnerGrant { .. }
            | EventData::ForumThreadCreated { .. }
            | EventData::ForumReplied { .. }
            | EventData::ForumModerated { .. }
            | EventData::ForumSolutionMarked { .. }
            | EventData::ForumConverted { .. } => {}
            EventData::SettingChanged { key, value } => {
                super::sla::apply_setting(c, t, key, value, at)?
            }
            EventData::SlaClockChanged {
                conversation_id,
                clock,
            } => super::sla::apply_clock(c, t, *conversation_id, clock)?,
            EventData::SlaBreached {
                conversation_id,
                metric,
                ..
            } => super::sla::apply_breach(c, *conversation_id, *metric)?,
            EventData::AgentProfileChanged {
                party_id,
                skills,
                capacity,
            } => super::agents::apply_profile(c, t, *party_id, skills, *capacity)?,
            EventData::AgentStatusChanged { party_id, status } => {
                super::agents::apply_status(c, t, *party_id, *status)?
            }
        }
        Ok(())
    }
}

/// Reads a conversation row (columns in [`CONVERSATION_COLUMNS`] order).
pub(crate) fn conversation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ConversationRow> {
    Ok(ConversationRow {
        id: r.get(0)?,
        customer_id: r.get(1)?,
        status: r.get(2)?,
        priority: r.get(3)?,
        assignee: r.get(4)?,
        tags: r.get(5)?,
        channel_mask: r.get(6)?,
        last_channel: r.get(7)?,
        subject: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

/// One conversation of a tenant, with its last channel.
pub(crate) fn load_conversation(
    conn: &Connection,
    tenant: TenantId,
    id: ConversationId,
) -> Result<Option<(Conversation, Channel)>> {
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?1 AND tenant_id = ?2"
    );
    let row = conn
        .prepare_cached(&sql)?
        .query_row(params![id.0, tenant.0], conversation_row)
        .optional()?;
    row.map(ConversationRow::into_domain).transpose()
}

/// The owner of an identity in a tenant.
pub(crate) fn identity_owner(
    conn: &Connection,
    tenant: TenantId,
    identity: &Identity,
) -> Result<Option<CustomerId>> {
    Ok(conn
        .prepare_cached("SELECT customer_id FROM identities WHERE tenant_id = ?1 AND kind = ?2 AND network = ?3 AND value = ?4")?
        .query_row(params![tenant.0, identity.kind.as_str(), identity.network, identity.value], |r| r.get::<_, Uuid>(0))
        .optional()?
        .map(CustomerId::from))
}

impl WriteTx for SqliteTx<'_> {
    async fn latest_seq(&mut self) -> Result<i64> {
        self.current_seq()
    }

    async fn message_by_external_id(
        &mut self,
        channel: Channel,
        external_id: &str,
    ) -> Result<Option<InboundIds>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT m.id, m.conversation_id, c.customer_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
                 WHERE m.tenant_id = ?1 AND m.channel = ?2 AND m.external_id = ?3",
            )?
            .query_row(params![self.tenant.0, channel.as_str(), external_id], |r| {
                Ok(InboundIds { message_id: r.get::<_, Uuid>(0)?.into(), conversation_id: r.get::<_, Uuid>(1)?.into(), customer_id: r.get::<_, Uuid>(2)?.into() })
            })
            .optional()?)
    }

    async fn customer_by_identity(&mut self, identity: &Identity) -> Result<Option<CustomerId>> {
        identity_owner(self.conn, self.tenant, identity)
    }

    async fn customer_merged_into(&mut self, id: CustomerId) -> Result<Option<Option<CustomerId>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT merged_into FROM customers WHERE id = ?1 AND tenant_id = ?2")?
            .query_row(params![id.0, self.tenant.0], |r| {
                r.get::<_, Option<Uuid>>(0)
            })
            .optional()?
            .map(|m| m.map(CustomerId::from)))
    }

    async fn conversation(
        &mut self,
        id: ConversationId,
    ) -> Result<Option<(Conversation, Channel)>> {
        load_conversation(self.conn, self.tenant, id)
    }

    async fn follow_up_of(&mut self, id: ConversationId) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT follow_up_email FROM conversations WHERE id = ?1 AND tenant_id = ?2",
            )?
            .query_row(params![id.0, self.tenant.0], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
            .flatten())
    }

    async fn open_conversation_of(
        &mut self,
        customer: CustomerId,
    ) -> Result<Option<ConversationState>> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT id, status FROM conversations WHERE tenant_id = ?1 AND customer_id = ?2 AND status != 'closed'
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![self.tenant.0, customer.0], |r| Ok((r.get::<_, Uuid>(0)?, r.get::<_, String>(1)?)))
            .optional()?;
        row.map(|(id, status)| {
            Ok(ConversationState {
                id: id.into(),
                customer_id: customer,
                status: Status::parse(&status).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            })
        })
        .transpose()
    }

    async fn append(&mut self, events: Vec<NewEvent>) -> Result<()> {
        for event in &events {
            let seq = self.next_seq()?;
            self.conn
                .prepare_cached("INSERT INTO events (tenant_id, seq, id, at, type, actor, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?
                .execute(params![
                    self.tenant.0,
                    seq,
                    event.id.0,
                    event.at.as_micros(),
                    event.data.name(),
                    serde_json::to_string(&event.actor)?,
                    serde_json::to_string(&event.data)?
                ])?;
            self.apply(event, seq)?;
        }
        if let Some(seq) = self.last_seq {
            self.conn
                .prepare_cached("UPDATE tenants SET last_seq = ?1 WHERE id = ?2")?
                .execute(params![seq, self.tenant.0])?;
        }
        Ok(())
    }
}
