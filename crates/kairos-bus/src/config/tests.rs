use super::*;

fn parse(text: &str) -> Result<BusConfig, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

fn keys(c: &BusConfig) -> Vec<String> {
    c.validate().into_iter().map(|e| e.key).collect()
}

#[test]
fn a_full_example_parses_with_defaults() {
    let c = parse(
        r#"
        [mqtt]
        url = "mqtt://kairos:s3cret@127.0.0.1:1883"
        [[mqtt.subscriptions]]
        topic = "kairos/+/context"
        [[mqtt.subscriptions]]
        topic = "site/hall-a/#"
        tenant = "acme"
        [nats]
        url = "nats://127.0.0.1:4222"
        "#,
    )
    .unwrap();
    assert!(c.validate().is_empty(), "{:?}", c.validate());
    let m = c.mqtt.as_ref().unwrap();
    assert_eq!(m.client_id, "kairos");
    assert_eq!(m.max_payload_bytes, 256 * 1024);
    let n = c.nats.as_ref().unwrap();
    assert_eq!(
        (
            n.stream.as_str(),
            n.subject_prefix.as_str(),
            n.consumer.as_str()
        ),
        ("KAIROS_CONTEXT", "kairos.context", "kairos")
    );
    let u = parse_mqtt_url(&m.url).unwrap();
    assert_eq!((u.host.as_str(), u.port), ("127.0.0.1", 1883));
    assert_eq!(u.password.as_deref(), Some("s3cret"));
    assert!(!format!("{u:?}").contains("s3cret"));
    let shown = c.map_urls(|_| "redacted".into());
    assert_eq!(shown.mqtt.unwrap().url, "redacted");
}

#[test]
fn unknown_keys_are_refused() {
    let err = parse("[mqtt]\nurl = \"mqtt://h\"\nsubscriptions = []\nqos = 2\n").unwrap_err();
    assert!(err.contains("qos"), "{err}");
    let err = parse("[kafka]\n").unwrap_err();
    assert!(err.contains("kafka"), "{err}");
}

#[test]
fn problems_name_their_keys() {
    let c = parse(
        r#"
        [mqtt]
        url = "mqtp://h:8883"
        ca_file = "/etc/ssl/kairos-ca.pem"
        client_id = ""
        max_payload_bytes = 10
        session_expiry_secs = 0
        [[mqtt.subscriptions]]
        topic = "a/+/b/+"
        [[mqtt.subscriptions]]
        topic = "a/b#"
        tenant = "acme"
        [[mqtt.subscriptions]]
        topic = "a/b"
        tenant = "Not A Slug"
        [[mqtt.subscriptions]]
        topic = "a/b"
        [nats]
        url = "http://h"
        stream = "a.b"
        subject_prefix = "kairos.*"
        consumer = ""
        max_deliver = 0
        ack_wait_secs = 0
        retention_days = 0
        max_stream_bytes = 1
        "#,
    )
    .unwrap();
    let k = keys(&c);
    for want in [
        "context_sources.mqtt.url",
        "context_sources.mqtt.client_id",
        "context_sources.mqtt.max_payload_bytes",
        "context_sources.mqtt.session_expiry_secs",
        "context_sources.mqtt.subscriptions[0].topic",
        "context_sources.mqtt.subscriptions[1].topic",
        "context_sources.mqtt.subscriptions[2].tenant",
        "context_sources.mqtt.subscriptions[3].topic",
        "context_sources.nats.url",
        "context_sources.nats.stream",
        "context_sources.nats.subject_prefix",
        "context_sources.nats.consumer",
        "context_sources.nats.max_deliver",
        "context_sources.nats.ack_wait_secs",
        "context_sources.nats.retention_days",
        "context_sources.nats.max_stream_bytes",
    ] {
        assert!(k.iter().any(|x| x == want), "{want} missing in {k:?}");
    }
    let url = c.validate().remove(0).to_string();
    assert!(url.contains("mqtts://"), "{url}");
    let mut c = c.clone();
    let m = c.mqtt.as_mut().unwrap();
    m.url = "mqtt://h".into();
    assert!(
        keys(&c).contains(&"context_sources.mqtt.ca_file".to_owned()),
        "plain MQTT takes no CA"
    );
    let m = c.mqtt.as_mut().unwrap();
    m.url = "mqtts://h".into();
    assert!(
        keys(&c).contains(&"context_sources.mqtt.ca_file".to_owned()),
        "a missing file is named"
    );
    let no_subs = BusConfig {
        mqtt: Some(MqttConfig::new("mqtt://h", vec![])),
        nats: None,
    };
    assert_eq!(keys(&no_subs), ["context_sources.mqtt.subscriptions"]);
}

#[test]
fn mqtt_urls() {
    let u = parse_mqtt_url("mqtt://broker.example").unwrap();
    assert_eq!(
        (u.host.as_str(), u.port, u.username),
        ("broker.example", 1883, None)
    );
    let u = parse_mqtt_url("mqtt://dev@[::1]:1884").unwrap();
    assert_eq!((u.host.as_str(), u.port), ("::1", 1884));
    assert_eq!(u.username.as_deref(), Some("dev"));
    let u = parse_mqtt_url("mqtts://broker.example").unwrap();
    assert_eq!((u.port, u.tls), (8883, true));
    for bad in [
        "http://h",
        "ssl://h",
        "mqtt://",
        "mqtt://h:0",
        "mqtt://h:x",
        "mqtt://h/path",
    ] {
        assert!(parse_mqtt_url(bad).is_err(), "{bad}");
    }
}
