//! The server as a testable object: [`Application::build`] opens the store and binds the
//! listener (so every "cannot start" error happens there), [`Application::run_until_stopped`]
//! serves until the given shutdown future completes, then drains and flushes.

use crate::config::{Config, Database};
use crate::telemetry;
use anyhow::Context;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use kairos_store::Store;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// Largest request head (request line and headers); larger heads get 431.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// A client must send its complete request head within this time (slowloris).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// In-flight requests get this long to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// How often IMAP mailboxes are polled.
const IMAP_INTERVAL: Duration = Duration::from_secs(60);
/// Idempotency keys are kept at least this long (the API promises 24 h).
const IDEMPOTENCY_TTL_MICROS: i64 = 24 * 3600 * 1_000_000;

/// A built, bound, not yet serving Kairos server.
pub struct Application {
    listener: TcpListener,
    local_addr: SocketAddr,
    store: Store,
    state: kairos_http::AppState,
    router: axum::Router,
    smtp: Option<kairos_mail::smtp::SmtpServer>,
    outbox: kairos_mail::outbound::worker::Outbound,
    mailroom: kairos_mail::Mailroom,
    imap_reach: kairos_mail::imap::Reach,
    blobs: kairos_store::blobs::BlobStore,
    search: Option<Arc<kairos_search::SearchIndex>>,
    anticipation: Anticipation,
}

/// The anticipation runtime and the broker sources feeding its door: started with the
/// application (the HTTP door needs the runtime's handle), stopped after the connections
/// drained.
struct Anticipation {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    handle: kairos_context::RuntimeHandle,
    sources: Vec<tokio::task::JoinHandle<()>>,
}

impl Anticipation {
    fn start(config: &Config, store: &Store, local_addr: SocketAddr) -> Self {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        // Coupon links need an absolute URL: the configured one, else the listen address
        // (as for the coupon QR codes).
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{local_addr}"));
        let runtime = kairos_context::RuntimeConfig {
            public_url: Some(public_url),
            lateness_us: i64::try_from(config.anticipation_lateness_secs)
                .unwrap_or(86_400)
                .saturating_mul(1_000_000),
            allow_private_hosts: config.allow_private_hosts,
            ..kairos_context::RuntimeConfig::default()
        };
        let clock: kairos_context::Clock = Arc::new(kairos_store::now);
        let (handle, task) = kairos_context::spawn(store.clone(), runtime, clock, stopped);
        Self {
            stop,
            task,
            handle,
            sources: Vec::new(),
        }
    }

    /// Starts the MQTT and NATS sources the configuration names, into `door`.
    fn listen(
        &mut self,
        config: &Config,
        store: &Store,
        door: kairos_context::ContextDoor,
    ) -> anyhow::Result<()> {
        let sink = Arc::new(crate::bus_sink::DoorSink::new(store.clone(), door));
        self.sources = kairos_bus::spawn(&config.context_sources, sink, self.stop.subscribe())
            .map_err(|errors| {
                let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
                anyhow::anyhow!("context sources: {}", list.join("; "))
            })?;
        Ok(())
    }
}

impl Application {
    /// Opens (and migrates) the store and binds the HTTP listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let store = open_store(&config).await?;
        let listener = match TcpListener::bind(config.listen).await {
            Ok(l) => l,
            Err(e) => {
                store.close().await;
                return Err(
                    anyhow::Error::new(e).context(format!("cannot listen on {}", config.listen))
                );
            }
        };
        let local_addr = listener
            .local_addr()
            .context("cannot read the listen address")?;
        let outbox = match outbound(&config, &store).await {
            Ok(o) => o,
            Err(e) => {
                store.close().await;
                return Err(e);
            }
        };
        let mailroom = match mailroom(&config, &store).await {
            Ok(m) => m,
            Err(e) => {
                store.close().await;
                return Err(e);
            }
        };
        let smtp = match config.smtp_listen {
            Some(addr) => match bind_smtp(&config, mailroom.clone(), addr).await {
                Ok(server) => Some(server),
                Err(e) => {
                    store.close().await;
                    return Err(e);
                }
            },
            None => None,
        };
        let handle = telemetry::metrics_handle();
        let metrics: kairos_http::MetricsRender = Arc::new(move || handle.render());
        let blobs = kairos_store::blobs::BlobStore::open(config.data_dir.join("blobs"))
            .with_context(|| {
                format!(
                    "cannot create the blob directory in {}",
                    config.data_dir.display()
                )
            })?;
        let mut anticipation = Anticipation::start(&config, &store, local_addr);
        let door =
            kairos_context::ContextDoor::with_runtime(store.clone(), anticipation.handle.clone());
        if let Err(e) = anticipation.listen(&config, &store, door.clone()) {
            store.close().await;
            return Err(e);
        }
        let mut state = kairos_http::AppState::new(store.clone(), metrics, config.secure_cookies)
            .with_public_url(config.public_url.as_deref())
            .with_trusted_proxies(
                kairos_http::client_ip::TrustedProxies::parse(&config.trusted_proxies)
                    .context("trusted proxies")?,
            )
            .with_listen_addr(local_addr)
            .with_blobs(blobs.clone())
            .with_context(door)
            .with_invitation_text(kairos_web::invitation_text);
        let search = open_search(&config.data_dir);
        if let Some(index) = &search {
            state = state.with_search(index.clone());
        }
        // The web UI rides on the API's state, sessions and middleware.
        let router = kairos_http::app_with(state.clone(), kairos_web::router());
        Ok(Self {
            listener,
            local_addr,
            store,
            state,
            router,
            smtp,
            outbox,
            mailroom,
            imap_reach: kairos_mail::imap::Reach {
                private_hosts: config.allow_private_hosts,
            },
            blobs,
            anticipation,
            search,
        })
    }

    /// The bound SMTP address, when SMTP is on.
    pub fn smtp_addr(&self) -> Option<SocketAddr> {
        self.smtp.as_ref().and_then(|s| s.local_addr().ok())
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The store the server uses (tests may seed through it).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serves until `shutdown` completes; then stops accepting, lets in-flight requests
    /// finish (at most 30 s) and closes the store, which flushes queued writes.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send,
    ) -> anyhow::Result<()> {
        let Application {
            listener,
            local_addr,
            store,
            state,
            router,
            smtp,
            outbox,
            mailroom,
            imap_reach,
            blobs,
            anticipation,
            search,
        } = self;
        tracing::info!(addr = %local_addr, backend = store.backend(), "listening");
        if store.tenant_ids().await.is_ok_and(|t| t.is_empty()) {
            tracing::info!(
                "no organisation yet: run `kairos demo` for a demo organisation, or `kairos tenant create` and `kairos staff create` for your own"
            );
        }
        let background = tokio::spawn(background(store.clone()));
        let (workers_stop, workers_stopped) = tokio::sync::watch::channel(false);
        let sla = tokio::spawn(kairos_workflow::sla::run(
            store.clone(),
            kairos_workflow::system_clock(),
            workers_stopped.clone(),
        ));
        let routing = tokio::spawn(kairos_workflow::routing::run(
            store.clone(),
            workers_stopped.clone(),
        ));
        let hooks = tokio::spawn(kairos_workflow::hooks::run(
            store.clone(),
            kairos_workflow::system_clock(),
            workers_stopped.clone(),
        ));
        let outbound = tokio::spawn(kairos_workflow::outbound::run(
            store.clone(),
            kairos_workflow::system_clock(),
            kairos_workflow::outbound::Options::default(),
            workers_stopped.clone(),
        ));
        let feeder = search.map(|index| {
            tokio::spawn(kairos_workflow::kb_index::run(
                store.clone(),
                index,
                workers_stopped.clone(),
            ))
        });
        let retention = tokio::spawn(kairos_workflow::retention::run(
            store.clone(),
            blobs,
            kairos_workflow::system_clock(),
            workers_stopped.clone(),
        ));
        // Connections are tracked by hand rather than with hyper-util's GracefulShutdown,
        // which cannot watch an HTTP/1 connection that allows upgrades (the WebSocket doors).
        let connections = TaskTracker::new();
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let outbox = tokio::spawn(kairos_mail::outbound::worker::run(
            store.clone(),
            outbox.tokens,
            outbox.relay,
            outbox.config,
            workers_stopped.clone(),
        ));
        let imap = tokio::spawn(kairos_mail::imap::run(
            mailroom,
            IMAP_INTERVAL,
            imap_reach,
            workers_stopped.clone(),
        ));
        let smtp = smtp.map(|server| {
            if let Ok(addr) = server.local_addr() {
                tracing::info!(%addr, "receiving mail by SMTP");
            }
            tokio::spawn(server.run(stop_rx.clone()))
        });
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            // max_buf_size bounds the read buffer, but hyper checks it only while a head is
            // incomplete; max_header_size also refuses a large head that arrived in one read.
            .max_buf_size(MAX_HEAD_BYTES)
            .max_header_size(MAX_HEAD_BYTES)
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .keep_alive(true);

        tokio::pin!(shutdown);
        loop {
            let (stream, peer) = tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        // EMFILE and friends: keep serving the connections we have, retry soon.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            let _ = stream.set_nodelay(true);
            let service = router.clone().map_request(
                move |mut req: axum::extract::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo(peer));
                    req
                },
            );
            // Upgrades: the live-chat WebSocket doors take the connection over.
            let conn = http
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                .with_upgrades();
            let mut stop = stop_rx.clone();
            connections.spawn(async move {
                tokio::pin!(conn);
                let ended = tokio::select! {
                    ended = conn.as_mut() => ended,
                    () = async { drop(stop.wait_for(|stopping| *stopping).await) } => {
                        conn.as_mut().graceful_shutdown();
                        conn.await
                    }
                };
                if let Err(e) = ended {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
            });
        }

        drop(listener);
        tracing::info!("shutting down: draining in-flight requests");
        state.begin_shutdown();
        stop_tx.send_replace(true);
        connections.close();
        tokio::select! {
            () = connections.wait() => tracing::info!("all connections closed"),
            () = tokio::time::sleep(DRAIN_TIMEOUT) => tracing::warn!("drain timeout: closing remaining connections"),
        }
        if let Some(smtp) = smtp {
            // The listener tells open sessions 421 and finishes messages being received.
            let _ = tokio::time::timeout(Duration::from_secs(35), smtp).await;
        }
        background.abort();
        workers_stop.send_replace(true);
        // Engine state is rebuilt from the store on start; executed firings are recorded.
        anticipation.stop.send_replace(true);
        // A source finishes the message in hand (acknowledged only once stored).
        for source in anticipation.sources {
            let _ = tokio::time::timeout(Duration::from_secs(35), source).await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), anticipation.task).await;
        // Each worker step is one transaction: stopping between steps loses nothing.
        let _ = tokio::time::timeout(Duration::from_secs(5), sla).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), routing).await;
        // A pass deletes one conversation or person per transaction: stopping loses nothing.
        let _ = tokio::time::timeout(Duration::from_secs(5), retention).await;
        if let Some(feeder) = feeder {
            let _ = tokio::time::timeout(Duration::from_secs(10), feeder).await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(70), outbox).await;
        // An import round stores its position after every message: stopping loses nothing.
        imap.abort();
        let _ = tokio::time::timeout(Duration::from_secs(5), hooks).await;
        // A send in flight may take its request timeout (15 s) to end.
        let _ = tokio::time::timeout(Duration::from_secs(20), outbound).await;
        store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The outbox worker's parts: thread tokens, the relay (if configured), its settings.
async fn outbound(
    config: &Config,
    store: &Store,
) -> anyhow::Result<kairos_mail::outbound::worker::Outbound> {
    let relay = match &config.smtp_relay {
        Some(url) => Some(
            kairos_mail::outbound::Relay::from_url(url)
                .map_err(|e| anyhow::anyhow!("cannot use the SMTP relay: {e}"))?,
        ),
        None => None,
    };
    Ok(kairos_mail::outbound::worker::Outbound {
        tokens: kairos_mail::ingest::thread_tokens(store)
            .await
            .context("cannot load the mail signing key")?,
        relay,
        config: kairos_mail::outbound::OutboxConfig {
            hostname: config.mail_hostname.clone(),
            ..Default::default()
        },
    })
}

/// The search index in `<data dir>/search` (one of an older schema is rebuilt), or `None`
/// (logged) when it cannot be opened: the server runs, and search answers 503, until it is
/// rebuilt.
fn open_search(data_dir: &Path) -> Option<Arc<kairos_search::SearchIndex>> {
    // The knowledge base is small next to conversations: one indexing thread, a small
    // buffer (tantivy's default would reserve 256 MiB).
    let options = kairos_search::IndexOptions {
        threads: 1,
        memory_bytes: 32 << 20,
    };
    let dir = data_dir.join("search");
    let opened = match kairos_search::SearchIndex::open_with(&dir, options) {
        // Derived data: an index of an older schema is rebuilt from the log by the feeder.
        Err(kairos_search::Error::Incompatible(_)) => {
            tracing::warn!(dir = %dir.display(), "search index has an older schema; rebuilding it from the log");
            std::fs::remove_dir_all(&dir)
                .map_err(|e| kairos_search::Error::Directory(dir.clone(), e.to_string()))
                .and_then(|()| kairos_search::SearchIndex::open_with(&dir, options))
        }
        other => other,
    };
    match opened {
        Ok(index) => Some(Arc::new(index)),
        Err(e) => {
            tracing::error!(error = %e, "search index unavailable; run `kairos search reindex`");
            None
        }
    }
}

/// The mailroom (inbound mail by SMTP and IMAP), with attachments in `<data dir>/blobs`.
async fn mailroom(config: &Config, store: &Store) -> anyhow::Result<kairos_mail::Mailroom> {
    let blobs =
        kairos_store::blobs::BlobStore::open(config.data_dir.join("blobs")).with_context(|| {
            format!(
                "cannot create the blob directory in {}",
                config.data_dir.display()
            )
        })?;
    kairos_mail::Mailroom::new(store.clone(), blobs, &config.mail_hostname)
        .await
        .context("cannot load the mail signing key")
}

/// Binds the SMTP listener.
async fn bind_smtp(
    config: &Config,
    mailroom: kairos_mail::Mailroom,
    addr: SocketAddr,
) -> anyhow::Result<kairos_mail::smtp::SmtpServer> {
    let mut smtp = kairos_mail::smtp::SmtpConfig::default();
    smtp.limits.hostname = config.mail_hostname.clone();
    kairos_mail::smtp::SmtpServer::bind(addr, smtp, mailroom)
        .await
        .with_context(|| format!("cannot listen for SMTP on {addr}"))
}

/// Opens the store the configuration names: SQLite in a writable data directory (created
/// if missing), or PostgreSQL.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = match &config.database {
        Database::Sqlite => {
            prepare_data_dir(&config.data_dir)?;
            Store::open_sqlite(&config.data_dir).await
        }
        Database::Postgres(url) => Store::open_postgres(url).await,
    };
    store.context("cannot open the database")
}

/// Creates the data directory and proves it writable with a probe file, so a read-only
/// volume fails at start with a clear message rather than at the first write.
pub fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    let shown = dir.display();
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data directory {shown}"))?;
    let probe = dir.join(format!(".kairos-write-probe-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&probe)
        .and_then(|_| std::fs::remove_file(&probe))
        .with_context(|| format!("data directory {shown} is not writable"))
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received"),
        () = term => tracing::info!("SIGTERM received"),
    }
}

/// Periodic housekeeping: expire idempotency keys hourly, keep the metrics recorder's
/// histograms drained.
async fn background(store: Store) {
    let mut hourly = tokio::time::interval(Duration::from_secs(3600));
    let mut upkeep = tokio::time::interval(Duration::from_secs(5));
    let metrics = telemetry::metrics_handle();
    loop {
        tokio::select! {
            _ = hourly.tick() => {
                let before = kairos_core::Timestamp::from_micros(kairos_store::now().as_micros() - IDEMPOTENCY_TTL_MICROS);
                match store.idempotency_expire(before).await {
                    Ok(n) => tracing::debug!(expired = n, "idempotency keys expired"),
                    Err(e) => tracing::warn!(error = %e, "cannot expire idempotency keys"),
                }
            }
            _ = upkeep.tick() => metrics.run_upkeep(),
        }
    }
}
