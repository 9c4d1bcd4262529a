//! SQLite side of the forums.

use super::SqliteStore;
use super::tx::SqliteTx;
use crate::error::Result;
use crate::forum::{ForumTx, Thread, ThreadFilter};
use kairos_core::ids::{CustomerId, TenantId, ThreadId};
use kairos_core::knowledge::ArticleVisibility;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

impl ForumTx for SqliteTx<'_> {
    async fn forum_thread_doc(&mut self, id: ThreadId) -> Result<Option<String>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT doc FROM forum_threads WHERE id = ?1 AND tenant_id = ?2")?
            .query_row(params![id.0, self.tenant().0], |r| r.get(0))
            .optional()?)
    }

    async fn forum_put_thread(&mut self, t: &Thread, doc: &str) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO forum_threads (id, tenant_id, category_id, hidden, public, last_activity_at, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET category_id = excluded.category_id,
                 hidden = excluded.hidden, public = excluded.public,
                 last_activity_at = excluded.last_activity_at, doc = excluded.doc",
            )?
            .execute(params![
                t.id.0,
                self.tenant().0,
                t.category_id.0,
                t.hidden,
                t.visibility == ArticleVisibility::Public,
                t.last_activity_at.as_micros(),
                doc
            ])?;
        Ok(())
    }

    async fn forum_add_author(&mut self, thread: ThreadId, customer: CustomerId) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO forum_authors (tenant_id, thread_id, customer_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![self.tenant().0, thread.0, customer.0])?;
        Ok(())
    }

    async fn forum_threads_of(&mut self, people: &[CustomerId]) -> Result<Vec<ThreadId>> {
        let mut out = Vec::new();
        let mut stmt = self.conn().prepare_cached(
            "SELECT DISTINCT thread_id FROM forum_authors WHERE tenant_id = ?1 AND customer_id = ?2",
        )?;
        for p in people {
            let rows = stmt.query_map(params![self.tenant().0, p.0], |r| r.get::<_, Uuid>(0))?;
            for r in rows {
                let id = ThreadId(r?);
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        Ok(out)
    }

    async fn forum_delete_thread(&mut self, id: ThreadId) -> Result<()> {
        let t = self.tenant().0;
        for sql in [
            "DELETE FROM forum_authors WHERE thread_id = ?1 AND tenant_id = ?2",
            "DELETE FROM forum_threads WHERE id = ?1 AND tenant_id = ?2",
        ] {
            self.conn().prepare_cached(sql)?.execute(params![id.0, t])?;
        }
        Ok(())
    }

    async fn forum_forget_authors(&mut self, people: &[CustomerId]) -> Result<u64> {
        let mut n = 0;
        for p in people {
            n += self
                .conn()
                .prepare_cached(
                    "DELETE FROM forum_authors WHERE tenant_id = ?1 AND customer_id = ?2",
                )?
                .execute(params![self.tenant().0, p.0])?;
        }
        Ok(n as u64)
    }
}

impl SqliteStore {
    /// One thread's document.
    pub(crate) async fn forum_thread_row(
        &self,
        tenant: TenantId,
        id: ThreadId,
    ) -> Result<Option<String>> {
        self.read(move |c| {
            Ok(
                c.prepare_cached("SELECT doc FROM forum_threads WHERE tenant_id = ?1 AND id = ?2")?
                    .query_row(params![tenant.0, id.0], |r| r.get(0))
                    .optional()?,
            )
        })
        .await
    }

    /// Documents of the threads that pass `f`, newest activity first.
    pub(crate) async fn forum_thread_rows(
        &self,
        tenant: TenantId,
        f: ThreadFilter,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<String>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT doc FROM forum_threads WHERE tenant_id = ?1
                 AND (?2 IS NULL OR category_id = ?2) AND (?3 OR NOT hidden) AND (NOT ?4 OR public)
                 ORDER BY last_activity_at DESC, id DESC LIMIT ?5 OFFSET ?6",
            )?;
            let rows = stmt.query_map(
                params![
                    tenant.0,
                    f.category.map(|c| c.0),
                    f.hidden,
                    f.public_only,
                    limit,
                    offset
                ],
                |r| r.get(0),
            )?;
            Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
        })
        .await
    }

    /// Documents of the threads a customer wrote in, newest activity first.
    pub(crate) async fn forum_author_rows(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<String>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT t.doc FROM forum_threads t JOIN forum_authors a ON a.thread_id = t.id
                 WHERE a.tenant_id = ?1 AND a.customer_id = ?2 ORDER BY t.last_activity_at DESC",
            )?;
            let rows = stmt.query_map(params![tenant.0, customer.0], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
        })
        .await
    }
}
