//! PostgreSQL side of the knowledge base.

use super::PgStore;
use super::tx::PgTx;
use crate::error::Result;
use crate::knowledge::{Article, Category, KbTx, Revision};
use kairos_core::Timestamp;
use kairos_core::ids::{ArticleId, CategoryId, PartyId, TenantId};
use sqlx::Row;
use uuid::Uuid;

impl KbTx for PgTx {
    async fn kb_article_doc(&mut self, id: ArticleId) -> Result<Option<String>> {
        let tenant = self.tenant().0;
        let row = sqlx::query("SELECT doc FROM kb_articles WHERE id = $1 AND tenant_id = $2")
            .bind(id.0)
            .bind(tenant)
            .fetch_optional(self.conn())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    async fn kb_put_article(&mut self, a: &Article, doc: &str) -> Result<()> {
        let tenant = self.tenant().0;
        sqlx::query(
            "INSERT INTO kb_articles (id, tenant_id, category_id, translation_group, language, doc, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET category_id = excluded.category_id, doc = excluded.doc, updated_at = excluded.updated_at",
        )
        .bind(a.id.0)
        .bind(tenant)
        .bind(a.category_id.0)
        .bind(a.translation_group)
        .bind(&a.language)
        .bind(doc)
        .bind(a.updated_at.as_micros())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn kb_put_revision(&mut self, r: &Revision, doc: &str) -> Result<()> {
        let tenant = self.tenant().0;
        sqlx::query(
            "INSERT INTO kb_revisions (article_id, number, tenant_id, doc) VALUES ($1, $2, $3, $4)",
        )
        .bind(r.article_id.0)
        .bind(i64::from(r.number))
        .bind(tenant)
        .bind(doc)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn kb_category_exists(&mut self, id: CategoryId) -> Result<bool> {
        let tenant = self.tenant().0;
        let row = sqlx::query("SELECT 1 FROM kb_categories WHERE id = $1 AND tenant_id = $2")
            .bind(id.0)
            .bind(tenant)
            .fetch_optional(self.conn())
            .await?;
        Ok(row.is_some())
    }

    async fn kb_category_by_slug(&mut self, slug: &str) -> Result<Option<CategoryId>> {
        let tenant = self.tenant().0;
        let row = sqlx::query("SELECT id FROM kb_categories WHERE slug = $1 AND tenant_id = $2")
            .bind(slug)
            .bind(tenant)
            .fetch_optional(self.conn())
            .await?;
        Ok(row
            .map(|r| r.try_get::<Uuid, _>(0))
            .transpose()?
            .map(CategoryId))
    }

    async fn kb_put_category(&mut self, c: &Category) -> Result<()> {
        let tenant = self.tenant().0;
        sqlx::query(
            "INSERT INTO kb_categories (id, tenant_id, slug, name, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(c.id.0)
        .bind(tenant)
        .bind(&c.slug)
        .bind(&c.name)
        .bind(c.created_at.as_micros())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn kb_translation(&mut self, group: Uuid, language: &str) -> Result<Option<ArticleId>> {
        let tenant = self.tenant().0;
        let row = sqlx::query(
            "SELECT id FROM kb_articles WHERE tenant_id = $1 AND translation_group = $2 AND language = $3",
        )
        .bind(tenant)
        .bind(group)
        .bind(language)
        .fetch_optional(self.conn())
        .await?;
        Ok(row
            .map(|r| r.try_get::<Uuid, _>(0))
            .transpose()?
            .map(ArticleId))
    }

    async fn kb_vote(&mut self, article: ArticleId, voter: &str, at: Timestamp) -> Result<bool> {
        let tenant = self.tenant().0;
        let done = sqlx::query(
            "INSERT INTO kb_votes (article_id, voter, tenant_id, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(article.0)
        .bind(voter)
        .bind(tenant)
        .bind(at.as_micros())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn kb_set_grant(&mut self, party: PartyId, category: CategoryId, on: bool) -> Result<()> {
        let tenant = self.tenant().0;
        let sql = if on {
            "INSERT INTO kb_partner_grants (tenant_id, party_id, category_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM kb_partner_grants WHERE tenant_id = $1 AND party_id = $2 AND category_id = $3"
        };
        sqlx::query(sql)
            .bind(tenant)
            .bind(party.0)
            .bind(category.0)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

impl PgStore {
    /// Every category of a tenant, by slug.
    pub(crate) async fn kb_category_rows(&self, tenant: TenantId) -> Result<Vec<Category>> {
        let rows = sqlx::query(
            "SELECT id, slug, name, created_at FROM kb_categories WHERE tenant_id = $1 ORDER BY slug",
        )
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Category {
                    id: CategoryId(r.try_get(0)?),
                    slug: r.try_get(1)?,
                    name: r.try_get(2)?,
                    created_at: Timestamp::from_micros(r.try_get(3)?),
                })
            })
            .collect()
    }

    /// Article documents: one by id, or of a category, or all; newest change first.
    pub(crate) async fn kb_article_rows(
        &self,
        tenant: TenantId,
        id: Option<ArticleId>,
        category: Option<CategoryId>,
        limit: u32,
    ) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT doc FROM kb_articles WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id = $2)
             AND ($3::uuid IS NULL OR category_id = $3) ORDER BY updated_at DESC, id LIMIT $4",
        )
        .bind(tenant.0)
        .bind(id.map(|i| i.0))
        .bind(category.map(|c| c.0))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Revision documents of an article, oldest first.
    pub(crate) async fn kb_revision_rows(
        &self,
        tenant: TenantId,
        id: ArticleId,
    ) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT doc FROM kb_revisions WHERE tenant_id = $1 AND article_id = $2 ORDER BY number",
        )
        .bind(tenant.0)
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// The categories granted to a partner party.
    pub(crate) async fn kb_grant_rows(
        &self,
        tenant: TenantId,
        party: PartyId,
    ) -> Result<Vec<CategoryId>> {
        let rows = sqlx::query(
            "SELECT category_id FROM kb_partner_grants WHERE tenant_id = $1 AND party_id = $2 ORDER BY category_id",
        )
        .bind(tenant.0)
        .bind(party.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(CategoryId(r.try_get(0)?))).collect()
    }
}

impl crate::kb_votes::VoteTx for super::tx::PgTx {
    async fn delete_votes(&mut self, marks: &[String]) -> Result<u64> {
        let tenant = self.tenant().0;
        let done = sqlx::query("DELETE FROM kb_votes WHERE tenant_id = $1 AND voter = ANY($2)")
            .bind(tenant)
            .bind(marks.to_vec())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }
}
