//! The NATS JetStream source against a real server.

use crate::helpers::{
    RecordingSink, Source, broker_url, event, hostile_payloads, messages, unique,
};
use crate::private_broker::PrivateNats;
use async_nats::jetstream::{self, stream};
use kairos_bus::{BusConfig, NatsConfig, ensure_stream, publish_events};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A test's own stream, subjects and consumer; the stream is deleted by `finish`.
struct Bus {
    cfg: NatsConfig,
    js: jetstream::Context,
}

impl Bus {
    async fn new() -> Option<Self> {
        let url = broker_url("KAIROS_TEST_NATS_URL", "NATS")?;
        Some(Self::at(&url).await)
    }
    async fn at(url: &str) -> Self {
        let id = unique();
        let mut cfg = NatsConfig::new(url);
        cfg.stream = format!("KT_{id}");
        cfg.subject_prefix = format!("kt{id}.context");
        cfg.consumer = format!("c{id}");
        cfg.retention_days = 1;
        // A message handed to a pull request of a source that then stopped comes back
        // after this (in production: 60 s).
        cfg.ack_wait_secs = 2;
        let client = async_nats::connect(url)
            .await
            .unwrap_or_else(|e| panic!("KAIROS_TEST_NATS_URL is set but NATS is unreachable: {e}"));
        Self {
            cfg,
            js: jetstream::new(client),
        }
    }
    fn start(&self, sink: Arc<RecordingSink>) -> Source {
        let config = BusConfig {
            mqtt: None,
            nats: Some(self.cfg.clone()),
        };
        Source::start(config, sink)
    }
    fn subject(&self, tenant: &str) -> String {
        format!("{}.{tenant}", self.cfg.subject_prefix)
    }
    async fn publish_raw(&self, subject: String, payload: Vec<u8>) {
        self.js
            .publish(subject, payload.into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    async fn finish(self) {
        self.js.delete_stream(&self.cfg.stream).await.unwrap();
    }
}

#[tokio::test]
async fn events_arrive_for_the_tenant_their_subject_names() {
    let Some(bus) = Bus::new().await else { return };
    let sink = RecordingSink::new();
    let source = bus.start(sink.clone());
    ensure_stream(&bus.js, &bus.cfg).await.unwrap();

    publish_events(
        &bus.js,
        &bus.cfg.subject_prefix,
        "globex",
        &[event("b1"), event("b2")],
    )
    .await
    .unwrap();
    bus.publish_raw(bus.subject("acme"), event("one").to_string().into_bytes())
        .await;
    let calls = sink.wait_ok("one").await;
    let b = calls.iter().find(|c| c.events[0]["id"] == "b1").unwrap();
    assert_eq!((b.tenant.as_str(), b.events.len()), ("globex", 2));
    assert_eq!(
        calls
            .iter()
            .find(|c| c.events[0]["id"] == "one")
            .unwrap()
            .tenant,
        "acme"
    );
    assert!(
        publish_events(
            &bus.js,
            &bus.cfg.subject_prefix,
            "Not A Slug",
            &[event("x")]
        )
        .await
        .is_err()
    );
    assert!(
        publish_events(&bus.js, &bus.cfg.subject_prefix, "acme", &[])
            .await
            .is_err()
    );
    source.stop().await;
    bus.finish().await;
}

#[tokio::test]
async fn messages_published_while_kairos_is_away_arrive_when_it_is_back() {
    let Some(bus) = Bus::new().await else { return };
    let sink = RecordingSink::new();
    let source = bus.start(sink.clone());
    ensure_stream(&bus.js, &bus.cfg).await.unwrap();
    publish_events(&bus.js, &bus.cfg.subject_prefix, "acme", &[event("first")])
        .await
        .unwrap();
    sink.wait_ok("first").await;
    source.stop().await;

    publish_events(
        &bus.js,
        &bus.cfg.subject_prefix,
        "acme",
        &[event("while-away")],
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!sink.ok_ids().contains(&"while-away".to_owned()));
    let source = bus.start(sink.clone());
    sink.wait_ok("while-away").await;
    assert_eq!(sink.ok_ids(), ["first", "while-away"], "each once");
    source.stop().await;
    bus.finish().await;
}

#[tokio::test]
async fn a_transient_sink_error_is_nakked_and_redelivered() {
    let Some(bus) = Bus::new().await else { return };
    let sink = RecordingSink::new();
    sink.transient.store(2, Ordering::SeqCst);
    let retries = messages("nats", "retry");
    let source = bus.start(sink.clone());
    ensure_stream(&bus.js, &bus.cfg).await.unwrap();
    publish_events(&bus.js, &bus.cfg.subject_prefix, "acme", &[event("flaky")])
        .await
        .unwrap();
    let calls = sink.wait_ok("flaky").await;
    let tries: Vec<bool> = calls.iter().map(|c| c.ok).collect();
    assert_eq!(
        tries,
        [false, false, true],
        "redelivered by JetStream until taken"
    );
    assert!(messages("nats", "retry") >= retries + 2);
    source.stop().await;
    bus.finish().await;
}

/// Checklist G06 (unbounded input), B14 (odd names escaped in logs), H07 (redelivery handled
/// by the application key): hostile messages are terminated (never redelivered) and counted,
/// and the next good message still arrives.
#[tokio::test]
async fn hostile_messages_are_refused_and_do_not_block_the_next() {
    let Some(mut bus) = Bus::new().await else {
        return;
    };
    // A stream made by operators, with a larger message limit than the source takes.
    bus.js
        .create_stream(stream::Config {
            name: bus.cfg.stream.clone(),
            subjects: vec![format!("{}.>", bus.cfg.subject_prefix)],
            retention: stream::RetentionPolicy::WorkQueue,
            ..Default::default()
        })
        .await
        .unwrap();
    bus.cfg.max_payload_bytes = 4096;
    let sink = RecordingSink::new();
    let invalid = messages("nats", "invalid");
    let source = bus.start(sink.clone());

    let good = bus.subject("acme");
    let mut hostile: Vec<(String, Vec<u8>)> = hostile_payloads()
        .into_iter()
        .map(|p| (good.clone(), p))
        .collect();
    // Subjects naming no tenant: upper case, two levels, one letter, control characters, non-ASCII.
    for (i, t) in ["Acme", "acme.extra", "a", "\u{1b}[31mred", "ünï"]
        .iter()
        .enumerate()
    {
        hostile.push((
            bus.subject(t),
            event(&format!("bad-{i}")).to_string().into_bytes(),
        ));
    }
    let n = hostile.len() as u64;
    for (subject, payload) in hostile {
        bus.publish_raw(subject, payload).await;
    }
    publish_events(&bus.js, &bus.cfg.subject_prefix, "acme", &[event("good")])
        .await
        .unwrap();
    let calls = sink.wait_ok("good").await;
    assert_eq!(
        calls.len(),
        1,
        "nothing hostile reached the sink: {calls:?}"
    );
    assert!(
        messages("nats", "invalid") >= invalid + n,
        "each refusal counted"
    );
    // Terminated, not left for redelivery: the work queue is empty.
    let mut stream = bus.js.get_stream(&bus.cfg.stream).await.unwrap();
    for _ in 0..40 {
        if stream.info().await.unwrap().state.messages == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stream.info().await.unwrap().state.messages, 0);
    source.stop().await;
    bus.finish().await;
}

#[tokio::test]
async fn instances_sharing_the_durable_consumer_take_each_message_once() {
    let Some(bus) = Bus::new().await else { return };
    ensure_stream(&bus.js, &bus.cfg).await.unwrap();
    let (one, two) = (RecordingSink::new(), RecordingSink::new());
    let a = bus.start(one.clone());
    let b = bus.start(two.clone());
    let ids: Vec<String> = (0..60).map(|i| format!("e{i}")).collect();
    for id in &ids {
        publish_events(&bus.js, &bus.cfg.subject_prefix, "acme", &[event(id)])
            .await
            .unwrap();
    }
    for _ in 0..200 {
        if one.ok_ids().len() + two.ok_ids().len() >= ids.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for id in one.ok_ids().into_iter().chain(two.ok_ids()) {
        *seen.entry(id).or_default() += 1;
    }
    assert_eq!(seen.len(), ids.len(), "every message handled");
    assert!(seen.values().all(|n| *n == 1), "each once: {seen:?}");
    eprintln!(
        "shared durable: {} and {} messages",
        one.ok_ids().len(),
        two.ok_ids().len()
    );
    a.stop().await;
    b.stop().await;
    bus.finish().await;
}

#[tokio::test]
async fn a_permanent_sink_error_is_terminated_not_redelivered() {
    let Some(bus) = Bus::new().await else { return };
    let sink = RecordingSink::new();
    *sink.reject_id.lock().unwrap() = Some("doomed".into());
    let rejected = messages("nats", "rejected");
    let source = bus.start(sink.clone());
    ensure_stream(&bus.js, &bus.cfg).await.unwrap();
    for id in ["doomed", "next"] {
        publish_events(&bus.js, &bus.cfg.subject_prefix, "acme", &[event(id)])
            .await
            .unwrap();
    }
    sink.wait_ok("next").await;
    // Longer than ack_wait (2 s): an unacknowledged message would have come again by now.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let doomed = sink
        .calls()
        .iter()
        .filter(|c| c.events[0]["id"] == "doomed")
        .count();
    assert_eq!(doomed, 1, "offered once, then terminated");
    assert!(messages("nats", "rejected") > rejected);
    source.stop().await;
    bus.finish().await;
}

#[tokio::test]
async fn the_source_resumes_after_the_server_restarts() {
    // Runs where the broker suite runs: it needs nats-server on this machine.
    if broker_url("KAIROS_TEST_NATS_URL", "NATS").is_none() {
        return;
    }
    let mut server = PrivateNats::start();
    let bus = Bus::at(&format!("nats://127.0.0.1:{}", server.port)).await;
    let sink = RecordingSink::new();
    let source = bus.start(sink.clone());
    ensure_stream(&bus.js, &bus.cfg).await.unwrap();
    publish_events(&bus.js, &bus.cfg.subject_prefix, "acme", &[event("before")])
        .await
        .unwrap();
    sink.wait_ok("before").await;

    server.restart();
    // The publisher's client reconnects by itself; publish until the stream took it.
    let mut stored = false;
    let after = [event("after")];
    for _ in 0..50 {
        let sent = publish_events(&bus.js, &bus.cfg.subject_prefix, "acme", &after);
        if tokio::time::timeout(Duration::from_secs(2), sent)
            .await
            .is_ok_and(|r| r.is_ok())
        {
            stored = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(stored, "the restarted server took the message");
    sink.wait_ok("after").await;
    source.stop().await;
}
