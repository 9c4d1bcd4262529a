//! PostgreSQL side of the portal's links and sessions.

use super::PgStore;
use super::tx::PgTx;
use crate::error::Result;
use crate::portal::{PortalSession, PortalTx};
use kairos_core::Timestamp;
use kairos_core::ids::{CustomerId, TenantId};
use sqlx::Row as _;

impl PortalTx for PgTx {
    async fn purge_portal_links(&mut self, now: i64) -> Result<()> {
        let tenant = self.tenant().0;
        sqlx::query("DELETE FROM portal_links WHERE tenant_id = $1 AND expires_at < $2")
            .bind(tenant)
            .bind(now)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    async fn count_portal_links(
        &mut self,
        email: Option<&str>,
        client: Option<&str>,
        since: i64,
    ) -> Result<u32> {
        let tenant = self.tenant().0;
        let sql = if email.is_some() {
            "SELECT count(*) FROM portal_links WHERE tenant_id = $1 AND email = $2 AND created_at >= $3"
        } else {
            "SELECT count(*) FROM portal_links WHERE tenant_id = $1 AND client_mark = $2 AND created_at >= $3"
        };
        let key = email.or(client).unwrap_or_default();
        let n: i64 = sqlx::query(sql)
            .bind(tenant)
            .bind(key)
            .bind(since)
            .fetch_one(self.conn())
            .await?
            .try_get(0)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn insert_portal_link(
        &mut self,
        hash: &[u8],
        email: &str,
        client: &str,
        at: i64,
        expires_at: i64,
    ) -> Result<()> {
        let tenant = self.tenant().0;
        sqlx::query(
            "INSERT INTO portal_links (secret_hash, tenant_id, email, client_mark, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(hash)
        .bind(tenant)
        .bind(email)
        .bind(client)
        .bind(at)
        .bind(expires_at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn use_portal_link(&mut self, hash: &[u8], at: i64) -> Result<Option<String>> {
        let tenant = self.tenant().0;
        let row = sqlx::query(
            "UPDATE portal_links SET used_at = $3
             WHERE secret_hash = $1 AND tenant_id = $2 AND used_at IS NULL AND expires_at > $3
             RETURNING email",
        )
        .bind(hash)
        .bind(tenant)
        .bind(at)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    async fn insert_portal_session(
        &mut self,
        hash: &[u8],
        customer: CustomerId,
        csrf: &str,
        at: i64,
        expires_at: i64,
    ) -> Result<()> {
        let tenant = self.tenant().0;
        sqlx::query("DELETE FROM portal_sessions WHERE tenant_id = $1 AND expires_at < $2")
            .bind(tenant)
            .bind(at)
            .execute(self.conn())
            .await?;
        sqlx::query(
            "INSERT INTO portal_sessions (secret_hash, tenant_id, customer_id, csrf_token, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(hash)
        .bind(tenant)
        .bind(customer.0)
        .bind(csrf)
        .bind(at)
        .bind(expires_at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn delete_portal_session(&mut self, hash: &[u8], at: i64) -> Result<()> {
        let tenant = self.tenant().0;
        sqlx::query(
            "DELETE FROM portal_sessions WHERE tenant_id = $2 AND (secret_hash = $1 OR expires_at < $3)",
        )
        .bind(hash)
        .bind(tenant)
        .bind(at)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl PgStore {
    /// A session that has not expired at `at`.
    pub(crate) async fn portal_session(
        &self,
        hash: Vec<u8>,
        at: i64,
    ) -> Result<Option<PortalSession>> {
        let row = sqlx::query(
            "SELECT tenant_id, customer_id, csrf_token, expires_at FROM portal_sessions
             WHERE secret_hash = $1 AND expires_at > $2",
        )
        .bind(hash)
        .bind(at)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(PortalSession {
            tenant_id: TenantId(r.try_get(0)?),
            customer_id: CustomerId(r.try_get(1)?),
            csrf_token: r.try_get(2)?,
            expires_at: Timestamp::from_micros(r.try_get(3)?),
        }))
    }
}
