//! `webhook … signed with "NAME"` firings, live: a real HTTP receiver on loopback gets one
//! signed POST per firing (verified with the secret the store handed out), carrying no
//! message body and no contact data (checklist N16); a 500 is retried and a restart's replay
//! sends nothing twice (H02); an unknown secret sends nothing; without `allow_private_hosts` a
//! loopback URL is refused (checklist D01; the odd spellings are unit tests in
//! src/webhook.rs). SQLite always, PostgreSQL when `KAIROS_TEST_PG_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use axum::http::{HeaderMap, StatusCode};
use kairos_context::{ContextDoor, RuntimeConfig, signature, spawn};
use kairos_core::anticipation::{AnticipationSettings, SETTINGS_KEY};
use kairos_core::consent::{ConsentAction, ConsentCommand, LegalBasis};
use kairos_core::event::{Actor, EventData};
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::TenantId;
use kairos_core::tenant::TenantSlug;
use kairos_store::Store;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BODY: &str = "Welcome back, your basket is waiting";
const EMAIL: &str = "anna@example.org";

/// What the receiver got: headers and body of each request.
type Received = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// A receiver on 127.0.0.1 that answers 500 to the first `failures` requests, then 204.
async fn receiver(failures: usize) -> (u16, Received) {
    let got: Received = Arc::default();
    let seen = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let seen = seen.clone();
            async move {
                let mut seen = seen.lock().unwrap();
                seen.push((headers, body.to_vec()));
                if seen.len() <= failures {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (port, got)
}

/// A tenant whose one rule notifies anna and calls the receiver, signed with `secret`.
async fn tenant(store: &Store, port: u16, secret: &str) -> TenantId {
    let tenant = store
        .create_tenant(&TenantSlug::parse("shop").unwrap(), "Shop")
        .await
        .unwrap()
        .id;
    let sys = Actor::System;
    let email = Identity::parse(IdentityKind::Email, EMAIL, None, None).unwrap();
    let anna = store
        .create_customer(tenant, Some("Anna".into()), vec![email], &sys)
        .await
        .unwrap();
    let consent = ConsentCommand {
        purpose: "location".into(),
        action: ConsentAction::Grant,
        data_categories: vec!["location".into()],
        legal_basis: LegalBasis::Consent,
        method: "portal".into(),
        notice_version: "2026-12".into(),
    };
    store
        .record_consent(tenant, anna, consent, &sys)
        .await
        .unwrap();
    let rules = format!(
        "rule \"crm-visit\" version 1\n  when v = presence.wifi where venue = \"shop\"\nthen\n  \
         notify via preferred \"{BODY}\"\n  \
         webhook \"http://127.0.0.1:{port}/hook\" signed with \"{secret}\"\nend\n"
    );
    let settings = AnticipationSettings {
        enabled: true,
        rules,
    };
    store
        .put_setting(
            tenant,
            SETTINGS_KEY,
            serde_json::to_value(settings).unwrap(),
            &sys,
        )
        .await
        .unwrap();
    tenant
}

/// Feeds anna's visit through the door into a runtime and lets it run.
async fn visit(store: &Store, tenant: TenantId, allow_private_hosts: bool) {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let clock: kairos_context::Clock = Arc::new(kairos_store::now);
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let config = RuntimeConfig {
        allow_private_hosts,
        webhook_retry_delays: vec![Duration::from_millis(100); 2],
        ..RuntimeConfig::default()
    };
    let (handle, _task) = spawn(store.clone(), config, clock, stop);
    let door = ContextDoor::with_runtime(store.clone(), handle.clone());
    let ev = json!({
        "id": "visit-1",
        "type": "presence.wifi",
        "time": serde_json::to_value(kairos_store::now()).unwrap(),
        "place": "shop-1",
        "subject": { "kind": "email", "value": EMAIL },
        "attributes": { "venue": "shop" },
    });
    door.ingest(tenant, vec![ev]).await.unwrap();
    handle.sync().await;
}

/// Waits up to five seconds for `n` requests; then returns what came.
async fn wait_for(got: &Received, n: usize) -> Vec<(HeaderMap, Vec<u8>)> {
    for _ in 0..50 {
        if got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    got.lock().unwrap().clone()
}

async fn fired(store: &Store, tenant: TenantId) -> usize {
    store
        .events(tenant, 0, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|e| matches!(&e.data, EventData::AnticipationFired { action, .. } if action == "webhook"))
        .count()
}

async fn delivered_signed_once_after_a_retry(store: Store) {
    let (port, got) = receiver(1).await;
    let tenant = tenant(&store, port, "crm").await;
    let secret = store
        .rotate_webhook_secret(tenant, "crm", &Actor::System)
        .await
        .unwrap();
    visit(&store, tenant, true).await;
    let requests = wait_for(&got, 2).await;
    assert_eq!(
        requests.len(),
        2,
        "the 500 is retried, then it is delivered"
    );
    let (headers, body) = &requests[1];
    assert_eq!(requests[0].1, *body, "the retry sends the same payload");

    // The receiver verifies: recompute HMAC(secret, "<t>.<body>") and compare.
    let sig = headers["kairos-signature"].to_str().unwrap();
    let t: i64 = sig
        .strip_prefix("t=")
        .and_then(|s| s.split(',').next())
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(sig, signature(&secret, t, body));
    assert_ne!(sig, signature("wrong", t, body));
    assert_eq!(headers["content-type"], "application/json");

    let payload: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(headers["kairos-delivery"], payload["id"].as_str().unwrap());
    assert_eq!(payload["rule"], "crm-visit");
    assert_eq!(payload["rule_version"], 1);
    assert_eq!(payload["action"], "webhook");
    assert_eq!(payload["tenant"], json!(tenant));
    assert!(
        payload["explanation"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );
    // Privacy by default: no message body, no contact data.
    let text = String::from_utf8_lossy(body);
    assert!(!text.contains(BODY) && !text.contains("basket"), "{text}");
    assert!(
        !text.contains(EMAIL) && !text.contains("example.org"),
        "{text}"
    );
    assert_eq!(fired(&store, tenant).await, 1);

    // A restart replays the visit: the firing is a duplicate and nothing is sent again.
    visit(&store, tenant, true).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(got.lock().unwrap().len(), 2);
}

async fn unknown_secret_sends_nothing(store: Store) {
    let (port, got) = receiver(0).await;
    let tenant = tenant(&store, port, "nope").await;
    visit(&store, tenant, true).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(got.lock().unwrap().is_empty());
    assert_eq!(
        fired(&store, tenant).await,
        1,
        "the firing is still recorded"
    );
}

async fn private_host_refused(store: Store) {
    let (port, got) = receiver(0).await;
    let tenant = tenant(&store, port, "crm").await;
    store
        .rotate_webhook_secret(tenant, "crm", &Actor::System)
        .await
        .unwrap();
    visit(&store, tenant, false).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(got.lock().unwrap().is_empty(), "127.0.0.1 is not public");
}

async fn sqlite() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    (dir, store)
}

#[tokio::test]
async fn sqlite_delivered_signed_once_after_a_retry() {
    let (_dir, store) = sqlite().await;
    delivered_signed_once_after_a_retry(store).await;
}

#[tokio::test]
async fn sqlite_unknown_secret_sends_nothing() {
    let (_dir, store) = sqlite().await;
    unknown_secret_sends_nothing(store).await;
}

#[tokio::test]
async fn sqlite_private_host_refused() {
    let (_dir, store) = sqlite().await;
    private_host_refused(store).await;
}

#[tokio::test]
async fn postgres_delivered_signed_once_after_a_retry() {
    if let Some(store) = kairos_store::testing::fresh_postgres("context_webhook").await {
        delivered_signed_once_after_a_retry(store).await;
    }
}

#[tokio::test]
async fn postgres_unknown_secret_sends_nothing() {
    if let Some(store) = kairos_store::testing::fresh_postgres("context_webhook_unknown").await {
        unknown_secret_sends_nothing(store).await;
    }
}
