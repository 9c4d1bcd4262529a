//! SQLite side of context events.

use super::SqliteStore;
use super::tx::SqliteTx;
use crate::context::{ContextEventRecord, ContextTx, ReferenceEventRecord, attributes};
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

    async fn reference_event_exists(&mut self, event_id: &str) -> Result<bool> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT 1 FROM reference_events WHERE tenant_id = ?1 AND event_id = ?2",
            )?
            .query_row(params![self.tenant().0, event_id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    async fn insert_reference_event(&mut self, e: &ReferenceEventRecord) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO reference_events (tenant_id, event_id, feed, event_type, place, at, attributes, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                self.tenant().0,
                e.event_id,
                e.feed,
                e.event_type,
                e.place,
                e.time.as_micros(),
                e.attributes.to_string(),
                e.received_at.as_micros()
            ])?;
        Ok(())
    }
}

const COLUMNS: &str =
    "event_id, customer_id, event_type, purpose, place, at, attributes, received_at";

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

    /// Context events matching `filter` (with `?1` the tenant, `?2` the bound value, `?3` the
    /// lower time bound, `?4` the limit), oldest first.
    async fn context_rows(
        &self,
        filter: &'static str,
        tenant: TenantId,
        customer: Option<CustomerId>,
        from: Timestamp,
        limit: u32,
    ) -> Result<Vec<ContextEventRecord>> {
        let rows: Vec<Row> = self
            .read(move |c| {
                let sql = format!(
                    "SELECT {COLUMNS} FROM context_events WHERE tenant_id = ?1 AND {filter}
                     AND at >= ?3 ORDER BY at, event_id LIMIT ?4"
                );
                let mut stmt = c.prepare_cached(&sql)?;
                let rows = stmt.query_map(
                    params![tenant.0, customer.map(|c| c.0), from.as_micros(), limit],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                        ))
                    },
                )?;
                Ok(rows.collect::<rusqlite::Result<Vec<Row>>>()?)
            })
            .await?;
        rows.into_iter().map(record).collect()
    }

    /// A customer's context events since `from`, oldest first.
    pub(crate) async fn context_history(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        from: Timestamp,
    ) -> Result<Vec<ContextEventRecord>> {
        self.context_rows("customer_id = ?2", tenant, Some(customer), from, u32::MAX)
            .await
    }

    /// Every customer's context events since `from`, oldest first.
    pub(crate) async fn context_events_since(
        &self,
        tenant: TenantId,
        from: Timestamp,
        limit: u32,
    ) -> Result<Vec<ContextEventRecord>> {
        self.context_rows("?2 IS NULL", tenant, None, from, limit)
            .await
    }

    /// Feed events since `from`, oldest first.
    pub(crate) async fn reference_events_since(
        &self,
        tenant: TenantId,
        from: Timestamp,
        limit: u32,
    ) -> Result<Vec<ReferenceEventRecord>> {
        type RefRow = (String, String, String, Option<String>, i64, String, i64);
        let rows: Vec<RefRow> = self
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT event_id, feed, event_type, place, at, attributes, received_at
                     FROM reference_events WHERE tenant_id = ?1 AND at >= ?2
                     ORDER BY at, event_id LIMIT ?3",
                )?;
                let rows = stmt.query_map(params![tenant.0, from.as_micros(), limit], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                })?;
                Ok(rows.collect::<rusqlite::Result<Vec<RefRow>>>()?)
            })
            .await?;
        rows.into_iter()
            .map(|(event_id, feed, event_type, place, at, attrs, received)| {
                Ok(ReferenceEventRecord {
                    event_id,
                    feed,
                    event_type,
                    place,
                    time: Timestamp::from_micros(at),
                    attributes: attributes(&attrs)?,
                    received_at: Timestamp::from_micros(received),
                })
            })
            .collect()
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
