//! Provider channels' bookkeeping: channels are per tenant, the webhook inbox de-duplicates
//! (also concurrently, H02), retries and purges only old done rows (H05), sends are queued
//! once per message, and receipts converge whatever their order (H03).

use crate::tenant;
use kairos_core::Timestamp;
use kairos_core::ids::{ConversationId, MessageId};
use kairos_store::Store;
use kairos_store::hooks::{ProviderSend, SendOutcome};

pub(crate) async fn provider_channels_belong_to_one_tenant(store: Store) {
    let (a, b) = (tenant(&store, "acme").await, tenant(&store, "globex").await);
    let ch = store
        .create_provider_channel(a, "twilio", "SMS", r#"{"auth_token":"t"}"#)
        .await
        .unwrap();
    assert_eq!(store.provider_channels(a).await.unwrap(), vec![ch.clone()]);
    // The outbound consumer starts at the log head: older replies are never sent.
    let outbound = kairos_store::hooks::OUTBOUND_CONSUMER;
    let head = store.log_head(a).await.unwrap();
    assert_eq!(
        store.consumer_cursor(a, outbound).await.unwrap(),
        Some(head)
    );
    assert_eq!(store.consumer_cursor(b, outbound).await.unwrap(), None);
    assert!(store.provider_channels(b).await.unwrap().is_empty());
    assert_eq!(
        store.provider_channel(ch.id).await.unwrap(),
        Some(ch.clone())
    );
    // Another tenant cannot delete it.
    assert!(!store.delete_provider_channel(b, ch.id).await.unwrap());
    assert!(store.webhook_accept(ch.id, "SM1", b"{}").await.unwrap());
    assert!(store.delete_provider_channel(a, ch.id).await.unwrap());
    assert_eq!(store.provider_channel(ch.id).await.unwrap(), None);
    assert!(store.webhook_inbox(ch.id, 10).await.unwrap().is_empty());
}

pub(crate) async fn h02_webhook_inbox_accepts_an_event_once_even_concurrently(store: Store) {
    let t = tenant(&store, "acme").await;
    let ch = store
        .create_provider_channel(t, "telegram", "Bot", "{}")
        .await
        .unwrap();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let s = store.clone();
            tokio::spawn(async move { s.webhook_accept(ch.id, "10000", b"{\"a\":1}").await })
        })
        .collect();
    let mut new = 0;
    for t in tasks {
        new += usize::from(t.await.unwrap().unwrap());
    }
    assert_eq!(new, 1, "one of ten deliveries is new");
    let due = store.webhook_due(kairos_store::now(), 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (
            due[0].tenant_id,
            due[0].provider.as_str(),
            due[0].payload.as_slice()
        ),
        (t, "telegram", &b"{\"a\":1}"[..])
    );
    // A retry is due later, not now.
    let later = Timestamp::from_micros(kairos_store::now().as_micros() + 60_000_000);
    store
        .webhook_failed(ch.id, "10000", "db down", Some(later))
        .await
        .unwrap();
    assert!(
        store
            .webhook_due(kairos_store::now(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let due = store.webhook_due(later, 10).await.unwrap();
    assert_eq!(due[0].attempts, 1);
    store.webhook_done(ch.id, "10000").await.unwrap();
    assert!(store.webhook_due(later, 10).await.unwrap().is_empty());
    // Done rows still de-duplicate.
    assert!(!store.webhook_accept(ch.id, "10000", b"{}").await.unwrap());
    // A permanent failure is kept, not retried.
    assert!(store.webhook_accept(ch.id, "10001", b"{}").await.unwrap());
    store
        .webhook_failed(ch.id, "10001", "bad", None)
        .await
        .unwrap();
    let inbox = store.webhook_inbox(ch.id, 10).await.unwrap();
    let states: Vec<_> = inbox.iter().map(|e| e.state.as_str()).collect();
    assert!(
        states.contains(&"done") && states.contains(&"failed"),
        "{states:?}"
    );
}

pub(crate) async fn h05_purge_forgets_only_done_rows_older_than_the_cutoff(store: Store) {
    let t = tenant(&store, "acme").await;
    let ch = store
        .create_provider_channel(t, "meta", "WA", "{}")
        .await
        .unwrap();
    for id in ["old", "queued"] {
        store.webhook_accept(ch.id, id, b"{}").await.unwrap();
    }
    store.webhook_done(ch.id, "old").await.unwrap();
    // Purging with the retention window keeps a fresh done row.
    let cutoff = Timestamp::from_micros(
        kairos_store::now().as_micros() - kairos_store::hooks::INBOX_RETENTION_MICROS,
    );
    assert_eq!(store.webhook_purge(cutoff).await.unwrap(), 0);
    assert!(!store.webhook_accept(ch.id, "old", b"{}").await.unwrap());
    // After the window it goes; the queued row stays.
    let future = Timestamp::from_micros(kairos_store::now().as_micros() + 1_000_000);
    assert_eq!(store.webhook_purge(future).await.unwrap(), 1);
    let left: Vec<_> = store
        .webhook_inbox(ch.id, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.provider_event_id)
        .collect();
    assert_eq!(left, vec!["queued".to_owned()]);
}

pub(crate) async fn h03_sends_queue_once_and_receipts_converge(store: Store) {
    let t = tenant(&store, "acme").await;
    let ch = store
        .create_provider_channel(t, "meta", "WA", "{}")
        .await
        .unwrap();
    let conversation = ConversationId::new();
    assert_eq!(store.provider_route(t, conversation).await.unwrap(), None);
    store
        .provider_route_set(t, conversation, ch.id, "+491701234567")
        .await
        .unwrap();
    assert_eq!(
        store.provider_route(t, conversation).await.unwrap(),
        Some((ch.id, "+491701234567".to_owned()))
    );
    let send = ProviderSend {
        message_id: MessageId::new(),
        tenant_id: t,
        provider_channel_id: ch.id,
        recipient: "+491701234567".into(),
        text: "hi".into(),
        attempts: 0,
    };
    assert!(store.provider_send_enqueue(&send).await.unwrap());
    assert!(!store.provider_send_enqueue(&send).await.unwrap());
    let now = kairos_store::now();
    assert_eq!(
        store.provider_send_due(now, 10).await.unwrap(),
        vec![send.clone()]
    );
    let later = Timestamp::from_micros(now.as_micros() + 1_000_000);
    store
        .provider_send_attempted(send.message_id, &SendOutcome::Retry(later, "503".into()))
        .await
        .unwrap();
    assert!(store.provider_send_due(now, 10).await.unwrap().is_empty());
    store
        .provider_send_attempted(send.message_id, &SendOutcome::Sent(Some("wamid.1".into())))
        .await
        .unwrap();
    let entry = store.provider_send(send.message_id).await.unwrap().unwrap();
    assert_eq!(
        (
            entry.state.as_str(),
            entry.attempts,
            entry.external_id.as_deref()
        ),
        ("sent", 2, Some("wamid.1"))
    );
    assert!(store.provider_send_due(later, 10).await.unwrap().is_empty());
    // "read" (rank 3) arrives before "sent" (rank 1) and "delivered" (rank 2): it stays.
    for (status, rank) in [("read", 3), ("sent", 1), ("delivered", 2)] {
        store
            .provider_receipt(ch.id, "wamid.1", status, rank)
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .provider_receipt_status(ch.id, "wamid.1")
            .await
            .unwrap()
            .as_deref(),
        Some("read")
    );
    // The consumer cursor can be moved outside a flow.
    store.set_consumer_cursor(t, "test", 7).await.unwrap();
    store.set_consumer_cursor(t, "test", 9).await.unwrap();
    assert_eq!(store.consumer_cursor(t, "test").await.unwrap(), Some(9));
}
