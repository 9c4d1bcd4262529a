//! The SMTP listener: accepts connections, enforces the transport limits (line and session
//! byte caps, timeouts, connection caps, early talkers) and drives [`Session`] and
//! [`DataDecoder`]; recipients are looked up and messages handed to a [`Delivery`] — the
//! [`Mailroom`] in Kairos, a recording sink in tests of outbound mail.
//!
//! Checklist L01 (bounded buffers), L05 (timeouts, caps), L07 (early talkers); the
//! protocol rules themselves live in `session.rs` and `data.rs`.

use super::data::{DataDecoder, DataEnd};
use super::session::{Envelope, Reply, Session, SessionLimits, Step};
use crate::ingest::{Mailroom, Refusal};
use kairos_core::ids::TenantId;
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;
use tokio_util::task::TaskTracker;

/// Bytes a command line may fill before it is refused as too long (L01).
const MAX_PENDING_COMMAND: usize = 4096;
/// How much is read at once.
const READ_CHUNK: usize = 64 * 1024;

/// Listener settings.
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    /// Protocol limits.
    pub limits: SessionLimits,
    /// Longest wait for a command or a data chunk (RFC 5321 §4.5.3.2: at least 5 minutes).
    pub command_timeout: Duration,
    /// Longest session (Stalwart: 10 minutes).
    pub session_timeout: Duration,
    /// Most bytes one session may send (Stalwart: 250 MB).
    pub max_session_bytes: usize,
    /// Most simultaneous connections.
    pub max_connections: usize,
    /// Most simultaneous connections from one IP address.
    pub max_connections_per_ip: usize,
    /// How long we wait before greeting; a client that talks first is refused (L07).
    pub greet_delay: Duration,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            limits: SessionLimits::default(),
            command_timeout: Duration::from_secs(300),
            session_timeout: Duration::from_secs(600),
            max_session_bytes: 250 * 1024 * 1024,
            max_connections: 1000,
            max_connections_per_ip: 20,
            greet_delay: Duration::from_millis(250),
        }
    }
}

/// Where a listener hands what it receives.
pub trait Delivery: Clone + Send + Sync + 'static {
    /// Whether mail for `address` is taken here; `Err` when that cannot be told now (451).
    fn accepts(&self, address: &str) -> impl Future<Output = Result<bool, String>> + Send;
    /// Takes one message; the reply is what the client is told (250 only once it is durable).
    fn deliver(&self, envelope: Envelope, raw: Vec<u8>) -> impl Future<Output = Reply> + Send;
}

/// A bound SMTP listener.
pub struct SmtpServer<D = Mailroom> {
    listener: TcpListener,
    config: Arc<SmtpConfig>,
    mailroom: D,
}

impl<D: Delivery> SmtpServer<D> {
    /// Binds `addr`.
    pub async fn bind(addr: SocketAddr, config: SmtpConfig, mailroom: D) -> std::io::Result<Self> {
        Ok(Self {
            listener: TcpListener::bind(addr).await?,
            config: Arc::new(config),
            mailroom,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `stop` turns true; then open sessions are told 421 at their next
    /// command (a message being received is finished first) and given 30 s.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let sessions = TaskTracker::new();
        let slots = Arc::new(Semaphore::new(self.config.max_connections));
        let per_ip: Arc<Mutex<HashMap<IpAddr, usize>>> = Arc::default();
        loop {
            let (stream, peer) = tokio::select! {
                () = async { drop(stop.wait_for(|s| *s).await) } => break,
                accepted = self.listener.accept() => match accepted {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(error = %e, "smtp accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            // Replies are small writes answered by the client's next command: without
            // TCP_NODELAY, Nagle and delayed ACKs cost ~40 ms per exchange.
            let _ = stream.set_nodelay(true);
            let slot = slots.clone().try_acquire_owned().ok();
            let ip_guard = IpGuard::take(&per_ip, peer.ip(), self.config.max_connections_per_ip);
            let (config, mailroom, stop) =
                (self.config.clone(), self.mailroom.clone(), stop.clone());
            sessions.spawn(async move {
                let mut stream = stream;
                if slot.is_none() || ip_guard.is_none() {
                    metrics::counter!("kairos_smtp_refused_connections_total").increment(1);
                    let reply = Reply::new(421, "4.7.0 Too many connections, try again later");
                    let _ = stream.write_all(reply.to_string().as_bytes()).await;
                    return;
                }
                let mut conn = Conn::new(stream, &config);
                match serve(&mut conn, &config, &mailroom, stop).await {
                    Ok(()) => {}
                    Err(end) => {
                        tracing::debug!(%peer, ?end, "smtp session ended");
                        if let Some(reply) = end.reply() {
                            let _ = conn.send(&reply).await;
                        }
                    }
                }
                drop(ip_guard);
            });
        }
        drop(self.listener);
        sessions.close();
        if tokio::time::timeout(Duration::from_secs(30), sessions.wait())
            .await
            .is_err()
        {
            tracing::warn!("smtp: sessions still open after 30 s; closing them");
        }
    }
}

/// Counts a connection against its IP address while alive.
struct IpGuard {
    map: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl IpGuard {
    fn take(map: &Arc<Mutex<HashMap<IpAddr, usize>>>, ip: IpAddr, max: usize) -> Option<Self> {
        let mut guard = map.lock().ok()?;
        let n = guard.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Self {
            map: map.clone(),
            ip,
        })
    }
}

impl Drop for IpGuard {
    fn drop(&mut self) {
        if let Ok(mut map) = self.map.lock()
            && let Some(n) = map.get_mut(&self.ip)
        {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Why a session ended early.
#[derive(Debug)]
enum End {
    /// The client went away.
    Closed,
    /// No command or data within the command timeout.
    Idle,
    /// The session ran past its total time.
    TooLong,
    /// More bytes than one session may send.
    TooMuch,
    /// A command line without an end.
    LineTooLong,
    /// Talked before the greeting or sent data before 354.
    EarlyTalker,
    /// The server is stopping.
    Stopping,
    /// The socket failed.
    Io,
}

impl End {
    /// The farewell, when the client is still there to read one.
    fn reply(&self) -> Option<Reply> {
        Some(match self {
            End::Closed | End::Io => return None,
            End::Idle => Reply::new(421, "4.4.2 Idle too long, closing"),
            End::TooLong => Reply::new(421, "4.4.2 Session too long, closing"),
            End::TooMuch => Reply::new(421, "4.7.0 Too much data in one session, closing"),
            End::LineTooLong => Reply::new(500, "5.5.2 Line too long, closing"),
            End::EarlyTalker => Reply::new(554, "5.5.0 Protocol violation: wait for the server"),
            End::Stopping => Reply::new(421, "4.3.2 Shutting down, try again later"),
        })
    }
}

/// A connection with its read buffer and the session's budgets.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    received: usize,
    max_bytes: usize,
    idle: Duration,
    deadline: Instant,
}

impl Conn {
    fn new(stream: TcpStream, config: &SmtpConfig) -> Self {
        Self {
            stream,
            buf: Vec::with_capacity(1024),
            received: 0,
            max_bytes: config.max_session_bytes,
            idle: config.command_timeout,
            deadline: Instant::now() + config.session_timeout,
        }
    }

    async fn send(&mut self, reply: &Reply) -> Result<(), End> {
        self.stream
            .write_all(reply.to_string().as_bytes())
            .await
            .map_err(|_| End::Io)
    }

    /// Reads more bytes into the buffer.
    async fn fill(&mut self) -> Result<(), End> {
        let now = Instant::now();
        if now >= self.deadline {
            return Err(End::TooLong);
        }
        let wait = self.idle.min(self.deadline - now);
        let mut chunk = [0u8; READ_CHUNK];
        let n = match tokio::time::timeout(wait, self.stream.read(&mut chunk)).await {
            Err(_) if Instant::now() >= self.deadline => return Err(End::TooLong),
            Err(_) => return Err(End::Idle),
            Ok(Err(_)) => return Err(End::Io),
            Ok(Ok(0)) => return Err(End::Closed),
            Ok(Ok(n)) => n,
        };
        self.received += n;
        if self.received > self.max_bytes {
            return Err(End::TooMuch);
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// The next command line without its line end.
    async fn line(&mut self) -> Result<Vec<u8>, End> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=pos).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.buf.len() > MAX_PENDING_COMMAND {
                return Err(End::LineTooLong);
            }
            self.fill().await?;
        }
    }

    /// Reads message data up to its end marker; what follows stays in the buffer.
    async fn data(&mut self, max_message: usize) -> Result<DataEnd, End> {
        let mut decoder = DataDecoder::new(max_message);
        loop {
            let pending = std::mem::take(&mut self.buf);
            if let Some(used) = decoder.feed(&pending) {
                self.buf = pending[used..].to_vec();
                return Ok(decoder.finish());
            }
            self.fill().await?;
        }
    }
}

async fn serve<D: Delivery>(
    conn: &mut Conn,
    config: &SmtpConfig,
    mailroom: &D,
    stop: watch::Receiver<bool>,
) -> Result<(), End> {
    let mut session = Session::new(config.limits.clone());
    // Early talker (L07): a client that speaks before the greeting is not an MTA.
    tokio::time::sleep(config.greet_delay).await;
    let mut probe = [0u8; 1];
    match conn.stream.try_read(&mut probe) {
        Ok(0) => return Err(End::Closed),
        Ok(_) => return Err(End::EarlyTalker),
        Err(_) => {}
    }
    conn.send(&session.greeting()).await?;
    let mut stop = stop;
    loop {
        // Waiting for a command is where a stopping server says goodbye (421); a message
        // being received is finished first.
        let line = tokio::select! {
            line = conn.line() => line?,
            () = async { drop(stop.wait_for(|s| *s).await) } => return Err(End::Stopping),
        };
        let step = session.command(&line);
        let step = match step {
            Step::LookUp(address) => match mailroom.accepts(&address).await {
                Ok(ours) => session.recipient(address, ours),
                Err(e) => {
                    tracing::warn!(error = %e, "smtp: recipient lookup failed");
                    Step::Reply(Reply::new(451, "4.3.0 Local error, try again later"))
                }
            },
            other => other,
        };
        match step {
            Step::Reply(reply) => conn.send(&reply).await?,
            Step::Close(reply) => {
                conn.send(&reply).await?;
                return Ok(());
            }
            Step::LookUp(_) => conn.send(&Reply::new(451, "4.3.0 Local error")).await?,
            Step::Data(reply) => {
                // RFC 2920: DATA ends a pipelined group; bytes before our 354 are a violation.
                if !conn.buf.is_empty() {
                    return Err(End::EarlyTalker);
                }
                conn.send(&reply).await?;
                let outcome = conn.data(config.limits.max_message_bytes).await?;
                let envelope = session.take_envelope();
                let reply = match outcome {
                    DataEnd::TooBig => Reply::new(552, "5.3.4 Message too big"),
                    DataEnd::BareNewline => {
                        Reply::new(554, "5.6.0 Bare CR or LF in message data (RFC 5321 §2.3.8)")
                    }
                    DataEnd::Message(raw) => mailroom.deliver(envelope, raw).await,
                };
                conn.send(&reply).await?;
            }
        }
    }
}

impl Delivery for Mailroom {
    async fn accepts(&self, address: &str) -> Result<bool, String> {
        self.tenant_for(address)
            .await
            .map(|t| t.is_some())
            .map_err(|e| e.to_string())
    }

    /// Hands the message to each tenant it is addressed to; 250 only when all took it.
    async fn deliver(&self, envelope: Envelope, raw: Vec<u8>) -> Reply {
        let mut tenants: Vec<TenantId> = Vec::new();
        for rcpt in &envelope.recipients {
            match self.tenant_for(rcpt).await {
                Ok(Some(t)) if !tenants.contains(&t) => tenants.push(t),
                Ok(_) => {}
                Err(_) => return Reply::new(451, "4.3.0 Local error, try again later"),
            }
        }
        let source = crate::ingest::Source::Smtp {
            mail_from: envelope.mail_from.as_deref(),
        };
        for tenant in tenants {
            match self.ingest(tenant, source, raw.clone()).await {
                Ok(done) => tracing::info!(
                    %tenant,
                    conversation = %done.ids.conversation_id,
                    created = done.created,
                    "mail received"
                ),
                Err(Refusal::Permanent(why)) => {
                    metrics::counter!("kairos_mail_refused_total").increment(1);
                    return Reply::new(554, format!("5.6.0 {why}"));
                }
                Err(Refusal::Temporary(why)) => return Reply::new(451, format!("4.3.0 {why}")),
            }
        }
        Reply::new(250, "2.0.0 OK: stored")
    }
}
