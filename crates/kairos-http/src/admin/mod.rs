//! Admin operations the API and the web UI's admin pages share, so both validate and act
//! alike: creating staff, changing a role or deactivating (which also closes the party's
//! sockets and forgets its cached tokens, checklist F04), filling a canned reply in for a
//! conversation, support addresses, mail and SLA settings, IMAP mailboxes and provider
//! channels; routing, privacy and retention settings and the organisation's name
//! ([`settings`]).

mod settings;

pub use settings::{
    privacy_settings, rename_tenant, retention_settings, routing_settings, save_privacy_settings,
    save_retention_settings, save_routing_settings, tenant,
};

use crate::AppState;
use crate::auth::{self, Principal};
use crate::error::ApiError;
use crate::routes::{load_setting, save_setting};
use kairos_channels::Provider;
use kairos_channels::config::ChannelConfig;
use kairos_core::canned::{self, CannedReply, Values};
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::{ConversationId, PartyId};
use kairos_core::mail::{self, MailSettings};
use kairos_core::party::{Role, parse_display_name};
use kairos_core::sla::{self, SlaSettings};
use kairos_store::hooks::ProviderChannel;
use kairos_store::imap::ImapAccount;
use kairos_store::staff::StaffChange;
use uuid::Uuid;

/// A staff account as created.
#[derive(Clone, Debug)]
pub struct NewStaff {
    /// Its party id.
    pub id: PartyId,
    /// Login e-mail (normalised).
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Role.
    pub role: Role,
}

/// The fields every new staff member has, validated alike for an account and an invitation:
/// a normalised e-mail address, a display name, and a staff role (`admin` or `agent`).
pub(crate) fn staff_fields(
    email: &str,
    display_name: &str,
    role: &str,
) -> Result<(String, String, Role), ApiError> {
    let role: Role = role.parse()?;
    if !role.is_staff() {
        return Err(ApiError::invalid(
            "role",
            "staff accounts are 'admin' or 'agent'",
        ));
    }
    let email = Identity::email(email)
        .map_err(|_| ApiError::invalid("email", "an e-mail address such as agent@acme.example"))?
        .value;
    let name = parse_display_name("display_name", display_name)?;
    Ok((email, name, role))
}

/// Validates and creates a staff account (admins only): a staff role, a valid e-mail, a
/// display name, a password of 12–1024 characters (hashed off the async workers).
pub async fn create_staff(
    state: &AppState,
    p: &Principal,
    email: &str,
    display_name: &str,
    role: &str,
    password: String,
) -> Result<NewStaff, ApiError> {
    p.require(&[Role::Admin])?;
    let (email, name, role) = staff_fields(email, display_name, role)?;
    auth::check_password_policy(&password)?;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    let id = state
        .store
        .create_party(
            p.tenant_id,
            role,
            Some(&email),
            &name,
            Some(&hash),
            &p.actor(),
        )
        .await?;
    Ok(NewStaff {
        id,
        email,
        display_name: name,
        role,
    })
}

/// Changes a staff member's role or deactivates them (admins only; not oneself, so no admin
/// locks themself out). Their sessions and tokens end in the store's transaction; their
/// open sockets close and cached token look-ups are forgotten here, at once.
pub async fn change_staff(
    state: &AppState,
    p: &Principal,
    party: PartyId,
    change: StaffChange,
) -> Result<(), ApiError> {
    p.require(&[Role::Admin])?;
    if p.party_id == Some(party) {
        return Err(ApiError::conflict(
            "admins cannot change their own role or deactivate themselves",
        ));
    }
    state
        .store
        .change_staff(p.tenant_id, party, change, &p.actor())
        .await?;
    state.hub.revoke_party(p.tenant_id, party);
    state.tokens.forget_party(party);
    Ok(())
}

/// What a canned reply's placeholders stand for in conversation `id`, for staff member `p`
/// (not found: no such conversation in the tenant).
pub async fn canned_values(
    state: &AppState,
    p: &Principal,
    id: ConversationId,
) -> Result<Values, ApiError> {
    p.require_staff()?;
    let c = state
        .store
        .conversation(p.tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation"))?;
    let customer_name = state
        .store
        .customer(p.tenant_id, c.customer_id)
        .await?
        .and_then(|c| c.display_name)
        .unwrap_or_default();
    let agent_name = match p.party_id {
        Some(id) => state
            .store
            .party(p.tenant_id, id)
            .await?
            .map(|party| party.display_name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let tenant_name = state
        .store
        .tenant_by_id(p.tenant_id)
        .await?
        .map(|t| t.name)
        .unwrap_or_default();
    Ok(Values {
        customer_name,
        agent_name,
        subject: c.subject.unwrap_or_default(),
        tenant_name,
    })
}

/// A canned reply's text filled in for `values`.
pub fn render_canned(reply: &CannedReply, values: &Values) -> String {
    canned::render(&reply.body, values)
}

/// Normalises a support address (a valid e-mail address, lower case).
pub fn mail_address(raw: &str) -> Result<String, ApiError> {
    Identity::parse(IdentityKind::Email, raw, None, None)
        .map(|i| i.value)
        .map_err(|_| ApiError::invalid("address", "an e-mail address such as support@acme.example"))
}

/// Receives mail for another support address (admins; another tenant's is a 409 that does
/// not say whose it is).
pub async fn add_mail_address(
    state: &AppState,
    p: &Principal,
    raw: &str,
) -> Result<String, ApiError> {
    p.require(&[Role::Admin])?;
    let address = mail_address(raw)?;
    state.store.add_mail_address(p.tenant_id, &address).await?;
    Ok(address)
}

/// Stops receiving mail for a support address (admins; one the tenant lacks is no error).
pub async fn remove_mail_address(
    state: &AppState,
    p: &Principal,
    raw: &str,
) -> Result<(), ApiError> {
    p.require(&[Role::Admin])?;
    let address = mail_address(raw)?;
    state
        .store
        .remove_mail_address(p.tenant_id, &address)
        .await?;
    Ok(())
}

/// The tenant's mail settings (staff).
pub async fn mail_settings(state: &AppState, p: &Principal) -> Result<MailSettings, ApiError> {
    p.require_staff()?;
    load_setting(state, p.tenant_id, mail::SETTINGS_KEY).await
}

/// Validates and replaces the mail settings (admins): `from_address` must be one of the
/// tenant's support addresses.
pub async fn save_mail_settings(
    state: &AppState,
    p: &Principal,
    settings: MailSettings,
) -> Result<MailSettings, ApiError> {
    p.require(&[Role::Admin])?;
    let settings = settings.validate()?;
    if let Some(from) = &settings.from_address
        && !state
            .store
            .mail_addresses(p.tenant_id)
            .await?
            .contains(from)
    {
        return Err(ApiError::invalid(
            "from_address",
            "must be one of the tenant's support addresses",
        ));
    }
    save_setting(state, p, mail::SETTINGS_KEY, &settings).await?;
    Ok(settings)
}

/// The tenant's SLA settings (staff).
pub async fn sla_settings(state: &AppState, p: &Principal) -> Result<SlaSettings, ApiError> {
    p.require_staff()?;
    load_setting(state, p.tenant_id, sla::SETTINGS_KEY).await
}

/// Validates and replaces the SLA settings (admins).
pub async fn save_sla_settings(
    state: &AppState,
    p: &Principal,
    settings: &SlaSettings,
) -> Result<(), ApiError> {
    p.require(&[Role::Admin])?;
    settings.validate()?;
    save_setting(state, p, sla::SETTINGS_KEY, settings).await
}

/// An IMAP mailbox to import from, as an admin enters it.
#[derive(Clone, Debug, Default)]
pub struct ImapInput {
    /// Server host name.
    pub host: String,
    /// Port (default 993 for `tls`, 143 otherwise).
    pub port: Option<u16>,
    /// `tls` (default), `starttls` or `plain`.
    pub security: Option<String>,
    /// Login name.
    pub username: String,
    /// Password (stored; never shown again).
    pub password: String,
    /// Mailbox (default `INBOX`).
    pub mailbox: Option<String>,
}

fn printable(field: &'static str, value: &str, max: usize) -> Result<String, ApiError> {
    let v = value.trim();
    if v.is_empty() || v.len() > max || v.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            field,
            format!("1–{max} characters without control characters"),
        ));
    }
    Ok(v.to_owned())
}

/// Validates and adds an IMAP mailbox (admins).
pub async fn add_imap(
    state: &AppState,
    p: &Principal,
    req: ImapInput,
) -> Result<ImapAccount, ApiError> {
    p.require(&[Role::Admin])?;
    let host = printable("host", &req.host, 253)?;
    if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
    {
        return Err(ApiError::invalid("host", "a host name or IP address"));
    }
    let security = req.security.unwrap_or_else(|| "tls".into());
    if !matches!(security.as_str(), "tls" | "starttls" | "plain") {
        return Err(ApiError::invalid("security", "tls, starttls or plain"));
    }
    let port = req
        .port
        .unwrap_or(if security == "tls" { 993 } else { 143 });
    if port == 0 {
        return Err(ApiError::invalid("port", "1–65535"));
    }
    let account = ImapAccount {
        id: Uuid::now_v7(),
        tenant_id: p.tenant_id,
        host,
        port,
        security,
        username: printable("username", &req.username, 320)?,
        password: printable("password", &req.password, 1024)?,
        mailbox: printable("mailbox", req.mailbox.as_deref().unwrap_or("INBOX"), 200)?,
        uid_validity: None,
        last_uid: 0,
        last_polled_at: None,
        last_error: None,
    };
    state.store.create_imap_account(&account).await?;
    Ok(account)
}

/// Validates and creates a provider channel (admins). The caller shows its secrets this
/// once (`ChannelConfig::to_json`) and only redacted afterwards.
pub async fn create_channel(
    state: &AppState,
    p: &Principal,
    provider: &str,
    name: &str,
    config: serde_json::Value,
) -> Result<(ProviderChannel, ChannelConfig), ApiError> {
    p.require(&[Role::Admin])?;
    let provider = Provider::parse(provider)
        .map_err(|_| ApiError::invalid("provider", "twilio, telegram or meta"))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "name",
            "1–200 characters without control characters",
        ));
    }
    let cfg = ChannelConfig::parse(provider, config).map_err(|e| {
        let reason = match e {
            kairos_channels::ProviderError::Malformed(m) => m,
            other => other.to_string(),
        };
        ApiError::invalid("config", reason)
    })?;
    if matches!(&cfg, ChannelConfig::Twilio(t) if t.webhook_url.is_none())
        && state.public_url.is_none()
    {
        return Err(ApiError::invalid(
            "config",
            "webhook_url: Twilio signs the URL it posts to; set webhook_url or the server's KAIROS_PUBLIC_URL",
        ));
    }
    let ch = state
        .store
        .create_provider_channel(
            p.tenant_id,
            provider.as_str(),
            name,
            &cfg.to_json().to_string(),
        )
        .await?;
    Ok((ch, cfg))
}

/// A stored channel's settings (validated when saved; a bad one is a server-side fault).
pub fn stored_config(ch: &ProviderChannel) -> Result<ChannelConfig, ApiError> {
    let provider = Provider::parse(&ch.provider)
        .map_err(|e| ApiError::internal(format!("channel {}: {e}", ch.id)))?;
    let json = serde_json::from_str(&ch.config)
        .map_err(|e| ApiError::internal(format!("channel {}: {e}", ch.id)))?;
    ChannelConfig::parse(provider, json)
        .map_err(|e| ApiError::internal(format!("channel {}: {e}", ch.id)))
}

/// The URL a provider posts to: the configured one (Twilio) or the public URL's.
pub fn webhook_url(state: &AppState, id: Uuid, cfg: &ChannelConfig) -> Option<String> {
    if let ChannelConfig::Twilio(t) = cfg
        && let Some(u) = &t.webhook_url
    {
        return Some(u.clone());
    }
    state
        .public_url
        .as_ref()
        .map(|base| format!("{base}/api/v1/hooks/{id}"))
}
