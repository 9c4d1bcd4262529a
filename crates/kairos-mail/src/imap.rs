//! Importing mail from IMAP mailboxes (a team's existing `support@` at a provider).
//!
//! Each session logs in, selects the mailbox and fetches the messages above the last imported
//! UID with `BODY.PEEK[]`, so the mailbox is left as it was (nothing marked read, moved or
//! deleted); then it waits with IDLE where the server offers it, else the next poll comes
//! after an interval. The position is stored after every message, so a restart resumes where
//! it stopped; a changed UIDVALIDITY rescans the mailbox, and the mail's de-duplication key
//! (sender + Message-ID, else the bytes' hash) keeps that from storing anything twice.

use crate::ingest::{Mailroom, Refusal, Source};
use async_imap::Client;
use futures::StreamExt;
use kairos_core::netpolicy;
use kairos_store::imap::ImapAccount;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, lookup_host};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use uuid::Uuid;

/// Most messages imported per account and round (the rest follow in the next round).
const MAX_PER_ROUND: usize = 500;
/// Largest message fetched; larger ones are skipped with a warning (the SMTP limit).
const MAX_MESSAGE_BYTES: u32 = 25 * 1024 * 1024;
/// How long one round with one account may take.
const ROUND_TIMEOUT: Duration = Duration::from_secs(300);
/// How long one IDLE session lasts before it is renewed with a fresh connection.
const IDLE_BUDGET: Duration = Duration::from_secs(30 * 60);
/// IDLE is re-issued this often (RFC 2177: servers may drop it after 29 minutes).
const IDLE_CHUNK: Duration = Duration::from_secs(10 * 60);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a round failed.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// The server could not be reached.
    #[error("cannot connect to {0}: {1}")]
    Connect(String, String),
    /// TLS failed (certificate, handshake).
    #[error("TLS: {0}")]
    Tls(String),
    /// The server refused the login.
    #[error("login refused: {0}")]
    Login(String),
    /// The protocol failed.
    #[error("IMAP: {0}")]
    Protocol(String),
    /// The round took too long.
    #[error("timed out")]
    Timeout,
    /// Storing failed; the round stops and is retried.
    #[error("store: {0}")]
    Store(String),
}

impl From<async_imap::error::Error> for ImapError {
    fn from(e: async_imap::error::Error) -> Self {
        ImapError::Protocol(e.to_string())
    }
}

impl From<kairos_store::StoreError> for ImapError {
    fn from(e: kairos_store::StoreError) -> Self {
        ImapError::Store(e.to_string())
    }
}

/// Where the importer may connect.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reach {
    /// Allow private, loopback and link-local addresses (an operator's own mail server on
    /// the internal network, and tests). Off: public addresses only (checklist D01).
    pub private_hosts: bool,
}

/// What a round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    /// Messages that landed on timelines.
    pub imported: usize,
    /// Messages already on a timeline (a rescan, or the same mail also came by SMTP).
    pub duplicates: usize,
    /// Messages refused (unparsable, too large) and skipped.
    pub refused: usize,
    /// The session waited with IDLE until its time was up (reconnect at once).
    pub idled: bool,
}

/// Watches every configured mailbox until `stop` turns true: one task per mailbox that
/// imports, then waits with IDLE where the server offers it (new mail arrives within
/// seconds) or polls every `interval`. Mailboxes added or removed are noticed within
/// `interval`.
pub async fn run(
    mailroom: Mailroom,
    interval: Duration,
    reach: Reach,
    mut stop: watch::Receiver<bool>,
) {
    let mut watchers: HashMap<Uuid, JoinHandle<()>> = HashMap::new();
    let mut tick = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = tick.tick() => {}
        }
        let accounts = match mailroom.store().imap_accounts(None).await {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "imap: cannot list mailboxes");
                continue;
            }
        };
        let current: Vec<Uuid> = accounts.iter().map(|a| a.id).collect();
        watchers.retain(|id, task| {
            let keep = current.contains(id) && !task.is_finished();
            if !keep {
                task.abort();
            }
            keep
        });
        for account in accounts {
            watchers.entry(account.id).or_insert_with(|| {
                tokio::spawn(watch_mailbox(
                    mailroom.clone(),
                    account.id,
                    interval,
                    reach,
                    stop.clone(),
                ))
            });
        }
    }
    for task in watchers.values() {
        task.abort();
    }
}

/// One mailbox, until it is removed or `stop` turns true.
async fn watch_mailbox(
    mailroom: Mailroom,
    id: Uuid,
    interval: Duration,
    reach: Reach,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let account = match mailroom.store().imap_accounts(None).await {
            Ok(all) => match all.into_iter().find(|a| a.id == id) {
                Some(a) => a,
                None => return,
            },
            Err(e) => {
                tracing::warn!(error = %e, "imap: cannot read the mailbox settings");
                tokio::select! {
                    _ = stop.changed() => return,
                    () = tokio::time::sleep(interval) => continue,
                }
            }
        };
        let round = tokio::select! {
            _ = stop.changed() => return,
            r = connect_and_poll(&mailroom, &account, reach, Some(IDLE_BUDGET)) => r,
        };
        let error = match &round {
            Ok(r) if r.imported + r.refused > 0 => {
                tracing::info!(account = %account.id, imported = r.imported, refused = r.refused, "imap: imported");
                None
            }
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(account = %account.id, host = %account.host, error = %e, "imap: round failed");
                Some(e.to_string())
            }
        };
        if let Err(e) = mailroom
            .store()
            .imap_polled(account.id, kairos_store::now(), error.as_deref())
            .await
        {
            tracing::warn!(error = %e, "imap: cannot record the round");
        }
        // After an IDLE session's budget, reconnect at once; after a poll or an error, wait.
        if !matches!(round, Ok(r) if r.idled) {
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep(interval) => {}
            }
        }
    }
}

/// One round with one account.
pub async fn poll(
    mailroom: &Mailroom,
    account: &ImapAccount,
    reach: Reach,
) -> Result<Round, ImapError> {
    tokio::time::timeout(
        ROUND_TIMEOUT,
        connect_and_poll(mailroom, account, reach, None),
    )
    .await
    .map_err(|_| ImapError::Timeout)?
}

async fn connect_and_poll(
    mailroom: &Mailroom,
    account: &ImapAccount,
    reach: Reach,
    idle: Option<Duration>,
) -> Result<Round, ImapError> {
    let tcp = connect(account, reach).await?;
    match account.security.as_str() {
        "plain" => {
            let mut client = Client::new(tcp);
            greeting(&mut client).await?;
            session(mailroom, account, client, idle).await
        }
        "tls" => {
            let tls = tls_wrap(&account.host, tcp).await?;
            let mut client = Client::new(tls);
            greeting(&mut client).await?;
            session(mailroom, account, client, idle).await
        }
        "starttls" => {
            let mut client = Client::new(tcp);
            greeting(&mut client).await?;
            client.run_command_and_check_ok("STARTTLS", None).await?;
            // No greeting after STARTTLS; anything the server sent before it is discarded
            // with the plain stream (checklist L08's class of injection).
            let tls = tls_wrap(&account.host, client.into_inner()).await?;
            session(mailroom, account, Client::new(tls), idle).await
        }
        other => Err(ImapError::Protocol(format!("unknown security {other:?}"))),
    }
}

/// Resolves the host, checks every address against the policy, and connects to a checked
/// address (so a DNS answer cannot change between check and connect: D03).
async fn connect(account: &ImapAccount, reach: Reach) -> Result<TcpStream, ImapError> {
    let name = format!("{}:{}", account.host, account.port);
    let fail = |why: String| ImapError::Connect(name.clone(), why);
    let addrs: Vec<SocketAddr> = tokio::time::timeout(CONNECT_TIMEOUT, lookup_host(&name))
        .await
        .map_err(|_| fail("name lookup timed out".into()))?
        .map_err(|e| fail(e.to_string()))?
        .collect();
    let Some(addr) = addrs.first().copied() else {
        return Err(fail("the name has no address".into()));
    };
    if !reach.private_hosts && addrs.iter().any(|a| !netpolicy::is_public(a.ip())) {
        return Err(fail("a private or local address; not allowed".into()));
    }
    if account.security == "plain" && !netpolicy::is_loopback(addr.ip()) {
        return Err(fail(
            "plain IMAP (no TLS) is allowed only on loopback".into(),
        ));
    }
    tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| fail("timed out".into()))?
        .map_err(|e| fail(e.to_string()))
}

async fn greeting<T>(client: &mut Client<T>) -> Result<(), ImapError>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    client
        .read_response()
        .await
        .map_err(|e| ImapError::Protocol(e.to_string()))?
        .ok_or_else(|| ImapError::Protocol("no greeting".into()))?;
    Ok(())
}

async fn tls_wrap(
    host: &str,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ImapError> {
    let roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ImapError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| ImapError::Tls(e.to_string()))?;
    TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| ImapError::Tls(e.to_string()))
}

async fn session<T>(
    mailroom: &Mailroom,
    account: &ImapAccount,
    client: Client<T>,
    idle: Option<Duration>,
) -> Result<Round, ImapError>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let mut session = client
        .login(&account.username, &account.password)
        .await
        .map_err(|(e, _)| ImapError::Login(e.to_string()))?;
    let mailbox = session.select(&account.mailbox).await?;
    let validity = mailbox.uid_validity.unwrap_or(0);
    let mut last_uid = account.last_uid;
    if account.uid_validity != Some(validity) {
        // A new mailbox, or one the server renumbered: start over (de-duplication holds).
        last_uid = 0;
        mailroom
            .store()
            .imap_progress(account.id, validity, 0)
            .await?;
    }
    let mut total = Round::default();
    let idle_until = idle.map(|budget| tokio::time::Instant::now() + budget);
    let can_idle = idle.is_some() && session.capabilities().await?.has_str("IDLE");
    loop {
        let round = import_new(&mut session, mailroom, account, validity, &mut last_uid).await?;
        total.imported += round.imported;
        total.duplicates += round.duplicates;
        total.refused += round.refused;
        let Some(until) = idle_until.filter(|_| can_idle) else {
            break;
        };
        mailroom
            .store()
            .imap_polled(account.id, kairos_store::now(), None)
            .await?;
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            total.idled = true;
            break;
        }
        // RFC 2177: wait for the server to announce new mail, re-issuing IDLE well within
        // its 29-minute limit; a quiet period simply ends in a (cheap) new search.
        let mut handle = session.idle();
        handle.init().await?;
        {
            let (wait, _interrupt) = handle.wait_with_timeout(left.min(IDLE_CHUNK));
            wait.await?;
        }
        session = handle.done().await?;
    }
    session.logout().await.ok();
    Ok(total)
}

/// Imports the messages above `last_uid`, storing the position after each.
async fn import_new<T>(
    session: &mut async_imap::Session<T>,
    mailroom: &Mailroom,
    account: &ImapAccount,
    validity: u32,
    last_uid: &mut u32,
) -> Result<Round, ImapError>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let mut round = Round::default();
    // `n:*` always matches the highest UID, even when it is below n.
    let mut uids: Vec<u32> = session
        .uid_search(format!("UID {}:*", last_uid.saturating_add(1)))
        .await?
        .into_iter()
        .filter(|u| *u > *last_uid)
        .collect();
    uids.sort_unstable();
    uids.truncate(MAX_PER_ROUND);
    let tenant = account.tenant_id;
    for uid in uids {
        let (size, raw) = fetch(session, uid).await?;
        if size > MAX_MESSAGE_BYTES {
            tracing::warn!(account = %account.id, uid, size, "imap: message too large; skipped");
            round.refused += 1;
        } else if let Some(raw) = raw {
            match mailroom.ingest(tenant, Source::Imap, raw).await {
                Ok(done) if done.created => round.imported += 1,
                Ok(_) => round.duplicates += 1,
                Err(Refusal::Permanent(why)) => {
                    tracing::warn!(account = %account.id, uid, reason = %why, "imap: message refused; skipped");
                    round.refused += 1;
                }
                // Stop here; this UID is tried again next round.
                Err(Refusal::Temporary(why)) => return Err(ImapError::Store(why)),
            }
        }
        mailroom
            .store()
            .imap_progress(account.id, validity, uid)
            .await?;
        *last_uid = uid;
    }
    Ok(round)
}

/// The size and (if not too large) the bytes of one message.
async fn fetch<T>(
    session: &mut async_imap::Session<T>,
    uid: u32,
) -> Result<(u32, Option<Vec<u8>>), ImapError>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let size = {
        let mut stream = session
            .uid_fetch(uid.to_string(), "(UID RFC822.SIZE)")
            .await?;
        let mut size = 0;
        while let Some(item) = stream.next().await {
            if let Some(s) = item?.size {
                size = s;
            }
        }
        size
    };
    if size > MAX_MESSAGE_BYTES {
        return Ok((size, None));
    }
    let mut stream = session
        .uid_fetch(uid.to_string(), "(UID BODY.PEEK[])")
        .await?;
    let mut raw = None;
    while let Some(item) = stream.next().await {
        let item = item?;
        if let Some(body) = item.body() {
            raw = Some(body.to_vec());
        }
    }
    Ok((size, raw))
}
