//! PostgreSQL side of the audit trail.

use super::PgStore;
use super::tx::PgTx;
use crate::audit::{AuditEntry, AuditRecord, AuditRow, AuditTx, decode_actor};
use crate::error::Result;
use kairos_core::Timestamp;
use kairos_core::ids::{CustomerId, TenantId};
use sqlx::Row;
use uuid::Uuid;

impl AuditTx for PgTx {
    async fn audit_head(&mut self) -> Result<Option<(i64, String)>> {
        let tenant = self.tenant().0;
        let row = sqlx::query(
            "SELECT seq, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(tenant)
        .fetch_optional(self.conn())
        .await?;
        Ok(match row {
            Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
            None => None,
        })
    }

    async fn audit_insert(&mut self, r: &AuditRecord) -> Result<()> {
        let tenant = self.tenant().0;
        let e = &r.entry;
        sqlx::query(
            "INSERT INTO audit_log (tenant_id, seq, at, actor, action, target, customer_id, source, status, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(tenant)
        .bind(r.seq)
        .bind(r.at.as_micros())
        .bind(serde_json::to_string(&e.actor)?)
        .bind(&e.action)
        .bind(&e.target)
        .bind(e.customer_id.map(|c| c.0))
        .bind(&e.source)
        .bind(i32::from(e.status))
        .bind(&r.prev_hash)
        .bind(&r.hash)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl PgStore {
    /// Audit rows after `after` (`(tenant, seq)`, in that order), of one tenant or all, only
    /// those about `customer` when given.
    pub(crate) async fn audit_rows(
        &self,
        tenant: Option<TenantId>,
        customer: Option<CustomerId>,
        after: (TenantId, i64),
        limit: u32,
    ) -> Result<Vec<AuditRow>> {
        let rows = sqlx::query(
            "SELECT tenant_id, seq, at, actor, action, target, customer_id, source, status, prev_hash, hash
             FROM audit_log
             WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2::uuid IS NULL OR customer_id = $2)
               AND (tenant_id > $3 OR (tenant_id = $3 AND seq > $4))
             ORDER BY tenant_id, seq LIMIT $5",
        )
        .bind(tenant.map(|t| t.0))
        .bind(customer.map(|c| c.0))
        .bind(after.0.0)
        .bind(after.1)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let status: i32 = r.try_get(8)?;
                Ok((
                    TenantId(r.try_get::<Uuid, _>(0)?),
                    AuditRecord {
                        seq: r.try_get(1)?,
                        at: Timestamp::from_micros(r.try_get(2)?),
                        entry: AuditEntry {
                            actor: decode_actor(&r.try_get::<String, _>(3)?)?,
                            action: r.try_get(4)?,
                            target: r.try_get(5)?,
                            customer_id: r.try_get::<Option<Uuid>, _>(6)?.map(CustomerId),
                            source: r.try_get(7)?,
                            status: u16::try_from(status).unwrap_or(0),
                        },
                        prev_hash: r.try_get(9)?,
                        hash: r.try_get(10)?,
                    },
                ))
            })
            .collect()
    }
}
