//! SQLite side of webhook secrets.

use super::SqliteStore;
use super::tx::SqliteTx;
use crate::error::Result;
use crate::webhooks::WebhookSecretTx;
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;
use rusqlite::{OptionalExtension, params};

impl WebhookSecretTx for SqliteTx<'_> {
    async fn put_webhook_secret(&mut self, name: &str, secret: &str, at: Timestamp) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO webhook_secrets (tenant_id, name, secret, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (tenant_id, name) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at",
            )?
            .execute(params![self.tenant().0, name, secret, at.as_micros()])?;
        Ok(())
    }

    async fn delete_webhook_secret(&mut self, name: &str) -> Result<bool> {
        let n = self
            .conn()
            .prepare_cached("DELETE FROM webhook_secrets WHERE tenant_id = ?1 AND name = ?2")?
            .execute(params![self.tenant().0, name])?;
        Ok(n == 1)
    }
}

impl SqliteStore {
    /// The tenant's secret names and creation times, by name.
    pub(crate) async fn webhook_secret_rows(&self, tenant: TenantId) -> Result<Vec<(String, i64)>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT name, created_at FROM webhook_secrets WHERE tenant_id = ?1 ORDER BY name",
            )?;
            let rows = stmt.query_map([tenant.0], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    /// The value of one secret.
    pub(crate) async fn webhook_secret_value(
        &self,
        tenant: TenantId,
        name: String,
    ) -> Result<Option<String>> {
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT secret FROM webhook_secrets WHERE tenant_id = ?1 AND name = ?2",
            )?
            .query_row(params![tenant.0, name], |r| r.get(0))
            .optional()?)
        })
        .await
    }
}
