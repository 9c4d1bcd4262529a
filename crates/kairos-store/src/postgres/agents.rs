//! PostgreSQL side of agent profiles.

use super::PgStore;
use crate::error::{Result, StoreError};
use crate::sqlite::DEFAULT_CAPACITY;
use kairos_core::Timestamp;
use kairos_core::ids::{PartyId, TenantId};
use kairos_core::routing::{Agent, AgentStatus};
use sqlx::{PgConnection, Row};
use uuid::Uuid;

/// Applies `agent.profile`.
pub(super) async fn apply_profile(
    c: &mut PgConnection,
    tenant: Uuid,
    party: PartyId,
    skills: &[String],
    capacity: u32,
) -> Result<()> {
    sqlx::query("INSERT INTO agent_profiles (tenant_id, party_id, skills, capacity, status) VALUES ($1, $2, $3, $4, 'offline')
                 ON CONFLICT (party_id) DO UPDATE SET skills = excluded.skills, capacity = excluded.capacity")
        .bind(tenant)
        .bind(party.0)
        .bind(serde_json::to_string(skills)?)
        .bind(i64::from(capacity))
        .execute(c)
        .await?;
    Ok(())
}

/// Applies `agent.status`.
pub(super) async fn apply_status(
    c: &mut PgConnection,
    tenant: Uuid,
    party: PartyId,
    status: AgentStatus,
) -> Result<()> {
    sqlx::query("INSERT INTO agent_profiles (tenant_id, party_id, skills, capacity, status) VALUES ($1, $2, '[]', $3, $4)
                 ON CONFLICT (party_id) DO UPDATE SET status = excluded.status")
        .bind(tenant)
        .bind(party.0)
        .bind(i64::from(DEFAULT_CAPACITY))
        .bind(status.as_str())
        .execute(c)
        .await?;
    Ok(())
}

/// Notes an assignment.
pub(super) async fn apply_assigned(c: &mut PgConnection, party: PartyId, at: i64) -> Result<()> {
    sqlx::query("UPDATE agent_profiles SET last_assigned_at = $1 WHERE party_id = $2")
        .bind(at)
        .bind(party.0)
        .execute(c)
        .await?;
    Ok(())
}

impl PgStore {
    pub(crate) async fn agents(&self, tenant: TenantId) -> Result<Vec<Agent>> {
        sqlx::query(
            "SELECT p.party_id, p.skills, p.capacity, p.status, p.last_assigned_at,
                    (SELECT count(*) FROM conversations c WHERE c.tenant_id = p.tenant_id AND c.assignee = p.party_id AND c.status IN ('open', 'pending'))
             FROM agent_profiles p WHERE p.tenant_id = $1 ORDER BY p.party_id",
        )
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| {
            let status: String = r.try_get(3)?;
            Ok(Agent {
                party_id: PartyId(r.try_get(0)?),
                skills: serde_json::from_str(&r.try_get::<String, _>(1)?)?,
                capacity: u32::try_from(r.try_get::<i64, _>(2)?).unwrap_or(0),
                status: AgentStatus::parse(&status).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                load: u32::try_from(r.try_get::<i64, _>(5)?).unwrap_or(u32::MAX),
                last_assigned: r.try_get::<Option<i64>, _>(4)?.map(Timestamp::from_micros),
            })
        })
        .collect()
    }
}
