//! Carrying a chat on by e-mail (docs/live-chat.md#offline-and-e-mail): a widget visitor
//! leaves an address, the answer written while they are away goes there by mail, and their
//! reply to it — with our thread token — continues the chat. The address is never bound to
//! the visitor: a visitor who typed someone else's address gets neither that mailbox's
//! later mail nor its owner's history (checklist C01, C05: account takeover).

use crate::helpers::{Backend, Client, Mailhost, SUPPORT, start};
use crate::outbound::{free_port, outbox, reply, sink_on, wait_for};
use kairos_core::event::Actor;
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::{ConversationId, CustomerId};
use kairos_core::inbound::{InboundCommand, InboundIds};
use kairos_core::message::{Body, Channel};

/// A widget visitor's first chat message.
async fn chat(host: &Mailhost, device: &str, text: &str) -> InboundIds {
    let (ids, _) = host
        .store
        .inbound(
            host.tenant,
            InboundCommand {
                channel: Channel::Chat,
                from: Identity::parse(IdentityKind::Device, device, None, None).unwrap(),
                display_name: Some("Jonas".into()),
                subject: None,
                body: Body::new(text, None).unwrap(),
                attachments: Vec::new(),
                external_id: None,
                conversation_id: None,
            },
            &Actor::System,
        )
        .await
        .unwrap();
    ids
}

async fn texts(host: &Mailhost, conversation: ConversationId) -> Vec<String> {
    host.store
        .messages(host.tenant, conversation, false, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|m| m.body.text.trim().to_owned())
        .collect()
}

async fn identities(host: &Mailhost, customer: CustomerId) -> Vec<String> {
    host.store
        .customer(host.tenant, customer)
        .await
        .unwrap()
        .unwrap()
        .identities
        .into_iter()
        .map(|i| format!("{}:{}", i.kind.as_str(), i.value))
        .collect()
}

/// Our Message-ID in a mail the relay got.
fn our_id(mail: &str) -> String {
    kairos_mail::parse::parse(mail.as_bytes())
        .unwrap()
        .message_id
        .unwrap()
}

async fn send(c: &mut Client, from: &str, id: &str, in_reply_to: Option<&str>, text: &str) {
    let threading = in_reply_to
        .map(|t| format!("In-Reply-To: <{t}>\r\nReferences: <{t}>\r\n"))
        .unwrap_or_default();
    let mail = format!(
        "From: {from}\r\nTo: {SUPPORT}\r\nSubject: Re: Paket\r\nMessage-ID: <{id}>\r\n{threading}\r\n{text}\r\n"
    );
    assert_eq!(c.send_mail(from, SUPPORT, mail.as_bytes()).await.0, 250);
}

async fn follow_up_by_mail(backend: Backend) {
    let Some(host) = start(backend, |_| {}).await else {
        return;
    };
    let relay = free_port().await;
    let (sink, _sink_stop) = sink_on(relay).await;
    let _outbox = outbox(&host, relay);
    let visitor = chat(
        &host,
        "0f3c2a9d8e7b4c1a9d8e7b4c1a9d8e7b",
        "Wo ist mein Paket?",
    )
    .await;
    let conversation = visitor.conversation_id;
    host.store
        .set_follow_up(
            host.tenant,
            conversation,
            Some(visitor.customer_id),
            " Jonas@Example.DE ",
            &Actor::Customer {
                id: visitor.customer_id,
            },
        )
        .await
        .unwrap();
    // Another customer's conversation cannot get an address from this visitor.
    let other = chat(&host, "1f3c2a9d8e7b4c1a9d8e7b4c1a9d8e7b", "Hallo").await;
    assert!(
        host.store
            .set_follow_up(
                host.tenant,
                other.conversation_id,
                Some(visitor.customer_id),
                "jonas@example.de",
                &Actor::System
            )
            .await
            .is_err(),
        "A03: a foreign conversation"
    );

    // The visitor left; the answer goes by e-mail to the address they gave.
    reply(&host, conversation, "Das Paket kommt morgen.").await;
    let (envelope, mail) = wait_for("the follow-up mail", async || sink.mails().pop()).await;
    assert_eq!(envelope.recipients, vec!["jonas@example.de".to_owned()]);
    assert!(mail.contains("Das Paket kommt morgen."), "{mail}");
    let token = our_id(&mail);
    assert_eq!(
        identities(&host, visitor.customer_id).await,
        ["device:0f3c2a9d8e7b4c1a9d8e7b4c1a9d8e7b"],
        "leaving an address binds nothing"
    );

    // Jonas answers the mail: it continues the chat, and still binds nothing.
    let (mut c, _) = Client::connect(host.addr).await;
    assert_eq!(c.cmd("EHLO mx.example.de").await.0, 250);
    send(
        &mut c,
        "jonas@example.de",
        "j-1@example.de",
        Some(&token),
        "Danke!",
    )
    .await;
    assert_eq!(
        texts(&host, conversation).await,
        ["Wo ist mein Paket?", "Das Paket kommt morgen.", "Danke!"]
    );
    assert_eq!(
        identities(&host, visitor.customer_id).await,
        ["device:0f3c2a9d8e7b4c1a9d8e7b4c1a9d8e7b"]
    );

    // The same address without the token, and another sender with it: neither joins.
    send(
        &mut c,
        "jonas@example.de",
        "j-2@example.de",
        None,
        "Neue Frage",
    )
    .await;
    send(
        &mut c,
        "mallory@example.org",
        "m-1@example.org",
        Some(&token),
        "Ich auch",
    )
    .await;
    assert_eq!(texts(&host, conversation).await.len(), 3, "C01");
    let conversations = host.conversations().await;
    assert_eq!(
        conversations.len(),
        4,
        "two chats and two new mail conversations"
    );
}

#[tokio::test]
async fn an_absent_visitor_is_answered_by_mail_and_their_reply_continues_the_chat() {
    follow_up_by_mail(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_absent_visitor_is_answered_by_mail_and_their_reply_continues_the_chat_postgres() {
    follow_up_by_mail(Backend::Postgres).await;
}

/// A visitor types Anna's address, and Anna is already a customer (she wrote before). The
/// follow-up reaches her mailbox, but her reply — token and all — stays with her own
/// conversation, and the visitor never sees her or her history.
#[tokio::test]
async fn a_typed_address_of_an_existing_customer_takes_over_nothing() {
    let host = start(Backend::Sqlite, |_| {}).await.unwrap();
    let relay = free_port().await;
    let (sink, _sink_stop) = sink_on(relay).await;
    let _outbox = outbox(&host, relay);
    let (mut c, _) = Client::connect(host.addr).await;
    assert_eq!(c.cmd("EHLO mx.example.org").await.0, 250);
    send(
        &mut c,
        "anna@example.org",
        "a-1@example.org",
        None,
        "Meine Rechnung 2026-11",
    )
    .await;
    let annas = host.conversations().await[0];

    let visitor = chat(&host, "2f3c2a9d8e7b4c1a9d8e7b4c1a9d8e7b", "Hallo").await;
    host.store
        .set_follow_up(
            host.tenant,
            visitor.conversation_id,
            Some(visitor.customer_id),
            "anna@example.org",
            &Actor::System,
        )
        .await
        .unwrap();
    reply(&host, visitor.conversation_id, "Womit können wir helfen?").await;
    let (_, mail) = wait_for("the follow-up mail", async || {
        sink.mails().into_iter().find(|(_, m)| m.contains("Womit"))
    })
    .await;
    let token = our_id(&mail);
    send(
        &mut c,
        "anna@example.org",
        "a-2@example.org",
        Some(&token),
        "Wer sind Sie?",
    )
    .await;

    assert_eq!(
        texts(&host, visitor.conversation_id).await,
        ["Hallo", "Womit können wir helfen?"],
        "Anna's reply did not go to the visitor"
    );
    assert_eq!(
        texts(&host, annas).await,
        ["Meine Rechnung 2026-11", "Wer sind Sie?"]
    );
    assert_eq!(
        identities(&host, visitor.customer_id).await,
        ["device:2f3c2a9d8e7b4c1a9d8e7b4c1a9d8e7b"]
    );
    // Everything the visitor's customer can see: their own chat only.
    let seen = host
        .store
        .timeline(host.tenant, visitor.customer_id, false, 0, 100)
        .await
        .unwrap();
    assert!(
        seen.iter()
            .all(|m| m.conversation_id == visitor.conversation_id),
        "the visitor sees another conversation"
    );
}
