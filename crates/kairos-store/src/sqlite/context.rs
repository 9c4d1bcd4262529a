//! SQLite side of context events.

use super::SqliteStore;
use super::tx::SqliteTx;
use crate::context::{ContextEventRecord, ContextTx, attributes};
use crate::error::Result;
use kairos_core::Timestamp;
use kairos_core::ids::{CustomerId, TenantId};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

impl ContextTx for SqliteTx<'_> {
    async fn consent_records_of(&mut self, customer: CustomerId) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT record FROM consent_records WHERE tenant_id = ?1 AND customer_id = ?2",
        )?;
        let rows = stmt.query_map(params![self.tenant().0, customer.0], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    }

    async fn context_event_exists(&mut self, event_id: &str) -> Result<bool> {
        Ok(self
            .conn()
            .prepare_cached("SELECT 1 FROM context_events WHERE tenant_id = ?1 AND event_id = ?2")?
            .query_row(params![self.tenant().0, event_id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    async fn insert_context_event(&mut self, e: &ContextEventRecord) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO context_events (tenant_id, event_id, customer_id, event_type, purpose, place, at, attributes, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                self.tenant().0,
                e.event_id,
                e.customer_id.0,
                e.event_type,
                e.purpose,
                e.place,
                e.time.as_micros(),
                e.attributes.to_string(),
                e.received_at.as_micros()
            ])?;
        Ok(())
    }
}

type Row = (
    String,
    Uuid,
    String,
    String,
    Option<String>,
    i64,
    String,
    i64,
);

impl SqliteStore {
    /// A customer's context events, newest first.
    pub(crate) async fn context_events_of(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        limit: u32,
    ) -> Result<Vec<ContextEventRecord>> {
        let rows: Vec<Row> = self
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT event_id, customer_id, event_type, purpose, place, at, attributes, received_at
                     FROM context_events WHERE tenant_id = ?1 AND customer_id = ?2
                     ORDER BY at DESC, event_id LIMIT ?3",
                )?;
                let rows = stmt.query_map(params![tenant.0, customer.0, limit], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
                })?;
                Ok(rows.collect::<rusqlite::Result<Vec<Row>>>()?)
            })
            .await?;
        rows.into_iter().map(record).collect()
    }
}

fn record(
    (event_id, customer, event_type, purpose, place, at, attrs, received): Row,
) -> Result<ContextEventRecord> {
    Ok(ContextEventRecord {
        event_id,
        customer_id: CustomerId(customer),
        event_type,
        purpose,
        place,
        time: Timestamp::from_micros(at),
        attributes: attributes(&attrs)?,
        received_at: Timestamp::from_micros(received),
    })
}
