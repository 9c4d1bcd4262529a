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
