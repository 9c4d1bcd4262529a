//! Idempotency records, and tokens and sessions found by their hash.

use crate::tenant;
use kairos_core::DomainError;
use kairos_core::event::Actor;
use kairos_core::party::Role;
use kairos_store::{IdempotencyBegin, Store, StoreError};

pub(super) async fn idempotency_records_replay_and_detect_mismatch(store: Store) {
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

pub(super) async fn tokens_and_sessions_are_found_by_hash(store: Store) {
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
