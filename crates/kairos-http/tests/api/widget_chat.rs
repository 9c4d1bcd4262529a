//! What the chat widget adds to the customer socket (docs/live-chat.md): the pre-chat name
//! names the new customer, an e-mail address left with a message or afterwards is recorded
//! on the conversation (never as an identity), and an agent's reply goes by chat while the
//! visitor is connected and by e-mail to that address once they left. Hostile names and
//! addresses store nothing (checklist B10, A03).

use crate::helpers::spawn;
use crate::live::{Client, visitor};
use kairos_core::party::Role;
use serde_json::{Value, json};
use std::time::Duration;

/// The next staff event of type `ty`.
async fn event_of(staff: &mut Client, ty: &str) -> Value {
    loop {
        let e = staff.next_of("event").await;
        if e["event"]["type"] == ty {
            return e;
        }
    }
}

/// The `message.appended` event of the message with this text.
async fn appended(staff: &mut Client, text: &str) -> Value {
    loop {
        let e = event_of(staff, "message.appended").await;
        if e["event"]["data"]["body"]["text"] == text {
            return e;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_name_themselves_leave_an_address_and_get_answers_by_mail_once_gone() {
    let app = spawn().await;
    let addr = app.serve().await;
    let acme = app.tenant("acme").await;
    let agent = app.token(acme, Role::Agent, None).await;
    let (mut staff, _) = Client::authed(addr, "/api/v1/staff/socket", &agent).await;
    let token = visitor(&app, "acme").await;
    let (mut customer, _) = Client::authed(addr, "/api/v1/chat/socket", &token).await;

    // B10: a name with a line break, or an address that is none, is refused with the send.
    for (i, extra) in [
        json!({"name": "Eve\r\nBcc: all@example.org"}),
        json!({"name": "x".repeat(101)}),
        json!({"email": "jonas@example.de\r\nBcc: all@example.org"}),
        json!({"email": "not an address"}),
    ]
    .into_iter()
    .enumerate()
    {
        let mut frame = json!({"type": "send", "text": "Hallo", "client_id": format!("bad{i}")});
        frame
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        customer.send(frame).await;
        let error = customer.next_of("error").await;
        assert_eq!(error["client_id"], format!("bad{i}"), "{error}");
        assert_eq!(error["code"], "invalid_input", "{error}");
    }
    assert!(
        app.store
            .events(acme, 0, 100)
            .await
            .unwrap()
            .iter()
            .all(|e| { !matches!(e.data.name(), "message.appended" | "customer.created") }),
        "a refused send stored something"
    );

    customer
        .send(
            json!({"type": "send", "text": "Wo ist mein Paket?", "client_id": "c1",
            "name": " Jonas Weber ", "email": "Jonas@Example.DE"}),
        )
        .await;
    let sent = customer.next_of("sent").await;
    let conversation = sent["conversation_id"].as_str().unwrap().to_owned();
    let customer_id = sent["customer_id"].as_str().unwrap().to_owned();
    let profile = app
        .call(
            "GET",
            &format!("/api/v1/customers/{customer_id}"),
            Some(&agent),
            None,
        )
        .await;
    let profile = profile.json();
    assert_eq!(profile["display_name"], "Jonas Weber");
    let kinds: Vec<&str> = profile["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["device"], "the address is not an identity");
    let follow_up = event_of(&mut staff, "conversation.follow_up").await;
    assert_eq!(follow_up["event"]["data"]["email"], "jonas@example.de");
    assert_eq!(follow_up["event"]["data"]["conversation_id"], conversation);

    // A03: an address for somebody else's conversation is refused as not found.
    let other = visitor(&app, "acme").await;
    let (mut stranger, _) = Client::authed(addr, "/api/v1/chat/socket", &other).await;
    stranger
        .send(json!({"type": "send", "text": "Hi", "client_id": "s1"}))
        .await;
    stranger.next_of("sent").await;
    stranger
        .send(json!({"type": "follow_up", "conversation_id": conversation, "email": "mallory@example.org"}))
        .await;
    assert_eq!(stranger.next_of("error").await["code"], "not_found");
    // The owner may change it (the widget's offline form).
    customer
        .send(json!({"type": "follow_up", "conversation_id": conversation, "email": "jonas.w@example.de"}))
        .await;
    customer.next_of("noted").await;

    // Connected: the answer goes by chat.
    staff
        .send(json!({"type": "send", "conversation_id": conversation, "text": "Moment bitte"}))
        .await;
    let live = customer.next_of("message").await;
    assert_eq!(live["message"]["channel"], "chat");

    // Gone: the next answer goes by e-mail (the outbox sends it to the address).
    drop(customer);
    let mut channel = Value::Null;
    for i in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let text = format!("Das Paket kommt morgen ({i})");
        staff
            .send(json!({"type": "send", "conversation_id": conversation, "text": text}))
            .await;
        staff.next_of("sent").await;
        channel = appended(&mut staff, &text).await["event"]["data"]["channel"].clone();
        if channel == "email" {
            break;
        }
    }
    assert_eq!(
        channel, "email",
        "an absent visitor's answer stayed in the chat"
    );
}
