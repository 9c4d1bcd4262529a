//! PostgreSQL side of the IMAP import bookkeeping.

use super::PgStore;
use crate::error::{Result, StoreError};
use crate::imap::ImapAccount;
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

const COLUMNS: &str = "id, tenant_id, host, port, security, username, password, mailbox, uid_validity, last_uid, last_polled_at, last_error";

fn account(r: &PgRow) -> Result<ImapAccount> {
    let small = |v: i64, what: &str| {
        u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("imap_accounts.{what} = {v}")))
    };
    Ok(ImapAccount {
        id: r.try_get(0)?,
        tenant_id: TenantId(r.try_get(1)?),
        host: r.try_get(2)?,
        port: u16::try_from(r.try_get::<i64, _>(3)?)
            .map_err(|_| StoreError::Corrupt("imap_accounts.port".into()))?,
        security: r.try_get(4)?,
        username: r.try_get(5)?,
        password: r.try_get(6)?,
        mailbox: r.try_get(7)?,
        uid_validity: r
            .try_get::<Option<i64>, _>(8)?
            .map(|v| small(v, "uid_validity"))
            .transpose()?,
        last_uid: small(r.try_get(9)?, "last_uid")?,
        last_polled_at: r.try_get::<Option<i64>, _>(10)?.map(Timestamp::from_micros),
        last_error: r.try_get(11)?,
    })
}

impl PgStore {
    pub(crate) async fn create_imap_account(&self, a: &ImapAccount, now: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO imap_accounts (id, tenant_id, host, port, security, username, password, mailbox, last_uid, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9)",
        )
        .bind(a.id)
        .bind(a.tenant_id.0)
        .bind(&a.host)
        .bind(i64::from(a.port))
        .bind(&a.security)
        .bind(&a.username)
        .bind(&a.password)
        .bind(&a.mailbox)
        .bind(now.as_micros())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(crate) async fn imap_accounts(&self, tenant: Option<TenantId>) -> Result<Vec<ImapAccount>> {
        let rows =
            match tenant {
                Some(t) => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM imap_accounts WHERE tenant_id = $1 ORDER BY created_at"
                )))
                .bind(t.0)
                .fetch_all(&self.pool)
                .await?,
                None => {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM imap_accounts ORDER BY created_at"
                    )))
                    .fetch_all(&self.pool)
                    .await?
                }
            };
        rows.iter().map(account).collect()
    }

    pub(crate) async fn delete_imap_account(&self, tenant: TenantId, id: Uuid) -> Result<bool> {
        let done = sqlx::query("DELETE FROM imap_accounts WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(tenant.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn imap_progress(
        &self,
        id: Uuid,
        uid_validity: u32,
        last_uid: u32,
    ) -> Result<()> {
        sqlx::query("UPDATE imap_accounts SET uid_validity = $2, last_uid = $3 WHERE id = $1")
            .bind(id)
            .bind(i64::from(uid_validity))
            .bind(i64::from(last_uid))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn imap_polled(
        &self,
        id: Uuid,
        at: Timestamp,
        error: Option<&str>,
    ) -> Result<()> {
        sqlx::query("UPDATE imap_accounts SET last_polled_at = $2, last_error = $3 WHERE id = $1")
            .bind(id)
            .bind(at.as_micros())
            .bind(error)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
