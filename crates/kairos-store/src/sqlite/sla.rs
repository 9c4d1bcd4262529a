//! SQLite side of settings, SLA clocks and consumer cursors.

use super::SqliteStore;
use super::tx::SqliteTx;
use crate::error::{Result, StoreError};
use crate::sla::SlaTx;
use kairos_core::Timestamp;
use kairos_core::ids::{ConversationId, CustomerId, TenantId};
use kairos_core::sla::{Clock, ClockState, Metric};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

fn state_name(s: ClockState) -> &'static str {
    match s {
        ClockState::Running => "running",
        ClockState::Paused => "paused",
        ClockState::Stopped => "stopped",
    }
}

fn clocks(conn: &Connection, conversation: ConversationId) -> Result<Vec<Clock>> {
    let mut stmt = conn.prepare_cached(
        "SELECT clock FROM sla_clocks WHERE conversation_id = ?1 ORDER BY metric",
    )?;
    let rows = stmt.query_map([conversation.0], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

/// Applies `setting.changed`.
pub(super) fn apply_setting(
    c: &Connection,
    tenant: Uuid,
    key: &str,
    value: &serde_json::Value,
    at: i64,
) -> Result<()> {
    c.prepare_cached("INSERT INTO tenant_settings (tenant_id, key, value, updated_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tenant_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")?
        .execute(params![tenant, key, value.to_string(), at])?;
    Ok(())
}

/// Applies `sla.clock`.
pub(super) fn apply_clock(
    c: &Connection,
    tenant: Uuid,
    conversation: ConversationId,
    clock: &Clock,
) -> Result<()> {
    c.prepare_cached("INSERT INTO sla_clocks (tenant_id, conversation_id, metric, state, due_at, breached, clock) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                      ON CONFLICT (conversation_id, metric) DO UPDATE SET state = excluded.state, due_at = excluded.due_at, breached = excluded.breached, clock = excluded.clock")?
        .execute(params![tenant, conversation.0, clock.metric.as_str(), state_name(clock.state), clock.due_at.map(|d| d.as_micros()), clock.breached, serde_json::to_string(clock)?])?;
    Ok(())
}

/// Applies `sla.breached`.
pub(super) fn apply_breach(
    c: &Connection,
    conversation: ConversationId,
    metric: Metric,
) -> Result<()> {
    let raw: Option<String> = c
        .prepare_cached("SELECT clock FROM sla_clocks WHERE conversation_id = ?1 AND metric = ?2")?
        .query_row(params![conversation.0, metric.as_str()], |r| r.get(0))
        .optional()?;
    let Some(raw) = raw else { return Ok(()) };
    let mut clock: Clock = serde_json::from_str(&raw)?;
    clock.breached = true;
    c.prepare_cached(
        "UPDATE sla_clocks SET breached = 1, clock = ?1 WHERE conversation_id = ?2 AND metric = ?3",
    )?
    .execute(params![
        serde_json::to_string(&clock)?,
        conversation.0,
        metric.as_str()
    ])?;
    Ok(())
}

impl SlaTx for SqliteTx<'_> {
    async fn sla_clocks(&mut self, conversation: ConversationId) -> Result<Vec<Clock>> {
        clocks(self.conn(), conversation)
    }

    async fn consumer_cursor(&mut self, consumer: &str) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT seq FROM consumer_cursors WHERE consumer = ?1 AND tenant_id = ?2",
            )?
            .query_row(params![consumer, self.tenant().0], |r| r.get(0))
            .optional()?)
    }

    async fn set_consumer_cursor(&mut self, consumer: &str, seq: i64) -> Result<()> {
        self.conn()
            .prepare_cached("INSERT INTO consumer_cursors (consumer, tenant_id, seq) VALUES (?1, ?2, ?3) ON CONFLICT (consumer, tenant_id) DO UPDATE SET seq = excluded.seq")?
            .execute(params![consumer, self.tenant().0, seq])?;
        Ok(())
    }

    async fn customer_tier(&mut self, customer: CustomerId) -> Result<Option<String>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT tier FROM customers WHERE id = ?1 AND tenant_id = ?2")?
            .query_row(params![customer.0, self.tenant().0], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
            .flatten())
    }
}

impl SqliteStore {
    pub(crate) async fn setting(&self, tenant: TenantId, key: &str) -> Result<Option<String>> {
        let key = key.to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT value FROM tenant_settings WHERE tenant_id = ?1 AND key = ?2",
            )?
            .query_row(params![tenant.0, key], |r| r.get(0))
            .optional()?)
        })
        .await
    }

    pub(crate) async fn sla_overdue(
        &self,
        at: Timestamp,
        limit: u32,
    ) -> Result<Vec<(TenantId, ConversationId)>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached("SELECT DISTINCT tenant_id, conversation_id FROM sla_clocks WHERE state = 'running' AND breached = 0 AND due_at <= ?1 LIMIT ?2")?;
            let rows = stmt.query_map(params![at.as_micros(), limit], |r| Ok((r.get::<_, Uuid>(0)?, r.get::<_, Uuid>(1)?)))?;
            rows.map(|r| {
                let (t, c) = r?;
                Ok((TenantId(t), ConversationId(c)))
            })
            .collect()
        })
        .await
    }

    pub(crate) async fn sla_clocks_of(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
    ) -> Result<Vec<Clock>> {
        self.read(move |c| {
            let owned: Option<i64> = c
                .prepare_cached("SELECT 1 FROM conversations WHERE id = ?1 AND tenant_id = ?2")?
                .query_row(params![conversation.0, tenant.0], |r| r.get(0))
                .optional()?;
            match owned {
                Some(_) => clocks(c, conversation),
                None => Err(StoreError::not_found("conversation")),
            }
        })
        .await
    }

    pub(crate) async fn consumer_cursor(
        &self,
        tenant: TenantId,
        consumer: &str,
    ) -> Result<Option<i64>> {
        let consumer = consumer.to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT seq FROM consumer_cursors WHERE consumer = ?1 AND tenant_id = ?2",
            )?
            .query_row(params![consumer, tenant.0], |r| r.get(0))
            .optional()?)
        })
        .await
    }

    pub(crate) async fn tenant_ids(&self) -> Result<Vec<TenantId>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT id FROM tenants ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get::<_, Uuid>(0))?;
            rows.map(|r| Ok(TenantId(r?))).collect()
        })
        .await
    }
}
