//! SQLite side of the audit trail.

use super::SqliteStore;
use super::tx::SqliteTx;
use crate::audit::{AuditEntry, AuditRecord, AuditRow, AuditTx, decode_actor};
use crate::error::Result;
use kairos_core::Timestamp;
use kairos_core::ids::{CustomerId, TenantId};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

impl AuditTx for SqliteTx<'_> {
    async fn audit_head(&mut self) -> Result<Option<(i64, String)>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT seq, hash FROM audit_log WHERE tenant_id = ?1 ORDER BY seq DESC LIMIT 1",
            )?
            .query_row([self.tenant().0], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    async fn audit_insert(&mut self, r: &AuditRecord) -> Result<()> {
        let e = &r.entry;
        self.conn()
            .prepare_cached(
                "INSERT INTO audit_log (tenant_id, seq, at, actor, action, target, customer_id, source, status, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                self.tenant().0,
                r.seq,
                r.at.as_micros(),
                serde_json::to_string(&e.actor)?,
                e.action,
                e.target,
                e.customer_id.map(|c| c.0),
                e.source,
                e.status,
                r.prev_hash,
                r.hash
            ])?;
        Ok(())
    }
}

impl SqliteStore {
    /// Audit rows after `after` (`(tenant, seq)`, in that order), of one tenant or all, only
    /// those about `customer` when given.
    pub(crate) async fn audit_rows(
        &self,
        tenant: Option<TenantId>,
        customer: Option<CustomerId>,
        after: (TenantId, i64),
        limit: u32,
    ) -> Result<Vec<AuditRow>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT tenant_id, seq, at, actor, action, target, customer_id, source, status, prev_hash, hash
                 FROM audit_log
                 WHERE (?1 IS NULL OR tenant_id = ?1) AND (?2 IS NULL OR customer_id = ?2)
                   AND (tenant_id > ?3 OR (tenant_id = ?3 AND seq > ?4))
                 ORDER BY tenant_id, seq LIMIT ?5",
            )?;
            let rows = stmt.query_map(
                params![tenant.map(|t| t.0), customer.map(|c| c.0), after.0.0, after.1, limit],
                |r| {
                    Ok((
                        r.get::<_, Uuid>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, Option<Uuid>>(6)?,
                        r.get::<_, Option<String>>(7)?,
                        r.get::<_, u16>(8)?,
                        r.get::<_, String>(9)?,
                        r.get::<_, String>(10)?,
                    ))
                },
            )?;
            let mut out = Vec::new();
            for row in rows {
                let (t, seq, at, actor, action, target, customer, source, status, prev_hash, hash) = row?;
                out.push((
                    TenantId(t),
                    AuditRecord {
                        seq,
                        at: Timestamp::from_micros(at),
                        entry: AuditEntry {
                            actor: decode_actor(&actor)?,
                            action,
                            target,
                            customer_id: customer.map(CustomerId),
                            source,
                            status,
                        },
                        prev_hash,
                        hash,
                    },
                ));
            }
            Ok(out)
        })
        .await
    }
}
