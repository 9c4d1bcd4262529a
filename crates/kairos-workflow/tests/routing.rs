//! The routing worker against a real store: capacity, availability, skills and queues.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kairos_core::conversation::{ConversationPatch, Status};
use kairos_core::event::Actor;
use kairos_core::identity::Identity;
use kairos_core::ids::{ConversationId, PartyId, TenantId};
use kairos_core::inbound::InboundCommand;
use kairos_core::message::{Body, Channel};
use kairos_core::party::Role;
use kairos_core::routing::AgentStatus;
use kairos_core::tenant::TenantSlug;
use kairos_store::Store;
use kairos_workflow::routing::route;
use std::time::Duration;

async fn open(store: &Store, tenant: TenantId, who: &str) -> ConversationId {
    let cmd = InboundCommand {
        channel: Channel::Email,
        from: Identity::email(&format!("{who}@example.org")).unwrap(),
        display_name: None,
        subject: None,
        body: Body::new("Hilfe", None).unwrap(),
        attachments: vec![],
        external_id: None,
        conversation_id: None,
    };
    store
        .inbound(tenant, cmd, &Actor::System)
        .await
        .unwrap()
        .0
        .conversation_id
}

async fn assignee(store: &Store, tenant: TenantId, c: ConversationId) -> Option<PartyId> {
    store
        .conversation(tenant, c)
        .await
        .unwrap()
        .unwrap()
        .assignee
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_go_to_available_agents_with_room_and_the_skills() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    let t = store
        .create_tenant(&TenantSlug::parse("acme").unwrap(), "Acme")
        .await
        .unwrap()
        .id;
    let anna = store
        .create_party(
            t,
            Role::Agent,
            Some("anna@acme.example"),
            "Anna",
            None,
            &Actor::System,
        )
        .await
        .unwrap();
    let ben = store
        .create_party(
            t,
            Role::Agent,
            Some("ben@acme.example"),
            "Ben",
            None,
            &Actor::System,
        )
        .await
        .unwrap();
    store
        .set_agent_profile(t, anna, vec!["billing".into()], 1, &Actor::System)
        .await
        .unwrap();
    store
        .set_agent_profile(t, ben, vec![], 5, &Actor::System)
        .await
        .unwrap();
    store
        .set_agent_status(t, anna, AgentStatus::Available, &Actor::System)
        .await
        .unwrap();
    store
        .set_agent_status(t, ben, AgentStatus::Away, &Actor::System)
        .await
        .unwrap();

    let first = open(&store, t, "c1").await;
    let second = open(&store, t, "c2").await;
    assert_eq!(
        route(&store, t).await.unwrap(),
        0,
        "routing is off until enabled"
    );
    let settings = serde_json::json!({"enabled": true, "queues": [{"name": "Rechnungen", "tags": ["invoice"], "skills": ["billing"]}]});
    store
        .put_setting(t, "routing", settings, &Actor::System)
        .await
        .unwrap();

    assert_eq!(
        route(&store, t).await.unwrap(),
        1,
        "Anna has room for one; Ben is away"
    );
    assert_eq!(
        assignee(&store, t, first).await,
        Some(anna),
        "the longest-waiting conversation first"
    );
    assert_eq!(assignee(&store, t, second).await, None);

    store
        .set_agent_status(t, ben, AgentStatus::Available, &Actor::System)
        .await
        .unwrap();
    assert_eq!(route(&store, t).await.unwrap(), 1);
    assert_eq!(assignee(&store, t, second).await, Some(ben));

    // A billing conversation needs Anna's skill; she is full until she resolves hers.
    let invoice = open(&store, t, "c3").await;
    let tag = ConversationPatch {
        tags: Some(vec!["invoice".into()]),
        ..Default::default()
    };
    store
        .patch_conversation(t, invoice, tag, &Actor::System)
        .await
        .unwrap();
    assert_eq!(
        route(&store, t).await.unwrap(),
        0,
        "Ben lacks the skill, Anna the room"
    );
    let resolve = ConversationPatch {
        status: Some(Status::Resolved),
        ..Default::default()
    };
    store
        .patch_conversation(t, first, resolve, &Actor::System)
        .await
        .unwrap();
    assert_eq!(route(&store, t).await.unwrap(), 1);
    assert_eq!(assignee(&store, t, invoice).await, Some(anna));
    let agents = store.agents(t).await.unwrap();
    assert_eq!(agents.iter().map(|a| a.load).sum::<u32>(), 2);
    assert!(store.check().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_worker_assigns_new_conversations() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    let t = store
        .create_tenant(&TenantSlug::parse("acme").unwrap(), "Acme")
        .await
        .unwrap()
        .id;
    let anna = store
        .create_party(
            t,
            Role::Agent,
            Some("anna@acme.example"),
            "Anna",
            None,
            &Actor::System,
        )
        .await
        .unwrap();
    store
        .set_agent_status(t, anna, AgentStatus::Available, &Actor::System)
        .await
        .unwrap();
    store
        .put_setting(
            t,
            "routing",
            serde_json::json!({"enabled": true}),
            &Actor::System,
        )
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(kairos_workflow::routing::run(store.clone(), stopped));
    let c = open(&store, t, "live").await;
    for _ in 0..100 {
        if assignee(&store, t, c).await == Some(anna) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(assignee(&store, t, c).await, Some(anna));
    stop.send_replace(true);
    worker.await.unwrap();
}
