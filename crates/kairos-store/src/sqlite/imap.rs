//! SQLite side of the IMAP import bookkeeping.

use super::SqliteStore;
use crate::error::Result;
use crate::imap::ImapAccount;
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;
use rusqlite::params;
use uuid::Uuid;

const COLUMNS: &str = "id, tenant_id, host, port, security, username, password, mailbox, uid_validity, last_uid, last_polled_at, last_error";

fn account(r: &rusqlite::Row<'_>) -> rusqlite::Result<ImapAccount> {
    Ok(ImapAccount {
        id: r.get(0)?,
        tenant_id: TenantId(r.get(1)?),
        host: r.get(2)?,
        port: r.get(3)?,
        security: r.get(4)?,
        username: r.get(5)?,
        password: r.get(6)?,
        mailbox: r.get(7)?,
        uid_validity: r.get(8)?,
        last_uid: r.get(9)?,
        last_polled_at: r.get::<_, Option<i64>>(10)?.map(Timestamp::from_micros),
        last_error: r.get(11)?,
    })
}

impl SqliteStore {
    pub(crate) async fn create_imap_account(&self, a: &ImapAccount, now: Timestamp) -> Result<()> {
        let a = a.clone();
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "INSERT INTO imap_accounts (id, tenant_id, host, port, security, username, password, mailbox, last_uid, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9)",
                )?
                .execute(params![a.id, a.tenant_id.0, a.host, a.port, a.security, a.username, a.password, a.mailbox, now.as_micros()])?;
                Ok(((), None))
            })
            .await
    }

    pub(crate) async fn imap_accounts(&self, tenant: Option<TenantId>) -> Result<Vec<ImapAccount>> {
        self.read(move |c| {
            let rows = match tenant {
                Some(t) => {
                    let mut stmt = c.prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM imap_accounts WHERE tenant_id = ?1 ORDER BY created_at"
                    ))?;
                    stmt.query_map([t.0], account)?.collect::<rusqlite::Result<Vec<_>>>()?
                }
                None => {
                    let mut stmt = c.prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM imap_accounts ORDER BY created_at"
                    ))?;
                    stmt.query_map([], account)?.collect::<rusqlite::Result<Vec<_>>>()?
                }
            };
            Ok(rows)
        })
        .await
    }

    pub(crate) async fn delete_imap_account(&self, tenant: TenantId, id: Uuid) -> Result<bool> {
        self.writer
            .run(move |c| {
                let n = c
                    .prepare_cached("DELETE FROM imap_accounts WHERE id = ?1 AND tenant_id = ?2")?
                    .execute(params![id, tenant.0])?;
                Ok((n > 0, None))
            })
            .await
    }

    pub(crate) async fn imap_progress(
        &self,
        id: Uuid,
        uid_validity: u32,
        last_uid: u32,
    ) -> Result<()> {
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "UPDATE imap_accounts SET uid_validity = ?2, last_uid = ?3 WHERE id = ?1",
                )?
                .execute(params![id, uid_validity, last_uid])?;
                Ok(((), None))
            })
            .await
    }

    pub(crate) async fn imap_polled(
        &self,
        id: Uuid,
        at: Timestamp,
        error: Option<&str>,
    ) -> Result<()> {
        let error = error.map(str::to_owned);
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "UPDATE imap_accounts SET last_polled_at = ?2, last_error = ?3 WHERE id = ?1",
                )?
                .execute(params![id, at.as_micros(), error])?;
                Ok(((), None))
            })
            .await
    }
}
