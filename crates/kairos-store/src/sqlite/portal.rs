//! SQLite side of the portal's links and sessions.

use super::SqliteStore;
use super::tx::SqliteTx;
use crate::error::Result;
use crate::portal::{PortalSession, PortalTx};
use kairos_core::Timestamp;
use kairos_core::ids::{CustomerId, TenantId};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

impl PortalTx for SqliteTx<'_> {
    async fn purge_portal_links(&mut self, now: i64) -> Result<()> {
        self.conn()
            .prepare_cached("DELETE FROM portal_links WHERE tenant_id = ?1 AND expires_at < ?2")?
            .execute(params![self.tenant().0, now])?;
        Ok(())
    }

    async fn count_portal_links(
        &mut self,
        email: Option<&str>,
        client: Option<&str>,
        since: i64,
    ) -> Result<u32> {
        let sql = if email.is_some() {
            "SELECT count(*) FROM portal_links WHERE tenant_id = ?1 AND email = ?2 AND created_at >= ?3"
        } else {
            "SELECT count(*) FROM portal_links WHERE tenant_id = ?1 AND client_mark = ?2 AND created_at >= ?3"
        };
        let key = email.or(client).unwrap_or_default();
        Ok(self
            .conn()
            .prepare_cached(sql)?
            .query_row(params![self.tenant().0, key, since], |r| r.get(0))?)
    }

    async fn insert_portal_link(
        &mut self,
        hash: &[u8],
        email: &str,
        client: &str,
        at: i64,
        expires_at: i64,
    ) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO portal_links (secret_hash, tenant_id, email, client_mark, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![hash, self.tenant().0, email, client, at, expires_at])?;
        Ok(())
    }

    async fn use_portal_link(&mut self, hash: &[u8], at: i64) -> Result<Option<String>> {
        Ok(self
            .conn()
            .prepare_cached(
                "UPDATE portal_links SET used_at = ?3
                 WHERE secret_hash = ?1 AND tenant_id = ?2 AND used_at IS NULL AND expires_at > ?3
                 RETURNING email",
            )?
            .query_row(params![hash, self.tenant().0, at], |r| r.get(0))
            .optional()?)
    }

    async fn insert_portal_session(
        &mut self,
        hash: &[u8],
        customer: CustomerId,
        csrf: &str,
        at: i64,
        expires_at: i64,
    ) -> Result<()> {
        self.conn()
            .prepare_cached("DELETE FROM portal_sessions WHERE expires_at < ?1")?
            .execute([at])?;
        self.conn()
            .prepare_cached(
                "INSERT INTO portal_sessions (secret_hash, tenant_id, customer_id, csrf_token, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![hash, self.tenant().0, customer.0, csrf, at, expires_at])?;
        Ok(())
    }

    async fn delete_portal_session(&mut self, hash: &[u8], at: i64) -> Result<()> {
        self.conn()
            .prepare_cached(
                "DELETE FROM portal_sessions WHERE (secret_hash = ?1 AND tenant_id = ?2) OR expires_at < ?3",
            )?
            .execute(params![hash, self.tenant().0, at])?;
        Ok(())
    }
}

impl SqliteStore {
    /// A session that has not expired at `at`.
    pub(crate) async fn portal_session(
        &self,
        hash: Vec<u8>,
        at: i64,
    ) -> Result<Option<PortalSession>> {
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT tenant_id, customer_id, csrf_token, expires_at FROM portal_sessions
                 WHERE secret_hash = ?1 AND expires_at > ?2",
            )?
            .query_row(params![hash, at], |r| {
                Ok(PortalSession {
                    tenant_id: TenantId(r.get::<_, Uuid>(0)?),
                    customer_id: CustomerId(r.get::<_, Uuid>(1)?),
                    csrf_token: r.get(2)?,
                    expires_at: Timestamp::from_micros(r.get(3)?),
                })
            })
            .optional()?)
        })
        .await
    }
}
