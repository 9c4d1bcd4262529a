//! PostgreSQL side of the forums.

use super::PgStore;
use super::tx::PgTx;
use crate::error::Result;
use crate::forum::{ForumTx, Thread, ThreadFilter};
use kairos_core::ids::{CustomerId, TenantId, ThreadId};
use kairos_core::knowledge::ArticleVisibility;
use sqlx::Row;
use uuid::Uuid;

impl ForumTx for PgTx {
    async fn forum_thread_doc(&mut self, id: ThreadId) -> Result<Option<String>> {
        let tenant = self.tenant().0;
        let row = sqlx::query("SELECT doc FROM forum_threads WHERE id = $1 AND tenant_id = $2")
            .bind(id.0)
            .bind(tenant)
            .fetch_optional(self.conn())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    async fn forum_put_thread(&mut self, t: &Thread, doc: &str) -> Result<()> {
        let tenant = self.tenant().0;
        sqlx::query(
            "INSERT INTO forum_threads (id, tenant_id, category_id, hidden, public, last_activity_at, doc)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET category_id = excluded.category_id,
             hidden = excluded.hidden, public = excluded.public,
             last_activity_at = excluded.last_activity_at, doc = excluded.doc",
        )
        .bind(t.id.0)
        .bind(tenant)
        .bind(t.category_id.0)
        .bind(t.hidden)
        .bind(t.visibility == ArticleVisibility::Public)
        .bind(t.last_activity_at.as_micros())
        .bind(doc)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn forum_add_author(&mut self, thread: ThreadId, customer: CustomerId) -> Result<()> {
        let tenant = self.tenant().0;
        sqlx::query(
            "INSERT INTO forum_authors (tenant_id, thread_id, customer_id) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(tenant)
        .bind(thread.0)
        .bind(customer.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn forum_threads_of(&mut self, people: &[CustomerId]) -> Result<Vec<ThreadId>> {
        let tenant = self.tenant().0;
        let ids: Vec<Uuid> = people.iter().map(|p| p.0).collect();
        let rows = sqlx::query(
            "SELECT DISTINCT thread_id FROM forum_authors WHERE tenant_id = $1 AND customer_id = ANY($2)",
        )
        .bind(tenant)
        .bind(&ids)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| Ok(ThreadId(r.try_get::<Uuid, _>(0)?)))
            .collect()
    }

    async fn forum_delete_thread(&mut self, id: ThreadId) -> Result<()> {
        let tenant = self.tenant().0;
        for sql in [
            "DELETE FROM forum_authors WHERE thread_id = $1 AND tenant_id = $2",
            "DELETE FROM forum_threads WHERE id = $1 AND tenant_id = $2",
        ] {
            sqlx::query(sql)
                .bind(id.0)
                .bind(tenant)
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    async fn forum_forget_authors(&mut self, people: &[CustomerId]) -> Result<u64> {
        let tenant = self.tenant().0;
        let ids: Vec<Uuid> = people.iter().map(|p| p.0).collect();
        let done =
            sqlx::query("DELETE FROM forum_authors WHERE tenant_id = $1 AND customer_id = ANY($2)")
                .bind(tenant)
                .bind(&ids)
                .execute(self.conn())
                .await?;
        Ok(done.rows_affected())
    }
}

impl PgStore {
    /// One thread's document.
    pub(crate) async fn forum_thread_row(
        &self,
        tenant: TenantId,
        id: ThreadId,
    ) -> Result<Option<String>> {
        let row = sqlx::query("SELECT doc FROM forum_threads WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Documents of the threads that pass `f`, newest activity first.
    pub(crate) async fn forum_thread_rows(
        &self,
        tenant: TenantId,
        f: ThreadFilter,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT doc FROM forum_threads WHERE tenant_id = $1
             AND ($2::uuid IS NULL OR category_id = $2) AND ($3 OR NOT hidden) AND (NOT $4 OR public)
             ORDER BY last_activity_at DESC, id DESC LIMIT $5 OFFSET $6",
        )
        .bind(tenant.0)
        .bind(f.category.map(|c| c.0))
        .bind(f.hidden)
        .bind(f.public_only)
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Documents of the threads a customer wrote in, newest activity first.
    pub(crate) async fn forum_author_rows(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT t.doc FROM forum_threads t JOIN forum_authors a ON a.thread_id = t.id
             WHERE a.tenant_id = $1 AND a.customer_id = $2 ORDER BY t.last_activity_at DESC",
        )
        .bind(tenant.0)
        .bind(customer.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }
}
