//! The hooks worker against real stores (SQLite always, PostgreSQL
//! when `KAIROS_TEST_PG_URL` is set): events processed twice give one message (H02), delivery
//! receipts converge whatever their order (H03).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kairos_channels::{ProviderEvent, ProviderEventKind};
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::message::Channel;
use kairos_core::tenant::TenantSlug;
use kairos_store::Store;

async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (Store::open_sqlite(dir.path()).await.unwrap(), dir)
}

async fn postgres() -> Option<Store> {
    let Ok(url) = std::env::var("KAIROS_TEST_PG_URL") else {
        eprintln!(
            "\n*** NOTICE: KAIROS_TEST_PG_URL is not set: PostgreSQL hooks worker tests did NOT run ***\n"
        );
        return None;
    };
    let name = format!("kairos_t_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .expect("PostgreSQL is unreachable");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    Some(
        Store::open_postgres(&format!("{base}/{name}"))
            .await
            .unwrap(),
    )
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
);
