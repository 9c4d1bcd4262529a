//! Channel switching (issue: omnichannel, item 6): a customer starts in the chat widget,
//! continues by e-mail and calls later — one customer, one conversation, one timeline; the
//! agent answers on the channel the composer chooses, and the chat socket sees it live.

use crate::helpers::spawn;
use futures::{SinkExt, StreamExt};
use kairos_core::party::Role;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

async fn next_of(
    ws: &mut (impl StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin),
    ty: &str,
) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a frame in time")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["type"] == ty {
                return v;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_then_email_then_call_is_one_customer_and_one_conversation() {
    let app = spawn().await;
    let addr = app.serve().await;
    let t = app.tenant("acme").await;
    let agent = app.token(t, Role::Agent, None).await;

    // 1. Chat from the widget.
    let visitor = app
        .call(
            "POST",
            "/api/v1/chat/visitors",
            None,
            Some(json!({"tenant": "acme"})),
        )
        .await
        .json();
    let (mut chat, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/chat/socket"))
        .await
        .unwrap();
    chat.send(Message::text(
        json!({"type": "auth", "token": visitor["visitor_token"]}).to_string(),
    ))
    .await
    .unwrap();
    next_of(&mut chat, "ready").await;
    chat.send(Message::text(
        json!({"type": "send", "text": "Mein Router blinkt rot"}).to_string(),
    ))
    .await
    .unwrap();
    let sent = next_of(&mut chat, "sent").await;
    let (customer, conversation) = (
        sent["customer_id"].as_str().unwrap().to_owned(),
        sent["conversation_id"].as_str().unwrap().to_owned(),
    );

    // The agent learns her e-mail and phone in the chat and records them on the customer.
    for (kind, value) in [("email", "anna@example.org"), ("phone", "+49 170 1234567")] {
        let r = app
            .call(
                "POST",
                &format!("/api/v1/customers/{customer}/identities"),
                Some(&agent),
                Some(json!({"kind": kind, "value": value})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
    }

    // 2. She follows up by e-mail, 3. then calls.
    let mail = app
        .inbound(
            &agent,
            "email",
            "email",
            "Anna@Example.org",
            "Noch immer rot, Foto anbei",
            Some("<m1@example.org>"),
        )
        .await;
    let call = app
        .inbound(
            &agent,
            "voice",
            "phone",
            "+491701234567",
            "Anruf: 4:12 min",
            Some("CA-1"),
        )
        .await;
    for r in [&mail, &call] {
        assert_eq!(r.status, 201, "{}", r.text());
        assert_eq!(r.json()["customer_id"], customer.as_str(), "one customer");
        assert_eq!(
            r.json()["conversation_id"],
            conversation.as_str(),
            "one conversation"
        );
    }

    // The agent answers by e-mail although she last called: the composer chooses.
    let reply = app
        .call(
            "POST",
            &format!("/api/v1/conversations/{conversation}/messages"),
            Some(&agent),
            Some(json!({"body": "Wir schicken einen neuen Router.", "channel": "email"})),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json()["channel"], "email");
    // The chat socket, still open, sees every touchpoint of her conversation live.
    let mut bodies = Vec::new();
    while bodies.len() < 4 {
        bodies.push(
            next_of(&mut chat, "message").await["message"]["body"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(
        bodies,
        [
            "Mein Router blinkt rot",
            "Noch immer rot, Foto anbei",
            "Anruf: 4:12 min",
            "Wir schicken einen neuen Router."
        ]
    );

    let timeline = app
        .call(
            "GET",
            &format!("/api/v1/customers/{customer}/timeline"),
            Some(&agent),
            None,
        )
        .await
        .json();
    let channels: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels, ["chat", "email", "voice", "email"]);
    let c = app
        .call(
            "GET",
            &format!("/api/v1/conversations/{conversation}"),
            Some(&agent),
            None,
        )
        .await
        .json();
    assert_eq!(c["channels"], json!(["email", "chat", "voice"]), "{c}");
}
