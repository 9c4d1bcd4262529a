//! One conformance suite, run against every store: SQLite always, PostgreSQL when
//! `KAIROS_TEST_PG_URL` is set (each test gets a fresh database). `.ci/run` always sets it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use kairos_core::DomainError;
use kairos_core::conversation::{ConversationPatch, Priority, Status};
use kairos_core::event::{Actor, EventData};
use kairos_core::identity::Identity;
use kairos_core::inbound::InboundCommand;
use kairos_core::message::{Author, Body, Channel, Direction};
use kairos_core::party::Role;
use kairos_core::reply::PostMessage;
use kairos_core::tenant::TenantSlug;
use kairos_store::{ConversationFilter, IdempotencyBegin, Store, StoreError};

/// A store under test plus what keeps it alive (temp dir or database name).
struct Harness {
    store: Store,
    _dir: Option<tempfile::TempDir>,
}

async fn sqlite() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    Harness {
        store,
        _dir: Some(dir),
    }
}

/// A fresh PostgreSQL database for one test, or `None` (with a loud notice) when no server
/// is configured.
async fn postgres() -> Option<Harness> {
    let Ok(url) = std::env::var("KAIROS_TEST_PG_URL") else {
        eprintln!(
            "\n*** NOTICE: KAIROS_TEST_PG_URL is not set: PostgreSQL conformance tests did NOT run ***\n"
        );
        return None;
    };
    let name = format!("kairos_t_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx_admin(&url).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap();
    let db_url = replace_db(&url, &name);
    let store = Store::open_postgres(&db_url).await.unwrap();
    Some(Harness { store, _dir: None })
}

async fn sqlx_admin(url: &str) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("KAIROS_TEST_PG_URL is set but PostgreSQL is unreachable")
}

fn replace_db(url: &str, db: &str) -> String {
    let (base, _) = url
        .rsplit_once('/')
        .expect("a postgres URL with a database name");
    format!("{base}/{db}")
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite_backend {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::sqlite().await.store).await; })*
        }
        mod postgres_backend {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(h) = super::postgres().await { super::$name(h.store).await; }
            })*
        }
    };
}

conformance!(
    tenant_log_starts_at_one_and_slugs_are_unique,
    inbound_resolves_identities_across_channels,
    same_external_id_concurrently_gives_one_message,
    merge_joins_timelines_and_is_an_event,
    identity_of_another_customer_is_refused,
    conversations_filter_and_paginate,
    patch_changes_and_no_op_patch_writes_nothing,
    notes_are_hidden_from_customer_reads,
    tenants_never_see_each_other,
    event_log_is_gap_free_and_resumable,
    failing_writes_in_a_batch_roll_back_alone,
    idempotency_records_replay_and_detect_mismatch,
    tokens_and_sessions_are_found_by_hash,
    hostile_values_are_stored_verbatim_and_queries_stay_parameterised,
);

fn email_in(from: &str, body: &str, ext: Option<&str>) -> InboundCommand {
    InboundCommand {
        channel: Channel::Email,
        from: Identity::email(from).unwrap(),
        display_name: None,
        subject: Some("Hello".into()),
        body: Body::new(body, None).unwrap(),
        attachments: vec![],
        external_id: ext.map(str::to_owned),
        conversation_id: None,
    }
}

async fn tenant(store: &Store, slug: &str) -> kairos_core::ids::TenantId {
    store
        .create_tenant(&TenantSlug::parse(slug).unwrap(), slug)
        .await
        .unwrap()
        .id
}

async fn tenant_log_starts_at_one_and_slugs_are_unique(store: Store) {
    let t = tenant(&store, "acme").await;
    let events = store.events(t, 0, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].seq, 1);
    assert!(matches!(events[0].data, EventData::TenantCreated { .. }));
    let again = store
        .create_tenant(&TenantSlug::parse("acme").unwrap(), "again")
        .await;
    assert!(
        matches!(again, Err(StoreError::Domain(DomainError::Conflict(_)))),
        "{again:?}"
    );
    assert_eq!(store.tenant_by_slug("acme").await.unwrap().unwrap().id, t);
    assert!(store.tenant_by_slug("nope").await.unwrap().is_none());
}

async fn inbound_resolves_identities_across_channels(store: Store) {
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

async fn same_external_id_concurrently_gives_one_message(store: Store) {
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

async fn merge_joins_timelines_and_is_an_event(store: Store) {
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

async fn identity_of_another_customer_is_refused(store: Store) {
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

async fn conversations_filter_and_paginate(store: Store) {
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

async fn patch_changes_and_no_op_patch_writes_nothing(store: Store) {
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

async fn notes_are_hidden_from_customer_reads(store: Store) {
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

async fn tenants_never_see_each_other(store: Store) {
    let a = tenant(&store, "acme").await;
    let b = tenant(&store, "globex").await;
    let (ids, _) = store
        .inbound(
            a,
            email_in("anna@example.org", "hi", Some("<x@example.org>")),
            &Actor::System,
        )
        .await
        .unwrap();
    assert!(store.customer(b, ids.customer_id).await.unwrap().is_none());
    assert!(
        store
            .conversation(b, ids.conversation_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.message(b, ids.message_id).await.unwrap().is_none());
    assert!(
        store
            .messages(b, ids.conversation_id, true, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .timeline(b, ids.customer_id, true, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .conversations(
                b,
                &ConversationFilter {
                    limit: 10,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .is_empty()
    );
    let patch = store
        .patch_conversation(
            b,
            ids.conversation_id,
            ConversationPatch {
                status: Some(Status::Closed),
                ..Default::default()
            },
            &Actor::System,
        )
        .await;
    assert!(matches!(
        patch,
        Err(StoreError::Domain(DomainError::NotFound(_)))
    ));
    assert!(
        store
            .add_identity(
                b,
                ids.customer_id,
                Identity::email("z@example.org").unwrap(),
                &Actor::System
            )
            .await
            .is_err()
    );
    // The same sender and external id in tenant B is a different customer and message.
    let (other, new) = store
        .inbound(
            b,
            email_in("anna@example.org", "hi", Some("<x@example.org>")),
            &Actor::System,
        )
        .await
        .unwrap();
    assert!(new);
    assert_ne!(other.customer_id, ids.customer_id);
    assert_eq!(
        store
            .conversation(a, ids.conversation_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        Status::Open,
        "unchanged"
    );
}

async fn event_log_is_gap_free_and_resumable(store: Store) {
    let t = tenant(&store, "acme").await;
    let mut notices = store.subscribe();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .inbound(
                    t,
                    email_in(&format!("p{}@example.org", i % 5), "hi", None),
                    &Actor::System,
                )
                .await
                .unwrap()
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let all = store.events(t, 0, 1000).await.unwrap();
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=all.len() as i64).collect::<Vec<_>>(),
        "1, 2, 3, … without gaps"
    );
    let resumed = store.events(t, 10, 5).await.unwrap();
    assert_eq!(
        resumed.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![11, 12, 13, 14, 15]
    );
    let notice = notices.recv().await.unwrap();
    assert_eq!(notice.tenant_id, t);
    let messages = all
        .iter()
        .filter(|e| matches!(e.data, EventData::MessageAppended { .. }))
        .count();
    assert_eq!(messages, 40);
}

async fn idempotency_records_replay_and_detect_mismatch(store: Store) {
    let t = tenant(&store, "acme").await;
    let old = kairos_core::Timestamp::from_micros(0);
    assert_eq!(
        store
            .idempotency_begin(t, "tok", "k1", b"hash-a", old)
            .await
            .unwrap(),
        IdempotencyBegin::Started
    );
    assert_eq!(
        store
            .idempotency_begin(t, "tok", "k1", b"hash-a", old)
            .await
            .unwrap(),
        IdempotencyBegin::InProgress
    );
    store
        .idempotency_finish(t, "tok", "k1", 201, "{\"ok\":true}")
        .await
        .unwrap();
    assert_eq!(
        store
            .idempotency_begin(t, "tok", "k1", b"hash-a", old)
            .await
            .unwrap(),
        IdempotencyBegin::Replay {
            status: 201,
            body: "{\"ok\":true}".into()
        }
    );
    assert_eq!(
        store
            .idempotency_begin(t, "tok", "k1", b"hash-b", old)
            .await
            .unwrap(),
        IdempotencyBegin::Mismatch
    );
    assert_eq!(
        store
            .idempotency_begin(t, "other-scope", "k1", b"hash-b", old)
            .await
            .unwrap(),
        IdempotencyBegin::Started,
        "keys are per scope"
    );
    // A key whose request died (never finished) is taken over once it is stale.
    assert_eq!(
        store
            .idempotency_begin(t, "tok", "k2", b"h", old)
            .await
            .unwrap(),
        IdempotencyBegin::Started
    );
    let future = kairos_core::Timestamp::from_micros(i64::MAX);
    assert_eq!(
        store
            .idempotency_begin(t, "tok", "k2", b"h", future)
            .await
            .unwrap(),
        IdempotencyBegin::Started
    );
    store.idempotency_abandon(t, "tok", "k2").await.unwrap();
    assert_eq!(
        store
            .idempotency_begin(t, "tok", "k2", b"h", old)
            .await
            .unwrap(),
        IdempotencyBegin::Started
    );
    assert!(store.idempotency_expire(future).await.unwrap() >= 3);
}

async fn tokens_and_sessions_are_found_by_hash(store: Store) {
    let t = tenant(&store, "acme").await;
    let party = store
        .create_party(
            t,
            Role::Admin,
            Some("root@acme.example"),
            "Root",
            Some("$argon2id$fake"),
            &Actor::System,
        )
        .await
        .unwrap();
    let dup = store
        .create_party(
            t,
            Role::Agent,
            Some("root@acme.example"),
            "Again",
            None,
            &Actor::System,
        )
        .await;
    assert!(matches!(
        dup,
        Err(StoreError::Domain(DomainError::Conflict(_)))
    ));
    let id = store
        .create_token(
            t,
            Role::Admin,
            Some(party),
            None,
            b"0123456789abcdef0123456789abcdef",
            &Actor::System,
        )
        .await
        .unwrap();
    let found = store
        .token_by_hash(b"0123456789abcdef0123456789abcdef")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.id, found.tenant_id, found.role, found.party_id),
        (id, t, Role::Admin, Some(party))
    );
    assert!(
        store
            .token_by_hash(b"0123456789abcdef0123456789abcdeX")
            .await
            .unwrap()
            .is_none()
    );
    let record = store
        .party_by_email(t, "root@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.password_hash.as_deref(), Some("$argon2id$fake"));
    let session = kairos_store::SessionRecord {
        tenant_id: t,
        party_id: party,
        role: Role::Admin,
        csrf_token: "csrf".into(),
        expires_at: kairos_core::Timestamp::from_micros(i64::MAX),
    };
    store
        .create_session(b"session-hash", &session)
        .await
        .unwrap();
    assert_eq!(
        store.session_by_hash(b"session-hash").await.unwrap(),
        Some(session)
    );
    store.delete_session(b"session-hash").await.unwrap();
    assert!(
        store
            .session_by_hash(b"session-hash")
            .await
            .unwrap()
            .is_none()
    );
    // The token's secret never reaches the log.
    let log = serde_json::to_string(&store.events(t, 0, 100).await.unwrap()).unwrap();
    assert!(!log.contains("0123456789abcdef") && !log.contains("argon2"));
}

/// Checklist B08: SQL payloads in values are data, on both backends.
async fn hostile_values_are_stored_verbatim_and_queries_stay_parameterised(store: Store) {
    let t = tenant(&store, "acme").await;
    let payloads = [
        "' OR 1=1--",
        "1; SELECT pg_sleep(5)",
        "x'); DROP TABLE messages;--",
        "1 AND (SELECT 1 FROM pg_sleep(5))",
        "randomblob(1000000000)",
    ];
    for (i, p) in payloads.iter().enumerate() {
        let mut cmd = email_in(&format!("h{i}@example.org"), p, Some(p));
        cmd.subject = Some((*p).to_owned());
        let (ids, _) = store.inbound(t, cmd, &Actor::System).await.unwrap();
        let stored = store.message(t, ids.message_id).await.unwrap().unwrap();
        assert_eq!(
            (
                stored.body.text.as_str(),
                stored.external_id.as_deref(),
                stored.subject.as_deref()
            ),
            (*p, Some(*p), Some(*p))
        );
        let patch = ConversationPatch {
            tags: Some(vec![(*p).replace(',', " ")]),
            ..Default::default()
        };
        store
            .patch_conversation(t, ids.conversation_id, patch, &Actor::System)
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .conversations(
                t,
                &ConversationFilter {
                    limit: 100,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .len(),
        payloads.len()
    );
}

/// Writes that fail share batches with writes that succeed (group commit): the failures
/// change nothing, the successes all land, and the log stays gap-free.
async fn failing_writes_in_a_batch_roll_back_alone(store: Store) {
    let t = tenant(&store, "acme").await;
    let owner = store
        .create_customer(
            t,
            None,
            vec![Identity::email("taken@example.org").unwrap()],
            &Actor::System,
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..60 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            if i % 3 == 0 {
                let other = store
                    .create_customer(t, None, vec![], &Actor::System)
                    .await
                    .unwrap();
                let taken = store
                    .add_identity(
                        t,
                        other,
                        Identity::email("taken@example.org").unwrap(),
                        &Actor::System,
                    )
                    .await;
                assert!(matches!(
                    taken,
                    Err(StoreError::Domain(DomainError::Conflict(_)))
                ));
                false
            } else {
                store
                    .inbound(
                        t,
                        email_in(
                            &format!("ok{i}@example.org"),
                            "fine",
                            Some(&format!("<{i}@x>")),
                        ),
                        &Actor::System,
                    )
                    .await
                    .unwrap();
                true
            }
        }));
    }
    let mut ok = 0;
    for task in tasks {
        ok += usize::from(task.await.unwrap());
    }
    assert_eq!(ok, 40);
    let events = store.events(t, 0, 10_000).await.unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=events.len() as i64).collect::<Vec<_>>(),
        "gap-free"
    );
    let messages = events
        .iter()
        .filter(|e| matches!(e.data, EventData::MessageAppended { .. }))
        .count();
    assert_eq!(messages, 40);
    assert_eq!(
        store
            .customer(t, owner)
            .await
            .unwrap()
            .unwrap()
            .identities
            .len(),
        1
    );
}
