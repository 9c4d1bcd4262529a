//! SQLite side of the knowledge base.

use super::SqliteStore;
use super::tx::SqliteTx;
use crate::error::Result;
use crate::knowledge::{Article, Category, KbTx, Revision};
use kairos_core::Timestamp;
use kairos_core::ids::{ArticleId, CategoryId, PartyId, TenantId};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

impl KbTx for SqliteTx<'_> {
    async fn kb_article_doc(&mut self, id: ArticleId) -> Result<Option<String>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT doc FROM kb_articles WHERE id = ?1 AND tenant_id = ?2")?
            .query_row(params![id.0, self.tenant().0], |r| r.get(0))
            .optional()?)
    }

    async fn kb_put_article(&mut self, a: &Article, doc: &str) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO kb_articles (id, tenant_id, category_id, translation_group, language, doc, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET category_id = excluded.category_id, doc = excluded.doc, updated_at = excluded.updated_at",
            )?
            .execute(params![a.id.0, self.tenant().0, a.category_id.0, a.translation_group, a.language, doc, a.updated_at.as_micros()])?;
        Ok(())
    }

    async fn kb_put_revision(&mut self, r: &Revision, doc: &str) -> Result<()> {
        self.conn()
            .prepare_cached("INSERT INTO kb_revisions (article_id, number, tenant_id, doc) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![r.article_id.0, r.number, self.tenant().0, doc])?;
        Ok(())
    }

    async fn kb_category_exists(&mut self, id: CategoryId) -> Result<bool> {
        Ok(self
            .conn()
            .prepare_cached("SELECT 1 FROM kb_categories WHERE id = ?1 AND tenant_id = ?2")?
            .query_row(params![id.0, self.tenant().0], |_| Ok(()))
            .optional()?
            .is_some())
    }

    async fn kb_category_by_slug(&mut self, slug: &str) -> Result<Option<CategoryId>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT id FROM kb_categories WHERE slug = ?1 AND tenant_id = ?2")?
            .query_row(params![slug, self.tenant().0], |r| r.get::<_, Uuid>(0))
            .optional()?
            .map(CategoryId))
    }

    async fn kb_put_category(&mut self, c: &Category) -> Result<()> {
        self.conn()
            .prepare_cached("INSERT INTO kb_categories (id, tenant_id, slug, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![c.id.0, self.tenant().0, c.slug, c.name, c.created_at.as_micros()])?;
        Ok(())
    }

    async fn kb_translation(&mut self, group: Uuid, language: &str) -> Result<Option<ArticleId>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT id FROM kb_articles WHERE tenant_id = ?1 AND translation_group = ?2 AND language = ?3")?
            .query_row(params![self.tenant().0, group, language], |r| r.get::<_, Uuid>(0))
            .optional()?
            .map(ArticleId))
    }

    async fn kb_vote(&mut self, article: ArticleId, voter: &str, at: Timestamp) -> Result<bool> {
        let n = self
            .conn()
            .prepare_cached("INSERT INTO kb_votes (article_id, voter, tenant_id, at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING")?
            .execute(params![article.0, voter, self.tenant().0, at.as_micros()])?;
        Ok(n == 1)
    }

    async fn kb_set_grant(&mut self, party: PartyId, category: CategoryId, on: bool) -> Result<()> {
        let sql = if on {
            "INSERT INTO kb_partner_grants (tenant_id, party_id, category_id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM kb_partner_grants WHERE tenant_id = ?1 AND party_id = ?2 AND category_id = ?3"
        };
        self.conn()
            .prepare_cached(sql)?
            .execute(params![self.tenant().0, party.0, category.0])?;
        Ok(())
    }
}

impl SqliteStore {
    /// Every category of a tenant, by slug.
    pub(crate) async fn kb_category_rows(&self, tenant: TenantId) -> Result<Vec<Category>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, slug, name, created_at FROM kb_categories WHERE tenant_id = ?1 ORDER BY slug",
            )?;
            let rows = stmt.query_map(params![tenant.0], |r| {
                Ok(Category {
                    id: CategoryId(r.get(0)?),
                    slug: r.get(1)?,
                    name: r.get(2)?,
                    created_at: Timestamp::from_micros(r.get(3)?),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    /// Article documents: one by id, or of a category, or all; newest change first.
    pub(crate) async fn kb_article_rows(
        &self,
        tenant: TenantId,
        id: Option<ArticleId>,
        category: Option<CategoryId>,
        limit: u32,
    ) -> Result<Vec<String>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT doc FROM kb_articles WHERE tenant_id = ?1 AND (?2 IS NULL OR id = ?2)
                 AND (?3 IS NULL OR category_id = ?3) ORDER BY updated_at DESC, id LIMIT ?4",
            )?;
            let rows = stmt.query_map(
                params![tenant.0, id.map(|i| i.0), category.map(|c| c.0), limit],
                |r| r.get(0),
            )?;
            Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
        })
        .await
    }

    /// Revision documents of an article, oldest first.
    pub(crate) async fn kb_revision_rows(
        &self,
        tenant: TenantId,
        id: ArticleId,
    ) -> Result<Vec<String>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT doc FROM kb_revisions WHERE tenant_id = ?1 AND article_id = ?2 ORDER BY number",
            )?;
            let rows = stmt.query_map(params![tenant.0, id.0], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
        })
        .await
    }

    /// The categories granted to a partner party.
    pub(crate) async fn kb_grant_rows(
        &self,
        tenant: TenantId,
        party: PartyId,
    ) -> Result<Vec<CategoryId>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT category_id FROM kb_partner_grants WHERE tenant_id = ?1 AND party_id = ?2 ORDER BY category_id",
            )?;
            let rows = stmt.query_map(params![tenant.0, party.0], |r| r.get::<_, Uuid>(0))?;
            Ok(rows
                .map(|r| r.map(CategoryId))
                .collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }
}

impl crate::kb_votes::VoteTx for super::tx::SqliteTx<'_> {
    async fn delete_votes(&mut self, marks: &[String]) -> Result<u64> {
        let mut n = 0;
        for mark in marks {
            n += self
                .conn()
                .prepare_cached("DELETE FROM kb_votes WHERE tenant_id = ?1 AND voter = ?2")?
                .execute(rusqlite::params![self.tenant().0, mark])?;
        }
        Ok(n as u64)
    }
}
