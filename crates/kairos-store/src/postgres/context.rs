//! PostgreSQL side of context events.

use super::PgStore;
use super::tx::PgTx;
use crate::context::{ContextEventRecord, ContextTx, ReferenceEventRecord, attributes};
use crate::error::Result;
use kairos_core::Timestamp;
use kairos_core::ids::{CustomerId, TenantId};
use sqlx::Row;

impl ContextTx for PgTx {
    async fn consent_records_of(&mut self, customer: CustomerId) -> Result<Vec<String>> {
        let tenant = self.tenant().0;
        let rows = sqlx::query(
            "SELECT record FROM consent_records WHERE tenant_id = $1 AND customer_id = $2",
        )
        .bind(tenant)
        .bind(customer.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    async fn context_event_exists(&mut self, event_id: &str) -> Result<bool> {
        let tenant = self.tenant().0;
        let row =
            sqlx::query("SELECT 1 FROM context_events WHERE tenant_id = $1 AND event_id = $2")
                .bind(tenant)
                .bind(event_id)
                .fetch_optional(self.conn())
                .await?;
        Ok(row.is_some())
    }

    async fn insert_context_event(&mut self, e: &ContextEventRecord) -> Result<()> {
        let tenant = self.tenant().0;
        sqlx::query(
            "INSERT INTO context_events (tenant_id, event_id, customer_id, event_type, purpose, place, at, attributes, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(tenant)
        .bind(&e.event_id)
        .bind(e.customer_id.0)
        .bind(&e.event_type)
        .bind(&e.purpose)
        .bind(&e.place)
        .bind(e.time.as_micros())
        .bind(e.attributes.to_string())
        .bind(e.received_at.as_micros())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn reference_event_exists(&mut self, event_id: &str) -> Result<bool> {
        let tenant = self.tenant().0;
        let row =
            sqlx::query("SELECT 1 FROM reference_events WHERE tenant_id = $1 AND event_id = $2")
                .bind(tenant)
                .bind(event_id)
                .fetch_optional(self.conn())
                .await?;
        Ok(row.is_some())
    }

    async fn insert_reference_event(&mut self, e: &ReferenceEventRecord) -> Result<()> {
        let tenant = self.tenant().0;
        sqlx::query(
            "INSERT INTO reference_events (tenant_id, event_id, feed, event_type, place, at, attributes, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(tenant)
        .bind(&e.event_id)
        .bind(&e.feed)
        .bind(&e.event_type)
        .bind(&e.place)
        .bind(e.time.as_micros())
        .bind(e.attributes.to_string())
        .bind(e.received_at.as_micros())
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl PgStore {
    /// A customer's context events, newest first.
    pub(crate) async fn context_events_of(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        limit: u32,
    ) -> Result<Vec<ContextEventRecord>> {
        let rows = sqlx::query(
            "SELECT event_id, customer_id, event_type, purpose, place, at, attributes, received_at
             FROM context_events WHERE tenant_id = $1 AND customer_id = $2
             ORDER BY at DESC, event_id LIMIT $3",
        )
        .bind(tenant.0)
        .bind(customer.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record).collect()
    }

    /// A customer's context events since `from`, oldest first.
    pub(crate) async fn context_history(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        from: Timestamp,
    ) -> Result<Vec<ContextEventRecord>> {
        let rows = sqlx::query(
            "SELECT event_id, customer_id, event_type, purpose, place, at, attributes, received_at
             FROM context_events WHERE tenant_id = $1 AND customer_id = $2 AND at >= $3
             ORDER BY at, event_id",
        )
        .bind(tenant.0)
        .bind(customer.0)
        .bind(from.as_micros())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record).collect()
    }

    /// Every customer's context events since `from`, oldest first.
    pub(crate) async fn context_events_since(
        &self,
        tenant: TenantId,
        from: Timestamp,
        limit: u32,
    ) -> Result<Vec<ContextEventRecord>> {
        let rows = sqlx::query(
            "SELECT event_id, customer_id, event_type, purpose, place, at, attributes, received_at
             FROM context_events WHERE tenant_id = $1 AND at >= $2
             ORDER BY at, event_id LIMIT $3",
        )
        .bind(tenant.0)
        .bind(from.as_micros())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record).collect()
    }

    /// Feed events since `from`, oldest first.
    pub(crate) async fn reference_events_since(
        &self,
        tenant: TenantId,
        from: Timestamp,
        limit: u32,
    ) -> Result<Vec<ReferenceEventRecord>> {
        let rows = sqlx::query(
            "SELECT event_id, feed, event_type, place, at, attributes, received_at
             FROM reference_events WHERE tenant_id = $1 AND at >= $2
             ORDER BY at, event_id LIMIT $3",
        )
        .bind(tenant.0)
        .bind(from.as_micros())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReferenceEventRecord {
                    event_id: r.try_get(0)?,
                    feed: r.try_get(1)?,
                    event_type: r.try_get(2)?,
                    place: r.try_get(3)?,
                    time: Timestamp::from_micros(r.try_get(4)?),
                    attributes: attributes(&r.try_get::<String, _>(5)?)?,
                    received_at: Timestamp::from_micros(r.try_get(6)?),
                })
            })
            .collect()
    }
}

fn record(r: &sqlx::postgres::PgRow) -> Result<ContextEventRecord> {
    Ok(ContextEventRecord {
        event_id: r.try_get(0)?,
        customer_id: CustomerId(r.try_get(1)?),
        event_type: r.try_get(2)?,
        purpose: r.try_get(3)?,
        place: r.try_get(4)?,
        time: Timestamp::from_micros(r.try_get(5)?),
        attributes: attributes(&r.try_get::<String, _>(6)?)?,
        received_at: Timestamp::from_micros(r.try_get(7)?),
    })
}
