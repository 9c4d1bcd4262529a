//! Records and queries the store offers beyond the core's aggregates.

use kairos_core::Timestamp;
use kairos_core::conversation::Status;
use kairos_core::ids::{ConversationId, CustomerId, PartyId, TenantId, TokenId};
use kairos_core::message::Channel;
use kairos_core::party::Role;

/// A stored API token (the secret itself is never stored, only its SHA-256).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecord {
    /// Its id.
    pub id: TokenId,
    /// The one tenant it works in.
    pub tenant_id: TenantId,
    /// The one role it carries.
    pub role: Role,
    /// The party it acts as, if bound to one.
    pub party_id: Option<PartyId>,
    /// The customer it acts as (customer tokens).
    pub customer_id: Option<CustomerId>,
}

/// A stored staff party, with its password hash for login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyRecord {
    /// Its id.
    pub id: PartyId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Its role.
    pub role: Role,
    /// Login e-mail.
    pub email: Option<String>,
    /// Display name.
    pub display_name: String,
    /// argon2id PHC string, if it may log in with a password.
    pub password_hash: Option<String>,
    /// When it was created.
    pub created_at: Timestamp,
}

/// A stored login session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Who is logged in.
    pub party_id: PartyId,
    /// With which role.
    pub role: Role,
    /// The token a state-changing request must echo in `X-CSRF-Token`.
    pub csrf_token: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// Filters for listing conversations. All given filters must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConversationFilter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this assignee (`Some(None)`: only unassigned).
    pub assignee: Option<Option<PartyId>>,
    /// Only conversations that used this channel.
    pub channel: Option<Channel>,
    /// Only this customer's conversations.
    pub customer: Option<CustomerId>,
    /// Resume after this conversation (newest first, so: older than it).
    pub before: Option<ConversationId>,
    /// Page size.
    pub limit: u32,
}

/// The outcome of starting an idempotent request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdempotencyBegin {
    /// First time: run the request, then record its response.
    Started,
    /// Seen before with the same request: replay this response.
    Replay {
        /// HTTP status.
        status: u16,
        /// Response body.
        body: String,
    },
    /// The same key was used with a different request.
    Mismatch,
    /// The same key is being processed right now.
    InProgress,
}
