//! Conversations: filtering and pagination, patches, notes hidden from customers.

use crate::{email_in, tenant};
use kairos_core::conversation::{ConversationPatch, Priority, Status};
use kairos_core::event::Actor;
use kairos_core::identity::Identity;
use kairos_core::message::{Author, Body, Channel, Direction};
use kairos_core::party::Role;
use kairos_core::reply::PostMessage;
use kairos_store::{ConversationFilter, Store};

pub(super) async fn conversations_filter_and_paginate(store: Store) {
    let t = tenant(&store, "acme").await;
    let agent = store
        .create_party(
            t,
            Role::Agent,
            Some("agent@acme.example"),
            "Agent",
            None,
            &Actor::System,
        )
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..7 {
        let mut cmd = email_in(&format!("c{i}@example.org"), "hi", None);
        if i % 2 == 0 {
            cmd.channel = Channel::Sms;
            cmd.from = Identity::phone(&format!("+4917012345{i:02}")).unwrap();
        }
        ids.push(
            store
                .inbound(t, cmd, &Actor::System)
                .await
                .unwrap()
                .0
                .conversation_id,
        );
    }
    store
        .patch_conversation(
            t,
            ids[1],
            ConversationPatch {
                assignee: Some(Some(agent)),
                status: Some(Status::Pending),
                ..Default::default()
            },
            &Actor::System,
        )
        .await
        .unwrap();
    let all = |before| ConversationFilter {
        limit: 3,
        before,
        ..Default::default()
    };
    let page1 = store.conversations(t, &all(None)).await.unwrap();
    let page2 = store
        .conversations(t, &all(page1.last().map(|c| c.id)))
        .await
        .unwrap();
    let page3 = store
        .conversations(t, &all(page2.last().map(|c| c.id)))
        .await
        .unwrap();
    let seen: Vec<_> = page1
        .iter()
        .chain(&page2)
        .chain(&page3)
        .map(|c| c.id)
        .collect();
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(
        seen, expected,
        "newest first, every conversation exactly once"
    );
    let sms = store
        .conversations(
            t,
            &ConversationFilter {
                channel: Some(Channel::Sms),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(sms.len(), 4);
    let mine = store
        .conversations(
            t,
            &ConversationFilter {
                assignee: Some(Some(agent)),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(mine.iter().map(|c| c.id).collect::<Vec<_>>(), vec![ids[1]]);
    let unassigned = store
        .conversations(
            t,
            &ConversationFilter {
                assignee: Some(None),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(unassigned.len(), 6);
    let pending = store
        .conversations(
            t,
            &ConversationFilter {
                status: Some(Status::Pending),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
}

pub(super) async fn patch_changes_and_no_op_patch_writes_nothing(store: Store) {
    let t = tenant(&store, "acme").await;
    let (ids, _) = store
        .inbound(t, email_in("anna@example.org", "hi", None), &Actor::System)
        .await
        .unwrap();
    let before = store.events(t, 0, 100).await.unwrap().len();
    let patch = ConversationPatch {
        priority: Some(Priority::Urgent),
        tags: Some(vec!["Billing".into(), "vip".into()]),
        ..Default::default()
    };
    let c = store
        .patch_conversation(t, ids.conversation_id, patch.clone(), &Actor::System)
        .await
        .unwrap();
    assert_eq!(c.priority, Priority::Urgent);
    assert_eq!(c.tags, vec!["billing", "vip"]);
    let stored = store
        .conversation(t, ids.conversation_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.priority, stored.tags.clone()),
        (
            Priority::Urgent,
            vec!["billing".to_string(), "vip".to_string()]
        )
    );
    assert_eq!(store.events(t, 0, 100).await.unwrap().len(), before + 1);
    store
        .patch_conversation(t, ids.conversation_id, patch, &Actor::System)
        .await
        .unwrap();
    assert_eq!(
        store.events(t, 0, 100).await.unwrap().len(),
        before + 1,
        "a no-op patch appends nothing"
    );
    // A resolved conversation reopens on the customer's next message.
    store
        .patch_conversation(
            t,
            ids.conversation_id,
            ConversationPatch {
                status: Some(Status::Resolved),
                ..Default::default()
            },
            &Actor::System,
        )
        .await
        .unwrap();
    let (again, _) = store
        .inbound(
            t,
            email_in("anna@example.org", "still broken", None),
            &Actor::System,
        )
        .await
        .unwrap();
    assert_eq!(again.conversation_id, ids.conversation_id);
    assert_eq!(
        store
            .conversation(t, ids.conversation_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        Status::Open
    );
    // A closed one does not: a new conversation starts.
    store
        .patch_conversation(
            t,
            ids.conversation_id,
            ConversationPatch {
                status: Some(Status::Closed),
                ..Default::default()
            },
            &Actor::System,
        )
        .await
        .unwrap();
    let (fresh, _) = store
        .inbound(
            t,
            email_in("anna@example.org", "new topic", None),
            &Actor::System,
        )
        .await
        .unwrap();
    assert_ne!(fresh.conversation_id, ids.conversation_id);
}

pub(super) async fn notes_are_hidden_from_customer_reads(store: Store) {
    let t = tenant(&store, "acme").await;
    let (ids, _) = store
        .inbound(t, email_in("anna@example.org", "hi", None), &Actor::System)
        .await
        .unwrap();
    let note = PostMessage {
        direction: Direction::Note,
        channel: None,
        author: Author::System,
        subject: None,
        body: Body::new("internal: VIP", None).unwrap(),
        attachments: vec![],
    };
    store
        .post_message(t, ids.conversation_id, None, note, &Actor::System)
        .await
        .unwrap();
    let reply = PostMessage {
        direction: Direction::Outbound,
        channel: None,
        author: Author::System,
        subject: None,
        body: Body::new("Hallo Anna", None).unwrap(),
        attachments: vec![],
    };
    let reply_id = store
        .post_message(t, ids.conversation_id, None, reply, &Actor::System)
        .await
        .unwrap();
    assert_eq!(
        store.message(t, reply_id).await.unwrap().unwrap().channel,
        Channel::Email,
        "replies default to the last channel"
    );
    assert_eq!(
        store
            .messages(t, ids.conversation_id, true, 0, 100)
            .await
            .unwrap()
            .len(),
        3
    );
    let customer_view = store
        .messages(t, ids.conversation_id, false, 0, 100)
        .await
        .unwrap();
    assert_eq!(customer_view.len(), 2);
    assert!(customer_view.iter().all(|m| m.direction != Direction::Note));
    assert_eq!(
        store
            .timeline(t, ids.customer_id, false, 0, 100)
            .await
            .unwrap()
            .len(),
        2
    );
}
