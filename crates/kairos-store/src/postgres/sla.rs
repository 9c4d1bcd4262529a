//! PostgreSQL side of settings, SLA clocks and consumer cursors.

use super::PgStore;
use super::tx::PgTx;
use crate::error::{Result, StoreError};
use crate::sla::SlaTx;
use kairos_core::Timestamp;
use kairos_core::ids::{ConversationId, CustomerId, TenantId};
use kairos_core::sla::{Clock, ClockState, Metric};
use sqlx::{PgConnection, Row};
use uuid::Uuid;

fn state_name(s: ClockState) -> &'static str {
    match s {
        ClockState::Running => "running",
        ClockState::Paused => "paused",
        ClockState::Stopped => "stopped",
    }
}

async fn clocks<'e, E: sqlx::PgExecutor<'e>>(
    e: E,
    conversation: ConversationId,
) -> Result<Vec<Clock>> {
    sqlx::query("SELECT clock FROM sla_clocks WHERE conversation_id = $1 ORDER BY metric")
        .bind(conversation.0)
        .fetch_all(e)
        .await?
        .into_iter()
        .map(|r| Ok(serde_json::from_str(&r.try_get::<String, _>(0)?)?))
        .collect()
}

/// Applies `setting.changed`.
pub(super) async fn apply_setting(
    c: &mut PgConnection,
    tenant: Uuid,
    key: &str,
    value: &serde_json::Value,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO tenant_settings (tenant_id, key, value, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
        .bind(tenant)
        .bind(key)
        .bind(value.to_string())
        .bind(at)
        .execute(c)
        .await?;
    Ok(())
}

/// Applies `sla.clock`.
pub(super) async fn apply_clock(
    c: &mut PgConnection,
    tenant: Uuid,
    conversation: ConversationId,
    clock: &Clock,
) -> Result<()> {
    sqlx::query("INSERT INTO sla_clocks (tenant_id, conversation_id, metric, state, due_at, breached, clock) VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (conversation_id, metric) DO UPDATE SET state = excluded.state, due_at = excluded.due_at, breached = excluded.breached, clock = excluded.clock")
        .bind(tenant)
        .bind(conversation.0)
        .bind(clock.metric.as_str())
        .bind(state_name(clock.state))
        .bind(clock.due_at.map(|d| d.as_micros()))
        .bind(clock.breached)
        .bind(serde_json::to_string(clock)?)
        .execute(c)
        .await?;
    Ok(())
}

/// Applies `sla.breached`.
pub(super) async fn apply_breach(
    c: &mut PgConnection,
    conversation: ConversationId,
    metric: Metric,
) -> Result<()> {
    let row =
        sqlx::query("SELECT clock FROM sla_clocks WHERE conversation_id = $1 AND metric = $2")
            .bind(conversation.0)
            .bind(metric.as_str())
            .fetch_optional(&mut *c)
            .await?;
    let Some(row) = row else { return Ok(()) };
    let mut clock: Clock = serde_json::from_str(&row.try_get::<String, _>(0)?)?;
    clock.breached = true;
    sqlx::query("UPDATE sla_clocks SET breached = TRUE, clock = $1 WHERE conversation_id = $2 AND metric = $3")
        .bind(serde_json::to_string(&clock)?)
        .bind(conversation.0)
        .bind(metric.as_str())
        .execute(c)
        .await?;
    Ok(())
}

impl SlaTx for PgTx {
    async fn sla_clocks(&mut self, conversation: ConversationId) -> Result<Vec<Clock>> {
        clocks(self.conn(), conversation).await
    }

    async fn consumer_cursor(&mut self, consumer: &str) -> Result<Option<i64>> {
        let tenant = self.tenant().0;
        let row =
            sqlx::query("SELECT seq FROM consumer_cursors WHERE consumer = $1 AND tenant_id = $2")
                .bind(consumer)
                .bind(tenant)
                .fetch_optional(self.conn())
                .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    async fn set_consumer_cursor(&mut self, consumer: &str, seq: i64) -> Result<()> {
        let tenant = self.tenant().0;
        sqlx::query("INSERT INTO consumer_cursors (consumer, tenant_id, seq) VALUES ($1, $2, $3) ON CONFLICT (consumer, tenant_id) DO UPDATE SET seq = excluded.seq")
            .bind(consumer)
            .bind(tenant)
            .bind(seq)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    async fn customer_tier(&mut self, customer: CustomerId) -> Result<Option<String>> {
        let tenant = self.tenant().0;
        let row = sqlx::query("SELECT tier FROM customers WHERE id = $1 AND tenant_id = $2")
            .bind(customer.0)
            .bind(tenant)
            .fetch_optional(self.conn())
            .await?;
        Ok(match row {
            Some(r) => r.try_get(0)?,
            None => None,
        })
    }
}

impl PgStore {
    pub(crate) async fn setting(&self, tenant: TenantId, key: &str) -> Result<Option<String>> {
        let row =
            sqlx::query("SELECT value FROM tenant_settings WHERE tenant_id = $1 AND key = $2")
                .bind(tenant.0)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    pub(crate) async fn sla_overdue(
        &self,
        at: Timestamp,
        limit: u32,
    ) -> Result<Vec<(TenantId, ConversationId)>> {
        sqlx::query("SELECT DISTINCT tenant_id, conversation_id FROM sla_clocks WHERE state = 'running' AND NOT breached AND due_at <= $1 LIMIT $2")
            .bind(at.as_micros())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|r| Ok((TenantId(r.try_get(0)?), ConversationId(r.try_get(1)?))))
            .collect()
    }

    pub(crate) async fn sla_clocks_of(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
    ) -> Result<Vec<Clock>> {
        let owned = sqlx::query("SELECT 1 FROM conversations WHERE id = $1 AND tenant_id = $2")
            .bind(conversation.0)
            .bind(tenant.0)
            .fetch_optional(&self.pool)
            .await?;
        if owned.is_none() {
            return Err(StoreError::not_found("conversation"));
        }
        clocks(&self.pool, conversation).await
    }

    pub(crate) async fn consumer_cursor(
        &self,
        tenant: TenantId,
        consumer: &str,
    ) -> Result<Option<i64>> {
        let row =
            sqlx::query("SELECT seq FROM consumer_cursors WHERE consumer = $1 AND tenant_id = $2")
                .bind(consumer)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    pub(crate) async fn tenant_ids(&self) -> Result<Vec<TenantId>> {
        sqlx::query("SELECT id FROM tenants ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|r| Ok(TenantId(r.try_get(0)?)))
            .collect()
    }
}
