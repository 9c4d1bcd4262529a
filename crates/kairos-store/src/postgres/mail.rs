//! PostgreSQL side of the e-mail channel's bookkeeping.

use super::PgStore;
use crate::error::Result;
use crate::mail::{OutboxEntry, OutboxMail, OutboxState};
use kairos_core::Timestamp;
use kairos_core::ids::{ConversationId, MessageId, TenantId};
use sqlx::Row;
use uuid::Uuid;

impl PgStore {
    /// Inserts unless taken; returns the owner.
    pub(crate) async fn add_mail_address(
        &self,
        tenant: TenantId,
        address: &str,
        now: Timestamp,
    ) -> Result<TenantId> {
        sqlx::query("INSERT INTO mail_addresses (address, tenant_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (address) DO NOTHING")
            .bind(address)
            .bind(tenant.0)
            .bind(now.as_micros())
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO consumer_cursors (consumer, tenant_id, seq) SELECT $1, id, last_seq FROM tenants WHERE id = $2 ON CONFLICT (consumer, tenant_id) DO NOTHING")
            .bind(crate::mail::OUTBOX_CONSUMER)
            .bind(tenant.0)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query("SELECT tenant_id FROM mail_addresses WHERE address = $1")
            .bind(address)
            .fetch_one(&self.pool)
            .await?;
        Ok(TenantId(row.try_get(0)?))
    }

    pub(crate) async fn remove_mail_address(
        &self,
        tenant: TenantId,
        address: &str,
    ) -> Result<bool> {
        let done = sqlx::query("DELETE FROM mail_addresses WHERE address = $1 AND tenant_id = $2")
            .bind(address)
            .bind(tenant.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn mail_addresses(&self, tenant: TenantId) -> Result<Vec<String>> {
        let rows =
            sqlx::query("SELECT address FROM mail_addresses WHERE tenant_id = $1 ORDER BY address")
                .bind(tenant.0)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<sqlx::Result<_>>()?)
    }

    pub(crate) async fn mail_address_tenant(&self, address: &str) -> Result<Option<TenantId>> {
        let row = sqlx::query("SELECT tenant_id FROM mail_addresses WHERE address = $1")
            .bind(address)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.map(TenantId))
    }

    pub(crate) async fn outbox_enqueue(&self, mail: &OutboxMail, now: Timestamp) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO mail_outbox (id, tenant_id, message_id, mail_from, recipient, raw, state, attempts, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, $7) ON CONFLICT DO NOTHING",
        )
        .bind(mail.id)
        .bind(mail.tenant_id.0)
        .bind(mail.message_id.map(|m| m.0))
        .bind(&mail.mail_from)
        .bind(&mail.recipient)
        .bind(&mail.raw)
        .bind(now.as_micros())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn outbox_due(&self, now: Timestamp, limit: u32) -> Result<Vec<OutboxMail>> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, message_id, mail_from, recipient, raw, attempts FROM mail_outbox
             WHERE state = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2",
        )
        .bind(now.as_micros())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxMail {
                    id: r.try_get(0)?,
                    tenant_id: TenantId(r.try_get(1)?),
                    message_id: r.try_get::<Option<Uuid>, _>(2)?.map(MessageId),
                    mail_from: r.try_get(3)?,
                    recipient: r.try_get(4)?,
                    raw: r.try_get(5)?,
                    attempts: u32::try_from(r.try_get::<i64, _>(6)?).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    pub(crate) async fn outbox_claim(
        &self,
        id: Uuid,
        now: Timestamp,
        lease: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query("UPDATE mail_outbox SET next_attempt_at = $3 WHERE id = $1 AND state = 'queued' AND next_attempt_at <= $2")
            .bind(id)
            .bind(now.as_micros())
            .bind(lease.as_micros())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn outbox_attempted(
        &self,
        id: Uuid,
        state: OutboxState,
        next_attempt_at: Timestamp,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        let done = (state != OutboxState::Queued).then_some(now.as_micros());
        sqlx::query(
            "UPDATE mail_outbox SET state = $2, attempts = attempts + 1, next_attempt_at = $3, last_error = $4, done_at = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(state.as_str())
        .bind(next_attempt_at.as_micros())
        .bind(error)
        .bind(done)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(crate) async fn outbox(&self, tenant: TenantId, limit: u32) -> Result<Vec<OutboxEntry>> {
        let rows = sqlx::query(
            "SELECT id, message_id, recipient, state, attempts, next_attempt_at, last_error, created_at FROM mail_outbox
             WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(tenant.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxEntry {
                    id: r.try_get(0)?,
                    message_id: r.try_get::<Option<Uuid>, _>(1)?.map(MessageId),
                    recipient: r.try_get(2)?,
                    state: r.try_get(3)?,
                    attempts: u32::try_from(r.try_get::<i64, _>(4)?).unwrap_or(u32::MAX),
                    next_attempt_at: Timestamp::from_micros(r.try_get(5)?),
                    last_error: r.try_get(6)?,
                    created_at: Timestamp::from_micros(r.try_get(7)?),
                })
            })
            .collect()
    }

    pub(crate) async fn auto_reply_claim(
        &self,
        tenant: TenantId,
        address: &str,
        since: Timestamp,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO mail_auto_replies (tenant_id, address, last_sent_at) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id, address) DO UPDATE SET last_sent_at = excluded.last_sent_at
             WHERE mail_auto_replies.last_sent_at <= $4",
        )
        .bind(tenant.0)
        .bind(address)
        .bind(now.as_micros())
        .bind(since.as_micros())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn record_mail_id(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        message: MessageId,
        rfc_id: &str,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query("INSERT INTO mail_message_ids (message_id, tenant_id, conversation_id, rfc_id, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
            .bind(message.0)
            .bind(tenant.0)
            .bind(conversation.0)
            .bind(rfc_id)
            .bind(now.as_micros())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn mail_ids(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        limit: u32,
    ) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT rfc_id FROM mail_message_ids WHERE conversation_id = $1 AND tenant_id = $2 ORDER BY created_at DESC LIMIT $3",
        )
        .bind(conversation.0)
        .bind(tenant.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<sqlx::Result<_>>()?)
    }

    pub(crate) async fn set_consumer_cursor(
        &self,
        tenant: TenantId,
        consumer: &str,
        seq: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO consumer_cursors (consumer, tenant_id, seq) VALUES ($1, $2, $3) ON CONFLICT (consumer, tenant_id) DO UPDATE SET seq = excluded.seq")
            .bind(consumer)
            .bind(tenant.0)
            .bind(seq)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
