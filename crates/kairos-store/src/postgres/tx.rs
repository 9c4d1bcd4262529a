//! The PostgreSQL side of [`WriteTx`].

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
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, Row, Transaction};
use uuid::Uuid;

/// A write transaction for one tenant.
pub(crate) struct PgTx {
    tx: Transaction<'static, Postgres>,
    tenant: TenantId,
    last_seq: Option<i64>,
    locked_seq: Option<i64>,
}

pub(crate) fn conversation_row(r: &PgRow) -> sqlx::Result<ConversationRow> {
    Ok(ConversationRow {
        id: r.try_get(0)?,
        customer_id: r.try_get(1)?,
        status: r.try_get(2)?,
        priority: r.try_get(3)?,
        assignee: r.try_get(4)?,
        tags: r.try_get(5)?,
        channel_mask: r.try_get(6)?,
        last_channel: r.try_get(7)?,
        subject: r.try_get(8)?,
        created_at: r.try_get(9)?,
        updated_at: r.try_get(10)?,
    })
}

impl PgTx {
    /// Begins a transaction; with `lock`, takes the tenant's row lock first, which
    /// serialises this tenant's writers (and fails with not-found for an unknown tenant).
    pub async fn begin(pool: &PgPool, tenant: TenantId, lock: bool) -> Result<Self> {
        let mut tx = pool.begin().await?;
        let locked_seq = if lock {
            let row = sqlx::query("SELECT last_seq FROM tenants WHERE id = $1 FOR UPDATE")
                .bind(tenant.0)
                .fetch_optional(&mut *tx)
                .await?;
            Some(row.ok_or(StoreError::not_found("tenant"))?.try_get(0)?)
        } else {
            None
        };
        Ok(Self {
            tx,
            tenant,
            last_seq: None,
            locked_seq,
        })
    }

    /// The log position reached so far (to undo a rolled-back job's numbering).
    pub fn seq_mark(&self) -> Option<i64> {
        self.last_seq
    }

    /// Forgets numbering done after `mark` (its savepoint was rolled back).
    pub fn reset_seq(&mut self, mark: Option<i64>) {
        self.last_seq = mark;
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Commits; returns the log position written, for notification.
    pub async fn commit(self) -> Result<Option<Committed>> {
        let committed = self.last_seq.map(|seq| Committed {
            tenant_id: self.tenant,
            seq,
        });
        self.tx.commit().await?;
        Ok(committed)
    }

    async fn current_seq(&mut self) -> Result<i64> {
        match (self.last_seq, self.locked_seq) {
            (Some(s), _) | (None, Some(s)) => Ok(s),
            (None, None) => {
                let row = sqlx::query("SELECT last_seq FROM tenants WHERE id = $1 FOR UPDATE")
                    .bind(self.tenant.0)
                    .fetch_optional(&mut *self.tx)
                    .await?
                    .ok_or(StoreError::not_found("tenant"))?;
                let seq: i64 = row.try_get(0)?;
                // Holding the row lock now, the position cannot move under us.
                self.locked_seq = Some(seq);
                Ok(seq)
            }
        }
    }

    async fn next_seq(&mut self) -> Result<i64> {
        let current = self.current_seq().await?;
        self.last_seq = Some(current + 1);
        Ok(current + 1)
    }

    async fn apply(&mut self, event: &NewEvent, seq: i64) -> Result<()> {
        let t = self.tenant.0;
        let at = event.at.as_micros();
        let c = &mut *self.tx;
        match &event.data {
            EventData::TenantCreated { .. }
            | EventData::PartyCreated { .. }
            | EventData::TokenCreated { .. } => {}
            EventData::TenantRenamed { name } => {
                sqlx::query("UPDATE tenants SET name = $1 WHERE id = $2")
                    .bind(name)
                    .bind(t)
                    .execute(&mut *c)
                    .await?;
            }
            EventData::CustomerCreated {
                customer_id,
                display_name,
            } => {
                sqlx::query("INSERT INTO customers (id, tenant_id, display_name, merged_into, created_at) VALUES ($1, $2, $3, NULL, $4)")
                    .bind(customer_id.0)
                    .bind(t)
                    .bind(display_name)
                    .bind(at)
                    .execute(&mut *c)
                    .await?;
            }
            EventData::ConsentRecorded { record } => {
                sqlx::query("INSERT INTO consent_records (id, tenant_id, customer_id, purpose, record, at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(record.id)
                    .bind(t)
                    .bind(record.customer_id.0)
                    .bind(&record.command.purpose)
                    .bind(serde_json::to_string(record)?)
                    .bind(record.at.as_micros())
                    .execute(&mut *c)
                    .await?;
            }
            EventData::CustomerTierSet { customer_id, tier } => {
                sqlx::query("UPDATE customers SET tier = $1 WHERE id = $2 AND tenant_id = $3")
                    .bind(tier)
                    .bind(customer_id.0)
                    .bind(t)
                    .execute(&mut *c)
                    .await?;
            }
            EventData::CustomerTimeZoneSet {
                customer_id,
                time_zone,
            } => {
                sqlx::query("UPDATE customers SET time_zone = $1 WHERE id = $2 AND tenant_id = $3")
                    .bind(time_zone)
                    .bind(customer_id.0)
                    .bind(t)
                    .execute(&mut *c)
                    .await?;
            }
            EventData::ConversationFollowUp {
                conversation_id,
                email,
            } => {
                sqlx::query("UPDATE conversations SET follow_up_email = $1 WHERE id = $2 AND tenant_id = $3")
                    .bind(email)
                    .bind(conversation_id.0)
                    .bind(t)
                    .execute(&mut *c)
                    .await?;
            }
            EventData::IdentityAdded {
                customer_id,
                identity,
            } => {
                sqlx::query("INSERT INTO identities (tenant_id, kind, network, value, customer_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(t)
                    .bind(identity.kind.as_str())
                    .bind(&identity.network)
                    .bind(&identity.value)
                    .bind(customer_id.0)
                    .bind(at)
                    .execute(&mut *c)
                    .await?;
            }
            EventData::CustomersMerged { into, from } => {
                for sql in [
                    "UPDATE identities SET customer_id = $1 WHERE customer_id = $2 AND tenant_id = $3",
                    "UPDATE conversations SET customer_id = $1 WHERE customer_id = $2 AND tenant_id = $3",
                    "UPDATE customers SET merged_into = $1 WHERE (id = $2 OR merged_into = $2) AND tenant_id = $3",
                    "UPDATE api_tokens SET customer_id = $1 WHERE customer_id = $2 AND tenant_id = $3",
                    "UPDATE consent_records SET customer_id = $1 WHERE customer_id = $2 AND tenant_id = $3",
                    "UPDATE context_events SET customer_id = $1 WHERE customer_id = $2 AND tenant_id = $3",
                    "UPDATE coupons SET customer_id = $1 WHERE customer_id = $2 AND tenant_id = $3",
                    "UPDATE anticipation_firings SET customer_id = $1 WHERE customer_id = $2 AND tenant_id = $3",
                    // A merge keeps every restriction either record had.
                    "INSERT INTO restrictions (tenant_id, customer_id, profiling, proactive, automation, updated_at)
                     SELECT tenant_id, $1, profiling, proactive, automation, updated_at FROM restrictions
                     WHERE customer_id = $2 AND tenant_id = $3
                     ON CONFLICT (tenant_id, customer_id) DO UPDATE SET
                       profiling = restrictions.profiling OR excluded.profiling,
                       proactive = restrictions.proactive OR excluded.proactive,
                       automation = restrictions.automation OR excluded.automation",
                ] {
                    sqlx::query(sql)
                        .bind(into.0)
                        .bind(from.0)
                        .bind(t)
                        .execute(&mut *c)
                        .await?;
                }
                sqlx::query("DELETE FROM restrictions WHERE customer_id = $1 AND tenant_id = $2")
                    .bind(from.0)
                    .bind(t)
                    .execute(&mut *c)
                    .await?;
            }
            EventData::ConversationOpened {
                conversation_id,
                customer_id,
                channel,
                subject,
            } => {
                sqlx::query(
                    "INSERT INTO conversations (id, tenant_id, customer_id, status, priority, assignee, tags, channel_mask, last_channel, subject, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, NULL, '[]', $6, $7, $8, $9, $9)",
                )
                .bind(conversation_id.0)
                .bind(t)
                .bind(customer_id.0)
                .bind(Status::Open.as_str())
                .bind(Priority::Normal.as_str())
                .bind(channel.bit())
                .bind(channel.as_str())
                .bind(subject)
                .bind(at)
                .execute(&mut *c)
                .await?;
            }
            EventData::ConversationChanged {
                conversation_id,
                changes,
            } => {
                let tags = changes
                    .tags
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?;
                sqlx::query(
                    "UPDATE conversations SET
                        status = COALESCE($2, status),
                        priority = COALESCE($3, priority),
                        assignee = CASE WHEN $4 THEN $5 ELSE assignee END,
                        tags = COALESCE($6, tags),
                        updated_at = $7
                     WHERE id = $1",
                )
                .bind(conversation_id.0)
                .bind(changes.status.map(|s| s.as_str()))
                .bind(changes.priority.map(|p| p.as_str()))
                .bind(changes.assignee.is_some())
                .bind(changes.assignee.flatten().map(|p| p.0))
                .bind(tags)
                .bind(at)
                .execute(&mut *c)
                .await?;
                if let Some(Some(p)) = changes.assignee {
                    super::agents::apply_assigned(c, p, at).await?;
                }
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
                sqlx::query(
                    "INSERT INTO messages (id, tenant_id, conversation_id, seq, direction, channel, author, subject, body_text, body_html, attachments, external_id, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(message_id.0)
                .bind(t)
                .bind(conversation_id.0)
                .bind(seq)
                .bind(m.direction)
                .bind(m.channel)
                .bind(&m.author)
                .bind(m.subject)
                .bind(&m.body.text)
                .bind(m.body.html.as_deref())
                .bind(&m.attachments)
                .bind(m.external_id)
                .bind(at)
                .execute(&mut *c)
                .await?;
                sqlx::query("UPDATE conversations SET channel_mask = channel_mask | $1, last_channel = $2, updated_at = $3 WHERE id = $4")
                    .bind(channel.bit())
                    .bind(channel.as_str())
                    .bind(at)
                    .bind(conversation_id.0)
                    .execute(&mut *c)
                    .await?;
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
                sqlx::query(
                    "INSERT INTO restrictions (tenant_id, customer_id, profiling, proactive, automation, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (tenant_id, customer_id) DO UPDATE SET profiling = excluded.profiling,
                       proactive = excluded.proactive, automation = excluded.automation, updated_at = excluded.updated_at",
                )
                .bind(t)
                .bind(customer_id.0)
                .bind(r.profiling)
                .bind(r.proactive)
                .bind(r.automation)
                .bind(at)
                .execute(&mut *c)
                .await?;
            }
            EventData::DecisionReviewed {
                key, status, note, ..
            } => {
                sqlx::query(
                    "UPDATE anticipation_firings SET review_status = $1, review_note = $2
                     WHERE tenant_id = $3 AND firing_key = $4",
                )
                .bind(status.as_str())
                .bind(note)
                .bind(t)
                .bind(key)
                .execute(&mut *c)
                .await?;
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
                super::sla::apply_setting(c, t, key, value, at).await?
            }
            EventData::SlaClockChanged {
                conversation_id,
                clock,
            } => super::sla::apply_clock(c, t, *conversation_id, clock).await?,
            EventData::SlaBreached {
                conversation_id,
                metric,
                ..
            } => super::sla::apply_breach(c, *conversation_id, *metric).await?,
            EventData::AgentProfileChanged {
                party_id,
                skills,
                capacity,
            } => super::agents::apply_profile(c, t, *party_id, skills, *capacity).await?,
            EventData::AgentStatusChanged { party_id, status } => {
                super::agents::apply_status(c, t, *party_id, *status).await?
            }
        }
        Ok(())
    }
}

/// One conversation of a tenant, with its last channel.
pub(crate) async fn load_conversation(
    c: &mut PgConnection,
    tenant: TenantId,
    id: ConversationId,
) -> Result<Option<(Conversation, Channel)>> {
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = $1 AND tenant_id = $2"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .bind(tenant.0)
        .fetch_optional(c)
        .await?;
    row.map(|r| {
        conversation_row(&r)
            .map_err(StoreError::from)
            .and_then(ConversationRow::into_domain)
    })
    .transpose()
}

impl WriteTx for PgTx {
    async fn latest_seq(&mut self) -> Result<i64> {
        self.current_seq().await
    }

    async fn message_by_external_id(
        &mut self,
        channel: Channel,
        external_id: &str,
    ) -> Result<Option<InboundIds>> {
        let row = sqlx::query(
            "SELECT m.id, m.conversation_id, c.customer_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.tenant_id = $1 AND m.channel = $2 AND m.external_id = $3",
        )
        .bind(self.tenant.0)
        .bind(channel.as_str())
        .bind(external_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| {
            Ok(InboundIds {
                message_id: r.try_get::<Uuid, _>(0)?.into(),
                conversation_id: r.try_get::<Uuid, _>(1)?.into(),
                customer_id: r.try_get::<Uuid, _>(2)?.into(),
            })
        })
        .transpose()
    }

    async fn customer_by_identity(&mut self, identity: &Identity) -> Result<Option<CustomerId>> {
        let row = sqlx::query("SELECT customer_id FROM identities WHERE tenant_id = $1 AND kind = $2 AND network = $3 AND value = $4")
            .bind(self.tenant.0)
            .bind(identity.kind.as_str())
            .bind(&identity.network)
            .bind(&identity.value)
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(row
            .map(|r| r.try_get::<Uuid, _>(0))
            .transpose()?
            .map(CustomerId::from))
    }

    async fn customer_merged_into(&mut self, id: CustomerId) -> Result<Option<Option<CustomerId>>> {
        let row = sqlx::query("SELECT merged_into FROM customers WHERE id = $1 AND tenant_id = $2")
            .bind(id.0)
            .bind(self.tenant.0)
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(row
            .map(|r| r.try_get::<Option<Uuid>, _>(0))
            .transpose()?
            .map(|m| m.map(CustomerId::from)))
    }

    async fn conversation(
        &mut self,
        id: ConversationId,
    ) -> Result<Option<(Conversation, Channel)>> {
        load_conversation(&mut self.tx, self.tenant, id).await
    }

    async fn follow_up_of(&mut self, id: ConversationId) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT follow_up_email FROM conversations WHERE id = $1 AND tenant_id = $2",
        )
        .bind(id.0)
        .bind(self.tenant.0)
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(row
            .map(|r| r.try_get::<Option<String>, _>(0))
            .transpose()?
            .flatten())
    }

    async fn open_conversation_of(
        &mut self,
        customer: CustomerId,
    ) -> Result<Option<ConversationState>> {
        let row = sqlx::query("SELECT id, status FROM conversations WHERE tenant_id = $1 AND customer_id = $2 AND status != 'closed' ORDER BY id DESC LIMIT 1")
            .bind(self.tenant.0)
            .bind(customer.0)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.map(|r| {
            let status: String = r.try_get(1)?;
            Ok(ConversationState {
                id: r.try_get::<Uuid, _>(0)?.into(),
                customer_id: customer,
                status: Status::parse(&status).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            })
        })
        .transpose()
    }

    async fn append(&mut self, events: Vec<NewEvent>) -> Result<()> {
        for event in &events {
            let seq = self.next_seq().await?;
            sqlx::query("INSERT INTO events (tenant_id, seq, id, at, type, actor, data) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(self.tenant.0)
                .bind(seq)
                .bind(event.id.0)
                .bind(event.at.as_micros())
                .bind(event.data.name())
                .bind(serde_json::to_string(&event.actor)?)
                .bind(serde_json::to_string(&event.data)?)
                .execute(&mut *self.tx)
                .await?;
            self.apply(event, seq).await?;
        }
        if let Some(seq) = self.last_seq {
            sqlx::query("UPDATE tenants SET last_seq = $1 WHERE id = $2")
                .bind(seq)
                .bind(self.tenant.0)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }
}
