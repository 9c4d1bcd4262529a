//! Staff administration: listing staff, changing a role, deactivating. A change ends the
//! party's sessions and revokes its API tokens in the same transaction as its
//! `party.changed` event (checklist F04); the HTTP edge closes its sockets. A deactivated
//! party keeps its row (its name stays on conversations and the log), loses its password
//! and is set offline for routing. The tenant's last active admin cannot be demoted or
//! deactivated.

use crate::flows::WriteTx;
use crate::{Result, Store, StoreError, now};
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::{PartyId, TenantId};
use kairos_core::party::Role;
use kairos_core::routing::AgentStatus;
use kairos_core::{DomainError, Timestamp};

/// A staff member as the admin pages and the API list them (never a password hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffMember {
    /// Party id.
    pub id: PartyId,
    /// Login e-mail.
    pub email: Option<String>,
    /// Name.
    pub display_name: String,
    /// `admin` or `agent`.
    pub role: Role,
    /// When the account was created.
    pub created_at: Timestamp,
    /// When it was deactivated, if it was.
    pub deactivated_at: Option<Timestamp>,
}

/// What an admin changes about a staff member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffChange {
    /// Gives them another staff role.
    Role(Role),
    /// Deactivates them: no sign-in, sessions and tokens ended.
    Deactivate,
}

/// The reads and writes beside the log staff changes need inside the write transaction.
pub(crate) trait StaffTx {
    /// A staff party's role and whether it is deactivated (`None`: no such staff member).
    async fn staff_state(&mut self, party: PartyId) -> Result<Option<(Role, bool)>>;
    /// How many active admins the tenant has.
    async fn active_admins(&mut self) -> Result<usize>;
    /// Sets the role.
    async fn set_party_role(&mut self, party: PartyId, role: Role) -> Result<()>;
    /// Marks the party deactivated and removes its password.
    async fn deactivate_party(&mut self, party: PartyId, at: Timestamp) -> Result<()>;
    /// Deletes the party's sessions and revokes its API tokens.
    async fn end_credentials(&mut self, party: PartyId, at: Timestamp) -> Result<()>;
}

async fn change<T: WriteTx + StaffTx>(
    tx: &mut T,
    party: PartyId,
    change: StaffChange,
    at: Timestamp,
    actor: &Actor,
) -> Result<()> {
    let Some((role, deactivated)) = tx.staff_state(party).await? else {
        return Err(StoreError::not_found("staff member"));
    };
    if deactivated {
        return Err(DomainError::Conflict("this staff member is deactivated".into()).into());
    }
    let (new_role, deactivate) = match change {
        StaffChange::Role(r) if !r.is_staff() => {
            return Err(DomainError::invalid("role", "staff roles are 'admin' or 'agent'").into());
        }
        StaffChange::Role(r) if r == role => return Ok(()),
        StaffChange::Role(r) => (r, false),
        StaffChange::Deactivate => (role, true),
    };
    if role == Role::Admin && tx.active_admins().await? <= 1 {
        return Err(DomainError::Conflict(
            "the last active admin cannot be demoted or deactivated".into(),
        )
        .into());
    }
    if deactivate {
        tx.deactivate_party(party, at).await?;
    } else {
        tx.set_party_role(party, new_role).await?;
    }
    tx.end_credentials(party, at).await?;
    let mut events = vec![NewEvent::new(
        at,
        actor,
        EventData::PartyChanged {
            party_id: party,
            role: new_role,
            deactivated: deactivate,
        },
    )];
    if deactivate {
        events.push(NewEvent::new(
            at,
            actor,
            EventData::AgentStatusChanged {
                party_id: party,
                status: AgentStatus::Offline,
            },
        ));
    }
    tx.append(events).await
}

impl Store {
    /// The tenant's staff (admins and agents), active first, then by name.
    pub async fn staff(&self, tenant: TenantId) -> Result<Vec<StaffMember>> {
        dispatch!(self, s => s.staff_rows(tenant).await)
    }

    /// Changes a staff member's role or deactivates them; their sessions and API tokens end
    /// in the same transaction. Refuses to leave the tenant without an active admin.
    pub async fn change_staff(
        &self,
        tenant: TenantId,
        party: PartyId,
        what: StaffChange,
        actor: &Actor,
    ) -> Result<()> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| change(tx, party, what, at, &actor))
    }
}
