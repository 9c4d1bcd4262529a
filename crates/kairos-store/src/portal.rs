//! The customer portal's credentials (docs/ui.md): sign-in links sent by mail and the
//! sessions they open. Like staff sessions they live beside the log, never on it, and only
//! the SHA-256 of each secret is stored.
//!
//! A link is issued for an e-mail address, not for a customer: whether anyone owns the
//! address is decided only when the link is used, so asking for a link costs the same for
//! every address (checklist F06). Issuing counts the recent links per address and per
//! client inside the same write transaction (F05); using one marks it used in the
//! transaction that also finds (or creates) the customer and opens the session.

use crate::flows::{WriteTx, create_customer, surviving_customer};
use crate::{Result, Store, StoreError, now};
use kairos_core::Timestamp;
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::identity::Identity;
use kairos_core::ids::{ConversationId, CustomerId, MessageId, TenantId};
use kairos_core::message::{Author, Body, Channel, Direction};

/// How many links an address or a client may ask for per window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkLimits {
    /// Links per e-mail address and window.
    pub per_address: u32,
    /// Links per client (keyed pseudonym of its address) and window.
    pub per_client: u32,
    /// The window, which is also how long a link works (microseconds).
    pub window_micros: i64,
}

/// What became of a request for a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkIssued {
    /// Stored; send it.
    Issued,
    /// The address had its share of links in the window: nothing stored, nothing to send.
    AddressLimited,
    /// The client had its share: nothing stored.
    ClientLimited,
}

/// A portal session as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortalSession {
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The customer signed in (follow merges when using it).
    pub customer_id: CustomerId,
    /// The token every form must carry.
    pub csrf_token: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// The writes the portal needs inside the tenant's write transaction.
pub(crate) trait PortalTx {
    /// Deletes this tenant's links whose window ended before `now` (expired links and
    /// used ones no longer counted).
    async fn purge_portal_links(&mut self, now: i64) -> Result<()>;
    /// Links of this tenant created after `since` for `email` (when given) or `client`.
    async fn count_portal_links(
        &mut self,
        email: Option<&str>,
        client: Option<&str>,
        since: i64,
    ) -> Result<u32>;
    /// Stores a link.
    async fn insert_portal_link(
        &mut self,
        hash: &[u8],
        email: &str,
        client: &str,
        at: i64,
        expires_at: i64,
    ) -> Result<()>;
    /// Marks an unused, unexpired link of this tenant used; its e-mail address, or `None`.
    async fn use_portal_link(&mut self, hash: &[u8], at: i64) -> Result<Option<String>>;
    /// Stores a session.
    async fn insert_portal_session(
        &mut self,
        hash: &[u8],
        customer: CustomerId,
        csrf: &str,
        at: i64,
        expires_at: i64,
    ) -> Result<()>;
    /// Ends a session of this tenant; also purges expired ones.
    async fn delete_portal_session(&mut self, hash: &[u8], at: i64) -> Result<()>;
}

async fn issue<T: PortalTx>(
    tx: &mut T,
    hash: Vec<u8>,
    email: String,
    client: String,
    limits: LinkLimits,
    at: i64,
) -> Result<LinkIssued> {
    let since = at - limits.window_micros;
    tx.purge_portal_links(at).await?;
    if tx.count_portal_links(None, Some(&client), since).await? >= limits.per_client {
        return Ok(LinkIssued::ClientLimited);
    }
    if tx.count_portal_links(Some(&email), None, since).await? >= limits.per_address {
        return Ok(LinkIssued::AddressLimited);
    }
    tx.insert_portal_link(&hash, &email, &client, at, at + limits.window_micros)
        .await?;
    Ok(LinkIssued::Issued)
}

async fn redeem<T: WriteTx + PortalTx>(
    tx: &mut T,
    link_hash: Vec<u8>,
    session_hash: Vec<u8>,
    csrf: String,
    session_micros: i64,
    at: Timestamp,
) -> Result<CustomerId> {
    let micros = at.as_micros();
    tx.purge_portal_links(micros).await?;
    let email = tx
        .use_portal_link(&link_hash, micros)
        .await?
        .ok_or(StoreError::not_found("sign-in link"))?;
    let identity = Identity::email(&email)?;
    let owner = match tx.customer_by_identity(&identity).await? {
        Some(id) => surviving_customer(tx, id).await?,
        None => None,
    };
    // The click proves the mailbox: a first sign-in creates the customer, as a first mail
    // from the address would.
    let customer = match owner {
        Some(id) => id,
        None => create_customer(tx, None, vec![identity], at, &Actor::System).await?,
    };
    tx.insert_portal_session(
        &session_hash,
        customer,
        &csrf,
        micros,
        micros + session_micros,
    )
    .await?;
    Ok(customer)
}

impl Store {
    /// Stores a sign-in link for `email` (normalised by the caller) by the SHA-256 of its
    /// secret, unless the address or the client (`client`: a keyed pseudonym of its network
    /// address) already asked for their share of links in the window.
    pub async fn portal_issue_link(
        &self,
        tenant: TenantId,
        secret_hash: &[u8],
        email: &str,
        client: &str,
        limits: LinkLimits,
    ) -> Result<LinkIssued> {
        let (hash, email, client) = (secret_hash.to_vec(), email.to_owned(), client.to_owned());
        let at = now().as_micros();
        flow!(self, tenant, |tx| issue(
            tx, hash, email, client, limits, at
        ))
    }

    /// Uses a sign-in link of this tenant (once, before it expires) and opens a session
    /// for the customer owning its address — created if nobody does; returns that
    /// customer. Unknown, used, expired and other tenants' links are all "not found".
    pub async fn portal_redeem_link(
        &self,
        tenant: TenantId,
        link_hash: &[u8],
        session_hash: &[u8],
        csrf: &str,
        session_micros: i64,
    ) -> Result<CustomerId> {
        let (link, session, csrf, at) = (
            link_hash.to_vec(),
            session_hash.to_vec(),
            csrf.to_owned(),
            now(),
        );
        flow!(self, tenant, |tx| redeem(
            tx,
            link,
            session,
            csrf,
            session_micros,
            at
        ))
    }

    /// A portal session that has not expired.
    pub async fn portal_session(&self, secret_hash: &[u8]) -> Result<Option<PortalSession>> {
        let (hash, at) = (secret_hash.to_vec(), now().as_micros());
        dispatch!(self, s => s.portal_session(hash, at).await)
    }

    /// Ends a portal session of this tenant.
    pub async fn portal_sign_out(&self, tenant: TenantId, secret_hash: &[u8]) -> Result<()> {
        let (hash, at) = (secret_hash.to_vec(), now().as_micros());
        flow!(self, tenant, |tx| async move {
            tx.delete_portal_session(&hash, at).await
        })
    }
}

async fn new_request<T: WriteTx>(
    tx: &mut T,
    customer: CustomerId,
    subject: Option<String>,
    body: Body,
    at: Timestamp,
    actor: &Actor,
) -> Result<ConversationId> {
    let customer_id = surviving_customer(tx, customer)
        .await?
        .ok_or(StoreError::not_found("customer"))?;
    let conversation_id = ConversationId::new();
    let opened = EventData::ConversationOpened {
        conversation_id,
        customer_id,
        channel: Channel::Portal,
        subject: subject.clone(),
    };
    let message = EventData::MessageAppended {
        message_id: MessageId::new(),
        conversation_id,
        direction: Direction::Inbound,
        channel: Channel::Portal,
        author: Author::Customer,
        subject,
        body,
        attachments: Vec::new(),
        external_id: None,
    };
    tx.append(vec![
        NewEvent::new(at, actor, opened),
        NewEvent::new(at, actor, message),
    ])
    .await?;
    Ok(conversation_id)
}

impl Store {
    /// A new request from the portal: always a new conversation on the `portal` channel
    /// (unlike inbound mail, which continues the customer's open conversation), with the
    /// customer's first message; returns the conversation.
    pub async fn portal_new_request(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        subject: Option<String>,
        body: Body,
        actor: &Actor,
    ) -> Result<ConversationId> {
        let (at, actor) = (now(), actor.clone());
        flow!(self, tenant, |tx| new_request(
            tx, customer, subject, body, at, &actor
        ))
    }
}
