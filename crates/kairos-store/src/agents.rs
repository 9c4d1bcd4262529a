//! Agents for routing: profiles (skills, capacity), availability, load, and the one write
//! routing makes — assigning a conversation that is still unassigned.

use crate::error::{Result, StoreError};
use crate::flows::WriteTx;
use crate::{Store, now};
use kairos_core::Timestamp;
use kairos_core::conversation::{ConversationChanges, Status};
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::{ConversationId, PartyId, TenantId};
use kairos_core::routing::{Agent, AgentStatus};

async fn append_one<T: WriteTx>(
    tx: &mut T,
    data: EventData,
    at: Timestamp,
    actor: &Actor,
) -> Result<()> {
    tx.append(vec![NewEvent::new(at, actor, data)]).await
}

/// Assigns `conversation` to `agent` if it is open and still unassigned; `false` otherwise.
async fn assign<T: WriteTx>(
    tx: &mut T,
    conversation: ConversationId,
    agent: PartyId,
    at: Timestamp,
) -> Result<bool> {
    let Some((c, _)) = tx.conversation(conversation).await? else {
        return Err(StoreError::not_found("conversation"));
    };
    if c.assignee.is_some() || c.status != Status::Open {
        return Ok(false);
    }
    let changes = ConversationChanges {
        assignee: Some(Some(agent)),
        ..ConversationChanges::default()
    };
    let data = EventData::ConversationChanged {
        conversation_id: conversation,
        changes,
    };
    append_one(tx, data, at, &Actor::System).await?;
    Ok(true)
}

impl Store {
    /// Sets an agent's skills and capacity (the party must be staff of the tenant).
    pub async fn set_agent_profile(
        &self,
        tenant: TenantId,
        party: PartyId,
        skills: Vec<String>,
        capacity: u32,
        actor: &Actor,
    ) -> Result<()> {
        self.require_staff_party(tenant, party).await?;
        let (actor, at) = (actor.clone(), now());
        let data = EventData::AgentProfileChanged {
            party_id: party,
            skills,
            capacity,
        };
        flow!(self, tenant, |tx| append_one(tx, data, at, &actor))
    }

    /// Sets an agent's availability.
    pub async fn set_agent_status(
        &self,
        tenant: TenantId,
        party: PartyId,
        status: AgentStatus,
        actor: &Actor,
    ) -> Result<()> {
        self.require_staff_party(tenant, party).await?;
        let (actor, at) = (actor.clone(), now());
        let data = EventData::AgentStatusChanged {
            party_id: party,
            status,
        };
        flow!(self, tenant, |tx| append_one(tx, data, at, &actor))
    }

    async fn require_staff_party(&self, tenant: TenantId, party: PartyId) -> Result<()> {
        match self.party(tenant, party).await? {
            Some(p) if p.role.is_staff() => Ok(()),
            _ => Err(StoreError::not_found("agent")),
        }
    }

    /// The tenant's agents with a routing profile, with their current load.
    pub async fn agents(&self, tenant: TenantId) -> Result<Vec<Agent>> {
        dispatch!(self, s => s.agents(tenant).await)
    }

    /// Assigns a conversation if it is open and unassigned (routing); `false` if not.
    pub async fn route_assign(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        agent: PartyId,
    ) -> Result<bool> {
        let at = now();
        flow!(self, tenant, |tx| assign(tx, conversation, agent, at))
    }
}
