//! Customers: identity resolution across channels, deduplication, merge, identity ownership.

use crate::{email_in, tenant};
use kairos_core::DomainError;
use kairos_core::event::{Actor, EventData};
use kairos_core::identity::Identity;
use kairos_core::inbound::InboundCommand;
use kairos_core::message::Channel;
use kairos_store::{Store, StoreError};

pub(super) async fn inbound_resolves_identities_across_channels(store: Store) {
    let t = tenant(&store, "acme").await;
    let (first, new) = store
        .inbound(
            t,
            email_in(
                "Anna@Example.org",
                "Mein Router blinkt.",
                Some("<m1@example.org>"),
            ),
            &Actor::System,
        )
        .await
        .unwrap();
    assert!(new);
    assert!(
        store
            .add_identity(
                t,
                first.customer_id,
                Identity::phone("+49 170 1234567").unwrap(),
                &Actor::System
            )
            .await
            .unwrap()
    );
    let chat = InboundCommand {
        channel: Channel::Chat,
        from: Identity::phone("+491701234567").unwrap(),
        subject: None,
        external_id: None,
        ..email_in("x@y.de", "Hallo, noch da?", None)
    };
    let (second, _) = store.inbound(t, chat, &Actor::System).await.unwrap();
    assert_eq!(second.customer_id, first.customer_id);
    assert_eq!(
        second.conversation_id, first.conversation_id,
        "an open conversation is continued across channels"
    );
    let timeline = store
        .timeline(t, first.customer_id, true, 0, 100)
        .await
        .unwrap();
    let channels: Vec<Channel> = timeline.iter().map(|m| m.channel).collect();
    assert_eq!(channels, vec![Channel::Email, Channel::Chat]);
    assert!(timeline[0].seq < timeline[1].seq);
    let conversation = store
        .conversation(t, first.conversation_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conversation.channels, vec![Channel::Email, Channel::Chat]);
    let customer = store.customer(t, first.customer_id).await.unwrap().unwrap();
    assert_eq!(customer.identities.len(), 2);
}

pub(super) async fn same_external_id_concurrently_gives_one_message(store: Store) {
    let t = tenant(&store, "acme").await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .inbound(
                    t,
                    email_in("bob@example.org", "once", Some("<dup@example.org>")),
                    &Actor::System,
                )
                .await
                .unwrap()
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    assert_eq!(
        results.iter().filter(|(_, new)| *new).count(),
        1,
        "exactly one is new"
    );
    assert!(
        results.iter().all(|(ids, _)| *ids == results[0].0),
        "all answers name the same ids"
    );
    let messages = store
        .messages(t, results[0].0.conversation_id, true, 0, 100)
        .await
        .unwrap();
    assert_eq!(messages.len(), 1);
}

pub(super) async fn merge_joins_timelines_and_is_an_event(store: Store) {
    let t = tenant(&store, "acme").await;
    let (a, _) = store
        .inbound(t, email_in("anna@example.org", "one", None), &Actor::System)
        .await
        .unwrap();
    let (b, _) = store
        .inbound(
            t,
            email_in("anna.private@example.net", "two", None),
            &Actor::System,
        )
        .await
        .unwrap();
    assert_ne!(a.customer_id, b.customer_id);
    store
        .merge_customers(t, a.customer_id, b.customer_id, &Actor::System)
        .await
        .unwrap();
    let timeline = store
        .timeline(t, a.customer_id, true, 0, 100)
        .await
        .unwrap();
    assert_eq!(timeline.len(), 2, "nothing lost");
    let merged = store.customer(t, b.customer_id).await.unwrap().unwrap();
    assert_eq!(merged.merged_into, Some(a.customer_id));
    let survivor = store.customer(t, a.customer_id).await.unwrap().unwrap();
    assert_eq!(survivor.identities.len(), 2);
    // A new mail from the merged-away address lands on the survivor.
    let (c, _) = store
        .inbound(
            t,
            email_in("anna.private@example.net", "three", None),
            &Actor::System,
        )
        .await
        .unwrap();
    assert_eq!(c.customer_id, a.customer_id);
    let events = store.events(t, 0, 100).await.unwrap();
    assert!(events.iter().any(|e| matches!(e.data, EventData::CustomersMerged { into, from } if into == a.customer_id && from == b.customer_id)));
    // Merging again, or into itself, is refused and changes nothing.
    assert!(
        store
            .merge_customers(t, a.customer_id, b.customer_id, &Actor::System)
            .await
            .is_err()
    );
    assert!(
        store
            .merge_customers(t, a.customer_id, a.customer_id, &Actor::System)
            .await
            .is_err()
    );
}

pub(super) async fn identity_of_another_customer_is_refused(store: Store) {
    let t = tenant(&store, "acme").await;
    let a = store
        .create_customer(
            t,
            Some("Anna".into()),
            vec![Identity::email("anna@example.org").unwrap()],
            &Actor::System,
        )
        .await
        .unwrap();
    let b = store
        .create_customer(t, Some("Bob".into()), vec![], &Actor::System)
        .await
        .unwrap();
    let err = store
        .add_identity(
            t,
            b,
            Identity::email("ANNA@example.org").unwrap(),
            &Actor::System,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Domain(DomainError::Conflict(_))));
    assert!(
        !store
            .add_identity(
                t,
                a,
                Identity::email("anna@example.org").unwrap(),
                &Actor::System
            )
            .await
            .unwrap(),
        "already there"
    );
    assert!(
        store
            .customer(t, b)
            .await
            .unwrap()
            .unwrap()
            .identities
            .is_empty()
    );
    let dup = store
        .create_customer(
            t,
            None,
            vec![Identity::email("anna@example.org").unwrap()],
            &Actor::System,
        )
        .await;
    assert!(dup.is_err());
}
