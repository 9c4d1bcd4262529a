//! Staff invitations: an admin invites a person by e-mail with a name and a role; the mail's
//! link (a single-use secret, of which only the SHA-256 is stored) lets them choose a
//! password within [`INVITATION_HOURS`], which creates their staff account. Like sessions
//! and portal links, invitations are credentials and live beside the log; accepting one
//! appends the new party's `party.created` and marks the invitation used in one
//! transaction, so a link works once however often it is posted.

use crate::flows::WriteTx;
use crate::{Result, Store, StoreError, now};
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::{PartyId, TenantId};
use kairos_core::party::Role;
use kairos_core::{DomainError, Timestamp};
use uuid::Uuid;

/// How long an invitation's link works.
pub const INVITATION_HOURS: i64 = 72;

const HOUR_MICROS: i64 = 3600 * 1_000_000;

/// An invitation as stored (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    /// Its id.
    pub id: Uuid,
    /// The tenant the account will belong to.
    pub tenant_id: TenantId,
    /// The invitee's e-mail address (normalised), their future login.
    pub email: String,
    /// The invitee's name.
    pub display_name: String,
    /// The staff role they will have.
    pub role: Role,
    /// The language of the mail and the acceptance page (`de`, `en`).
    pub language: String,
    /// The admin who invited them.
    pub invited_by: Option<PartyId>,
    /// When it was issued (or last sent again).
    pub created_at: Timestamp,
    /// When its link stops working.
    pub expires_at: Timestamp,
    /// When it was accepted.
    pub used_at: Option<Timestamp>,
    /// When an admin revoked it.
    pub revoked_at: Option<Timestamp>,
}

/// Where an invitation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitationState {
    /// Its link works.
    Pending,
    /// Its time ran out (an admin can send it again).
    Expired,
    /// It was accepted.
    Used,
    /// An admin revoked it.
    Revoked,
}

impl InvitationState {
    /// `pending`, `expired`, `used` or `revoked`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Expired => "expired",
            Self::Used => "used",
            Self::Revoked => "revoked",
        }
    }
}

impl Invitation {
    /// Its state at `now`.
    pub fn state(&self, now: Timestamp) -> InvitationState {
        if self.used_at.is_some() {
            InvitationState::Used
        } else if self.revoked_at.is_some() {
            InvitationState::Revoked
        } else if self.expires_at.as_micros() <= now.as_micros() {
            InvitationState::Expired
        } else {
            InvitationState::Pending
        }
    }
}

/// An invitation to issue (validated by the caller).
#[derive(Clone, Debug)]
pub struct NewInvitation {
    /// The invitee's e-mail address, normalised.
    pub email: String,
    /// Their name.
    pub display_name: String,
    /// Their staff role.
    pub role: Role,
    /// The language of the mail.
    pub language: String,
    /// The inviting admin.
    pub invited_by: Option<PartyId>,
}

/// What became of an attempt to accept an invitation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Acceptance {
    /// The account exists now.
    Accepted {
        /// The invitation, now used.
        invitation: Invitation,
        /// The new staff member.
        party: PartyId,
    },
    /// No invitation has this secret.
    Unknown,
    /// The invitation cannot be used (expired, used or revoked).
    Refused(InvitationState),
}

/// The reads and writes beside the log invitations need inside the write transaction.
pub(crate) trait InvitationTx {
    /// Whether a party of this tenant has the login `email`.
    async fn party_email_taken(&mut self, email: &str) -> Result<bool>;
    /// The tenant's invitation `id`.
    async fn invitation(&mut self, id: Uuid) -> Result<Option<Invitation>>;
    /// The tenant's invitations for `email`.
    async fn invitations_for(&mut self, email: &str) -> Result<Vec<Invitation>>;
    /// The tenant's invitation with this secret.
    async fn invitation_by_secret(&mut self, hash: &[u8]) -> Result<Option<Invitation>>;
    /// Stores a new invitation.
    async fn insert_invitation(&mut self, invitation: &Invitation, hash: &[u8]) -> Result<()>;
    /// Gives an invitation a new secret and expiry (sent again).
    async fn renew_invitation(
        &mut self,
        id: Uuid,
        hash: &[u8],
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()>;
    /// Marks it revoked.
    async fn revoke_invitation(&mut self, id: Uuid, at: Timestamp) -> Result<()>;
    /// Marks it used.
    async fn use_invitation(&mut self, id: Uuid, at: Timestamp) -> Result<()>;
    /// Inserts the new staff party.
    async fn insert_staff_party(
        &mut self,
        id: PartyId,
        invitation: &Invitation,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<()>;
}

fn taken() -> StoreError {
    DomainError::Conflict("a staff member with this e-mail address exists".into()).into()
}

fn expiry(at: Timestamp) -> Timestamp {
    Timestamp::from_micros(at.as_micros() + INVITATION_HOURS * HOUR_MICROS)
}

async fn issue<T: InvitationTx>(
    tx: &mut T,
    tenant: TenantId,
    new: NewInvitation,
    hash: Vec<u8>,
    at: Timestamp,
) -> Result<Invitation> {
    if tx.party_email_taken(&new.email).await? {
        return Err(taken());
    }
    let open = tx.invitations_for(&new.email).await?;
    if open.iter().any(|i| i.state(at) == InvitationState::Pending) {
        return Err(DomainError::Conflict(
            "an invitation for this e-mail address is pending: send it again or revoke it".into(),
        )
        .into());
    }
    let invitation = Invitation {
        id: Uuid::now_v7(),
        tenant_id: tenant,
        email: new.email,
        display_name: new.display_name,
        role: new.role,
        language: new.language,
        invited_by: new.invited_by,
        created_at: at,
        expires_at: expiry(at),
        used_at: None,
        revoked_at: None,
    };
    tx.insert_invitation(&invitation, &hash).await?;
    Ok(invitation)
}

async fn resend<T: InvitationTx>(
    tx: &mut T,
    id: Uuid,
    hash: Vec<u8>,
    at: Timestamp,
) -> Result<Invitation> {
    let mut invitation = tx
        .invitation(id)
        .await?
        .ok_or(StoreError::not_found("invitation"))?;
    match invitation.state(at) {
        InvitationState::Used => {
            return Err(DomainError::Conflict("the invitation was accepted".into()).into());
        }
        InvitationState::Revoked => {
            return Err(DomainError::Conflict("the invitation was revoked".into()).into());
        }
        InvitationState::Pending | InvitationState::Expired => {}
    }
    if tx.party_email_taken(&invitation.email).await? {
        return Err(taken());
    }
    // The old link stops working: only the new secret's hash is kept.
    invitation.created_at = at;
    invitation.expires_at = expiry(at);
    tx.renew_invitation(id, &hash, at, invitation.expires_at)
        .await?;
    Ok(invitation)
}

async fn revoke<T: InvitationTx>(tx: &mut T, id: Uuid, at: Timestamp) -> Result<()> {
    let invitation = tx
        .invitation(id)
        .await?
        .ok_or(StoreError::not_found("invitation"))?;
    match invitation.state(at) {
        InvitationState::Used => {
            Err(DomainError::Conflict("the invitation was accepted".into()).into())
        }
        InvitationState::Revoked => Ok(()),
        InvitationState::Pending | InvitationState::Expired => tx.revoke_invitation(id, at).await,
    }
}

async fn accept<T: WriteTx + InvitationTx>(
    tx: &mut T,
    hash: Vec<u8>,
    password_hash: String,
    at: Timestamp,
) -> Result<Acceptance> {
    let Some(invitation) = tx.invitation_by_secret(&hash).await? else {
        return Ok(Acceptance::Unknown);
    };
    match invitation.state(at) {
        InvitationState::Pending => {}
        refused => return Ok(Acceptance::Refused(refused)),
    }
    if tx.party_email_taken(&invitation.email).await? {
        return Err(taken());
    }
    let party = PartyId::new();
    tx.insert_staff_party(party, &invitation, &password_hash, at)
        .await?;
    tx.use_invitation(invitation.id, at).await?;
    let actor = Actor::Party {
        id: Some(party),
        role: invitation.role,
    };
    let data = EventData::PartyCreated {
        party_id: party,
        role: invitation.role,
        email: Some(invitation.email.clone()),
        display_name: invitation.display_name.clone(),
    };
    tx.append(vec![NewEvent::new(at, &actor, data)]).await?;
    let invitation = Invitation {
        used_at: Some(at),
        ..invitation
    };
    Ok(Acceptance::Accepted { invitation, party })
}

impl Store {
    /// Stores a new invitation with the SHA-256 of its link's secret. Refused (409) when a
    /// staff member has the address or an invitation for it is pending.
    pub async fn invite_staff(
        &self,
        tenant: TenantId,
        new: NewInvitation,
        secret_hash: &[u8],
    ) -> Result<Invitation> {
        let (hash, at) = (secret_hash.to_vec(), now());
        flow!(self, tenant, |tx| issue(tx, tenant, new, hash, at))
    }

    /// Gives a pending or expired invitation a new secret and another
    /// [`INVITATION_HOURS`]; the old link stops working.
    pub async fn renew_invitation(
        &self,
        tenant: TenantId,
        id: Uuid,
        secret_hash: &[u8],
    ) -> Result<Invitation> {
        let (hash, at) = (secret_hash.to_vec(), now());
        flow!(self, tenant, |tx| resend(tx, id, hash, at))
    }

    /// Revokes an invitation (its link stops working); revoking twice is no error, an
    /// accepted one is a conflict.
    pub async fn revoke_invitation(&self, tenant: TenantId, id: Uuid) -> Result<()> {
        let at = now();
        flow!(self, tenant, |tx| revoke(tx, id, at))
    }

    /// Accepts the invitation of `tenant` with this secret: creates the staff account with
    /// `password_hash` and marks the invitation used, in one transaction.
    pub async fn accept_invitation(
        &self,
        tenant: TenantId,
        secret_hash: &[u8],
        password_hash: String,
    ) -> Result<Acceptance> {
        let (hash, at) = (secret_hash.to_vec(), now());
        flow!(self, tenant, |tx| accept(tx, hash, password_hash, at))
    }

    /// The tenant's open invitations (neither accepted nor revoked; expired ones included,
    /// to send again), newest first.
    pub async fn invitations(&self, tenant: TenantId) -> Result<Vec<Invitation>> {
        dispatch!(self, s => s.open_invitations(tenant).await)
    }

    /// The invitation with this secret, in any tenant (the link names no tenant).
    pub async fn invitation_by_secret(&self, secret_hash: &[u8]) -> Result<Option<Invitation>> {
        dispatch!(self, s => s.invitation_by_secret(secret_hash).await)
    }
}
