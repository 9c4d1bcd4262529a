//! The hooks and provider outbound workers against real stores (SQLite always, PostgreSQL
//! when `KAIROS_TEST_PG_URL` is set): events processed twice give one message (H02), delivery
//! receipts converge whatever their order (H03), and a provider that is down delays a reply
//! but never loses or doubles it (against a local fake of Twilio's API).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kairos_channels::{ProviderEvent, ProviderEventKind};
use kairos_core::event::Actor;
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::message::Channel;
use kairos_core::reply::PostMessage;
use kairos_core::tenant::TenantSlug;
use kairos_store::Store;
use kairos_workflow::outbound::{self, Options};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (Store::open_sqlite(dir.path()).await.unwrap(), dir)
}

async fn postgres() -> Option<Store> {
    kairos_store::testing::fresh_postgres("hooks worker").await
}

fn phone() -> Identity {
    Identity::parse(IdentityKind::Phone, "+4917012345678", None, None).unwrap()
}

async fn queue(store: &Store, channel: uuid::Uuid, id: &str, kind: ProviderEventKind) -> bool {
    let event = ProviderEvent {
        provider_event_id: id.to_owned(),
        kind,
    };
    let payload = serde_json::to_vec(&event).unwrap();
    store.webhook_accept(channel, id, &payload).await.unwrap()
}

async fn h02_an_event_processed_twice_gives_one_message(store: Store) {
    let t = store
        .create_tenant(&TenantSlug::parse("acme").unwrap(), "Acme")
        .await
        .unwrap()
        .id;
    let ch = store
        .create_provider_channel(t, "twilio", "SMS", "{}")
        .await
        .unwrap();
    let sms = ProviderEventKind::Message {
        channel: Channel::Sms,
        from: phone(),
        display_name: None,
        text: String::new(),
        media_urls: vec!["https://api.twilio.com/media/ME1".into()],
    };
    assert!(queue(&store, ch.id, "SM1", sms).await);
    let now = kairos_store::now();
    assert_eq!(
        kairos_workflow::hooks::process_due(&store, now)
            .await
            .unwrap(),
        1
    );
    // A crash before the row was marked done: it comes round again.
    store
        .webhook_failed(ch.id, "SM1", "crash", Some(now))
        .await
        .unwrap();
    assert_eq!(
        kairos_workflow::hooks::process_due(&store, now)
            .await
            .unwrap(),
        1
    );
    let customer = store
        .customer_by_identity(t, &phone())
        .await
        .unwrap()
        .unwrap();
    let timeline = store.timeline(t, customer, false, 0, 10).await.unwrap();
    assert_eq!(timeline.len(), 1);
    assert_eq!(
        timeline[0].body.text,
        "[media]\n- https://api.twilio.com/media/ME1"
    );
    let inbox = store.webhook_inbox(ch.id, 10).await.unwrap();
    assert_eq!(inbox[0].state, "done");
}

async fn h03_delivery_statuses_converge_in_any_order(store: Store) {
    let t = store
        .create_tenant(&TenantSlug::parse("acme").unwrap(), "Acme")
        .await
        .unwrap()
        .id;
    let ch = store
        .create_provider_channel(t, "meta", "WA", "{}")
        .await
        .unwrap();
    let before = store.log_head(t).await.unwrap();
    // "read" before "delivered" before "sent", for a message Kairos never sent.
    for status in ["read", "delivered", "sent"] {
        let kind = ProviderEventKind::DeliveryStatus {
            external_message_id: "wamid.X".into(),
            status: status.into(),
        };
        queue(&store, ch.id, &format!("wamid.X:{status}"), kind).await;
        kairos_workflow::hooks::process_due(&store, kairos_store::now())
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .provider_receipt_status(ch.id, "wamid.X")
            .await
            .unwrap()
            .as_deref(),
        Some("read")
    );
    assert!(
        store
            .webhook_inbox(ch.id, 10)
            .await
            .unwrap()
            .iter()
            .all(|e| e.state == "done"),
        "nothing failed"
    );
    assert_eq!(
        store.log_head(t).await.unwrap(),
        before,
        "receipts stay off the log"
    );
}

/// A fake Twilio Messages API: fails with 500 `failures` times, then accepts; records every
/// request's authorization and form.
async fn fake_twilio(failures: usize) -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let log = seen.clone();
    let app = axum::Router::new().route(
        "/2010-04-01/Accounts/{sid}/Messages.json",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let (log, calls) = (log.clone(), calls.clone());
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                log.lock().unwrap().push((auth, body));
                if calls.fetch_add(1, Ordering::SeqCst) < failures {
                    return (
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                        axum::Json(serde_json::json!({"code": 20500, "message": "Internal Server Error", "status": 500})),
                    );
                }
                (
                    axum::http::StatusCode::CREATED,
                    axum::Json(serde_json::json!({"sid": "SMout1", "status": "queued"})),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

async fn a_provider_down_twice_delays_the_reply_and_delivers_it_once(store: Store) {
    let (api, seen) = fake_twilio(2).await;
    let t = store
        .create_tenant(&TenantSlug::parse("acme").unwrap(), "Acme")
        .await
        .unwrap()
        .id;
    let config = serde_json::json!({"account_sid": "AC123", "auth_token": "tok",
        "phone_number": "+15005550006", "webhook_url": "https://x.example/h", "api_base_url": api});
    let ch = store
        .create_provider_channel(t, "twilio", "SMS", &config.to_string())
        .await
        .unwrap();
    let sms = ProviderEventKind::Message {
        channel: Channel::Sms,
        from: phone(),
        display_name: None,
        text: "Help!".into(),
        media_urls: vec![],
    };
    queue(&store, ch.id, "SMin1", sms).await;
    kairos_workflow::hooks::process_due(&store, kairos_store::now())
        .await
        .unwrap();
    let customer = store
        .customer_by_identity(t, &phone())
        .await
        .unwrap()
        .unwrap();
    let conversation = store.timeline(t, customer, false, 0, 10).await.unwrap()[0].conversation_id;

    let opts = Options {
        retry_base: Duration::from_millis(50),
        retry_max: Duration::from_millis(200),
        max_attempts: 10,
        timeout: Duration::from_secs(5),
        tick: Duration::from_millis(20),
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(outbound::run(
        store.clone(),
        kairos_workflow::system_clock(),
        opts,
        stopped,
    ));
    let reply = PostMessage {
        direction: kairos_core::message::Direction::Outbound,
        channel: None,
        author: kairos_core::message::Author::System,
        subject: None,
        body: kairos_core::message::Body::new("We are on it.", None).unwrap(),
        attachments: vec![],
    };
    let message = store
        .post_message(t, conversation, None, reply, &Actor::System)
        .await
        .unwrap();
    let mut state = None;
    for _ in 0..200 {
        state = store.provider_send(message).await.unwrap();
        if state.as_ref().is_some_and(|s| s.state == "sent") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    stop.send_replace(true);
    worker.await.unwrap();
    let state = state.expect("queued");
    assert_eq!(
        (
            state.state.as_str(),
            state.attempts,
            state.external_id.as_deref()
        ),
        ("sent", 3, Some("SMout1")),
        "{state:?}"
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "two failures, one success: {seen:?}");
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode("AC123:tok");
    for (auth, form) in &seen {
        assert_eq!(auth, &format!("Basic {basic}"));
        assert_eq!(
            form,
            "To=%2B4917012345678&From=%2B15005550006&Body=We+are+on+it."
        );
    }
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite_backend {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { let (s, _dir) = super::sqlite().await; super::$name(s).await; })*
        }
        mod postgres_backend {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { if let Some(s) = super::postgres().await { super::$name(s).await; } })*
        }
    };
}

on_both!(
    h02_an_event_processed_twice_gives_one_message,
    h03_delivery_statuses_converge_in_any_order,
    a_provider_down_twice_delays_the_reply_and_delivers_it_once,
);
