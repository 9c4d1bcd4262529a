//! SQLite side of agent profiles.

use super::SqliteStore;
use crate::error::{Result, StoreError};
use kairos_core::Timestamp;
use kairos_core::ids::{PartyId, TenantId};
use kairos_core::routing::{Agent, AgentStatus};
use rusqlite::{Connection, params};
use uuid::Uuid;

/// Default capacity of an agent who set a status before an admin set a profile.
pub(crate) const DEFAULT_CAPACITY: u32 = 10;

/// Applies `agent.profile`.
pub(super) fn apply_profile(
    c: &Connection,
    tenant: Uuid,
    party: PartyId,
    skills: &[String],
    capacity: u32,
) -> Result<()> {
    c.prepare_cached("INSERT INTO agent_profiles (tenant_id, party_id, skills, capacity, status) VALUES (?1, ?2, ?3, ?4, 'offline')
                      ON CONFLICT (party_id) DO UPDATE SET skills = excluded.skills, capacity = excluded.capacity")?
        .execute(params![tenant, party.0, serde_json::to_string(skills)?, capacity])?;
    Ok(())
}

/// Applies `agent.status`.
pub(super) fn apply_status(
    c: &Connection,
    tenant: Uuid,
    party: PartyId,
    status: AgentStatus,
) -> Result<()> {
    c.prepare_cached("INSERT INTO agent_profiles (tenant_id, party_id, skills, capacity, status) VALUES (?1, ?2, '[]', ?3, ?4)
                      ON CONFLICT (party_id) DO UPDATE SET status = excluded.status")?
        .execute(params![tenant, party.0, DEFAULT_CAPACITY, status.as_str()])?;
    Ok(())
}

/// Notes an assignment (routing prefers who waited longest).
pub(super) fn apply_assigned(c: &Connection, party: PartyId, at: i64) -> Result<()> {
    c.prepare_cached("UPDATE agent_profiles SET last_assigned_at = ?1 WHERE party_id = ?2")?
        .execute(params![at, party.0])?;
    Ok(())
}

impl SqliteStore {
    pub(crate) async fn agents(&self, tenant: TenantId) -> Result<Vec<Agent>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT p.party_id, p.skills, p.capacity, p.status, p.last_assigned_at,
                        (SELECT count(*) FROM conversations c WHERE c.tenant_id = p.tenant_id AND c.assignee = p.party_id AND c.status IN ('open', 'pending'))
                 FROM agent_profiles p WHERE p.tenant_id = ?1 ORDER BY p.party_id",
            )?;
            let rows = stmt.query_map([tenant.0], |r| {
                Ok((r.get::<_, Uuid>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?, r.get::<_, Option<i64>>(4)?, r.get::<_, i64>(5)?))
            })?;
            rows.map(|row| {
                let (party, skills, capacity, status, last, load) = row?;
                Ok(Agent {
                    party_id: PartyId(party),
                    skills: serde_json::from_str(&skills)?,
                    capacity: u32::try_from(capacity).unwrap_or(0),
                    status: AgentStatus::parse(&status).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    load: u32::try_from(load).unwrap_or(u32::MAX),
                    last_assigned: last.map(Timestamp::from_micros),
                })
            })
            .collect()
        })
        .await
    }
}
