//! Kairos stores.
//!
//! [`Store`] is the one contract the rest of Kairos writes against, with two backends:
//! embedded SQLite (the default; one writer thread that group-commits, WAL,
//! `synchronous=FULL`) and PostgreSQL (`synchronous_commit=on`). A write returns only after
//! its transaction — the change *and* its events on the tenant log — is durable.
//!
//! May depend on the core and on database drivers; never on HTTP.
#![forbid(unsafe_code)]

pub mod blobs;
mod error;
mod flows;
pub mod keys;
pub mod log_watch;
pub mod model;
mod postgres;
mod rows;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Result, StoreError};
pub use model::{ConversationFilter, IdempotencyBegin, PartyRecord, SessionRecord, TokenRecord};

use kairos_core::Timestamp;
use kairos_core::conversation::{Conversation, ConversationPatch};
use kairos_core::customer::Customer;
use kairos_core::event::{Actor, Event};
use kairos_core::identity::Identity;
use kairos_core::ids::{ConversationId, CustomerId, MessageId, PartyId, TenantId, TokenId};
use kairos_core::inbound::{InboundCommand, InboundIds};
use kairos_core::message::Message;
use kairos_core::party::Role;
use kairos_core::reply::PostMessage;
use kairos_core::tenant::{Tenant, TenantSlug};
use std::path::Path;
use tokio::sync::broadcast;

/// Notice that a tenant's log grew to `seq` (sent after the commit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Committed {
    /// The tenant.
    pub tenant_id: TenantId,
    /// Its newest `seq`.
    pub seq: i64,
}

/// The current time, for stamping events.
pub fn now() -> Timestamp {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    Timestamp::from_micros(micros)
}

/// The store: SQLite or PostgreSQL, chosen at run time.
#[derive(Clone)]
pub enum Store {
    /// Embedded SQLite.
    Sqlite(sqlite::SqliteStore),
    /// PostgreSQL.
    Postgres(postgres::PgStore),
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $body:expr) => {
        match $self {
            Store::Sqlite($s) => $body,
            Store::Postgres($s) => $body,
        }
    };
}

/// Runs a write flow (see `flows`) in the backend's writer: on SQLite's writer thread
/// (where the flow's futures complete without waiting: rusqlite is synchronous), on
/// PostgreSQL as a job of the tenant's group-commit task. `$tx` is bound to the backend's
/// transaction; the body is written once and expanded per backend.
macro_rules! flow {
    ($self:ident, $tenant:expr, |$tx:ident| $body:expr) => {
        match $self {
            Store::Sqlite(s) => {
                s.write($tenant, move |$tx| futures::executor::block_on($body))
                    .await
            }
            Store::Postgres(s) => {
                s.write($tenant, move |$tx| Box::pin(async move { $body.await }))
                    .await
            }
        }
    };
}

mod agents;
pub mod anticipation;
pub mod audit;
pub mod canned;
pub mod consent;
pub mod context;
pub mod coupons;
pub mod customer_zone;
pub mod dashboard;
pub mod erasure;
mod follow_up;
pub mod forum;
pub mod hooks;
pub mod imap;
pub mod invitations;
pub mod kb_attachments;
pub mod kb_deflection;
pub mod kb_votes;
pub mod knowledge;
pub mod mail;
pub mod portal;
pub mod privacy;
pub mod receipts;
pub mod restriction;
pub mod retention;
pub mod sla;
pub mod staff;
mod tenants;
pub mod uploads;
pub mod webhooks;
pub mod workspace;

impl Store {
    /// Opens (creating if needed) the SQLite database `kairos.db` in `data_dir` and migrates it.
    pub async fn open_sqlite(data_dir: &Path) -> Result<Self> {
        Ok(Store::Sqlite(
            sqlite::SqliteStore::open(&data_dir.join("kairos.db")).await?,
        ))
    }

    /// Connects to PostgreSQL at `url` and migrates it.
    pub async fn open_postgres(url: &str) -> Result<Self> {
        Ok(Store::Postgres(postgres::PgStore::open(url).await?))
    }

    /// Which backend this is (`sqlite`, `postgres`).
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Checks that the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        dispatch!(self, s => s.ping().await)
    }

    /// Checks the database's consistency: the engine's own check (SQLite
    /// `integrity_check`), and for every tenant that its log is gap-free and agrees with
    /// `last_seq`. Returns the problems found (empty: all is well).
    pub async fn check(&self) -> Result<Vec<String>> {
        dispatch!(self, s => s.check().await)
    }

    /// Subscribes to commit notices of every tenant.
    pub fn subscribe(&self) -> broadcast::Receiver<Committed> {
        dispatch!(self, s => s.subscribe())
    }

    /// Finishes queued writes and closes connections.
    pub async fn close(&self) {
        dispatch!(self, s => s.close().await)
    }

    // ---- tenants, parties, credentials -------------------------------------------------

    /// Creates a tenant; its log starts with `tenant.created` at `seq` 1.
    pub async fn create_tenant(&self, slug: &TenantSlug, name: &str) -> Result<Tenant> {
        dispatch!(self, s => s.create_tenant(slug, name, now()).await)
    }

    /// Finds a tenant by slug.
    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>> {
        dispatch!(self, s => s.tenant(Some(slug), None).await)
    }

    /// Finds a tenant by id.
    pub async fn tenant_by_id(&self, id: TenantId) -> Result<Option<Tenant>> {
        dispatch!(self, s => s.tenant(None, Some(id)).await)
    }

    /// Creates a party (staff or other); `password_hash` is an argon2id PHC string.
    pub async fn create_party(
        &self,
        tenant: TenantId,
        role: Role,
        email: Option<&str>,
        display_name: &str,
        password_hash: Option<&str>,
        actor: &Actor,
    ) -> Result<PartyId> {
        dispatch!(self, s => s.create_party(tenant, role, email, display_name, password_hash, now(), actor).await)
    }

    /// A party of this tenant by id.
    pub async fn party(&self, tenant: TenantId, id: PartyId) -> Result<Option<PartyRecord>> {
        dispatch!(self, s => s.party(tenant, Some(id), None).await)
    }

    /// A party of this tenant by login e-mail.
    pub async fn party_by_email(
        &self,
        tenant: TenantId,
        email: &str,
    ) -> Result<Option<PartyRecord>> {
        dispatch!(self, s => s.party(tenant, None, Some(email)).await)
    }

    /// Stores a token by the SHA-256 of its secret.
    pub async fn create_token(
        &self,
        tenant: TenantId,
        role: Role,
        party: Option<PartyId>,
        customer: Option<CustomerId>,
        secret_hash: &[u8],
        actor: &Actor,
    ) -> Result<TokenId> {
        dispatch!(self, s => s.create_token(tenant, role, party, customer, secret_hash, now(), actor).await)
    }

    /// Finds a live token by the SHA-256 of its secret.
    pub async fn token_by_hash(&self, secret_hash: &[u8]) -> Result<Option<TokenRecord>> {
        dispatch!(self, s => s.token_by_hash(secret_hash).await)
    }

    /// Stores a login session by the SHA-256 of its secret.
    pub async fn create_session(&self, secret_hash: &[u8], session: &SessionRecord) -> Result<()> {
        dispatch!(self, s => s.create_session(secret_hash, session, now()).await)
    }

    /// A session that has not expired.
    pub async fn session_by_hash(&self, secret_hash: &[u8]) -> Result<Option<SessionRecord>> {
        dispatch!(self, s => s.session_by_hash(secret_hash, now()).await)
    }

    /// Ends a session.
    pub async fn delete_session(&self, secret_hash: &[u8]) -> Result<()> {
        dispatch!(self, s => s.delete_session(secret_hash).await)
    }

    // ---- customers ----------------------------------------------------------------------

    /// One inbound touchpoint; returns where it landed and whether it was new.
    pub async fn inbound(
        &self,
        tenant: TenantId,
        cmd: InboundCommand,
        actor: &Actor,
    ) -> Result<(InboundIds, bool)> {
        let (now, actor) = (now(), actor.clone());
        flow!(self, tenant, |tx| flows::inbound(tx, cmd, now, &actor))
    }

    /// Creates a customer with identities.
    pub async fn create_customer(
        &self,
        tenant: TenantId,
        display_name: Option<String>,
        identities: Vec<Identity>,
        actor: &Actor,
    ) -> Result<CustomerId> {
        let (now, actor) = (now(), actor.clone());
        flow!(self, tenant, |tx| flows::create_customer(
            tx,
            display_name,
            identities,
            now,
            &actor
        ))
    }

    /// A customer of this tenant with its identities.
    pub async fn customer(&self, tenant: TenantId, id: CustomerId) -> Result<Option<Customer>> {
        dispatch!(self, s => s.customer(tenant, id).await)
    }

    /// The customer owning this identity, if any (identities move on merge, so this is the
    /// surviving customer).
    pub async fn customer_by_identity(
        &self,
        tenant: TenantId,
        identity: &Identity,
    ) -> Result<Option<CustomerId>> {
        dispatch!(self, s => s.customer_by_identity(tenant, identity).await)
    }

    /// Adds an identity; `true` if it was new for this customer.
    pub async fn add_identity(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        identity: Identity,
        actor: &Actor,
    ) -> Result<bool> {
        let (now, actor) = (now(), actor.clone());
        flow!(self, tenant, |tx| flows::add_identity(
            tx, customer, identity, now, &actor
        ))
    }

    /// Merges `from` into `into`: identities and conversations move, `from` points to `into`.
    pub async fn merge_customers(
        &self,
        tenant: TenantId,
        into: CustomerId,
        from: CustomerId,
        actor: &Actor,
    ) -> Result<()> {
        let (now, actor) = (now(), actor.clone());
        flow!(self, tenant, |tx| flows::merge(tx, into, from, now, &actor))
    }

    /// The customer's touchpoints in order, after log position `after`.
    pub async fn timeline(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        include_notes: bool,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Message>> {
        dispatch!(self, s => s.timeline(tenant, customer, include_notes, after, limit).await)
    }

    // ---- conversations ------------------------------------------------------------------

    /// Lists conversations, newest first.
    pub async fn conversations(
        &self,
        tenant: TenantId,
        filter: &ConversationFilter,
    ) -> Result<Vec<Conversation>> {
        dispatch!(self, s => s.conversations(tenant, filter).await)
    }

    /// One conversation of this tenant.
    pub async fn conversation(
        &self,
        tenant: TenantId,
        id: ConversationId,
    ) -> Result<Option<Conversation>> {
        dispatch!(self, s => s.conversation(tenant, id).await)
    }

    /// Changes status, priority, assignee or tags.
    pub async fn patch_conversation(
        &self,
        tenant: TenantId,
        id: ConversationId,
        patch: ConversationPatch,
        actor: &Actor,
    ) -> Result<Conversation> {
        let (now, actor) = (now(), actor.clone());
        flow!(self, tenant, |tx| flows::patch_conversation(
            tx, id, &patch, now, &actor
        ))
    }

    /// Adds a message to a conversation (restricted to `only_customer`'s, when given).
    pub async fn post_message(
        &self,
        tenant: TenantId,
        id: ConversationId,
        only_customer: Option<CustomerId>,
        msg: PostMessage,
        actor: &Actor,
    ) -> Result<MessageId> {
        let (now, actor) = (now(), actor.clone());
        flow!(self, tenant, |tx| flows::post_message(
            tx,
            id,
            only_customer,
            msg,
            now,
            &actor
        ))
    }

    /// Records a delivery or read receipt (restricted to `only_customer`'s conversations,
    /// when given).
    pub async fn mark_seen(
        &self,
        tenant: TenantId,
        id: ConversationId,
        only_customer: Option<CustomerId>,
        kind: kairos_core::receipt::SeenKind,
        up_to_seq: i64,
        actor: &Actor,
    ) -> Result<()> {
        let (now, actor) = (now(), actor.clone());
        flow!(self, tenant, |tx| flows::mark_seen(
            tx,
            id,
            only_customer,
            kind,
            up_to_seq,
            now,
            &actor
        ))
    }

    /// A conversation's messages in order, after log position `after`.
    pub async fn messages(
        &self,
        tenant: TenantId,
        id: ConversationId,
        include_notes: bool,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Message>> {
        dispatch!(self, s => s.messages(tenant, id, include_notes, after, limit).await)
    }

    /// One message of this tenant.
    pub async fn message(&self, tenant: TenantId, id: MessageId) -> Result<Option<Message>> {
        dispatch!(self, s => s.message(tenant, id).await)
    }

    // ---- the log ------------------------------------------------------------------------

    /// The tenant log's newest `seq` (0 for none).
    pub async fn log_head(&self, tenant: TenantId) -> Result<i64> {
        dispatch!(self, s => s.log_head(tenant).await)
    }

    /// Events of a tenant after `after`, in `seq` order.
    pub async fn events(&self, tenant: TenantId, after: i64, limit: u32) -> Result<Vec<Event>> {
        dispatch!(self, s => s.events(tenant, after, limit).await)
    }

    // ---- idempotency --------------------------------------------------------------------

    /// Starts an idempotent request under `(tenant, scope, key)`. Keys older than
    /// `expire_before` are forgotten; a started-but-unfinished key older than
    /// `stale_before` is taken over (its request died with a crash).
    pub async fn idempotency_begin(
        &self,
        tenant: TenantId,
        scope: &str,
        key: &str,
        request_hash: &[u8],
        stale_before: Timestamp,
    ) -> Result<IdempotencyBegin> {
        dispatch!(self, s => s.idempotency_begin(tenant, scope, key, request_hash, now(), stale_before).await)
    }

    /// Records the response of an idempotent request.
    pub async fn idempotency_finish(
        &self,
        tenant: TenantId,
        scope: &str,
        key: &str,
        status: u16,
        body: &str,
    ) -> Result<()> {
        dispatch!(self, s => s.idempotency_finish(tenant, scope, key, status, body).await)
    }

    /// Forgets an unfinished idempotent request (it failed before any effect).
    pub async fn idempotency_abandon(
        &self,
        tenant: TenantId,
        scope: &str,
        key: &str,
    ) -> Result<()> {
        dispatch!(self, s => s.idempotency_abandon(tenant, scope, key).await)
    }

    /// Deletes idempotency records created before `before`; returns how many.
    pub async fn idempotency_expire(&self, before: Timestamp) -> Result<u64> {
        dispatch!(self, s => s.idempotency_expire(before).await)
    }
}
