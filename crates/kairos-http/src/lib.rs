//! Kairos HTTP edge.
//!
//! The JSON API v1 (axum), authentication (bearer tokens, staff sessions), the live event
//! stream, the generated OpenAPI document, and the one place where errors become RFC 9457
//! `application/problem+json`. Depends on the core and the store; never on a concrete
//! database driver or on the binary.
#![forbid(unsafe_code)]

pub mod admin;
mod audit;
pub mod auth;
pub mod client_ip;
mod error;
mod extract;
pub mod files;
mod idempotency;
pub mod invitations;
mod live;
pub mod login_throttle;
mod openapi;
mod routes;
mod security;
mod views;
mod web_access;
pub mod workspace;

pub use error::ApiError;
pub use security::FramingAllowed;

use kairos_store::Store;
use std::sync::Arc;

/// Renders the Prometheus text exposition (supplied by the binary, which owns the recorder).
pub type MetricsRender = Arc<dyn Fn() -> String + Send + Sync>;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Store,
    /// Token look-ups, cached briefly.
    pub(crate) tokens: Arc<auth::TokenCache>,
    /// Prometheus rendering.
    pub(crate) metrics: MetricsRender,
    /// Whether session cookies get the `Secure` flag and `__Host-` prefix (off only for
    /// plain-HTTP development on localhost).
    pub(crate) secure_cookies: bool,
    /// Flips to `true` when the server begins to shut down; long-lived responses (the event
    /// stream) end then, so draining does not wait for them.
    pub(crate) shutdown: tokio::sync::watch::Receiver<bool>,
    shutdown_tx: Arc<tokio::sync::watch::Sender<bool>>,
    /// Live sockets and the fan-out of the log to them.
    pub(crate) hub: Arc<live::Hub>,
    /// The key visitor tokens are signed with, loaded from the store on first use.
    visitor_key: Arc<tokio::sync::OnceCell<[u8; kairos_store::keys::SIGNING_KEY_LEN]>>,
    /// The server's public base URL (`KAIROS_PUBLIC_URL`), without a trailing `/`: Twilio
    /// signs the URL it posts to, which behind a proxy must come from configuration.
    pub(crate) public_url: Option<Arc<str>>,
    /// `http://` + the address the server listens on: the base of coupon URLs when no
    /// public URL is configured (never the request's `Host`, which the client chooses).
    pub(crate) listen_url: Option<Arc<str>>,
    /// The attachment store (exports include attachments when it is set).
    pub(crate) blobs: Option<kairos_store::blobs::BlobStore>,
    /// The door context events come through (with the anticipation runtime behind it, when
    /// one runs).
    pub(crate) context: kairos_context::ContextDoor,
    /// The knowledge-base search index (fed by `kairos_workflow::kb_index`), if enabled.
    pub(crate) search: Option<Arc<kairos_search::SearchIndex>>,
    /// The reverse proxies whose `X-Forwarded-For` names the client.
    pub(crate) trusted_proxies: Arc<client_ip::TrustedProxies>,
    /// Failed sign-ins per address and account (F05).
    pub(crate) login_throttle: Arc<login_throttle::LoginThrottle>,
    /// Writes the staff invitation mail (the web UI installs its translations).
    pub(crate) invitation_text: invitations::InvitationText,
}

impl AppState {
    /// Builds the shared state.
    pub fn new(store: Store, metrics: MetricsRender, secure_cookies: bool) -> Self {
        let (shutdown_tx, shutdown) = tokio::sync::watch::channel(false);
        let context = kairos_context::ContextDoor::new(store.clone());
        Self {
            hub: live::Hub::new(store.clone()),
            visitor_key: Arc::default(),
            store,
            tokens: Arc::new(auth::TokenCache::default()),
            metrics,
            secure_cookies,
            shutdown,
            shutdown_tx: Arc::new(shutdown_tx),
            public_url: None,
            listen_url: None,
            blobs: None,
            context,
            search: None,
            trusted_proxies: Arc::default(),
            login_throttle: Arc::default(),
            invitation_text: invitations::default_text,
        }
    }

    /// Sets the public base URL webhook URLs are built from (e.g. `https://help.acme.example`).
    pub fn with_public_url(mut self, url: Option<&str>) -> Self {
        self.public_url = url.map(|u| Arc::from(u.trim_end_matches('/')));
        self
    }

    /// Believes `X-Forwarded-For` from these reverse proxies (default: none).
    pub fn with_trusted_proxies(mut self, proxies: client_ip::TrustedProxies) -> Self {
        self.trusted_proxies = Arc::new(proxies);
        self
    }

    /// Sets the address the server listens on (the fallback base of coupon URLs).
    pub fn with_listen_addr(mut self, addr: std::net::SocketAddr) -> Self {
        self.listen_url = Some(Arc::from(format!("http://{addr}")));
        self
    }

    /// The base of absolute URLs handed to people (coupon QR codes): the public URL, else
    /// the listen address.
    pub(crate) fn base_url(&self) -> Option<&str> {
        self.public_url.as_deref().or(self.listen_url.as_deref())
    }

    /// Sets the attachment store (the data directory's `blobs/`).
    pub fn with_blobs(mut self, blobs: kairos_store::blobs::BlobStore) -> Self {
        self.blobs = Some(blobs);
        self
    }

    /// Sends stored context events through `door` (and so to its anticipation runtime).
    pub fn with_context(mut self, door: kairos_context::ContextDoor) -> Self {
        self.context = door;
        self
    }

    /// Sets the search index the knowledge-base search and suggestions read.
    pub fn with_search(mut self, index: Arc<kairos_search::SearchIndex>) -> Self {
        self.search = Some(index);
        self
    }

    /// The visitor-token signing key (created in the store by the first instance asking).
    pub(crate) async fn visitor_key(
        &self,
    ) -> Result<[u8; kairos_store::keys::SIGNING_KEY_LEN], kairos_store::StoreError> {
        self.visitor_key
            .get_or_try_init(|| async {
                let candidate: [u8; kairos_store::keys::SIGNING_KEY_LEN] = rand::random();
                self.store
                    .signing_key(live::visitor::KEY_NAME, candidate)
                    .await
            })
            .await
            .copied()
    }

    /// The channel a staff reply to `conversation` goes out on: `requested` (`None`: the
    /// conversation's last one), except that a chat reply to a customer with no live socket
    /// (on this instance) who left a follow-up address in the widget goes by e-mail to that
    /// address — the answer reaches them although they left (docs/live-chat.md).
    pub async fn reply_channel(
        &self,
        tenant: kairos_core::ids::TenantId,
        conversation: kairos_core::ids::ConversationId,
        requested: Option<kairos_core::message::Channel>,
    ) -> Result<Option<kairos_core::message::Channel>, ApiError> {
        use kairos_core::message::Channel;
        let Some(c) = self.store.conversation(tenant, conversation).await? else {
            return Ok(requested);
        };
        let chat = match requested {
            Some(ch) => ch == Channel::Chat,
            None => c.channels == [Channel::Chat],
        };
        if !chat || self.hub.customer_online(tenant, c.customer_id) {
            return Ok(requested);
        }
        let follow_up = self.store.follow_up_email(tenant, conversation).await?;
        Ok(if follow_up.is_some() {
            Some(Channel::Email)
        } else {
            requested
        })
    }

    /// Whether session cookies are `Secure` with the `__Host-` prefix (HTTPS deployments).
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies
    }

    /// Tells long-lived responses (event streams) to end: call it when shutdown begins.
    pub fn begin_shutdown(&self) {
        self.shutdown_tx.send_replace(true);
    }
}

/// The whole HTTP application: API v1, health, metrics and OpenAPI, with its middleware.
pub fn app(state: AppState) -> axum::Router {
    routes::router(state, axum::Router::new())
}

/// The HTTP application with more routes (the web UI) merged in before the shared
/// middleware: they get the same request ids, tracing, body limits, audit trail of staff
/// reads and response hardening as the API. Their own headers (a page's CSP, an asset's
/// `Cache-Control`) win over the API's defaults.
pub fn app_with(state: AppState, extra: axum::Router<AppState>) -> axum::Router {
    routes::router(state, extra)
}

/// Names the caller a handler acts for, so the audit middleware records it (the
/// [`auth::Principal`] extractor does this by itself; handlers that authenticate another
/// way, such as HTML form posts, call this).
pub fn record_caller(extensions: &http::Extensions, principal: &auth::Principal) {
    if let Some(slot) = extensions.get::<audit::AuditSlot>() {
        slot.fill(principal);
    }
}

/// The OpenAPI 3.1 document, generated from the handlers and their types.
pub fn openapi_json() -> String {
    openapi::document()
}
