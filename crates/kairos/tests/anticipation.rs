//! The anticipation issue's acceptance, as a new user would run it: a real server with the
//! shipped airport rules, Wi-Fi logins and a flight feed published with `mosquitto_pub` to a
//! real Mosquitto, a notification with arrival time and gate on the customer's timeline, one
//! coffee coupon whose QR code `zbarimg` decodes to a redemption URL that works once; the
//! same events for a customer without location consent store and fire nothing (checklist
//! N12). Needs `KAIROS_TEST_MQTT_URL` (`.ci/run` sets it) and Debian's `mosquitto_pub` and
//! `zbarimg` (`.ci/run` installs them).
#![allow(clippy::expect_used, clippy::unwrap_used)]

use kairos::config::Config;
use kairos::startup::Application;
use kairos_anticipation::ContextEvent;
use kairos_core::Timestamp;
use kairos_core::consent::{ConsentAction, ConsentCommand, LegalBasis};
use kairos_core::event::Actor;
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::{CustomerId, TenantId};
use kairos_core::message::Direction;
use kairos_core::party::Role;
use kairos_core::tenant::TenantSlug;
use kairos_store::Store;
use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;

const RULES: &str = include_str!("../../../examples/anticipation/airport.rules");
const EVENTS: &str = include_str!("../../../examples/anticipation/airport-events.jsonl");

fn tool(name: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is missing; .ci/run installs it"
        );
        eprintln!(
            "\n*** NOTICE: {name} not installed: the MQTT + QR acceptance test is SKIPPED ***\n"
        );
    }
    found
}

/// The example's events of `who` (and of the flight feed, with `feed`), moved so that the
/// last of them happened a quarter of an hour ago, on the wire with `who` as `alias`'s
/// e-mail address.
fn shifted(who: &str, alias: &str, feed: bool) -> Vec<Value> {
    let events: Vec<ContextEvent> = EVENTS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|e: &ContextEvent| e.subject == who || e.subject.starts_with("feed:"))
        .collect();
    // The shift is the same with or without the feed: both end at the same event.
    let last = events.iter().map(|e| e.time.as_micros()).max().unwrap();
    let offset = kairos_store::now().as_micros() - 15 * 60_000_000 - last;
    events
        .into_iter()
        .filter(|e| feed || !e.subject.starts_with("feed:"))
        .map(|e| {
            let subject = match e.subject.strip_prefix("feed:") {
                Some(feed) => json!({ "feed": feed }),
                None => json!({ "kind": "email", "value": format!("{alias}@example.org") }),
            };
            let mut v = serde_json::to_value(&e).unwrap();
            let o = v.as_object_mut().unwrap();
            o.remove("tenant");
            o.insert("subject".into(), subject);
            o.insert("id".into(), json!(format!("{alias}-{}", e.id)));
            let time = Timestamp::from_micros(e.time.as_micros() + offset);
            o.insert("time".into(), json!(time.to_rfc3339()));
            // Scheduled and estimated times in the flight feed move with the events.
            if let Some(Value::Object(attrs)) = o.get_mut("attributes") {
                for v in attrs.values_mut() {
                    if let Some(t) = v.as_str().and_then(Timestamp::parse_rfc3339) {
                        let moved = Timestamp::from_micros(t.as_micros() + offset);
                        *v = json!(moved.to_rfc3339());
                    }
                }
            }
            v
        })
        .collect()
}

async fn customer(store: &Store, tenant: TenantId, alias: &str, consent: bool) -> CustomerId {
    let email = Identity::parse(
        IdentityKind::Email,
        &format!("{alias}@example.org"),
        None,
        None,
    )
    .unwrap();
    let id = store
        .create_customer(tenant, Some(alias.into()), vec![email], &Actor::System)
        .await
        .unwrap();
    let purposes: &[&str] = if consent {
        &["location", "travel"]
    } else {
        &["travel"]
    };
    for purpose in purposes {
        let grant = ConsentCommand {
            purpose: (*purpose).into(),
            action: ConsentAction::Grant,
            data_categories: vec!["location".into()],
            legal_basis: LegalBasis::Consent,
            method: "portal".into(),
            notice_version: "2026-12".into(),
        };
        store
            .record_consent(tenant, id, grant, &Actor::System)
            .await
            .unwrap();
    }
    id
}

fn publish(broker: &str, topic: &str, events: &[Value]) {
    let url = broker.trim_start_matches("mqtt://");
    let (host, port) = url.rsplit_once(':').unwrap();
    for e in events {
        let out = Command::new("mosquitto_pub")
            .args([
                "-h",
                host,
                "-p",
                port,
                "-q",
                "1",
                "-t",
                topic,
                "-m",
                &e.to_string(),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test]
async fn wifi_logins_over_mqtt_notify_and_a_qr_coupon_redeems_once() {
    let Ok(broker) = std::env::var("KAIROS_TEST_MQTT_URL") else {
        eprintln!(
            "\n*** NOTICE: KAIROS_TEST_MQTT_URL is not set: the MQTT acceptance test is SKIPPED ***\n"
        );
        return;
    };
    if !tool("mosquitto_pub") || !tool("zbarimg") {
        return;
    }
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let _ = tracing_subscriber::fmt()
        .with_env_filter("kairos_bus=info,kairos_context=info")
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().unwrap();
    let prefix = format!("kairos-accept-{}", uuid::Uuid::new_v4().simple());
    let mut config = Config::with_data_dir(dir.path());
    config.listen = "127.0.0.1:0".parse().unwrap();
    // The example's day is replayed within the last three hours.
    config.anticipation_lateness_secs = 4 * 3600;
    config.context_sources = toml::from_str(&format!(
        "[mqtt]\nurl = \"{broker}\"\nclient_id = \"{prefix}\"\n\
         [[mqtt.subscriptions]]\ntopic = \"{prefix}/+/context\"\n"
    ))
    .unwrap();
    let app = Application::build(config).await.unwrap();
    let store = app.store().clone();
    let base = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));

    let tenant = store
        .create_tenant(&TenantSlug::parse("airport").unwrap(), "Airport")
        .await
        .unwrap()
        .id;
    let anna = customer(&store, tenant, "anna", true).await;
    let ben = customer(&store, tenant, "ben", false).await;
    let (admin, hash) = kairos_http::auth::new_token();
    store
        .create_token(tenant, Role::Admin, None, None, &hash, &Actor::System)
        .await
        .unwrap();
    let http = reqwest::Client::new();
    // The shipped rules, without their quiet hours (22:00–07:00 UTC would hold the messages
    // until morning when CI runs at night; quiet hours have tests of their own).
    let rules: String = RULES
        .lines()
        .filter(|l| !l.starts_with("quiet hours"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(rules.len(), RULES.len());
    let r = http
        .put(format!("{base}/api/v1/anticipation/rules"))
        .bearer_auth(&admin)
        .json(&json!({"enabled": true, "rules": rules}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    let topic = format!("{prefix}/airport/context");
    // The source subscribes in the background: probe until a message gets through.
    let mut subscribed = false;
    for i in 0..100 {
        let probe = json!({"id": format!("probe-{i}"), "subject": {"feed": "probe"},
            "type": "flight.status", "time": kairos_store::now().to_rfc3339(),
            "place": "PROBE", "attributes": {"direction": "probe"}});
        publish(&broker, &topic, &[probe]);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let metrics = http.get(format!("{base}/metrics")).send().await.unwrap();
        let text = metrics.text().await.unwrap();
        if text
            .lines()
            .any(|l| l.starts_with("kairos_bus_messages_total") && l.contains("ingested"))
        {
            subscribed = true;
            break;
        }
    }
    if !subscribed {
        let text = http
            .get(format!("{base}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let bus: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("bus") || l.contains("context"))
            .collect();
        panic!(
            "the MQTT source never received a message: {bus:?} {}",
            text.len()
        );
    }
    publish(&broker, &topic, &shifted("c-anna", "anna", true));
    publish(&broker, &topic, &shifted("c-anna", "ben", false));

    // The coupon comes last: 30 minutes after the delay notice, on the engine's timer. It is
    // issued first and then its message is posted (two transactions): wait for the message.
    let mut coupons = Vec::new();
    let offered = |t: &[kairos_core::message::Message]| {
        t.iter()
            .any(|m| m.direction == Direction::Outbound && m.body.text.contains("coffee"))
    };
    for _ in 0..300 {
        coupons = store.coupons_of(tenant, anna).await.unwrap();
        let timeline = store.timeline(tenant, anna, true, 0, 100).await.unwrap();
        if !coupons.is_empty() && offered(&timeline) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if coupons.is_empty() {
        let stored = store.context_events(tenant, anna, 100).await.unwrap();
        let decisions = store.decisions(tenant, anna, 100).await.unwrap();
        let status = http
            .get(format!("{base}/api/v1/anticipation/status"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        panic!(
            "no coupon; stored {} events, decisions {decisions:?}, engine {status}",
            stored.len()
        );
    }
    assert_eq!(coupons.len(), 1, "exactly one coffee coupon");
    let timeline = store.timeline(tenant, anna, true, 0, 100).await.unwrap();
    let notice = timeline
        .iter()
        .find(|m| m.direction == Direction::Outbound && m.body.text.contains("gate"))
        .expect("the arrival notice is on anna's timeline");
    assert!(
        notice.body.text.contains("LH401") && notice.body.text.contains("gate B44"),
        "{}",
        notice.body.text
    );
    let offer = timeline
        .iter()
        .find(|m| m.direction == Direction::Outbound && m.body.text.contains("coffee"))
        .expect("the coupon message is on anna's timeline");
    let link = offer.body.text.lines().last().unwrap().trim().to_owned();
    assert!(link.starts_with(&format!("{base}/r/")), "{link}");

    // The QR code decodes to the same link, which redeems once.
    let png = http
        .get(format!("{link}/qr.png"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let file = dir.path().join("coupon.png");
    std::fs::write(&file, &png).unwrap();
    let decoded = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(decoded.status.success());
    assert_eq!(String::from_utf8_lossy(&decoded.stdout).trim(), link);
    let first = http.post(&link).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let second = http.post(&link).send().await.unwrap();
    assert_eq!(second.status(), 409, "a coupon is redeemed once");

    // Ben shared no location: his events were refused, nothing kept, nothing decided.
    assert!(
        store
            .context_events(tenant, ben, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.decisions(tenant, ben, 100).await.unwrap().is_empty());
    assert!(store.coupons_of(tenant, ben).await.unwrap().is_empty());

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
