//! PostgreSQL side of webhook secrets.

use super::PgStore;
use super::tx::PgTx;
use crate::error::Result;
use crate::webhooks::WebhookSecretTx;
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;
use sqlx::Row as _;

impl WebhookSecretTx for PgTx {
    async fn put_webhook_secret(&mut self, name: &str, secret: &str, at: Timestamp) -> Result<()> {
        let tenant = self.tenant().0;
        sqlx::query(
            "INSERT INTO webhook_secrets (tenant_id, name, secret, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id, name) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at",
        )
        .bind(tenant)
        .bind(name)
        .bind(secret)
        .bind(at.as_micros())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn delete_webhook_secret(&mut self, name: &str) -> Result<bool> {
        let tenant = self.tenant().0;
        let done = sqlx::query("DELETE FROM webhook_secrets WHERE tenant_id = $1 AND name = $2")
            .bind(tenant)
            .bind(name)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl PgStore {
    /// The tenant's secret names and creation times, by name.
    pub(crate) async fn webhook_secret_rows(&self, tenant: TenantId) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT name, created_at FROM webhook_secrets WHERE tenant_id = $1 ORDER BY name",
        )
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<sqlx::Result<Vec<_>>>()?)
    }

    /// The value of one secret.
    pub(crate) async fn webhook_secret_value(
        &self,
        tenant: TenantId,
        name: String,
    ) -> Result<Option<String>> {
        let r =
            sqlx::query("SELECT secret FROM webhook_secrets WHERE tenant_id = $1 AND name = $2")
                .bind(tenant.0)
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
        Ok(r.map(|r| r.try_get(0)).transpose()?)
    }
}
