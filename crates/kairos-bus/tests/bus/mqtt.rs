//! The MQTT source against Mosquitto.

use crate::helpers::{
    RecordingSink, Source, broker_url, event, hostile_payloads, messages, unique,
};
use crate::private_broker::PrivateBroker;
use kairos_bus::{BusConfig, MqttConfig, MqttSubscription, parse_mqtt_url};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, MqttOptions};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

fn url() -> Option<String> {
    broker_url("KAIROS_TEST_MQTT_URL", "MQTT")
}

/// A QoS 1 publisher whose event loop runs in the background.
async fn publisher(url: &str) -> AsyncClient {
    let u = parse_mqtt_url(url).unwrap();
    let mut o = MqttOptions::new(format!("kt-pub-{}", unique()), u.host, u.port);
    o.set_max_packet_size(Some(1 << 20));
    let (client, mut el) = AsyncClient::new(o, 100);
    tokio::spawn(async move {
        while let Ok(e) = el.poll().await {
            let _ = e;
        }
    });
    client
}

fn config(url: &str, prefix: &str) -> MqttConfig {
    let mut c = MqttConfig::new(
        url,
        vec![
            MqttSubscription {
                topic: format!("{prefix}/+/context"),
                tenant: None,
            },
            MqttSubscription {
                topic: format!("{prefix}/hall-a/#"),
                tenant: Some("acme".into()),
            },
        ],
    );
    c.client_id = format!("kt-{prefix}");
    // The broker forgets the test's session a minute after it ends.
    c.session_expiry_secs = 60;
    c
}

async fn publish(client: &AsyncClient, topic: String, payload: impl Into<Vec<u8>>) {
    client
        .publish(topic, QoS::AtLeastOnce, false, payload.into())
        .await
        .unwrap();
}

/// A source on `cfg` that has subscribed, its sink and a publisher.
async fn running(
    url: &str,
    prefix: &str,
    cfg: MqttConfig,
) -> (Source, Arc<RecordingSink>, AsyncClient) {
    let sink = RecordingSink::new();
    let source = Source::start(mqtt_only(cfg), sink.clone());
    let pubc = publisher(url).await;
    wait_subscribed(&pubc, &sink, prefix).await;
    (source, sink, pubc)
}

fn mqtt_only(cfg: MqttConfig) -> BusConfig {
    BusConfig {
        mqtt: Some(cfg),
        nats: None,
    }
}

/// Publishes probe events until one arrives: the subscription is in place.
async fn wait_subscribed(client: &AsyncClient, sink: &RecordingSink, prefix: &str) {
    let round = unique();
    for i in 0..40 {
        let id = format!("probe-{round}-{i}");
        publish(
            client,
            format!("{prefix}/probe/context"),
            event(&id).to_string(),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(250)).await;
        if sink
            .ok_ids()
            .iter()
            .any(|x| x.starts_with(&format!("probe-{round}-")))
        {
            return;
        }
    }
    panic!("the MQTT source never subscribed");
}

#[tokio::test]
async fn events_arrive_for_the_tenant_their_topic_names() {
    let Some(url) = url() else { return };
    let prefix = format!("kt{}", unique());
    let (source, sink, pubc) = running(&url, &prefix, config(&url, &prefix)).await;

    publish(
        &pubc,
        format!("{prefix}/globex/context"),
        event("one").to_string(),
    )
    .await;
    let at_most_once = event("qos0").to_string();
    pubc.publish(
        format!("{prefix}/initech/context"),
        QoS::AtMostOnce,
        false,
        at_most_once,
    )
    .await
    .unwrap();
    let batch = json!({"events": [event("b1"), event("b2"), event("b3")]});
    publish(&pubc, format!("{prefix}/hall-a/ap/7"), batch.to_string()).await;
    sink.wait_ok("qos0").await;
    let calls = sink.wait_ok("b3").await;
    let one = calls.iter().find(|c| c.events[0]["id"] == "one").unwrap();
    assert_eq!(one.tenant, "globex");
    let b = calls.iter().find(|c| c.events[0]["id"] == "b1").unwrap();
    assert_eq!((b.tenant.as_str(), b.events.len()), ("acme", 3));
    source.stop().await;
}

#[tokio::test]
async fn messages_published_while_kairos_is_away_arrive_when_it_is_back() {
    let Some(url) = url() else { return };
    let prefix = format!("kt{}", unique());
    let cfg = config(&url, &prefix);
    let (source, sink, pubc) = running(&url, &prefix, cfg.clone()).await;
    source.stop().await;

    publish(
        &pubc,
        format!("{prefix}/globex/context"),
        event("while-away").to_string(),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!sink.ok_ids().contains(&"while-away".to_owned()));

    let source = Source::start(mqtt_only(cfg), sink.clone());
    let calls = sink.wait_ok("while-away").await;
    assert!(calls.iter().any(|c| c.tenant == "globex"));
    source.stop().await;
}

#[tokio::test]
async fn a_transient_sink_error_is_retried_until_taken() {
    let Some(url) = url() else { return };
    let prefix = format!("kt{}", unique());
    let (source, sink, pubc) = running(&url, &prefix, config(&url, &prefix)).await;
    let retries = messages("mqtt", "retry");

    sink.transient.store(2, Ordering::SeqCst);
    publish(
        &pubc,
        format!("{prefix}/globex/context"),
        event("flaky").to_string(),
    )
    .await;
    publish(
        &pubc,
        format!("{prefix}/globex/context"),
        event("after").to_string(),
    )
    .await;
    let calls = sink.wait_ok("after").await;
    let flaky: Vec<bool> = calls
        .iter()
        .filter(|c| c.events[0]["id"] == "flaky")
        .map(|c| c.ok)
        .collect();
    assert_eq!(
        flaky,
        [false, false, true],
        "twice refused for now, then taken"
    );
    assert!(messages("mqtt", "retry") >= retries + 2);
    source.stop().await;
}

/// Checklist G06 (unbounded input), B14 (odd names are escaped in logs), H06 (redelivery is
/// harmless): hostile messages are refused and counted, the source lives on and the next
/// good message arrives.
#[tokio::test]
async fn hostile_messages_are_refused_and_do_not_block_the_next() {
    let Some(url) = url() else { return };
    let prefix = format!("kt{}", unique());
    let mut cfg = config(&url, &prefix);
    cfg.max_payload_bytes = 4096;
    let (source, sink, pubc) = running(&url, &prefix, cfg).await;
    let invalid = messages("mqtt", "invalid");

    let good = format!("{prefix}/globex/context");
    let mut hostile: Vec<(String, Vec<u8>)> = hostile_payloads()
        .into_iter()
        .map(|p| (good.clone(), p))
        .collect();
    // Levels naming no tenant (control characters in a topic Mosquitto itself refuses).
    let long = "a".repeat(300);
    for (i, t) in ["Globex", "a b", "..%2f", &long, "ünï"].iter().enumerate() {
        let topic = format!("{prefix}/{t}/context");
        hostile.push((topic, event(&format!("bad-{i}")).to_string().into_bytes()));
    }
    let n = hostile.len() as u64;
    for (topic, payload) in hostile {
        publish(&pubc, topic, payload).await;
    }
    // Far over the packet size the broker was told: it drops it, never sends it to us.
    publish(&pubc, good.clone(), vec![b' '; 200 * 1024]).await;
    publish(&pubc, good.clone(), event("good").to_string()).await;

    let calls = sink.wait_ok("good").await;
    assert!(
        calls.iter().all(|c| c.events[0]["id"] == "good"
            || c.events[0]["id"].as_str().unwrap().starts_with("probe-")),
        "nothing hostile reached the sink: {calls:?}"
    );
    assert!(
        messages("mqtt", "invalid") >= invalid + n,
        "each refusal counted"
    );
    source.stop().await;
}

#[tokio::test]
async fn a_permanent_sink_error_is_acknowledged_not_redelivered() {
    let Some(url) = url() else { return };
    let prefix = format!("kt{}", unique());
    let cfg = config(&url, &prefix);
    let (source, sink, pubc) = running(&url, &prefix, cfg.clone()).await;
    *sink.reject_id.lock().unwrap() = Some("doomed".into());
    let rejected = messages("mqtt", "rejected");
    let topic = format!("{prefix}/globex/context");
    publish(&pubc, topic.clone(), event("doomed").to_string()).await;
    publish(&pubc, topic.clone(), event("next").to_string()).await;
    sink.wait_ok("next").await;
    assert!(messages("mqtt", "rejected") > rejected);
    source.stop().await;
    // A new session run: an unacknowledged message would come again first.
    let source = Source::start(mqtt_only(cfg), sink.clone());
    publish(&pubc, topic, event("last").to_string()).await;
    sink.wait_ok("last").await;
    let doomed = sink
        .calls()
        .iter()
        .filter(|c| c.events[0]["id"] == "doomed")
        .count();
    assert_eq!(doomed, 1, "offered once, acknowledged");
    source.stop().await;
}

#[tokio::test]
async fn mqtts_reaches_a_broker_signed_by_the_configured_ca_only() {
    // Runs where the broker suite runs: it needs Mosquitto and openssl on this machine.
    let Some(_) = url() else { return };
    let broker = PrivateBroker::start();
    let plain = format!("mqtt://127.0.0.1:{}", broker.plain);
    let prefix = format!("kt{}", unique());
    let mut cfg = config(&format!("mqtts://127.0.0.1:{}", broker.tls), &prefix);
    cfg.ca_file = Some(broker.dir.path().join("ca.pem"));
    assert!(mqtt_only(cfg.clone()).validate().is_empty());
    let (source, sink, pubc) = running(&plain, &prefix, cfg.clone()).await;
    publish(
        &pubc,
        format!("{prefix}/globex/context"),
        event("over-tls").to_string(),
    )
    .await;
    sink.wait_ok("over-tls").await;
    source.stop().await;

    // Trusting only the public roots, the handshake fails: the message queued in the
    // session meanwhile stays there until the right CA is configured again.
    publish(
        &pubc,
        format!("{prefix}/globex/context"),
        event("queued").to_string(),
    )
    .await;
    let mut untrusting = cfg.clone();
    untrusting.ca_file = None;
    let source = Source::start(mqtt_only(untrusting), sink.clone());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!sink.ok_ids().contains(&"queued".to_owned()));
    source.stop().await;
    let source = Source::start(mqtt_only(cfg), sink.clone());
    sink.wait_ok("queued").await;
    source.stop().await;
}

#[tokio::test]
async fn the_source_reconnects_and_resubscribes_after_the_broker_restarts() {
    let Some(_) = url() else { return };
    let mut broker = PrivateBroker::start();
    let plain = format!("mqtt://127.0.0.1:{}", broker.plain);
    let prefix = format!("kt{}", unique());
    // The private broker keeps nothing across a restart: the session is new, so the source
    // must subscribe again on its own.
    let (source, sink, _) = running(&plain, &prefix, config(&plain, &prefix)).await;
    broker.restart();
    let pubc = publisher(&plain).await;
    wait_subscribed(&pubc, &sink, &prefix).await;
    publish(
        &pubc,
        format!("{prefix}/globex/context"),
        event("after-restart").to_string(),
    )
    .await;
    sink.wait_ok("after-restart").await;
    source.stop().await;
}
