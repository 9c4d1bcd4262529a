//! PostgreSQL side of consent records.

use super::PgStore;
use crate::error::Result;
use kairos_core::ids::TenantId;
use sqlx::Row;
use uuid::Uuid;

impl PgStore {
    /// Consent rows `(record JSON, customer)`: of a customer, or one by id.
    pub(crate) async fn consent_rows(
        &self,
        tenant: TenantId,
        customer: Option<kairos_core::ids::CustomerId>,
        id: Option<Uuid>,
    ) -> Result<Vec<(String, Uuid)>> {
        let rows = sqlx::query(
            "SELECT record, customer_id FROM consent_records WHERE tenant_id = $1
             AND ($2::uuid IS NULL OR customer_id = $2) AND ($3::uuid IS NULL OR id = $3) ORDER BY at, id",
        )
        .bind(tenant.0)
        .bind(customer.map(|c| c.0))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}

impl PgStore {
    /// The customers merged into `customer`.
    pub(crate) async fn merged_into(
        &self,
        tenant: TenantId,
        customer: kairos_core::ids::CustomerId,
    ) -> Result<Vec<kairos_core::ids::CustomerId>> {
        let rows = sqlx::query(
            "SELECT id FROM customers WHERE tenant_id = $1 AND merged_into = $2 ORDER BY id",
        )
        .bind(tenant.0)
        .bind(customer.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(kairos_core::ids::CustomerId(r.try_get(0)?)))
            .collect()
    }
}
