//! The SLA worker against real stores with a hand-moved clock: clocks start from the log,
//! a breach fires exactly at the business-hours due time, once, and a reply meets the clock.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kairos_core::Timestamp;
use kairos_core::event::{Actor, EventData};
use kairos_core::identity::Identity;
use kairos_core::inbound::InboundCommand;
use kairos_core::message::{Author, Body, Channel, Direction};
use kairos_core::reply::PostMessage;
use kairos_core::sla::{ClockState, Metric};
use kairos_core::tenant::TenantSlug;
use kairos_store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

async fn sqlite() -> (Store, Option<tempfile::TempDir>) {
    let dir = tempfile::tempdir().unwrap();
    (Store::open_sqlite(dir.path()).await.unwrap(), Some(dir))
}

async fn postgres() -> Option<Store> {
    kairos_store::testing::fresh_postgres("SLA worker").await
}

fn date_plus(days: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn breach_fires_at_the_business_hours_due_time(store: Store) {
    let tenant = store
        .create_tenant(&TenantSlug::parse("acme").unwrap(), "Acme")
        .await
        .unwrap()
        .id;
    // Open every day 09:00–17:00 UTC, but today and tomorrow are holidays: whenever the test
    // runs, a conversation opened now is due the day after tomorrow at 11:00 UTC.
    let week: serde_json::Map<String, serde_json::Value> =
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .map(|d| (d.to_string(), serde_json::json!(["09:00-17:00"])))
            .collect();
    let settings = serde_json::json!({
        "business_hours": {"time_zone": "UTC", "week": week, "holidays": [date_plus(0), date_plus(1)]},
        "policies": [{"name": "Standard", "targets": {"normal": {"first_response": 7200}}}]
    });
    store
        .put_setting(tenant, "sla", settings, &Actor::System)
        .await
        .unwrap();

    let now = Arc::new(AtomicI64::new(kairos_store::now().as_micros()));
    let clock: kairos_workflow::Clock = {
        let now = now.clone();
        Arc::new(move || Timestamp::from_micros(now.load(Ordering::SeqCst)))
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(kairos_workflow::sla::run(store.clone(), clock, stopped));

    let cmd = InboundCommand {
        channel: Channel::Email,
        from: Identity::email("anna@example.org").unwrap(),
        display_name: None,
        subject: Some("Router".into()),
        body: Body::new("Mein Router blinkt", None).unwrap(),
        attachments: vec![],
        external_id: None,
        conversation_id: None,
    };
    let (ids, _) = store.inbound(tenant, cmd, &Actor::System).await.unwrap();
    let conversation = ids.conversation_id;
    let due = Timestamp::parse_rfc3339(&format!("{}T11:00:00Z", date_plus(2))).unwrap();
    wait_for("the first-response clock", || async {
        !store
            .sla_clocks(tenant, conversation)
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    let clocks = store.sla_clocks(tenant, conversation).await.unwrap();
    assert_eq!(
        clocks.len(),
        1,
        "no resolution target, no resolution clock: {clocks:?}"
    );
    assert_eq!(
        (clocks[0].metric, clocks[0].due_at),
        (Metric::FirstResponse, Some(due))
    );

    let breaches = || async {
        store
            .events(tenant, 0, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| matches!(e.data, EventData::SlaBreached { .. }))
            .collect::<Vec<_>>()
    };
    now.store(due.as_micros() - 1_000_000, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(
        breaches().await.is_empty(),
        "one second before the due time nothing fires"
    );
    now.store(due.as_micros(), Ordering::SeqCst);
    wait_for("the breach", || async { !breaches().await.is_empty() }).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let fired = breaches().await;
    assert_eq!(fired.len(), 1, "a breach fires once");
    assert_eq!(
        fired[0].data,
        EventData::SlaBreached {
            conversation_id: conversation,
            metric: Metric::FirstResponse,
            due_at: due
        }
    );

    // A late reply meets the clock, which stays marked as breached.
    let reply = PostMessage {
        direction: Direction::Outbound,
        channel: None,
        author: Author::System,
        subject: None,
        body: Body::new("Bitte neu starten", None).unwrap(),
        attachments: vec![],
    };
    store
        .post_message(tenant, conversation, None, reply, &Actor::System)
        .await
        .unwrap();
    wait_for("the met clock", || async {
        store.sla_clocks(tenant, conversation).await.unwrap()[0].state == ClockState::Stopped
    })
    .await;
    let met = &store.sla_clocks(tenant, conversation).await.unwrap()[0];
    assert!(met.met_at.is_some() && met.breached);

    stop.send_replace(true);
    tokio::time::timeout(Duration::from_secs(5), worker)
        .await
        .expect("worker stops")
        .unwrap();
    assert!(
        store.check().await.unwrap().is_empty(),
        "log and tables agree"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sla_breach_fires_on_time_sqlite() {
    let (store, _dir) = sqlite().await;
    breach_fires_at_the_business_hours_due_time(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sla_breach_fires_on_time_postgres() {
    if let Some(store) = postgres().await {
        breach_fires_at_the_business_hours_due_time(store).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_without_sla_get_no_clocks_and_no_writes() {
    let (store, _dir) = sqlite().await;
    let tenant = store
        .create_tenant(&TenantSlug::parse("plain").unwrap(), "Plain")
        .await
        .unwrap()
        .id;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(kairos_workflow::sla::run(
        store.clone(),
        kairos_workflow::system_clock(),
        stopped,
    ));
    let cmd = InboundCommand {
        channel: Channel::Chat,
        from: Identity::email("b@example.org").unwrap(),
        display_name: None,
        subject: None,
        body: Body::new("hi", None).unwrap(),
        attachments: vec![],
        external_id: None,
        conversation_id: None,
    };
    let (ids, _) = store.inbound(tenant, cmd, &Actor::System).await.unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        store
            .sla_clocks(tenant, ids.conversation_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .consumer_cursor(tenant, kairos_workflow::sla::CONSUMER)
            .await
            .unwrap(),
        None,
        "nothing written"
    );
    stop.send_replace(true);
    worker.await.unwrap();
}

async fn a_tier_gets_its_own_policy(store: Store) {
    let tenant = store
        .create_tenant(&TenantSlug::parse("acme").unwrap(), "Acme")
        .await
        .unwrap()
        .id;
    // Without business hours the clock runs around the clock: targets are plain seconds.
    let settings = serde_json::json!({"policies": [
        {"name": "Gold", "tier": "gold", "targets": {"normal": {"first_response": 600}}},
        {"name": "Standard", "targets": {"normal": {"first_response": 7200}}}
    ]});
    store
        .put_setting(tenant, "sla", settings, &Actor::System)
        .await
        .unwrap();
    let clock: kairos_workflow::Clock = Arc::new(kairos_store::now);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(kairos_workflow::sla::run(store.clone(), clock, stopped));
    let mut first_response = Vec::new();
    for (email, tier) in [
        ("gold@example.org", Some("gold")),
        ("plain@example.org", None),
    ] {
        let identity = Identity::email(email).unwrap();
        let customer = store
            .create_customer(tenant, None, vec![identity.clone()], &Actor::System)
            .await
            .unwrap();
        store
            .set_customer_tier(tenant, customer, tier.map(str::to_owned), &Actor::System)
            .await
            .unwrap();
        let cmd = InboundCommand {
            channel: Channel::Email,
            from: identity,
            display_name: None,
            subject: None,
            body: Body::new("Hilfe", None).unwrap(),
            attachments: vec![],
            external_id: None,
            conversation_id: None,
        };
        let (ids, _) = store.inbound(tenant, cmd, &Actor::System).await.unwrap();
        wait_for("the first-response clock", || async {
            !store
                .sla_clocks(tenant, ids.conversation_id)
                .await
                .unwrap()
                .is_empty()
        })
        .await;
        let clocks = store.sla_clocks(tenant, ids.conversation_id).await.unwrap();
        first_response.push(clocks[0].target_secs);
    }
    assert_eq!(
        first_response,
        [600, 7200],
        "gold gets the gold policy, others the default"
    );
    stop.send_replace(true);
    worker.await.unwrap();
}

#[tokio::test]
async fn a_tier_gets_its_own_policy_sqlite() {
    let (store, _dir) = sqlite().await;
    a_tier_gets_its_own_policy(store).await;
}

#[tokio::test]
async fn a_tier_gets_its_own_policy_postgres() {
    if let Some(store) = postgres().await {
        a_tier_gets_its_own_policy(store).await;
    }
}
