//! The retention worker (privacy issue, item 5; checklist N08, N16): a new tenant's default
//! schedule purges resolved conversations after two years and keeps customers; a tenant that
//! asks for it erases inactive customers; every deletion is an event; recent data stays.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kairos_core::Timestamp;
use kairos_core::conversation::{ConversationPatch, Status};
use kairos_core::event::{Actor, EventData};
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::TenantId;
use kairos_core::inbound::{InboundCommand, InboundIds};
use kairos_core::message::{Attachment, Body, Channel};
use kairos_core::retention::RetentionSettings;
use kairos_core::tenant::TenantSlug;
use kairos_store::Store;
use kairos_store::blobs::BlobStore;
use kairos_workflow::Clock;
use kairos_workflow::retention::{Pass, run_once};
use std::sync::Arc;

fn days_from_now(days: i64) -> Clock {
    Arc::new(move || {
        Timestamp::from_micros(kairos_store::now().as_micros() + days * 86_400 * 1_000_000)
    })
}

async fn write(store: &Store, t: TenantId, who: &str, attachments: Vec<Attachment>) -> InboundIds {
    let cmd = InboundCommand {
        channel: Channel::Email,
        from: Identity::parse(IdentityKind::Email, who, None, None).unwrap(),
        display_name: None,
        subject: Some("Hallo".into()),
        body: Body::new("Eine Frage", None).unwrap(),
        attachments,
        external_id: None,
        conversation_id: None,
    };
    store.inbound(t, cmd, &Actor::System).await.unwrap().0
}

async fn schedules(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::open(dir.path()).unwrap();
    let t = store
        .create_tenant(&TenantSlug::parse("acme").unwrap(), "Acme")
        .await
        .unwrap()
        .id;
    let file = b"old invoice".to_vec();
    let attachment = Attachment {
        filename: "invoice.pdf".into(),
        content_type: "application/pdf".into(),
        size: file.len() as u64,
        sha256: blobs.put(file).await.unwrap(),
    };
    let done = write(&store, t, "done@example.org", vec![attachment.clone()]).await;
    let resolved = ConversationPatch {
        status: Some(Status::Resolved),
        ..ConversationPatch::default()
    };
    store
        .patch_conversation(t, done.conversation_id, resolved, &Actor::System)
        .await
        .unwrap();
    let open = write(&store, t, "open@example.org", vec![]).await;
    // A Wi-Fi login, with the location consent it needs.
    let grant = kairos_core::consent::ConsentCommand {
        purpose: "location".into(),
        action: kairos_core::consent::ConsentAction::Grant,
        data_categories: vec![],
        legal_basis: kairos_core::consent::LegalBasis::Consent,
        method: "api".into(),
        notice_version: "1".into(),
    };
    store
        .record_consent(t, open.customer_id, grant, &Actor::System)
        .await
        .unwrap();
    let login = kairos_store::context::NewContextEvent {
        event_id: "wifi-1".into(),
        subject: kairos_store::context::Subject::Customer(open.customer_id),
        event_type: "wifi.login".into(),
        purpose: "location".into(),
        place: Some("airport".into()),
        time: kairos_store::now(),
        attributes: serde_json::Map::new(),
    };
    store.ingest_context_events(t, vec![login]).await.unwrap();

    // Today nothing is due.
    assert_eq!(
        run_once(&store, &blobs, &days_from_now(0)).await.unwrap(),
        Pass::default()
    );
    // Two years and a day later, the default schedule purges the resolved conversation (not
    // the open one) and the month-old context event.
    let pass = run_once(&store, &blobs, &days_from_now(731)).await.unwrap();
    assert_eq!(
        pass,
        Pass {
            conversations: 1,
            customers: 0,
            context_events: 1,
            blobs: 1
        }
    );
    assert!(
        store
            .context_events(t, open.customer_id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .conversation(t, done.conversation_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .conversation(t, open.conversation_id)
            .await
            .unwrap()
            .is_some()
    );
    assert!(!blobs.contains(&attachment.sha256));
    assert!(
        store.customer(t, done.customer_id).await.unwrap().is_some(),
        "customers are kept by default"
    );
    let events = store.events(t, 0, 1000).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e.data, EventData::ContextEventsPurged { count: 1, .. }))
    );
    assert!(events.iter().any(|e| matches!(&e.data, EventData::ConversationPurged { conversation_id, messages: 1, reason } if *conversation_id == done.conversation_id && reason == "retention")));
    assert!(store.check().await.unwrap().is_empty());

    // A tenant that erases customers inactive for a year.
    let settings = RetentionSettings {
        inactive_customers_days: Some(365),
        ..RetentionSettings::default()
    };
    store
        .put_setting(
            t,
            kairos_core::retention::SETTINGS_KEY,
            serde_json::to_value(settings).unwrap(),
            &Actor::System,
        )
        .await
        .unwrap();
    assert_eq!(
        run_once(&store, &blobs, &days_from_now(100)).await.unwrap(),
        Pass::default()
    );
    let pass = run_once(&store, &blobs, &days_from_now(400)).await.unwrap();
    assert_eq!(pass.customers, 2);
    assert!(store.customer(t, done.customer_id).await.unwrap().is_none());
    assert!(store.customer(t, open.customer_id).await.unwrap().is_none());
    let erased = store
        .events(t, 0, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|e| matches!(e.data, EventData::CustomerErased { .. }))
        .count();
    assert_eq!(erased, 2);
    assert!(store.check().await.unwrap().is_empty());
}

#[tokio::test]
async fn n08_n16_retention_schedules_run_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    schedules(Store::open_sqlite(dir.path()).await.unwrap()).await;
}

#[tokio::test]
async fn n08_n16_retention_schedules_run_on_postgres() {
    if let Some(store) = kairos_store::testing::fresh_postgres("retention").await {
        schedules(store).await;
    }
}
