//! The event log: gap-free and resumable, and failing writes in a batch roll back alone.

use crate::{email_in, tenant};
use kairos_core::DomainError;
use kairos_core::event::{Actor, EventData};
use kairos_core::identity::Identity;
use kairos_store::{Store, StoreError};

pub(super) async fn event_log_is_gap_free_and_resumable(store: Store) {
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

/// Writes that fail share batches with writes that succeed (group commit): the failures
/// change nothing, the successes all land, and the log stays gap-free.
pub(super) async fn failing_writes_in_a_batch_roll_back_alone(store: Store) {
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

/// `Store::check` finds a damaged log (here: an event deleted behind Kairos' back).
#[tokio::test]
async fn check_finds_a_gap_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    let t = tenant(&store, "acme").await;
    store
        .inbound(t, email_in("a@example.org", "hi", None), &Actor::System)
        .await
        .unwrap();
    assert!(
        store.check().await.unwrap().is_empty(),
        "a healthy store has no problems"
    );
    let raw = rusqlite::Connection::open(dir.path().join("kairos.db")).unwrap();
    raw.execute("DELETE FROM events WHERE seq = 2", []).unwrap();
    let problems = store.check().await.unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("tenant acme"), "{problems:?}");
}
