//! PostgreSQL side of the provider channels' bookkeeping.

use super::PgStore;
use crate::error::Result;
use crate::hooks::{
    InboxEntry, InboxItem, OUTBOUND_CONSUMER, ProviderChannel, ProviderSend, ProviderSendEntry,
    SendOutcome, outcome_columns,
};
use kairos_core::Timestamp;
use kairos_core::ids::{ConversationId, MessageId, TenantId};
use sqlx::Row;
use uuid::Uuid;

fn count(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl PgStore {
    pub(crate) async fn create_provider_channel(&self, ch: &ProviderChannel) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO provider_channels (id, tenant_id, provider, name, config, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(ch.id)
        .bind(ch.tenant_id.0)
        .bind(&ch.provider)
        .bind(&ch.name)
        .bind(&ch.config)
        .bind(ch.created_at.as_micros())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO consumer_cursors (consumer, tenant_id, seq) SELECT $1, id, last_seq FROM tenants WHERE id = $2
             ON CONFLICT (consumer, tenant_id) DO NOTHING",
        )
        .bind(OUTBOUND_CONSUMER)
        .bind(ch.tenant_id.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn provider_channels(
        &self,
        tenant: Option<TenantId>,
        id: Option<Uuid>,
    ) -> Result<Vec<ProviderChannel>> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, provider, name, config, created_at FROM provider_channels
             WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2::uuid IS NULL OR id = $2) ORDER BY created_at, id",
        )
        .bind(tenant.map(|t| t.0))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ProviderChannel {
                    id: r.try_get(0)?,
                    tenant_id: TenantId(r.try_get(1)?),
                    provider: r.try_get(2)?,
                    name: r.try_get(3)?,
                    config: r.try_get(4)?,
                    created_at: Timestamp::from_micros(r.try_get(5)?),
                })
            })
            .collect()
    }

    pub(crate) async fn delete_provider_channel(&self, tenant: TenantId, id: Uuid) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("DELETE FROM provider_channels WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(tenant.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n > 0 {
            for sql in [
                "DELETE FROM webhook_inbox WHERE provider_channel_id = $1",
                "DELETE FROM provider_routes WHERE provider_channel_id = $1",
            ] {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    pub(crate) async fn webhook_accept(
        &self,
        channel: Uuid,
        event_id: &str,
        payload: &[u8],
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO webhook_inbox (provider_channel_id, provider_event_id, received_at, payload, state, attempts, next_attempt_at)
             VALUES ($1, $2, $3, $4, 'queued', 0, $3) ON CONFLICT DO NOTHING",
        )
        .bind(channel)
        .bind(event_id)
        .bind(now.as_micros())
        .bind(payload)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn webhook_due(&self, now: Timestamp, limit: u32) -> Result<Vec<InboxItem>> {
        let rows = sqlx::query(
            "SELECT i.provider_channel_id, i.provider_event_id, ch.tenant_id, ch.provider, i.payload, i.attempts
             FROM webhook_inbox i JOIN provider_channels ch ON ch.id = i.provider_channel_id
             WHERE i.state = 'queued' AND i.next_attempt_at <= $1 ORDER BY i.next_attempt_at LIMIT $2",
        )
        .bind(now.as_micros())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(InboxItem {
                    provider_channel_id: r.try_get(0)?,
                    provider_event_id: r.try_get(1)?,
                    tenant_id: TenantId(r.try_get(2)?),
                    provider: r.try_get(3)?,
                    payload: r.try_get(4)?,
                    attempts: count(r.try_get(5)?),
                })
            })
            .collect()
    }

    pub(crate) async fn webhook_finish(
        &self,
        channel: Uuid,
        event_id: &str,
        state: &'static str,
        error: Option<&str>,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<()> {
        let done = (state != "queued").then_some(now.as_micros());
        sqlx::query(
            "UPDATE webhook_inbox SET state = $3, attempts = attempts + 1, next_attempt_at = $4, last_error = $5, done_at = $6
             WHERE provider_channel_id = $1 AND provider_event_id = $2",
        )
        .bind(channel)
        .bind(event_id)
        .bind(state)
        .bind(retry_at.unwrap_or(now).as_micros())
        .bind(error)
        .bind(done)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(crate) async fn webhook_inbox(&self, channel: Uuid, limit: u32) -> Result<Vec<InboxEntry>> {
        let rows = sqlx::query(
            "SELECT provider_event_id, state, attempts, last_error, received_at FROM webhook_inbox
             WHERE provider_channel_id = $1 ORDER BY received_at DESC LIMIT $2",
        )
        .bind(channel)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(InboxEntry {
                    provider_event_id: r.try_get(0)?,
                    state: r.try_get(1)?,
                    attempts: count(r.try_get(2)?),
                    last_error: r.try_get(3)?,
                    received_at: Timestamp::from_micros(r.try_get(4)?),
                })
            })
            .collect()
    }

    pub(crate) async fn webhook_purge(&self, before: Timestamp) -> Result<u64> {
        let done = sqlx::query("DELETE FROM webhook_inbox WHERE state = 'done' AND done_at < $1")
            .bind(before.as_micros())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    pub(crate) async fn provider_route_set(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        channel: Uuid,
        recipient: &str,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO provider_routes (tenant_id, conversation_id, provider_channel_id, recipient, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET provider_channel_id = excluded.provider_channel_id,
               recipient = excluded.recipient, updated_at = excluded.updated_at",
        )
        .bind(tenant.0)
        .bind(conversation.0)
        .bind(channel)
        .bind(recipient)
        .bind(now.as_micros())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(crate) async fn provider_route(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
    ) -> Result<Option<(Uuid, String)>> {
        let row = sqlx::query(
            "SELECT provider_channel_id, recipient FROM provider_routes WHERE tenant_id = $1 AND conversation_id = $2",
        )
        .bind(tenant.0)
        .bind(conversation.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
            None => None,
        })
    }

    pub(crate) async fn provider_send_enqueue(
        &self,
        s: &ProviderSend,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO provider_outbox (message_id, tenant_id, provider_channel_id, recipient, text, state, attempts, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $6) ON CONFLICT DO NOTHING",
        )
        .bind(s.message_id.0)
        .bind(s.tenant_id.0)
        .bind(s.provider_channel_id)
        .bind(&s.recipient)
        .bind(&s.text)
        .bind(now.as_micros())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn provider_send_due(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<ProviderSend>> {
        let rows = sqlx::query(
            "SELECT message_id, tenant_id, provider_channel_id, recipient, text, attempts FROM provider_outbox
             WHERE state = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2",
        )
        .bind(now.as_micros())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ProviderSend {
                    message_id: MessageId(r.try_get(0)?),
                    tenant_id: TenantId(r.try_get(1)?),
                    provider_channel_id: r.try_get(2)?,
                    recipient: r.try_get(3)?,
                    text: r.try_get(4)?,
                    attempts: count(r.try_get(5)?),
                })
            })
            .collect()
    }

    pub(crate) async fn provider_send_attempted(
        &self,
        message: MessageId,
        outcome: &SendOutcome,
        now: Timestamp,
    ) -> Result<()> {
        let (state, next, error, external, done) = outcome_columns(outcome, now);
        sqlx::query(
            "UPDATE provider_outbox SET state = $2, attempts = attempts + 1, next_attempt_at = $3, last_error = $4,
               external_id = coalesce($5, external_id), done_at = $6 WHERE message_id = $1",
        )
        .bind(message.0)
        .bind(state)
        .bind(next)
        .bind(error)
        .bind(external)
        .bind(done)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(crate) async fn provider_send(
        &self,
        message: MessageId,
    ) -> Result<Option<ProviderSendEntry>> {
        let row = sqlx::query(
            "SELECT state, attempts, external_id, last_error FROM provider_outbox WHERE message_id = $1",
        )
        .bind(message.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Some(ProviderSendEntry {
                state: r.try_get(0)?,
                attempts: count(r.try_get(1)?),
                external_id: r.try_get(2)?,
                last_error: r.try_get(3)?,
            }),
            None => None,
        })
    }

    pub(crate) async fn provider_receipt(
        &self,
        channel: Uuid,
        external_id: &str,
        status: &str,
        rank: i64,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO provider_receipts (provider_channel_id, external_id, status, status_rank, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (provider_channel_id, external_id) DO UPDATE SET status = excluded.status,
               status_rank = excluded.status_rank, updated_at = excluded.updated_at
             WHERE excluded.status_rank > provider_receipts.status_rank",
        )
        .bind(channel)
        .bind(external_id)
        .bind(status)
        .bind(rank)
        .bind(now.as_micros())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(crate) async fn provider_receipt_status(
        &self,
        channel: Uuid,
        external_id: &str,
    ) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT status FROM provider_receipts WHERE provider_channel_id = $1 AND external_id = $2",
        )
        .bind(channel)
        .bind(external_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }
}
