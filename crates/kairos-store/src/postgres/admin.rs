//! PostgreSQL side of canned replies and staff administration.

use super::PgStore;
use super::tx::PgTx;
use crate::canned::CannedTx;
use crate::error::{Result, StoreError};
use crate::staff::{StaffMember, StaffTx};
use kairos_core::Timestamp;
use kairos_core::canned::CannedReply;
use kairos_core::ids::{CannedReplyId, PartyId, TenantId};
use kairos_core::party::Role;
use sqlx::Row as _;
use uuid::Uuid;

fn role(s: &str) -> Result<Role> {
    s.parse()
        .map_err(|e: kairos_core::DomainError| StoreError::Corrupt(e.to_string()))
}

impl CannedTx for PgTx {
    async fn canned_count(&mut self) -> Result<usize> {
        let t = self.tenant().0;
        let n: i64 = sqlx::query("SELECT count(*) FROM canned_replies WHERE tenant_id = $1")
            .bind(t)
            .fetch_one(self.conn())
            .await?
            .try_get(0)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    async fn canned_by_title(&mut self, title: &str) -> Result<Option<CannedReplyId>> {
        let t = self.tenant().0;
        let row = sqlx::query("SELECT id FROM canned_replies WHERE tenant_id = $1 AND title = $2")
            .bind(t)
            .bind(title)
            .fetch_optional(self.conn())
            .await?;
        Ok(row
            .map(|r| r.try_get::<Uuid, _>(0))
            .transpose()?
            .map(CannedReplyId))
    }

    async fn insert_canned(&mut self, c: &CannedReply) -> Result<()> {
        let t = self.tenant().0;
        sqlx::query(
            "INSERT INTO canned_replies (id, tenant_id, title, body, created_at, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(c.id.0)
        .bind(t)
        .bind(&c.title)
        .bind(&c.body)
        .bind(c.created_at.as_micros())
        .bind(c.updated_at.as_micros())
        .bind(c.updated_by.map(|p| p.0))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn update_canned(&mut self, c: &CannedReply) -> Result<bool> {
        let t = self.tenant().0;
        let done = sqlx::query(
            "UPDATE canned_replies SET title = $1, body = $2, updated_at = $3, updated_by = $4
             WHERE id = $5 AND tenant_id = $6",
        )
        .bind(&c.title)
        .bind(&c.body)
        .bind(c.updated_at.as_micros())
        .bind(c.updated_by.map(|p| p.0))
        .bind(c.id.0)
        .bind(t)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_canned(&mut self, id: CannedReplyId) -> Result<bool> {
        let t = self.tenant().0;
        let done = sqlx::query("DELETE FROM canned_replies WHERE id = $1 AND tenant_id = $2")
            .bind(id.0)
            .bind(t)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl StaffTx for PgTx {
    async fn staff_state(&mut self, party: PartyId) -> Result<Option<(Role, bool)>> {
        let t = self.tenant().0;
        let row = sqlx::query(
            "SELECT role, deactivated_at IS NOT NULL FROM parties
             WHERE id = $1 AND tenant_id = $2 AND role IN ('admin', 'agent')",
        )
        .bind(party.0)
        .bind(t)
        .fetch_optional(self.conn())
        .await?;
        row.map(|r| Ok((role(&r.try_get::<String, _>(0)?)?, r.try_get(1)?)))
            .transpose()
    }

    async fn active_admins(&mut self) -> Result<usize> {
        let t = self.tenant().0;
        let n: i64 = sqlx::query(
            "SELECT count(*) FROM parties WHERE tenant_id = $1 AND role = 'admin' AND deactivated_at IS NULL",
        )
        .bind(t)
        .fetch_one(self.conn())
        .await?
        .try_get(0)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    async fn set_party_role(&mut self, party: PartyId, role: Role) -> Result<()> {
        let t = self.tenant().0;
        sqlx::query("UPDATE parties SET role = $1 WHERE id = $2 AND tenant_id = $3")
            .bind(role.as_str())
            .bind(party.0)
            .bind(t)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    async fn deactivate_party(&mut self, party: PartyId, at: Timestamp) -> Result<()> {
        let t = self.tenant().0;
        sqlx::query(
            "UPDATE parties SET deactivated_at = $1, password_hash = NULL WHERE id = $2 AND tenant_id = $3",
        )
        .bind(at.as_micros())
        .bind(party.0)
        .bind(t)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn end_credentials(&mut self, party: PartyId, at: Timestamp) -> Result<()> {
        let t = self.tenant().0;
        sqlx::query("DELETE FROM sessions WHERE party_id = $1 AND tenant_id = $2")
            .bind(party.0)
            .bind(t)
            .execute(self.conn())
            .await?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE party_id = $2 AND tenant_id = $3 AND revoked_at IS NULL",
        )
        .bind(at.as_micros())
        .bind(party.0)
        .bind(t)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl PgStore {
    /// The tenant's canned replies by title (or the one with `id`).
    pub(crate) async fn canned_rows(
        &self,
        tenant: TenantId,
        id: Option<CannedReplyId>,
    ) -> Result<Vec<CannedReply>> {
        let rows = sqlx::query(
            "SELECT id, title, body, created_at, updated_at, updated_by FROM canned_replies
             WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id = $2) ORDER BY title, id",
        )
        .bind(tenant.0)
        .bind(id.map(|i| i.0))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(CannedReply {
                id: CannedReplyId(r.try_get(0)?),
                title: r.try_get(1)?,
                body: r.try_get(2)?,
                created_at: Timestamp::from_micros(r.try_get(3)?),
                updated_at: Timestamp::from_micros(r.try_get(4)?),
                updated_by: r.try_get::<Option<Uuid>, _>(5)?.map(PartyId),
            });
        }
        Ok(out)
    }

    /// The tenant's staff, active first, then by name.
    pub(crate) async fn staff_rows(&self, tenant: TenantId) -> Result<Vec<StaffMember>> {
        let rows = sqlx::query(
            "SELECT id, email, display_name, role, created_at, deactivated_at FROM parties
             WHERE tenant_id = $1 AND role IN ('admin', 'agent')
             ORDER BY deactivated_at IS NOT NULL, display_name, id",
        )
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(StaffMember {
                id: PartyId(r.try_get(0)?),
                email: r.try_get(1)?,
                display_name: r.try_get(2)?,
                role: role(&r.try_get::<String, _>(3)?)?,
                created_at: Timestamp::from_micros(r.try_get(4)?),
                deactivated_at: r.try_get::<Option<i64>, _>(5)?.map(Timestamp::from_micros),
            });
        }
        Ok(out)
    }
}
