//! Staff invitations, shared by the API (`/api/v1/staff/invitations`) and the admin page:
//! an admin invites a person by e-mail with a name and a role; the mail goes out through the
//! tenant's outbound mail like every other (the outbox worker relays it) with a single-use
//! link to `/invite/{secret}`, where the person chooses a password and is signed in.
//!
//! The secret is 256 random bits, stored as SHA-256 only, and works for
//! [`INVITATION_HOURS`]. Looking a link up and accepting it count failures per client
//! address in the sign-in brakes (checklist F05), so links cannot be guessed faster than
//! passwords.

use crate::AppState;
use crate::auth::{self, Principal};
use crate::error::ApiError;
use kairos_core::party::Role;
use kairos_core::tenant::Tenant;
use kairos_mail::outbound::compose::{Draft, render};
pub use kairos_store::invitations::INVITATION_HOURS;
use kairos_store::invitations::{Acceptance, Invitation, InvitationState, NewInvitation};
use kairos_store::mail::OutboxMail;
use std::net::IpAddr;
use uuid::Uuid;

/// The languages an invitation mail can be written in.
pub const LANGUAGES: [&str; 2] = ["en", "de"];

/// The invitation mail's subject and text, in `language`, from organisation `tenant` to
/// `name`, with the `link` that works for `hours`. The web UI installs its translated one
/// ([`AppState::with_invitation_text`]).
pub type InvitationText =
    fn(language: &str, tenant: &str, name: &str, link: &str, hours: i64) -> (String, String);

/// The built-in (English) invitation mail.
pub fn default_text(
    _language: &str,
    tenant: &str,
    name: &str,
    link: &str,
    hours: i64,
) -> (String, String) {
    (
        format!("Your invitation to {tenant} on Kairos"),
        format!(
            "Hello {name},\n\nyou are invited to work in {tenant}'s customer service on Kairos. \
             Choose your password here:\n\n{link}\n\nThe link works once, for {hours} hours. \
             If you did not expect this invitation, ignore this mail.\n"
        ),
    )
}

impl AppState {
    /// Writes invitation mails with `text` (the web UI's translations).
    pub fn with_invitation_text(mut self, text: InvitationText) -> Self {
        self.invitation_text = text;
        self
    }
}

/// What the invitation page learns from a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A pending invitation: the person may choose their password.
    Pending(Invitation),
    /// An invitation that cannot be used any more.
    Refused(InvitationState),
    /// No invitation has this secret.
    Unknown,
}

/// What became of an acceptance.
#[derive(Debug)]
pub enum Accepted {
    /// The account exists and the person is signed in (`Set-Cookie` value).
    SignedIn(Principal, http::HeaderValue),
    /// The invitation cannot be used any more.
    Refused(InvitationState),
    /// No invitation has this secret.
    Unknown,
}

fn parse_language(raw: &str) -> Result<String, ApiError> {
    let l = raw.trim().to_ascii_lowercase();
    if l.is_empty() {
        return Ok("en".into());
    }
    LANGUAGES
        .contains(&l.as_str())
        .then_some(l)
        .ok_or_else(|| ApiError::invalid("language", "en or de"))
}

/// Where an invitation mail comes from: the tenant, its sender and the server's public URL.
struct MailRoute {
    tenant: Tenant,
    from: String,
    from_name: Option<String>,
    base: String,
}

/// The route of the tenant's invitation mail: one whose mail cannot leave (no support
/// address, no public URL) is refused before anything is stored.
async fn mail_route(state: &AppState, p: &Principal) -> Result<MailRoute, ApiError> {
    let tenant = state
        .store
        .tenant_by_id(p.tenant_id)
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))?;
    let (from, from_name) = kairos_mail::outbound::worker::sender(&state.store, tenant.id).await?;
    let from = from.ok_or_else(|| {
        ApiError::conflict("the organisation has no support address to send the invitation from")
    })?;
    let base = state
        .public_base_url()
        .ok_or_else(|| {
            ApiError::conflict("the server's public URL (KAIROS_PUBLIC_URL) is not set")
        })?
        .to_owned();
    Ok(MailRoute {
        tenant,
        from,
        from_name,
        base,
    })
}

/// Composes the invitation mail with `secret` and queues it in the outbox.
async fn send(
    state: &AppState,
    route: MailRoute,
    invitation: &Invitation,
    secret: &str,
) -> Result<(), ApiError> {
    let MailRoute {
        tenant,
        from,
        from_name,
        base,
    } = route;
    let link = format!("{base}/invite/{secret}?lang={}", invitation.language);
    let (subject, text) = (state.invitation_text)(
        &invitation.language,
        &tenant.name,
        &invitation.display_name,
        &link,
        INVITATION_HOURS,
    );
    let domain = from.rsplit_once('@').map_or("localhost", |(_, d)| d);
    let draft = Draft {
        from: from.clone(),
        from_name: from_name.or_else(|| Some(tenant.name.clone())),
        to: invitation.email.clone(),
        subject,
        text,
        html: None,
        message_id: format!("kairos.invite.{}@{domain}", Uuid::now_v7().simple()),
        thread: Vec::new(),
        automatic: false,
    };
    let raw = render(&draft).map_err(|e| ApiError::internal(e.to_string()))?;
    let mail = OutboxMail {
        id: Uuid::now_v7(),
        tenant_id: tenant.id,
        message_id: None,
        mail_from: from,
        recipient: invitation.email.clone(),
        raw,
        attempts: 0,
    };
    state
        .store
        .outbox_enqueue(&mail, kairos_store::now())
        .await?;
    Ok(())
}

/// Invites a person (admins only): a staff role, a valid e-mail address nobody on the staff
/// has, a name without control characters (it never reaches a mail header, B10), and the
/// mail's language (`en` by default). The mail is queued before this returns.
pub async fn invite(
    state: &AppState,
    p: &Principal,
    email: &str,
    display_name: &str,
    role: &str,
    language: &str,
) -> Result<Invitation, ApiError> {
    p.require(&[Role::Admin])?;
    let (email, display_name, role) = crate::admin::staff_fields(email, display_name, role)?;
    let language = parse_language(language)?;
    let route = mail_route(state, p).await?;
    let (secret, hash) = auth::new_secret("");
    let new = NewInvitation {
        email,
        display_name,
        role,
        language,
        invited_by: p.party_id,
    };
    let invitation = state.store.invite_staff(p.tenant_id, new, &hash).await?;
    send(state, route, &invitation, &secret).await?;
    Ok(invitation)
}

/// Sends an invitation again with a new link and another [`INVITATION_HOURS`] (admins);
/// the old link stops working.
pub async fn resend(state: &AppState, p: &Principal, id: Uuid) -> Result<Invitation, ApiError> {
    p.require(&[Role::Admin])?;
    let route = mail_route(state, p).await?;
    let (secret, hash) = auth::new_secret("");
    let invitation = state.store.renew_invitation(p.tenant_id, id, &hash).await?;
    send(state, route, &invitation, &secret).await?;
    Ok(invitation)
}

/// Revokes an invitation (admins): its link stops working.
pub async fn revoke(state: &AppState, p: &Principal, id: Uuid) -> Result<(), ApiError> {
    p.require(&[Role::Admin])?;
    Ok(state.store.revoke_invitation(p.tenant_id, id).await?)
}

/// The tenant's open invitations, newest first (admins).
pub async fn list(state: &AppState, p: &Principal) -> Result<Vec<Invitation>, ApiError> {
    p.require(&[Role::Admin])?;
    Ok(state.store.invitations(p.tenant_id).await?)
}

/// Finds the invitation of a link, counting a miss against the client's address; while the
/// address is throttled every link is refused with 429 before it is looked at.
async fn find(
    state: &AppState,
    client: Option<IpAddr>,
    secret: &str,
) -> Result<Option<Invitation>, ApiError> {
    let throttle = &state.login_throttle;
    if let Some(wait) = throttle.client_blocked(client) {
        tracing::warn!(client = ?client, "invitation links throttled");
        return Err(ApiError::too_many_attempts(wait));
    }
    // Secrets are 43 base64url characters; anything else is no secret of ours.
    let found = if secret.len() <= 128 {
        state
            .store
            .invitation_by_secret(&auth::hash_secret(secret))
            .await?
    } else {
        None
    };
    let usable = found
        .as_ref()
        .is_some_and(|i| i.state(kairos_store::now()) == InvitationState::Pending);
    if !usable {
        throttle.client_failed(client);
    }
    Ok(found)
}

/// What the link `secret` leads to (throttled per client address).
pub async fn lookup(
    state: &AppState,
    client: Option<IpAddr>,
    secret: &str,
) -> Result<Lookup, ApiError> {
    Ok(match find(state, client, secret).await? {
        None => Lookup::Unknown,
        Some(i) => match i.state(kairos_store::now()) {
            InvitationState::Pending => Lookup::Pending(i),
            refused => Lookup::Refused(refused),
        },
    })
}

/// Accepts the invitation of link `secret` with the person's new `password` (the password
/// policy applies, 422), creates their staff account and signs them in. Used, revoked,
/// expired and unknown links are answered as such; throttled per client address.
pub async fn accept(
    state: &AppState,
    client: Option<IpAddr>,
    secret: &str,
    password: String,
) -> Result<Accepted, ApiError> {
    let Some(invitation) = find(state, client, secret).await? else {
        return Ok(Accepted::Unknown);
    };
    match invitation.state(kairos_store::now()) {
        InvitationState::Pending => {}
        refused => return Ok(Accepted::Refused(refused)),
    }
    auth::check_password_policy(&password)?;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    let outcome = state
        .store
        .accept_invitation(invitation.tenant_id, &auth::hash_secret(secret), hash)
        .await?;
    match outcome {
        Acceptance::Accepted { invitation, party } => {
            tracing::info!(tenant = %invitation.tenant_id.0, party = %party.0, "invitation accepted");
            let (p, cookie) =
                auth::open_session(state, invitation.tenant_id, party, invitation.role).await?;
            Ok(Accepted::SignedIn(p, cookie))
        }
        // Used or revoked between the look-up and the transaction.
        Acceptance::Refused(s) => Ok(Accepted::Refused(s)),
        Acceptance::Unknown => Ok(Accepted::Unknown),
    }
}
