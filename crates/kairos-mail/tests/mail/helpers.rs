//! A real SMTP listener on a loopback port over a real store, and a raw SMTP client that can
//! misbehave on purpose.

use kairos_core::event::{Event, EventData};
use kairos_core::ids::TenantId;
use kairos_core::tenant::TenantSlug;
use kairos_mail::Mailroom;
use kairos_mail::smtp::{SmtpConfig, SmtpServer};
use kairos_store::Store;
use kairos_store::blobs::BlobStore;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::watch;

/// The support address every test tenant receives mail for.
pub const SUPPORT: &str = "support@acme.test";

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Mailhost {
    pub store: Store,
    pub tenant: TenantId,
    pub addr: SocketAddr,
    pub blobs: PathBuf,
    pub mailroom: Mailroom,
    _stop: watch::Sender<bool>,
    _dir: tempfile::TempDir,
}

/// Starts a listener; `None` (with a loud notice) for PostgreSQL without `KAIROS_TEST_PG_URL`.
pub async fn start(backend: Backend, tune: impl FnOnce(&mut SmtpConfig)) -> Option<Mailhost> {
    let dir = tempfile::tempdir().unwrap();
    let store = match backend {
        Backend::Sqlite => Store::open_sqlite(dir.path()).await.unwrap(),
        Backend::Postgres => kairos_store::testing::fresh_postgres("mail").await?,
    };
    let tenant = store
        .create_tenant(&TenantSlug::parse("acme").unwrap(), "Acme")
        .await
        .unwrap()
        .id;
    store.add_mail_address(tenant, SUPPORT).await.unwrap();
    let blobs = dir.path().join("blobs");
    let mailroom = Mailroom::new(
        store.clone(),
        BlobStore::open(&blobs).unwrap(),
        "mail.acme.test",
    )
    .await
    .unwrap();
    let mut config = SmtpConfig {
        greet_delay: Duration::from_millis(30),
        ..SmtpConfig::default()
    };
    config.limits.hostname = "mx.acme.test".into();
    tune(&mut config);
    let server = SmtpServer::bind("127.0.0.1:0".parse().unwrap(), config, mailroom.clone())
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(server.run(stopped));
    Some(Mailhost {
        store,
        tenant,
        addr,
        blobs,
        mailroom,
        _stop: stop,
        _dir: dir,
    })
}

impl Mailhost {
    /// Every event of the tenant's log.
    pub async fn events(&self) -> Vec<Event> {
        self.store.events(self.tenant, 0, 100_000).await.unwrap()
    }

    /// The conversations opened on the tenant's log, in order.
    pub async fn conversations(&self) -> Vec<kairos_core::ids::ConversationId> {
        self.events()
            .await
            .into_iter()
            .filter_map(|e| match e.data {
                EventData::ConversationOpened {
                    conversation_id, ..
                } => Some(conversation_id),
                _ => None,
            })
            .collect()
    }

    /// The messages on the tenant's log: (external id, subject, text or else HTML,
    /// attachment count).
    pub async fn messages(&self) -> Vec<(Option<String>, Option<String>, String, usize)> {
        self.events()
            .await
            .into_iter()
            .filter_map(|e| match e.data {
                EventData::MessageAppended {
                    external_id,
                    subject,
                    body,
                    attachments,
                    ..
                } => {
                    let content = match body.html {
                        Some(html) if body.text.trim().is_empty() => html,
                        _ => body.text,
                    };
                    Some((external_id, subject, content, attachments.len()))
                }
                _ => None,
            })
            .collect()
    }
}

/// A raw SMTP client.
pub struct Client {
    stream: BufReader<TcpStream>,
}

/// A reply: code and the text of its last line.
pub type Answer = (u16, String);

impl Client {
    /// Connects and reads the greeting.
    pub async fn connect(addr: SocketAddr) -> (Self, Answer) {
        let stream = TcpStream::connect(addr).await.unwrap();
        let mut client = Self {
            stream: BufReader::new(stream),
        };
        let greeting = client.reply().await;
        (client, greeting)
    }

    /// Connects without waiting for the greeting.
    pub async fn connect_silently(addr: SocketAddr) -> Self {
        Self {
            stream: BufReader::new(TcpStream::connect(addr).await.unwrap()),
        }
    }

    /// Reads one (possibly multi-line) reply; `(0, "")` when the server closed.
    pub async fn reply(&mut self) -> Answer {
        let mut last = String::new();
        loop {
            let mut line = String::new();
            let read =
                tokio::time::timeout(Duration::from_secs(30), self.stream.read_line(&mut line))
                    .await
                    .expect("the server did not answer within 30 s");
            match read {
                Ok(0) | Err(_) => return (0, last),
                Ok(_) => {}
            }
            let code = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
            last = line.trim_end().to_owned();
            if line.as_bytes().get(3) != Some(&b'-') {
                return (code, last);
            }
        }
    }

    /// Writes bytes as they are.
    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.get_mut().write_all(bytes).await
    }

    /// Sends one command line and reads the reply.
    pub async fn cmd(&mut self, line: &str) -> Answer {
        self.write(format!("{line}\r\n").as_bytes()).await.unwrap();
        self.reply().await
    }

    /// Whether the server has closed the connection (reads to EOF, discarding).
    pub async fn closed(&mut self) -> bool {
        let mut sink = Vec::new();
        matches!(
            tokio::time::timeout(Duration::from_secs(30), self.stream.read_to_end(&mut sink)).await,
            Ok(Ok(_)) | Ok(Err(_))
        )
    }

    /// A whole transaction; returns the reply to the end of DATA (or the first refusal).
    pub async fn send_mail(&mut self, from: &str, to: &str, message: &[u8]) -> Answer {
        for cmd in [format!("MAIL FROM:<{from}>"), format!("RCPT TO:<{to}>")] {
            let answer = self.cmd(&cmd).await;
            if answer.0 != 250 {
                return answer;
            }
        }
        let answer = self.cmd("DATA").await;
        if answer.0 != 354 {
            return answer;
        }
        self.write(&stuff(message)).await.unwrap();
        self.write(b".\r\n").await.unwrap();
        self.reply().await
    }
}

/// What a sending MTA does to line ends: a bare CR or LF becomes CRLF, and the message
/// ends with CRLF.
pub fn crlf(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 64);
    let mut i = 0;
    while i < message.len() {
        match message[i] {
            b'\r' if message.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 1;
            }
            b'\r' | b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// [`crlf`] plus dot-stuffing: the DATA bytes a sending MTA writes.
pub fn stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 64);
    for line in crlf(message).split_inclusive(|&b| b == b'\n') {
        if line.first() == Some(&b'.') {
            out.push(b'.');
        }
        out.extend_from_slice(line);
    }
    out
}
