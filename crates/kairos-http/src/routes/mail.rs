//! The e-mail channel's settings (the support addresses a tenant receives mail for, the
//! sender and the automatic acknowledgement) and the outbox.

use crate::AppState;
use crate::admin;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use axum::extract::{Path, State};
use http::StatusCode;
use kairos_core::mail::MailSettings;
use kairos_core::party::Role;
use kairos_store::imap::ImapAccount;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_addresses, add_address))
        .routes(routes!(remove_address))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(outbox))
        .routes(routes!(add_imap, list_imap))
        .routes(routes!(remove_imap))
}

/// A support address.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MailAddress {
    /// The address mail is received for (stored in lower case).
    #[schema(example = "support@acme.example")]
    address: String,
}

/// The support addresses.
#[derive(Serialize, ToSchema)]
pub(crate) struct MailAddresses {
    /// Sorted.
    addresses: Vec<String>,
}

/// The tenant's support addresses (staff).
#[utoipa::path(get, path = "/api/v1/mail/addresses", tag = "mail",
    responses((status = 200, body = MailAddresses), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list_addresses(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<MailAddresses>, ApiError> {
    p.require_staff()?;
    let addresses = state.store.mail_addresses(p.tenant_id).await?;
    Ok(axum::Json(MailAddresses { addresses }))
}

/// Receives mail for another address (admins). An address another tenant receives mail
/// for is refused with 409, without saying whose it is.
#[utoipa::path(post, path = "/api/v1/mail/addresses", tag = "mail", request_body = MailAddress,
    responses((status = 201, body = MailAddress), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "the address is not available", body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn add_address(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<MailAddress>,
) -> Result<(StatusCode, axum::Json<MailAddress>), ApiError> {
    let address = admin::add_mail_address(&state, &p, &req.address).await?;
    Ok((StatusCode::CREATED, axum::Json(MailAddress { address })))
}

/// Stops receiving mail for an address (admins). Removing an address the tenant does not
/// have is not an error: the outcome is the same.
#[utoipa::path(delete, path = "/api/v1/mail/addresses/{address}", tag = "mail", params(("address" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn remove_address(
    State(state): State<AppState>,
    p: Principal,
    Path(address): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin::remove_mail_address(&state, &p, &address).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The mail settings: `from_address` (one of the support addresses), `from_name`, and
/// `auto_reply` (`subject`, `text`) — the acknowledgement of a new conversation by mail,
/// sent within RFC 3834's rules. See `docs/mail.md`.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub(crate) struct MailSettingsDocument(MailSettings);

/// The tenant's mail settings (staff).
#[utoipa::path(get, path = "/api/v1/mail/settings", tag = "mail",
    responses((status = 200, body = MailSettingsDocument), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn get_settings(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<MailSettingsDocument>, ApiError> {
    let settings = admin::mail_settings(&state, &p).await?;
    Ok(axum::Json(MailSettingsDocument(settings)))
}

/// Replaces the mail settings (admins). `from_address` must be one of the tenant's
/// support addresses: a tenant cannot send as anyone else.
#[utoipa::path(put, path = "/api/v1/mail/settings", tag = "mail", request_body = MailSettingsDocument,
    responses((status = 200, body = MailSettingsDocument), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn put_settings(
    State(state): State<AppState>,
    p: Principal,
    Json(MailSettingsDocument(settings)): Json<MailSettingsDocument>,
) -> Result<axum::Json<MailSettingsDocument>, ApiError> {
    let settings = admin::save_mail_settings(&state, &p, settings).await?;
    Ok(axum::Json(MailSettingsDocument(settings)))
}

/// One mail in the outbox.
#[derive(Serialize, ToSchema)]
pub(crate) struct OutboxView {
    /// Its id.
    id: Uuid,
    /// The conversation message it carries (none for acknowledgements).
    message_id: Option<Uuid>,
    /// Recipient.
    recipient: String,
    /// `queued`, `sent` or `failed`.
    state: String,
    /// Delivery attempts so far.
    attempts: u32,
    /// When the next attempt is due (RFC 3339; queued mail only).
    next_attempt_at: Option<String>,
    /// What the relay (or Kairos) said last time.
    last_error: Option<String>,
    /// When it was queued (RFC 3339).
    created_at: String,
}

/// The outbox.
#[derive(Serialize, ToSchema)]
pub(crate) struct OutboxPage {
    /// Newest first, at most 100.
    items: Vec<OutboxView>,
}

/// The newest 100 outbound mails with their delivery state (staff): why a reply has not
/// arrived is answered here.
#[utoipa::path(get, path = "/api/v1/mail/outbox", tag = "mail",
    responses((status = 200, body = OutboxPage), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn outbox(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<OutboxPage>, ApiError> {
    p.require_staff()?;
    let items = state
        .store
        .outbox(p.tenant_id, 100)
        .await?
        .into_iter()
        .map(|e| OutboxView {
            id: e.id,
            message_id: e.message_id.map(|m| m.0),
            recipient: e.recipient,
            next_attempt_at: (e.state == "queued").then(|| e.next_attempt_at.to_rfc3339()),
            state: e.state,
            attempts: e.attempts,
            last_error: e.last_error,
            created_at: e.created_at.to_rfc3339(),
        })
        .collect();
    Ok(axum::Json(OutboxPage { items }))
}

/// An IMAP mailbox to import mail from.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImapRequest {
    /// Server host name.
    #[schema(example = "imap.example.com")]
    host: String,
    /// Server port (default 993 for `tls`, 143 otherwise).
    #[serde(default)]
    port: Option<u16>,
    /// `tls` (default), `starttls`, or `plain` (loopback only).
    #[serde(default)]
    security: Option<String>,
    /// Login name.
    username: String,
    /// Password (stored; never shown again).
    password: String,
    /// The mailbox to import (default `INBOX`).
    #[serde(default)]
    mailbox: Option<String>,
}

/// A configured IMAP mailbox (without its password).
#[derive(Serialize, ToSchema)]
pub(crate) struct ImapView {
    /// Its id.
    id: Uuid,
    /// Server host name.
    host: String,
    /// Server port.
    port: u16,
    /// `tls`, `starttls` or `plain`.
    security: String,
    /// Login name.
    username: String,
    /// The mailbox imported.
    mailbox: String,
    /// The highest UID imported so far.
    last_uid: u32,
    /// When it was last polled (RFC 3339).
    last_polled_at: Option<String>,
    /// What went wrong last time.
    last_error: Option<String>,
}

impl From<ImapAccount> for ImapView {
    fn from(a: ImapAccount) -> Self {
        Self {
            id: a.id,
            host: a.host,
            port: a.port,
            security: a.security,
            username: a.username,
            mailbox: a.mailbox,
            last_uid: a.last_uid,
            last_polled_at: a.last_polled_at.map(|t| t.to_rfc3339()),
            last_error: a.last_error,
        }
    }
}

/// The IMAP mailboxes.
#[derive(Serialize, ToSchema)]
pub(crate) struct ImapList {
    /// Oldest first.
    items: Vec<ImapView>,
}

/// Imports mail from an IMAP mailbox (admins). Kairos polls it every minute, reads with
/// `BODY.PEEK[]` (nothing is marked read, moved or deleted) and imports each message once.
/// Private and local server addresses are refused unless the operator allows them.
#[utoipa::path(post, path = "/api/v1/mail/imap", tag = "mail", request_body = ImapRequest,
    responses((status = 201, body = ImapView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn add_imap(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<ImapRequest>,
) -> Result<(StatusCode, axum::Json<ImapView>), ApiError> {
    let input = admin::ImapInput {
        host: req.host,
        port: req.port,
        security: req.security,
        username: req.username,
        password: req.password,
        mailbox: req.mailbox,
    };
    let account = admin::add_imap(&state, &p, input).await?;
    Ok((StatusCode::CREATED, axum::Json(account.into())))
}

/// The tenant's IMAP mailboxes with their import state (staff; passwords are never shown).
#[utoipa::path(get, path = "/api/v1/mail/imap", tag = "mail",
    responses((status = 200, body = ImapList), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list_imap(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<ImapList>, ApiError> {
    p.require_staff()?;
    let items = state
        .store
        .imap_accounts(Some(p.tenant_id))
        .await?
        .into_iter()
        .map(ImapView::from)
        .collect();
    Ok(axum::Json(ImapList { items }))
}

/// Stops importing from a mailbox (admins); the mail already imported stays.
#[utoipa::path(delete, path = "/api/v1/mail/imap/{id}", tag = "mail", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn remove_imap(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    p.require(&[Role::Admin])?;
    let id = Uuid::try_parse(&id).map_err(|_| ApiError::not_found("IMAP mailbox"))?;
    if state.store.delete_imap_account(p.tenant_id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("IMAP mailbox"))
    }
}
