//! Live chat over WebSocket: customer and staff doors, fan-out, resume, receipts, typing,
//! isolation between tenants and customers (checklist M01–M05, A04), and hostile frames.

use crate::helpers::{Backend, TestApp, spawn, spawn_on};
use futures::{SinkExt, StreamExt};
use kairos_core::party::Role;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A test client of the live protocol.
pub(crate) struct Client {
    ws: Ws,
}

impl Client {
    pub(crate) async fn open(
        addr: SocketAddr,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<Self, u16> {
        let mut req = format!("ws://{addr}{path}").into_client_request().unwrap();
        for (k, v) in headers {
            req.headers_mut().insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        match tokio_tungstenite::connect_async(req).await {
            Ok((ws, _)) => Ok(Self { ws }),
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
            Err(e) => panic!("connect failed: {e}"),
        }
    }

    /// Opens a door and authenticates with `token` in the first frame; returns the `ready` frame.
    pub(crate) async fn authed(addr: SocketAddr, path: &str, token: &str) -> (Self, Value) {
        let mut c = Self::open(addr, path, &[]).await.unwrap();
        c.send(json!({"type": "auth", "token": token})).await;
        let ready = c.next_of("ready").await;
        (c, ready)
    }

    pub(crate) async fn send(&mut self, v: Value) {
        self.ws.send(Message::text(v.to_string())).await.unwrap();
    }

    /// The next text frame as JSON; `None` if the socket closed or nothing came within `wait`.
    pub(crate) async fn recv(&mut self, wait: Duration) -> Option<Value> {
        loop {
            match tokio::time::timeout(wait, self.ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => {
                    return Some(serde_json::from_str(t.as_str()).unwrap());
                }
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                _ => return None,
            }
        }
    }

    /// Skips frames until one of type `ty` arrives (within 5 s).
    pub(crate) async fn next_of(&mut self, ty: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let v = self
                .recv(left)
                .await
                .unwrap_or_else(|| panic!("no {ty} frame arrived"));
            if v["type"] == ty {
                return v;
            }
        }
    }

    /// Reads frames until the socket closes; returns the close code.
    pub(crate) async fn close_code(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(Duration::from_secs(5), self.ws.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| f.code.into()),
                Ok(Some(Ok(_))) => continue,
                _ => return None,
            }
        }
    }
}

pub(crate) async fn visitor(app: &TestApp, tenant: &str) -> String {
    let r = app
        .call(
            "POST",
            "/api/v1/chat/visitors",
            None,
            Some(json!({"tenant": tenant})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["visitor_token"].as_str().unwrap().to_owned()
}

/// Drains frames for a moment and returns every `event`/`message` frame seen.
async fn log_frames(c: &mut Client, wait: Duration) -> Vec<Value> {
    let mut out = Vec::new();
    while let Some(v) = c.recv(wait).await {
        if v["type"] == "event" || v["type"] == "message" {
            out.push(v);
        }
    }
    out
}

async fn chat_round_trip(backend: Backend) {
    let Some(app) = spawn_on(backend).await else {
        return;
    };
    let addr = app.serve().await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let agent = app.token(acme, Role::Agent, None).await;
    let foreign_agent = app.token(globex, Role::Agent, None).await;
    let (mut staff, ready) = Client::authed(addr, "/api/v1/staff/socket", &agent).await;
    assert_eq!(ready["role"], "agent");
    let mut foreign = Client::open(
        addr,
        "/api/v1/staff/socket",
        &[("authorization", &format!("Bearer {foreign_agent}"))],
    )
    .await
    .unwrap();
    foreign.next_of("ready").await;

    let token = visitor(&app, "acme").await;
    let (mut customer, ready) = Client::authed(addr, "/api/v1/chat/socket", &token).await;
    assert_eq!(
        ready["customer_id"],
        Value::Null,
        "a new visitor is nobody yet"
    );
    assert_eq!(ready["staff_online"], true);

    customer
        .send(json!({"type": "send", "text": "Hallo, mein Paket fehlt", "client_id": "c1"}))
        .await;
    let sent = customer.next_of("sent").await;
    assert_eq!(sent["client_id"], "c1");
    let conversation = sent["conversation_id"].as_str().unwrap().to_owned();
    let own = customer.next_of("message").await;
    assert_eq!(own["message"]["body"], "Hallo, mein Paket fehlt");

    // The agent sees the message live, then answers on the socket.
    let event = loop {
        let e = staff.next_of("event").await;
        if e["event"]["type"] == "message.appended" {
            break e;
        }
    };
    assert_eq!(
        event["event"]["data"]["body"]["text"],
        "Hallo, mein Paket fehlt"
    );
    customer
        .send(json!({"type": "typing", "conversation_id": conversation, "typing": true}))
        .await;
    let typing = staff.next_of("typing").await;
    assert_eq!(typing["who"]["kind"], "customer");

    staff.send(json!({"type": "send", "conversation_id": conversation, "text": "Wir kümmern uns!", "client_id": "a1"})).await;
    assert_eq!(staff.next_of("sent").await["client_id"], "a1");
    let reply = customer.next_of("message").await;
    assert_eq!(reply["message"]["body"], "Wir kümmern uns!");
    assert_eq!(reply["message"]["direction"], "outbound");
    assert_eq!(reply["message"]["channel"], "chat");

    // Read receipt from the customer reaches the agent as an event.
    let seq = reply["seq"].as_i64().unwrap();
    customer.send(json!({"type": "seen", "conversation_id": conversation, "kind": "read", "up_to_seq": seq})).await;
    customer.next_of("noted").await;
    let seen = loop {
        let e = staff.next_of("event").await;
        if e["event"]["type"] == "conversation.seen" {
            break e;
        }
    };
    assert_eq!(seen["event"]["data"]["up_to_seq"], seq);

    // A04: an internal note reaches staff, never the customer.
    staff.send(json!({"type": "send", "conversation_id": conversation, "text": "VIP, sei nett", "note": true})).await;
    staff.next_of("sent").await;
    let to_customer = log_frames(&mut customer, Duration::from_millis(400)).await;
    assert!(
        to_customer
            .iter()
            .all(|f| f["message"]["body"] != "VIP, sei nett"),
        "{to_customer:?}"
    );

    // M03: the other tenant's agent received nothing of all this.
    let leaked = log_frames(&mut foreign, Duration::from_millis(300)).await;
    assert!(leaked.is_empty(), "other tenant saw: {leaked:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_and_agent_chat_live_sqlite() {
    chat_round_trip(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_and_agent_chat_live_postgres() {
    chat_round_trip(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnected_customer_gets_every_message_it_missed() {
    let app = spawn().await;
    let addr = app.serve().await;
    let acme = app.tenant("acme").await;
    let agent = app.token(acme, Role::Agent, None).await;
    let token = visitor(&app, "acme").await;
    let (mut customer, _) = Client::authed(addr, "/api/v1/chat/socket", &token).await;
    customer
        .send(json!({"type": "send", "text": "Erste Frage", "client_id": "m1"}))
        .await;
    let sent = customer.next_of("sent").await;
    let conversation = sent["conversation_id"].as_str().unwrap().to_owned();
    let last_seq = customer.next_of("message").await["seq"].as_i64().unwrap();
    drop(customer);

    for text in ["Antwort eins", "Antwort zwei"] {
        let r = app
            .call(
                "POST",
                &format!("/api/v1/conversations/{conversation}/messages"),
                Some(&agent),
                Some(json!({"body": text})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    // A resend of the first message after the drop is not stored twice.
    let (mut customer, ready) = Client::authed(addr, "/api/v1/chat/socket", &token).await;
    assert_eq!(
        ready["customer_id"], sent["customer_id"],
        "the visitor is recognised"
    );
    customer
        .send(json!({"type": "resume", "after": last_seq}))
        .await;
    let a = customer.next_of("message").await;
    let b = customer.next_of("message").await;
    assert_eq!(
        (a["message"]["body"].as_str(), b["message"]["body"].as_str()),
        (Some("Antwort eins"), Some("Antwort zwei"))
    );
    assert!(a["seq"].as_i64() < b["seq"].as_i64());
    let resumed = customer.next_of("resumed").await;
    assert_eq!(resumed["complete"], true);
    customer
        .send(json!({"type": "send", "text": "Erste Frage", "client_id": "m1"}))
        .await;
    assert_eq!(
        customer.next_of("sent").await["message_id"],
        sent["message_id"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_cannot_reach_other_customers_conversations() {
    let app = spawn().await;
    let addr = app.serve().await;
    app.tenant("acme").await;
    let (mut alice, _) =
        Client::authed(addr, "/api/v1/chat/socket", &visitor(&app, "acme").await).await;
    alice
        .send(json!({"type": "send", "text": "Alice hier"}))
        .await;
    let alice_conv = alice.next_of("sent").await["conversation_id"].clone();
    let (mut mallory, _) =
        Client::authed(addr, "/api/v1/chat/socket", &visitor(&app, "acme").await).await;
    mallory
        .send(json!({"type": "send", "text": "Mallory hier"}))
        .await;
    mallory.next_of("sent").await;
    // M03: typing, receipts and sends naming Alice's conversation do not reach it.
    mallory
        .send(json!({"type": "typing", "conversation_id": alice_conv, "typing": true}))
        .await;
    assert_eq!(mallory.next_of("error").await["code"], "not_found");
    mallory
        .send(
            json!({"type": "seen", "conversation_id": alice_conv, "kind": "read", "up_to_seq": 1}),
        )
        .await;
    assert_eq!(mallory.next_of("error").await["code"], "not_found");
    mallory
        .send(json!({"type": "send", "conversation_id": alice_conv, "text": "eingeschleust"}))
        .await;
    let sent = mallory.next_of("sent").await;
    assert_ne!(
        sent["conversation_id"], alice_conv,
        "a foreign conversation id starts the sender's own"
    );
    let to_alice = log_frames(&mut alice, Duration::from_millis(400)).await;
    assert!(to_alice.iter().all(|f| !f.to_string().contains("Mallory") && !f.to_string().contains("eingeschleust")), "{to_alice:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_sockets_are_refused_or_closed() {
    let app = spawn().await;
    let addr = app.serve().await;
    let acme = app.tenant("acme").await;
    let customer_token = {
        let c = app
            .call(
                "POST",
                "/api/v1/customers",
                Some(&app.token(acme, Role::Admin, None).await),
                Some(json!({"identities": [{"kind": "email", "value": "c@example.org"}]})),
            )
            .await;
        let id = c.json()["id"].as_str().unwrap().parse().unwrap();
        app.token(acme, Role::Customer, Some(kairos_core::ids::CustomerId(id)))
            .await
    };
    // A customer token cannot use the staff door, neither by header nor by first frame.
    let by_header = Client::open(
        addr,
        "/api/v1/staff/socket",
        &[("authorization", &format!("Bearer {customer_token}"))],
    )
    .await;
    assert_eq!(by_header.err(), Some(403));
    let mut c = Client::open(addr, "/api/v1/staff/socket", &[])
        .await
        .unwrap();
    c.send(json!({"type": "auth", "token": customer_token}))
        .await;
    assert_eq!(c.close_code().await, Some(1008));
    // Forged and truncated visitor tokens (C01 pattern, here for the widget).
    let token = visitor(&app, "acme").await;
    for forged in [
        format!("{}x", &token[..token.len() - 1]),
        token[..token.len() - 4].to_owned(),
        "v1.garbage".to_owned(),
    ] {
        let mut c = Client::open(addr, "/api/v1/chat/socket", &[])
            .await
            .unwrap();
        c.send(json!({"type": "auth", "token": forged})).await;
        assert_eq!(c.close_code().await, Some(1008), "{forged}");
    }
    // Anything but auth first is refused.
    let mut c = Client::open(addr, "/api/v1/chat/socket", &[])
        .await
        .unwrap();
    c.send(json!({"type": "send", "text": "hi"})).await;
    assert_eq!(c.close_code().await, Some(1008));

    let (mut c, _) = Client::authed(addr, "/api/v1/chat/socket", &token).await;
    // Unknown frame types and fields (A05) get an error and the socket stays usable.
    c.send(json!({"type": "sudo"})).await;
    assert_eq!(c.next_of("error").await["code"], "invalid_input");
    c.send(json!({"type": "ping", "tenant_id": "x"})).await;
    assert_eq!(c.next_of("error").await["code"], "invalid_input");
    c.send(json!({"type": "send", "text": "note?", "note": true}))
        .await;
    assert_eq!(c.next_of("error").await["code"], "invalid_input");
    c.send(json!({"type": "ping"})).await;
    c.next_of("pong").await;
    // M04: a flood is rate limited.
    for _ in 0..60 {
        c.send(json!({"type": "ping"})).await;
    }
    c.next_of("error")
        .await
        .get("code")
        .filter(|v| *v == "rate_limited")
        .expect("rate limited");
    // M04: a 100 KiB frame closes the socket (limit 64 KiB).
    let (mut c, _) = Client::authed(addr, "/api/v1/chat/socket", &token).await;
    let _ = c.ws.send(Message::text("x".repeat(100 * 1024))).await;
    assert!(
        matches!(c.close_code().await, Some(1009) | None),
        "message too big"
    );
    // Binary frames are not part of the protocol.
    let (mut c, _) = Client::authed(addr, "/api/v1/chat/socket", &token).await;
    c.ws.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(c.close_code().await, Some(1003));
    // Not a WebSocket request at all: a problem document, not a hang.
    let plain = app.call("GET", "/api/v1/chat/socket", None, None).await;
    assert_eq!(plain.status, 400, "{}", plain.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_sockets_need_our_origin_and_close_on_sign_out() {
    let app = spawn().await;
    let addr = app.serve().await;
    let acme = app.tenant("acme").await;
    let admin = app.token(acme, Role::Admin, None).await;
    let created = app.call("POST", "/api/v1/staff", Some(&admin), Some(json!({"email": "eva@acme.example", "display_name": "Eva", "role": "agent", "password": "correct horse battery"}))).await;
    assert_eq!(created.status, 201);
    let login = app.call("POST", "/api/v1/auth/login", None, Some(json!({"tenant": "acme", "email": "eva@acme.example", "password": "correct horse battery"}))).await;
    let cookie = login.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = login.json()["csrf_token"].as_str().unwrap().to_owned();
    // M01: cross-site WebSocket hijacking — the victim's cookie from a foreign page.
    let foreign = Client::open(
        addr,
        "/api/v1/staff/socket",
        &[("cookie", &cookie), ("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(foreign.err(), Some(403));
    let no_origin = Client::open(addr, "/api/v1/staff/socket", &[("cookie", &cookie)]).await;
    assert_eq!(no_origin.err(), Some(403));
    let origin = format!("http://{addr}");
    let mut own = Client::open(
        addr,
        "/api/v1/staff/socket",
        &[("cookie", &cookie), ("origin", &origin)],
    )
    .await
    .unwrap();
    own.next_of("ready").await;
    // M05: signing out closes the open socket at once.
    let out = app
        .send(
            http::Request::builder()
                .method("POST")
                .uri("/api/v1/auth/logout")
                .header("cookie", &cookie)
                .header("x-csrf-token", &csrf)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(out.status, 204);
    assert_eq!(own.next_of("error").await["code"], "unauthenticated");
    assert_eq!(own.close_code().await, Some(1013));
}
