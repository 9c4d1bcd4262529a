//! PostgreSQL side of staff invitations.

use super::PgStore;
use super::tx::PgTx;
use crate::error::{Result, StoreError};
use crate::invitations::{Invitation, InvitationTx};
use kairos_core::Timestamp;
use kairos_core::ids::{PartyId, TenantId};
use sqlx::Row as _;
use sqlx::postgres::PgRow;
use uuid::Uuid;

const COLUMNS: &str = "id, tenant_id, email, display_name, role, language, invited_by, \
                       created_at, expires_at, used_at, revoked_at";

fn invitation(r: &PgRow) -> Result<Invitation> {
    let role: String = r.try_get(4)?;
    let role = role
        .parse()
        .map_err(|e: kairos_core::DomainError| StoreError::Corrupt(e.to_string()))?;
    Ok(Invitation {
        id: r.try_get(0)?,
        tenant_id: TenantId(r.try_get(1)?),
        email: r.try_get(2)?,
        display_name: r.try_get(3)?,
        role,
        language: r.try_get(5)?,
        invited_by: r.try_get::<Option<Uuid>, _>(6)?.map(PartyId),
        created_at: Timestamp::from_micros(r.try_get(7)?),
        expires_at: Timestamp::from_micros(r.try_get(8)?),
        used_at: r.try_get::<Option<i64>, _>(9)?.map(Timestamp::from_micros),
        revoked_at: r.try_get::<Option<i64>, _>(10)?.map(Timestamp::from_micros),
    })
}

impl InvitationTx for PgTx {
    async fn party_email_taken(&mut self, email: &str) -> Result<bool> {
        let t = self.tenant().0;
        Ok(
            sqlx::query("SELECT 1 FROM parties WHERE tenant_id = $1 AND email = $2")
                .bind(t)
                .bind(email)
                .fetch_optional(self.conn())
                .await?
                .is_some(),
        )
    }

    async fn invitation(&mut self, id: Uuid) -> Result<Option<Invitation>> {
        let t = self.tenant().0;
        let sql =
            format!("SELECT {COLUMNS} FROM staff_invitations WHERE tenant_id = $1 AND id = $2");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(t)
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .as_ref()
            .map(invitation)
            .transpose()
    }

    async fn invitations_for(&mut self, email: &str) -> Result<Vec<Invitation>> {
        let t = self.tenant().0;
        let sql = format!(
            "SELECT {COLUMNS} FROM staff_invitations WHERE tenant_id = $1 AND email = $2 ORDER BY created_at DESC"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(t)
            .bind(email)
            .fetch_all(self.conn())
            .await?
            .iter()
            .map(invitation)
            .collect()
    }

    async fn invitation_by_secret(&mut self, hash: &[u8]) -> Result<Option<Invitation>> {
        let t = self.tenant().0;
        let sql = format!(
            "SELECT {COLUMNS} FROM staff_invitations WHERE tenant_id = $1 AND secret_hash = $2 FOR UPDATE"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(t)
            .bind(hash)
            .fetch_optional(self.conn())
            .await?
            .as_ref()
            .map(invitation)
            .transpose()
    }

    async fn insert_invitation(&mut self, i: &Invitation, hash: &[u8]) -> Result<()> {
        sqlx::query(
            "INSERT INTO staff_invitations (id, tenant_id, secret_hash, email, display_name, role, language, invited_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(i.id)
        .bind(i.tenant_id.0)
        .bind(hash)
        .bind(&i.email)
        .bind(&i.display_name)
        .bind(i.role.as_str())
        .bind(&i.language)
        .bind(i.invited_by.map(|p| p.0))
        .bind(i.created_at.as_micros())
        .bind(i.expires_at.as_micros())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn renew_invitation(
        &mut self,
        id: Uuid,
        hash: &[u8],
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        let t = self.tenant().0;
        sqlx::query(
            "UPDATE staff_invitations SET secret_hash = $1, created_at = $2, expires_at = $3
             WHERE id = $4 AND tenant_id = $5",
        )
        .bind(hash)
        .bind(at.as_micros())
        .bind(expires_at.as_micros())
        .bind(id)
        .bind(t)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn revoke_invitation(&mut self, id: Uuid, at: Timestamp) -> Result<()> {
        let t = self.tenant().0;
        sqlx::query(
            "UPDATE staff_invitations SET revoked_at = $1 WHERE id = $2 AND tenant_id = $3",
        )
        .bind(at.as_micros())
        .bind(id)
        .bind(t)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn use_invitation(&mut self, id: Uuid, at: Timestamp) -> Result<()> {
        let t = self.tenant().0;
        sqlx::query("UPDATE staff_invitations SET used_at = $1 WHERE id = $2 AND tenant_id = $3")
            .bind(at.as_micros())
            .bind(id)
            .bind(t)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    async fn insert_staff_party(
        &mut self,
        id: PartyId,
        i: &Invitation,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<()> {
        let t = self.tenant().0;
        sqlx::query(
            "INSERT INTO parties (id, tenant_id, role, email, display_name, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.0)
        .bind(t)
        .bind(i.role.as_str())
        .bind(&i.email)
        .bind(&i.display_name)
        .bind(password_hash)
        .bind(at.as_micros())
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl PgStore {
    pub(crate) async fn open_invitations(&self, tenant: TenantId) -> Result<Vec<Invitation>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM staff_invitations
             WHERE tenant_id = $1 AND used_at IS NULL AND revoked_at IS NULL
             ORDER BY created_at DESC"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(invitation)
            .collect()
    }

    pub(crate) async fn invitation_by_secret(&self, hash: &[u8]) -> Result<Option<Invitation>> {
        let sql = format!("SELECT {COLUMNS} FROM staff_invitations WHERE secret_hash = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(invitation)
            .transpose()
    }
}

#[cfg(feature = "testing")]
impl PgStore {
    pub(crate) async fn expire_invitations(&self, tenant: TenantId) -> Result<()> {
        sqlx::query("UPDATE staff_invitations SET expires_at = 0 WHERE tenant_id = $1")
            .bind(tenant.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
