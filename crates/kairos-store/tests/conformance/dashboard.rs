//! The dashboard's figures and the workspace's extra reads (SLA due soon, by tier, staff,
//! finding customers), on a seeded store; another tenant's data never counts.

use super::{email_in, tenant};
use kairos_core::Timestamp;
use kairos_core::conversation::{ConversationPatch, Status};
use kairos_core::dashboard::{AgentLoad, Period, SlaDay};
use kairos_core::event::Actor;
use kairos_core::identity::Identity;
use kairos_core::inbound::InboundCommand;
use kairos_core::message::{Author, Body, Channel, Direction};
use kairos_core::party::Role;
use kairos_core::reply::PostMessage;
use kairos_core::sla::SlaSettings;
use kairos_store::{ConversationFilter, Store};

fn chat_in(from: &str, body: &str) -> InboundCommand {
    InboundCommand {
        channel: Channel::Chat,
        display_name: Some("Anna <img src=x onerror=alert(1)>".into()),
        subject: None,
        ..email_in(from, body, None)
    }
}

/// Applies the SLA settings' clocks to everything on the log since they were set.
async fn follow_sla(store: &Store, t: kairos_core::ids::TenantId, settings: &SlaSettings) {
    let cfg = settings.validate().unwrap();
    let consumer = kairos_store::sla::SLA_CONSUMER;
    let after = store.consumer_cursor(t, consumer).await.unwrap().unwrap();
    let events = store.events(t, after, 1000).await.unwrap();
    store
        .sla_follow(t, consumer, after, events, cfg)
        .await
        .unwrap();
}

pub(crate) async fn dashboard_and_workspace_reads_count_only_their_tenant(store: Store) {
    let t = tenant(&store, "acme").await;
    let other = tenant(&store, "globex").await;
    let settings: SlaSettings = serde_json::from_value(serde_json::json!({
        "policies": [{"name": "Standard", "targets": {"normal": {"first_response": 3600, "resolution": 86400}}}]
    }))
    .unwrap();
    store
        .put_setting(
            t,
            "sla",
            serde_json::to_value(&settings).unwrap(),
            &Actor::System,
        )
        .await
        .unwrap();
    let agent = store
        .create_party(
            t,
            Role::Agent,
            Some("a@acme.example"),
            "Agent A",
            None,
            &Actor::System,
        )
        .await
        .unwrap();
    let foreign_agent = store
        .create_party(
            other,
            Role::Agent,
            Some("b@globex.example"),
            "Agent B",
            None,
            &Actor::System,
        )
        .await
        .unwrap();
    let (a, _) = store
        .inbound(
            t,
            email_in("max@example.com", "Rechnung?", None),
            &Actor::System,
        )
        .await
        .unwrap();
    let (b, _) = store
        .inbound(t, chat_in("anna@example.com", "Hallo"), &Actor::System)
        .await
        .unwrap();
    // The other tenant's conversation, reply and assignment must not count here.
    let (x, _) = store
        .inbound(
            other,
            email_in("max@example.com", "Hi", None),
            &Actor::System,
        )
        .await
        .unwrap();
    let reply = |author| PostMessage {
        direction: Direction::Outbound,
        channel: None,
        author,
        subject: None,
        body: Body::new("Gern.", None).unwrap(),
        attachments: vec![],
    };
    store
        .post_message(
            t,
            a.conversation_id,
            None,
            reply(Author::Party { id: agent }),
            &Actor::System,
        )
        .await
        .unwrap();
    store
        .post_message(
            other,
            x.conversation_id,
            None,
            reply(Author::Party { id: foreign_agent }),
            &Actor::System,
        )
        .await
        .unwrap();
    let resolve = ConversationPatch {
        status: Some(Status::Resolved),
        ..ConversationPatch::default()
    };
    store
        .patch_conversation(t, a.conversation_id, resolve, &Actor::System)
        .await
        .unwrap();
    let assign = |id| ConversationPatch {
        assignee: Some(Some(id)),
        ..ConversationPatch::default()
    };
    store
        .patch_conversation(t, b.conversation_id, assign(agent), &Actor::System)
        .await
        .unwrap();
    store
        .patch_conversation(
            other,
            x.conversation_id,
            assign(foreign_agent),
            &Actor::System,
        )
        .await
        .unwrap();
    follow_sla(&store, t, &settings).await;

    let now = kairos_store::now();
    let d = store
        .dashboard_at(t, Period::new(7, "Europe/Berlin", now))
        .await
        .unwrap();
    assert_eq!(d.days.len(), 7);
    assert_eq!(
        d.volume,
        vec![
            (Channel::Email, vec![0, 0, 0, 0, 0, 0, 1]),
            (Channel::Chat, vec![0, 0, 0, 0, 0, 0, 1])
        ]
    );
    assert_eq!(
        d.backlog,
        vec![0, 0, 0, 0, 0, 0, 1],
        "b is open, a resolved"
    );
    assert_eq!(
        d.first_response_sla[6],
        SlaDay {
            met: 1,
            breached: 0
        }
    );
    assert_eq!(
        d.resolution_sla[6],
        SlaDay {
            met: 1,
            breached: 0
        }
    );
    assert!(d.first_response_median[6].is_some());
    assert!(d.resolution_median[6].is_some());
    assert_eq!(
        d.agents,
        vec![AgentLoad {
            party_id: agent,
            open: 1,
            handled: 1
        }]
    );
    let theirs = store.dashboard(other, 7, "").await.unwrap();
    assert_eq!(
        theirs.volume,
        vec![(Channel::Email, vec![0, 0, 0, 0, 0, 0, 1])]
    );
    assert_eq!(theirs.agents[0].party_id, foreign_agent);

    // SLA due soon: b's clocks run (a's were met); nothing is due a day ago.
    let far = Timestamp::from_micros(now.as_micros() + 2 * 86_400_000_000);
    let due = store.sla_due(t, far, 50).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].conversation_id, b.conversation_id);
    assert!(!due[0].breached);
    let past = Timestamp::from_micros(now.as_micros() - 86_400_000_000);
    assert!(store.sla_due(t, past, 50).await.unwrap().is_empty());
    assert!(store.sla_due(other, far, 50).await.unwrap().is_empty());

    // By tier.
    store
        .set_customer_tier(t, b.customer_id, Some("gold".into()), &Actor::System)
        .await
        .unwrap();
    let any = ConversationFilter {
        limit: 50,
        ..ConversationFilter::default()
    };
    let gold = store.conversations_in_tier(t, "gold", &any).await.unwrap();
    assert_eq!(
        gold.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![b.conversation_id]
    );
    assert!(
        store
            .conversations_in_tier(t, "silver", &any)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .conversations_in_tier(other, "gold", &any)
            .await
            .unwrap()
            .is_empty()
    );

    // Staff of this tenant only.
    let staff = store.staff_members(t).await.unwrap();
    assert_eq!(staff.iter().map(|s| s.id).collect::<Vec<_>>(), vec![agent]);

    // Finding customers by name or identity; wildcards match themselves (B08).
    let by_name = store.find_customers(t, "ANNA", 10).await.unwrap();
    assert_eq!(
        by_name.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![b.customer_id]
    );
    let by_mail = store.find_customers(t, "max@exa", 10).await.unwrap();
    assert_eq!(
        by_mail.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![a.customer_id]
    );
    assert!(store.find_customers(t, "%", 10).await.unwrap().is_empty());
    assert!(store.find_customers(t, "_", 10).await.unwrap().is_empty());
    let theirs = store.find_customers(other, "max", 10).await.unwrap();
    assert_eq!(
        theirs.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![x.customer_id]
    );
    let email = Identity::email("anna@example.com").unwrap();
    assert!(
        store
            .customer_by_identity(t, &email)
            .await
            .unwrap()
            .is_some()
    );
}
