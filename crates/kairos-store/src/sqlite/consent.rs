//! SQLite side of consent records.

use super::SqliteStore;
use crate::error::Result;
use kairos_core::ids::TenantId;
use rusqlite::params;
use uuid::Uuid;

impl SqliteStore {
    /// Consent rows `(record JSON, customer)`: of a customer, or one by id.
    pub(crate) async fn consent_rows(
        &self,
        tenant: TenantId,
        customer: Option<kairos_core::ids::CustomerId>,
        id: Option<Uuid>,
    ) -> Result<Vec<(String, Uuid)>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT record, customer_id FROM consent_records WHERE tenant_id = ?1
                 AND (?2 IS NULL OR customer_id = ?2) AND (?3 IS NULL OR id = ?3) ORDER BY at, id",
            )?;
            let rows = stmt.query_map(params![tenant.0, customer.map(|c| c.0), id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Uuid>(1)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }
}

impl SqliteStore {
    /// The customers merged into `customer`.
    pub(crate) async fn merged_into(
        &self,
        tenant: TenantId,
        customer: kairos_core::ids::CustomerId,
    ) -> Result<Vec<kairos_core::ids::CustomerId>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id FROM customers WHERE tenant_id = ?1 AND merged_into = ?2 ORDER BY id",
            )?;
            let rows = stmt.query_map(params![tenant.0, customer.0], |r| r.get::<_, Uuid>(0))?;
            Ok(rows
                .map(|r| r.map(kairos_core::ids::CustomerId))
                .collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }
}
