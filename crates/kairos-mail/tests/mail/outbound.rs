//! Outbound mail against a real SMTP peer (Kairos' own listener with a recording delivery):
//! replies thread back, a relay that is down delays mail and loses none, automatic replies
//! keep to RFC 3834 (checklist C10).

use crate::helpers::{Backend, Client, Mailhost, SUPPORT, start};
use kairos_core::event::Actor;
use kairos_core::ids::ConversationId;
use kairos_core::message::{Author, Body, Channel, Direction};
use kairos_core::party::Role;
use kairos_core::reply::PostMessage;
use kairos_mail::outbound::Relay;
use kairos_mail::outbound::worker::{self, OutboxConfig};
use kairos_mail::smtp::session::{Envelope, Reply};
use kairos_mail::smtp::{Delivery, SmtpConfig, SmtpServer};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// What a relay was given: envelope and message.
type Received = Vec<(Envelope, Vec<u8>)>;

/// A relay that records what it is given.
#[derive(Clone, Default)]
pub(crate) struct Sink {
    got: Arc<Mutex<Received>>,
}

impl Delivery for Sink {
    async fn accepts(&self, _address: &str) -> Result<bool, String> {
        Ok(true)
    }
    async fn deliver(&self, envelope: Envelope, raw: Vec<u8>) -> Reply {
        self.got.lock().unwrap().push((envelope, raw));
        Reply::new(250, "2.0.0 queued")
    }
}

impl Sink {
    pub(crate) fn mails(&self) -> Vec<(Envelope, String)> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(e, raw)| (e.clone(), String::from_utf8_lossy(raw).into_owned()))
            .collect()
    }
}

pub(crate) async fn sink_on(addr: SocketAddr) -> (Sink, watch::Sender<bool>) {
    let sink = Sink::default();
    let config = SmtpConfig {
        greet_delay: Duration::from_millis(1),
        ..SmtpConfig::default()
    };
    let server = SmtpServer::bind(addr, config, sink.clone()).await.unwrap();
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(server.run(stopped));
    (sink, stop)
}

/// A loopback port nobody listens on (yet).
pub(crate) async fn free_port() -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap()
}

pub(crate) fn outbox(host: &Mailhost, relay: SocketAddr) -> watch::Sender<bool> {
    let config = OutboxConfig {
        hostname: "mail.acme.test".into(),
        tick: Duration::from_millis(50),
        backoff: vec![Duration::from_millis(200)],
        max_attempts: 1000,
    };
    let relay = Relay::from_url(&format!("smtp://{relay}")).unwrap();
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(worker::run(
        host.store.clone(),
        host.mailroom.tokens().clone(),
        Some(relay),
        config,
        stopped,
    ));
    stop
}

pub(crate) async fn wait_for<T>(what: &str, mut f: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..200 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

pub(crate) async fn reply(host: &Mailhost, conversation: ConversationId, text: &str) {
    host.store
        .post_message(
            host.tenant,
            conversation,
            None,
            PostMessage {
                direction: Direction::Outbound,
                channel: Some(Channel::Email),
                author: Author::System,
                subject: None,
                body: Body::new(text, None).unwrap(),
                attachments: Vec::new(),
            },
            &Actor::Party {
                id: None,
                role: Role::Agent,
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_reply_leaves_by_smtp_and_the_answer_threads_back() {
    reply_threads_back(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_reply_leaves_by_smtp_and_the_answer_threads_back_postgres() {
    reply_threads_back(Backend::Postgres).await;
}

async fn reply_threads_back(backend: Backend) {
    let Some(host) = start(backend, |_| {}).await else {
        return;
    };
    let relay = free_port().await;
    let (sink, _sink_stop) = sink_on(relay).await;
    let _outbox = outbox(&host, relay);
    let (mut c, _) = Client::connect(host.addr).await;
    assert_eq!(c.cmd("EHLO mx.example.org").await.0, 250);
    let first = b"From: Anna Berg <anna@example.org>\r\nTo: support@acme.test\r\nSubject: Kuendigung\r\nMessage-ID: <anna-1@example.org>\r\n\r\nIch moechte kuendigen.\r\n";
    assert_eq!(c.send_mail("anna@example.org", SUPPORT, first).await.0, 250);
    let conversation = host.conversations().await[0];

    reply(&host, conversation, "Gern, hier ist der Link.").await;
    let (envelope, mail) = wait_for("the reply at the relay", async || sink.mails().pop()).await;
    assert_eq!(envelope.mail_from.as_deref(), Some(SUPPORT));
    assert_eq!(envelope.recipients, vec!["anna@example.org".to_owned()]);
    assert!(mail.contains("In-Reply-To: <anna-1@example.org>"), "{mail}");
    assert!(mail.contains("Subject: Re: Kuendigung"), "{mail}");
    assert!(mail.contains("Gern, hier ist der Link."), "{mail}");
    let parsed = kairos_mail::parse::parse(mail.as_bytes()).unwrap();
    let our_id = parsed.message_id.unwrap();
    assert!(
        our_id.starts_with("kairos.") && our_id.ends_with("@mail.acme.test"),
        "{our_id}"
    );

    // Anna also called (a newer conversation, merged onto her), so her answer by mail can
    // only find the first conversation through our Message-ID.
    let anna = host
        .store
        .conversation(host.tenant, conversation)
        .await
        .unwrap()
        .unwrap()
        .customer_id;
    let (call, _) = host
        .store
        .inbound(
            host.tenant,
            kairos_core::inbound::InboundCommand {
                channel: Channel::Voice,
                from: kairos_core::identity::Identity::parse(
                    kairos_core::identity::IdentityKind::Phone,
                    "+49 170 1234567",
                    None,
                    None,
                )
                .unwrap(),
                display_name: None,
                subject: None,
                body: Body::new("Anruf", None).unwrap(),
                attachments: Vec::new(),
                external_id: None,
                conversation_id: None,
            },
            &Actor::System,
        )
        .await
        .unwrap();
    host.store
        .merge_customers(host.tenant, anna, call.customer_id, &Actor::System)
        .await
        .unwrap();
    // The agent waits for Anna; she answers from her mail program (which quotes our
    // Message-ID), and the answer lands in the first conversation and reopens it.
    host.store
        .patch_conversation(
            host.tenant,
            conversation,
            kairos_core::conversation::ConversationPatch {
                status: Some(kairos_core::conversation::Status::Pending),
                ..Default::default()
            },
            &Actor::System,
        )
        .await
        .unwrap();
    let answer = format!(
        "From: anna@example.org\r\nSubject: Re: Re: Kuendigung\r\nMessage-ID: <anna-3@example.org>\r\nIn-Reply-To: <{our_id}>\r\nReferences: <anna-1@example.org> <{our_id}>\r\n\r\nDanke!\r\n"
    );
    assert_eq!(
        c.send_mail("anna@example.org", SUPPORT, answer.as_bytes())
            .await
            .0,
        250
    );
    let messages = host
        .store
        .messages(host.tenant, conversation, false, 0, 100)
        .await
        .unwrap();
    let texts: Vec<&str> = messages.iter().map(|m| m.body.text.trim()).collect();
    assert_eq!(
        texts,
        [
            "Ich moechte kuendigen.",
            "Gern, hier ist der Link.",
            "Danke!"
        ]
    );
    let reopened = host
        .store
        .conversation(host.tenant, conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reopened.status, kairos_core::conversation::Status::Open);
    let outbox = host.store.outbox(host.tenant, 10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].state, "sent");
}

#[tokio::test]
async fn h09_a_relay_that_is_down_delays_mail_and_loses_none() {
    let host = start(Backend::Sqlite, |_| {}).await.unwrap();
    let relay = free_port().await; // nothing listens yet
    let _outbox = outbox(&host, relay);
    let (mut c, _) = Client::connect(host.addr).await;
    assert_eq!(c.cmd("EHLO mx.example.org").await.0, 250);
    let first =
        b"From: anna@example.org\r\nSubject: Hello\r\nMessage-ID: <a1@example.org>\r\n\r\nHi\r\n";
    assert_eq!(c.send_mail("anna@example.org", SUPPORT, first).await.0, 250);
    let conversation = host.conversations().await[0];
    reply(&host, conversation, "first reply").await;
    reply(&host, conversation, "second reply").await;
    // Attempts fail and are rescheduled, with the reason visible.
    let failed = wait_for("failed attempts", async || {
        let rows = host.store.outbox(host.tenant, 10).await.unwrap();
        (rows.len() == 2 && rows.iter().all(|r| r.attempts >= 2)).then_some(rows)
    })
    .await;
    assert!(
        failed
            .iter()
            .all(|r| r.state == "queued" && r.last_error.is_some())
    );
    // The relay comes up: each mail arrives exactly once.
    let (sink, _stop) = sink_on(relay).await;
    wait_for("both mails sent", async || {
        let rows = host.store.outbox(host.tenant, 10).await.unwrap();
        rows.iter().all(|r| r.state == "sent").then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mails = sink.mails();
    assert_eq!(mails.len(), 2, "exactly once each");
    assert!(mails.iter().any(|(_, m)| m.contains("first reply")));
    assert!(mails.iter().any(|(_, m)| m.contains("second reply")));
}

#[tokio::test]
async fn c10_automatic_replies_follow_rfc_3834() {
    let host = start(Backend::Sqlite, |_| {}).await.unwrap();
    host.store
        .put_setting(
            host.tenant,
            "mail",
            json!({"from_name": "Acme Support", "auto_reply": {"subject": "We got your message", "text": "We answer within a day."}}),
            &Actor::System,
        )
        .await
        .unwrap();
    let relay = free_port().await;
    let (sink, _sink_stop) = sink_on(relay).await;
    let _outbox = outbox(&host, relay);
    let (mut c, _) = Client::connect(host.addr).await;
    assert_eq!(c.cmd("EHLO mx.example.org").await.0, 250);
    let send = async |c: &mut Client, from: &str, headers: &str, id: &str| {
        let mail = format!(
            "From: {from}\r\n{headers}Subject: <script>alert(1)</script> buy now\r\nMessage-ID: <{id}>\r\n\r\nbody\r\n"
        );
        assert_eq!(c.send_mail(from, SUPPORT, mail.as_bytes()).await.0, 250);
    };
    send(&mut c, "anna@example.org", "", "x1@example.org").await;
    let (envelope, ack) = wait_for("the acknowledgement", async || sink.mails().pop()).await;
    assert_eq!(envelope.recipients, vec!["anna@example.org".to_owned()]);
    assert!(ack.contains("Auto-Submitted: auto-replied"), "{ack}");
    assert!(ack.contains("In-Reply-To: <x1@example.org>"), "{ack}");
    assert!(ack.contains("Subject: We got your message"), "{ack}");
    assert!(
        !ack.contains("script") && !ack.contains("buy now"),
        "C09: nothing of the sender's mail is reflected"
    );

    // Robots, automated mail, lists, bounces: no answer. Anna again within 4 days: none either.
    send(
        &mut c,
        "other-auto@example.org",
        "Auto-Submitted: auto-replied\r\n",
        "x2@example.org",
    )
    .await;
    send(
        &mut c,
        "news@example.org",
        "List-Id: <news.example.org>\r\n",
        "x3@example.org",
    )
    .await;
    send(
        &mut c,
        "bulk@example.org",
        "Precedence: bulk\r\n",
        "x4@example.org",
    )
    .await;
    send(&mut c, "MAILER-DAEMON@example.org", "", "x5@example.org").await;
    send(&mut c, "noreply@example.org", "", "x6@example.org").await;
    host.store
        .patch_conversation(
            host.tenant,
            only_open_of(&host, "anna@example.org").await,
            kairos_core::conversation::ConversationPatch {
                status: Some(kairos_core::conversation::Status::Closed),
                ..Default::default()
            },
            &Actor::System,
        )
        .await
        .unwrap();
    send(&mut c, "anna@example.org", "", "x7@example.org").await;
    // A null-sender bounce.
    let bounce = b"From: someone@example.org\r\nSubject: Undeliverable\r\nMessage-ID: <b1@example.org>\r\n\r\nbounce\r\n";
    assert_eq!(c.cmd("MAIL FROM:<>").await.0, 250);
    assert_eq!(c.cmd(&format!("RCPT TO:<{SUPPORT}>")).await.0, 250);
    assert_eq!(c.cmd("DATA").await.0, 354);
    c.write(&crate::helpers::stuff(bounce)).await.unwrap();
    assert_eq!(c.cmd(".").await.0, 250);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        sink.mails().len(),
        1,
        "only the first mail was acknowledged"
    );
}

async fn only_open_of(host: &Mailhost, email: &str) -> ConversationId {
    let identity = kairos_core::identity::Identity::parse(
        kairos_core::identity::IdentityKind::Email,
        email,
        None,
        None,
    )
    .unwrap();
    let customer = host
        .store
        .customer_by_identity(host.tenant, &identity)
        .await
        .unwrap()
        .unwrap();
    let filter = kairos_store::ConversationFilter {
        customer: Some(customer),
        limit: 100,
        ..Default::default()
    };
    host.store
        .conversations(host.tenant, &filter)
        .await
        .unwrap()[0]
        .id
}
