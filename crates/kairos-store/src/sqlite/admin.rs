//! SQLite side of canned replies and staff administration.

use super::SqliteStore;
use super::tx::SqliteTx;
use crate::canned::CannedTx;
use crate::error::{Result, StoreError};
use crate::staff::{StaffMember, StaffTx};
use kairos_core::Timestamp;
use kairos_core::canned::CannedReply;
use kairos_core::ids::{CannedReplyId, PartyId, TenantId};
use kairos_core::party::Role;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

fn role(s: &str) -> Result<Role> {
    s.parse()
        .map_err(|e: kairos_core::DomainError| StoreError::Corrupt(e.to_string()))
}

impl CannedTx for SqliteTx<'_> {
    async fn canned_count(&mut self) -> Result<usize> {
        let n: i64 = self
            .conn()
            .prepare_cached("SELECT count(*) FROM canned_replies WHERE tenant_id = ?1")?
            .query_row([self.tenant().0], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    async fn canned_by_title(&mut self, title: &str) -> Result<Option<CannedReplyId>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT id FROM canned_replies WHERE tenant_id = ?1 AND title = ?2")?
            .query_row(params![self.tenant().0, title], |r| r.get::<_, Uuid>(0))
            .optional()?
            .map(CannedReplyId))
    }

    async fn insert_canned(&mut self, c: &CannedReply) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO canned_replies (id, tenant_id, title, body, created_at, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![c.id.0, self.tenant().0, c.title, c.body, c.created_at.as_micros(), c.updated_at.as_micros(), c.updated_by.map(|p| p.0)])?;
        Ok(())
    }

    async fn update_canned(&mut self, c: &CannedReply) -> Result<bool> {
        let n = self
            .conn()
            .prepare_cached(
                "UPDATE canned_replies SET title = ?1, body = ?2, updated_at = ?3, updated_by = ?4
                 WHERE id = ?5 AND tenant_id = ?6",
            )?
            .execute(params![
                c.title,
                c.body,
                c.updated_at.as_micros(),
                c.updated_by.map(|p| p.0),
                c.id.0,
                self.tenant().0
            ])?;
        Ok(n == 1)
    }

    async fn delete_canned(&mut self, id: CannedReplyId) -> Result<bool> {
        let n = self
            .conn()
            .prepare_cached("DELETE FROM canned_replies WHERE id = ?1 AND tenant_id = ?2")?
            .execute(params![id.0, self.tenant().0])?;
        Ok(n == 1)
    }
}

impl StaffTx for SqliteTx<'_> {
    async fn staff_state(&mut self, party: PartyId) -> Result<Option<(Role, bool)>> {
        let row = self
            .conn()
            .prepare_cached(
                "SELECT role, deactivated_at IS NOT NULL FROM parties
                 WHERE id = ?1 AND tenant_id = ?2 AND role IN ('admin', 'agent')",
            )?
            .query_row(params![party.0, self.tenant().0], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
            })
            .optional()?;
        row.map(|(r, d)| Ok((role(&r)?, d))).transpose()
    }

    async fn active_admins(&mut self) -> Result<usize> {
        let n: i64 = self
            .conn()
            .prepare_cached(
                "SELECT count(*) FROM parties WHERE tenant_id = ?1 AND role = 'admin' AND deactivated_at IS NULL",
            )?
            .query_row([self.tenant().0], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    async fn set_party_role(&mut self, party: PartyId, role: Role) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE parties SET role = ?1 WHERE id = ?2 AND tenant_id = ?3")?
            .execute(params![role.as_str(), party.0, self.tenant().0])?;
        Ok(())
    }

    async fn deactivate_party(&mut self, party: PartyId, at: Timestamp) -> Result<()> {
        self.conn()
            .prepare_cached(
                "UPDATE parties SET deactivated_at = ?1, password_hash = NULL WHERE id = ?2 AND tenant_id = ?3",
            )?
            .execute(params![at.as_micros(), party.0, self.tenant().0])?;
        Ok(())
    }

    async fn end_credentials(&mut self, party: PartyId, at: Timestamp) -> Result<()> {
        let t = self.tenant().0;
        self.conn()
            .prepare_cached("DELETE FROM sessions WHERE party_id = ?1 AND tenant_id = ?2")?
            .execute(params![party.0, t])?;
        self.conn()
            .prepare_cached(
                "UPDATE api_tokens SET revoked_at = ?1 WHERE party_id = ?2 AND tenant_id = ?3 AND revoked_at IS NULL",
            )?
            .execute(params![at.as_micros(), party.0, t])?;
        Ok(())
    }
}

type CannedRow = (Uuid, String, String, i64, i64, Option<Uuid>);

impl SqliteStore {
    /// The tenant's canned replies by title (or the one with `id`).
    pub(crate) async fn canned_rows(
        &self,
        tenant: TenantId,
        id: Option<CannedReplyId>,
    ) -> Result<Vec<CannedReply>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, title, body, created_at, updated_at, updated_by FROM canned_replies
                 WHERE tenant_id = ?1 AND (?2 IS NULL OR id = ?2) ORDER BY title, id",
            )?;
            let rows = stmt.query_map(params![tenant.0, id.map(|i| i.0)], |r| {
                Ok::<CannedRow, _>((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, title, body, created, updated, by) = row?;
                out.push(CannedReply {
                    id: CannedReplyId(id),
                    title,
                    body,
                    created_at: Timestamp::from_micros(created),
                    updated_at: Timestamp::from_micros(updated),
                    updated_by: by.map(PartyId),
                });
            }
            Ok(out)
        })
        .await
    }

    /// The tenant's staff, active first, then by name.
    pub(crate) async fn staff_rows(&self, tenant: TenantId) -> Result<Vec<StaffMember>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, email, display_name, role, created_at, deactivated_at FROM parties
                 WHERE tenant_id = ?1 AND role IN ('admin', 'agent')
                 ORDER BY deactivated_at IS NOT NULL, display_name, id",
            )?;
            let rows = stmt.query_map([tenant.0], |r| {
                Ok((
                    r.get::<_, Uuid>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, email, display_name, r, created, deactivated) = row?;
                out.push(StaffMember {
                    id: PartyId(id),
                    email,
                    display_name,
                    role: role(&r)?,
                    created_at: Timestamp::from_micros(created),
                    deactivated_at: deactivated.map(Timestamp::from_micros),
                });
            }
            Ok(out)
        })
        .await
    }
}
