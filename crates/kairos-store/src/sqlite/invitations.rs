//! SQLite side of staff invitations.

use super::SqliteStore;
use super::tx::SqliteTx;
use crate::error::{Result, StoreError};
use crate::invitations::{Invitation, InvitationTx};
use kairos_core::Timestamp;
use kairos_core::ids::{PartyId, TenantId};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

const COLUMNS: &str = "id, tenant_id, email, display_name, role, language, invited_by, \
                       created_at, expires_at, used_at, revoked_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

type Row = (
    Uuid,
    Uuid,
    String,
    String,
    String,
    String,
    Option<Uuid>,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
);

fn invitation(r: Row) -> Result<Invitation> {
    let role =
        r.4.parse()
            .map_err(|e: kairos_core::DomainError| StoreError::Corrupt(e.to_string()))?;
    Ok(Invitation {
        id: r.0,
        tenant_id: TenantId(r.1),
        email: r.2,
        display_name: r.3,
        role,
        language: r.5,
        invited_by: r.6.map(PartyId),
        created_at: Timestamp::from_micros(r.7),
        expires_at: Timestamp::from_micros(r.8),
        used_at: r.9.map(Timestamp::from_micros),
        revoked_at: r.10.map(Timestamp::from_micros),
    })
}

impl SqliteTx<'_> {
    fn invitations_where(
        &mut self,
        clause: &str,
        key: &dyn rusqlite::ToSql,
    ) -> Result<Vec<Invitation>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM staff_invitations WHERE tenant_id = ?1 AND {clause} ORDER BY created_at DESC"
        );
        let t = self.tenant().0;
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(params![t, key], row)?;
        rows.map(|r| invitation(r?)).collect()
    }
}

impl InvitationTx for SqliteTx<'_> {
    async fn party_email_taken(&mut self, email: &str) -> Result<bool> {
        Ok(self
            .conn()
            .prepare_cached("SELECT 1 FROM parties WHERE tenant_id = ?1 AND email = ?2")?
            .query_row(params![self.tenant().0, email], |_| Ok(()))
            .optional()?
            .is_some())
    }

    async fn invitation(&mut self, id: Uuid) -> Result<Option<Invitation>> {
        Ok(self.invitations_where("id = ?2", &id)?.pop())
    }

    async fn invitations_for(&mut self, email: &str) -> Result<Vec<Invitation>> {
        self.invitations_where("email = ?2", &email)
    }

    async fn invitation_by_secret(&mut self, hash: &[u8]) -> Result<Option<Invitation>> {
        Ok(self.invitations_where("secret_hash = ?2", &hash)?.pop())
    }

    async fn insert_invitation(&mut self, i: &Invitation, hash: &[u8]) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO staff_invitations (id, tenant_id, secret_hash, email, display_name, role, language, invited_by, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                i.id,
                i.tenant_id.0,
                hash,
                i.email,
                i.display_name,
                i.role.as_str(),
                i.language,
                i.invited_by.map(|p| p.0),
                i.created_at.as_micros(),
                i.expires_at.as_micros()
            ])?;
        Ok(())
    }

    async fn renew_invitation(
        &mut self,
        id: Uuid,
        hash: &[u8],
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        self.conn()
            .prepare_cached(
                "UPDATE staff_invitations SET secret_hash = ?1, created_at = ?2, expires_at = ?3
                 WHERE id = ?4 AND tenant_id = ?5",
            )?
            .execute(params![
                hash,
                at.as_micros(),
                expires_at.as_micros(),
                id,
                self.tenant().0
            ])?;
        Ok(())
    }

    async fn revoke_invitation(&mut self, id: Uuid, at: Timestamp) -> Result<()> {
        self.conn()
            .prepare_cached(
                "UPDATE staff_invitations SET revoked_at = ?1 WHERE id = ?2 AND tenant_id = ?3",
            )?
            .execute(params![at.as_micros(), id, self.tenant().0])?;
        Ok(())
    }

    async fn use_invitation(&mut self, id: Uuid, at: Timestamp) -> Result<()> {
        self.conn()
            .prepare_cached(
                "UPDATE staff_invitations SET used_at = ?1 WHERE id = ?2 AND tenant_id = ?3",
            )?
            .execute(params![at.as_micros(), id, self.tenant().0])?;
        Ok(())
    }

    async fn insert_staff_party(
        &mut self,
        id: PartyId,
        i: &Invitation,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO parties (id, tenant_id, role, email, display_name, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                id.0,
                self.tenant().0,
                i.role.as_str(),
                i.email,
                i.display_name,
                password_hash,
                at.as_micros()
            ])?;
        Ok(())
    }
}

impl SqliteStore {
    pub(crate) async fn open_invitations(&self, tenant: TenantId) -> Result<Vec<Invitation>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {COLUMNS} FROM staff_invitations
                 WHERE tenant_id = ?1 AND used_at IS NULL AND revoked_at IS NULL
                 ORDER BY created_at DESC"
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map([tenant.0], row)?;
            rows.map(|r| invitation(r?)).collect()
        })
        .await
    }

    pub(crate) async fn invitation_by_secret(&self, hash: &[u8]) -> Result<Option<Invitation>> {
        let hash = hash.to_vec();
        self.read(move |c| {
            let sql = format!("SELECT {COLUMNS} FROM staff_invitations WHERE secret_hash = ?1");
            c.prepare_cached(&sql)?
                .query_row([hash], row)
                .optional()?
                .map(invitation)
                .transpose()
        })
        .await
    }
}

#[cfg(feature = "testing")]
impl SqliteStore {
    pub(crate) async fn expire_invitations(&self, tenant: TenantId) -> Result<()> {
        self.write(tenant, move |tx| {
            tx.conn()
                .prepare_cached("UPDATE staff_invitations SET expires_at = 0 WHERE tenant_id = ?1")?
                .execute([tenant.0])?;
            Ok(())
        })
        .await
    }
}
