//! The airport scenario of the anticipation issue, live: the shipped rules and example
//! events go through the door into the runtime (hand-moved clock) and come out as messages,
//! notes and `anticipation.fired` events on the customers' timelines — the same firings the
//! simulation (`kairos rules test`) predicts; without location consent nothing is stored
//! and nothing fires (checklist N12, N10). SQLite always, PostgreSQL when
//! `KAIROS_TEST_PG_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kairos_anticipation::{ContextEvent, MemoryHistory, RuleSet, simulate};
use kairos_context::{ContextDoor, RuntimeConfig, Status, spawn};
use kairos_core::Timestamp;
use kairos_core::anticipation::{AnticipationSettings, SETTINGS_KEY};
use kairos_core::consent::{ConsentAction, ConsentCommand, LegalBasis};
use kairos_core::event::{Actor, EventData};
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::{CustomerId, TenantId};
use kairos_core::message::Direction;
use kairos_core::tenant::TenantSlug;
use kairos_store::Store;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

const RULES: &str = include_str!("../../../examples/anticipation/airport.rules");
const EVENTS: &str = include_str!("../../../examples/anticipation/airport-events.jsonl");
const PEOPLE: [&str; 4] = ["anna", "ben", "carl", "dora"];

fn example_events() -> Vec<ContextEvent> {
    EVENTS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The example event on the wire: `c-anna` becomes anna's e-mail, `feed:flights` a feed.
fn wire(ev: &ContextEvent) -> Value {
    let subject = match ev.subject.strip_prefix("feed:") {
        Some(feed) => json!({ "feed": feed }),
        None => {
            let name = ev.subject.trim_start_matches("c-");
            json!({ "kind": "email", "value": format!("{name}@example.org") })
        }
    };
    let mut v = serde_json::to_value(ev).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("tenant");
    o.insert("subject".into(), subject);
    v
}

fn grant(purpose: &str) -> ConsentCommand {
    ConsentCommand {
        purpose: purpose.into(),
        action: ConsentAction::Grant,
        data_categories: vec!["location".into()],
        legal_basis: LegalBasis::Consent,
        method: "portal".into(),
        notice_version: "2026-12".into(),
    }
}

struct Scenario {
    store: Store,
    tenant: TenantId,
    people: HashMap<CustomerId, &'static str>,
}

async fn scenario(store: Store, consent: bool) -> Scenario {
    let tenant = store
        .create_tenant(&TenantSlug::parse("airport").unwrap(), "Airport")
        .await
        .unwrap()
        .id;
    let sys = Actor::System;
    let mut people = HashMap::new();
    for name in PEOPLE {
        let email = Identity::parse(
            IdentityKind::Email,
            &format!("{name}@example.org"),
            None,
            None,
        )
        .unwrap();
        let id = store
            .create_customer(tenant, Some(name.into()), vec![email], &sys)
            .await
            .unwrap();
        if consent {
            for purpose in ["location", "travel"] {
                store
                    .record_consent(tenant, id, grant(purpose), &sys)
                    .await
                    .unwrap();
            }
        }
        people.insert(id, name);
    }
    let settings = AnticipationSettings {
        enabled: true,
        rules: RULES.into(),
    };
    store
        .put_setting(
            tenant,
            SETTINGS_KEY,
            serde_json::to_value(settings).unwrap(),
            &sys,
        )
        .await
        .unwrap();
    Scenario {
        store,
        tenant,
        people,
    }
}

/// Feeds the example through the door with the clock following the events, then lets twelve
/// hours pass; returns what the log says fired: (person, rule, action, text).
async fn run(s: &Scenario) -> (BTreeSet<(String, String, String, String)>, Vec<Status>) {
    run_for(s, 12).await
}

/// Like [`run`], with the clock running on for `hours` after the last event.
async fn run_for(
    s: &Scenario,
    hours: i64,
) -> (BTreeSet<(String, String, String, String)>, Vec<Status>) {
    let clock_at = Arc::new(Mutex::new(Timestamp::from_micros(0)));
    let now = clock_at.clone();
    let clock: kairos_context::Clock = Arc::new(move || *now.lock().unwrap());
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let config = RuntimeConfig {
        tick: std::time::Duration::from_secs(3600),
        ..RuntimeConfig::default()
    };
    let events = example_events();
    *clock_at.lock().unwrap() = events[0].time;
    let (handle, _task) = spawn(s.store.clone(), config, clock, stop);
    let door = ContextDoor::with_runtime(s.store.clone(), handle.clone());
    let mut statuses = Vec::new();
    for ev in &events {
        {
            let mut at = clock_at.lock().unwrap();
            *at = (*at).max(ev.time);
        }
        handle.sync().await;
        let results = door.ingest(s.tenant, vec![wire(ev)]).await.unwrap();
        statuses.push(results[0].status);
    }
    // Then the clock runs on as the server's does, a minute per tick, for half a day:
    // absence fires on the timer.
    let last = events.last().unwrap().time.as_micros();
    for minute in 1..=hours * 60 {
        *clock_at.lock().unwrap() = Timestamp::from_micros(last + minute * 60_000_000);
        handle.sync().await;
    }

    let mut fired = BTreeSet::new();
    for e in s.store.events(s.tenant, 0, 10_000).await.unwrap() {
        if let EventData::AnticipationFired {
            customer_id,
            rule,
            action,
            text,
            ..
        } = e.data
        {
            let who = s.people.get(&customer_id).copied().unwrap_or("?");
            fired.insert((who.to_owned(), rule, action, text.unwrap_or_default()));
        }
    }
    (fired, statuses)
}

async fn live_matches_the_simulation(store: Store) {
    let s = scenario(store, true).await;
    let (fired, statuses) = run(&s).await;
    assert!(
        statuses.iter().all(|st| *st != Status::Refused),
        "{statuses:?}"
    );

    let rules = RuleSet::parse(RULES).unwrap();
    let predicted: BTreeSet<_> = simulate(&rules, &example_events(), &MemoryHistory::new())
        .into_iter()
        .map(|f| {
            let who = f.subject.trim_start_matches("c-").to_owned();
            let text = match &f.action {
                kairos_anticipation::Action::Notify { text, .. }
                | kairos_anticipation::Action::Coupon { text, .. }
                | kairos_anticipation::Action::Touchpoint { text } => text.clone(),
                kairos_anticipation::Action::OpenConversation { subject } => subject.clone(),
                kairos_anticipation::Action::Webhook { url, .. } => url.clone(),
                kairos_anticipation::Action::Emit { event } => event.event_type.clone(),
            };
            (who, f.rule, f.action.kind().to_owned(), text)
        })
        .collect();
    assert!(!predicted.is_empty());
    assert_eq!(
        fired, predicted,
        "the live engine fires what the simulation predicts"
    );

    // Anna is told when and where the flight lands, on her timeline (an e-mail she can answer).
    let anna = s
        .people
        .iter()
        .find(|(_, n)| **n == "anna")
        .map(|(id, _)| *id)
        .unwrap();
    let timeline = s
        .store
        .timeline(s.tenant, anna, true, 0, 100)
        .await
        .unwrap();
    let notice = timeline
        .iter()
        .find(|m| m.direction == Direction::Outbound && m.body.text.contains("gate"))
        .expect("the arrival notice is on anna's timeline");
    assert!(notice.body.text.contains("LH401"), "{}", notice.body.text);
    assert_eq!(notice.channel, kairos_core::message::Channel::Email);
    let coupons = fired
        .iter()
        .filter(|(who, _, action, _)| who == "anna" && action == "coupon")
        .count();
    assert_eq!(coupons, 1, "exactly one coffee coupon: {fired:?}");
    assert!(
        timeline
            .iter()
            .any(|m| m.direction == Direction::Note && m.body.text.contains("LH401")),
        "the touchpoint is a note for staff on the same timeline"
    );

    // The coupon exists once and its link is in the message.
    let issued = s.store.coupons_of(s.tenant, anna).await.unwrap();
    assert_eq!(issued.len(), 1);
    let message = timeline
        .iter()
        .find(|m| m.direction == Direction::Outbound && m.body.text.contains("coffee"))
        .expect("the coupon message is on anna's timeline");
    let token = message
        .body
        .text
        .rsplit("/r/")
        .next()
        .unwrap()
        .trim()
        .to_owned();
    // The link names this coupon (single use and expiry are the coupon tests' business;
    // the example's coupon expired on 1 December).
    let (tenant, found) = s.store.coupon_by_token(&token).await.unwrap().unwrap();
    assert_eq!((tenant, &found), (s.tenant, &issued[0]));

    // A restart replays the stored events: nothing is executed twice.
    let before = s.store.events(s.tenant, 0, 10_000).await.unwrap().len();
    let (again, _) = run(&s).await;
    assert_eq!(again, fired);
    let after = s.store.events(s.tenant, 0, 10_000).await.unwrap().len();
    assert_eq!(before, after, "a replay executes no firing twice");
}

async fn nothing_without_consent(store: Store) {
    let s = scenario(store, false).await;
    let (fired, statuses) = run(&s).await;
    assert!(fired.is_empty(), "{fired:?}");
    // Feeds carry no personal data and are kept; every customer's event is refused.
    let customer_events = example_events()
        .iter()
        .filter(|e| !e.subject.starts_with("feed:"))
        .count();
    let refused = statuses.iter().filter(|s| **s == Status::Refused).count();
    assert_eq!(refused, customer_events);
    for id in s.people.keys() {
        let stored = s.store.context_events(s.tenant, *id, 100).await.unwrap();
        assert!(stored.is_empty(), "nothing is kept without consent");
    }
}

/// Art. 18, 21, 22 (checklist N11, N13, N17): anna objects to proactive messages, dora to
/// profiling. Anna's notes are still written, her messages and coupon are not; nothing at
/// all is decided about dora, though her consented events are kept.
async fn restrictions_stop_what_they_name(store: Store) {
    let s = scenario(store, true).await;
    let who = |name: &str| {
        s.people
            .iter()
            .find(|(_, n)| **n == name)
            .map(|(id, _)| *id)
            .unwrap()
    };
    let (anna, dora) = (who("anna"), who("dora"));
    let objection = |proactive, profiling| kairos_core::restriction::RestrictionsCommand {
        proactive,
        profiling,
        automation: None,
        reason: Some("no, thank you".into()),
    };
    s.store
        .set_restrictions(
            s.tenant,
            anna,
            objection(Some(true), None),
            &Actor::Customer { id: anna },
        )
        .await
        .unwrap();
    s.store
        .set_restrictions(
            s.tenant,
            dora,
            objection(None, Some(true)),
            &Actor::Customer { id: dora },
        )
        .await
        .unwrap();
    let (fired, _) = run(&s).await;
    let of = |name: &str| -> Vec<&str> {
        fired
            .iter()
            .filter(|(w, ..)| w == name)
            .map(|(_, _, action, _)| action.as_str())
            .collect()
    };
    assert!(of("dora").is_empty(), "{fired:?}");
    assert!(
        !s.store
            .context_events(s.tenant, dora, 100)
            .await
            .unwrap()
            .is_empty()
    );
    let anna_actions = of("anna");
    assert!(anna_actions.contains(&"touchpoint"), "{fired:?}");
    assert!(
        !anna_actions.contains(&"notify") && !anna_actions.contains(&"coupon"),
        "{fired:?}"
    );
    assert!(s.store.coupons_of(s.tenant, anna).await.unwrap().is_empty());
    let timeline = s
        .store
        .timeline(s.tenant, anna, true, 0, 100)
        .await
        .unwrap();
    assert!(timeline.iter().all(|m| m.direction != Direction::Outbound));

    // Every decision about anna is listed with its rule, version and inputs; she contests
    // one, a human overturns it, and that is final.
    let decisions = s.store.decisions(s.tenant, anna, 100).await.unwrap();
    assert_eq!(decisions.len(), anna_actions.len());
    let d = &decisions[0];
    assert!(d.rule_version >= 1 && !d.explanation.is_empty(), "{d:?}");
    use kairos_core::restriction::ReviewStatus::*;
    let actor = Actor::Customer { id: anna };
    let contest = |status, by_staff| {
        s.store.review_decision(
            s.tenant,
            anna,
            d.key.clone(),
            status,
            Some("I was not there for a pickup".into()),
            by_staff,
            &actor,
        )
    };
    assert_eq!(
        contest(Contested, false).await.unwrap().review,
        Some(Contested)
    );
    assert!(contest(Contested, false).await.is_err());
    assert_eq!(
        contest(Overturned, true).await.unwrap().review,
        Some(Overturned)
    );
    assert!(contest(Upheld, true).await.is_err());
    let other = s.people.keys().find(|id| **id != anna).copied().unwrap();
    let foreign = s
        .store
        .review_decision(
            s.tenant,
            other,
            d.key.clone(),
            Contested,
            None,
            false,
            &Actor::System,
        )
        .await;
    assert!(
        foreign.is_err(),
        "another person cannot contest anna's decision"
    );
}

/// Puts the tenant's business hours (and so its quiet hours) into `zone`.
async fn business_hours_zone(s: &Scenario, zone: &str) {
    let sla = json!({"business_hours": {"time_zone": zone}, "policies": []});
    s.store
        .put_setting(
            s.tenant,
            kairos_core::sla::SETTINGS_KEY,
            sla,
            &Actor::System,
        )
        .await
        .unwrap();
}

/// Quiet hours (22:00–07:00 in the shipped rules) count in the tenant's business-hours zone:
/// on Kiritimati (UTC+14) the afternoon arrival notice falls into the night and waits, while
/// staff notes go out at once.
async fn quiet_hours_follow_the_tenant_zone(store: Store) {
    let s = scenario(store, true).await;
    business_hours_zone(&s, "Pacific/Kiritimati").await;
    // An hour after the last event it is 05:40 on Kiritimati.
    let (fired, _) = run_for(&s, 1).await;
    let actions: Vec<&str> = fired
        .iter()
        .filter(|(who, ..)| who == "anna")
        .map(|(_, _, action, _)| action.as_str())
        .collect();
    assert!(actions.contains(&"touchpoint"), "{fired:?}");
    assert!(
        !actions.contains(&"notify") && !actions.contains(&"coupon"),
        "held until 07:00 local: {fired:?}"
    );
}

/// A customer's own time zone wins over the tenant's: with the tenant on Kiritimati but
/// Anna in Europe/Berlin (an afternoon there), her notice goes out; Dora, without a zone of
/// her own, waits for the morning on Kiritimati. The zone is refused when it is no IANA name.
async fn quiet_hours_follow_the_customer_zone(store: Store) {
    let s = scenario(store, true).await;
    business_hours_zone(&s, "Pacific/Kiritimati").await;
    let anna = s
        .people
        .iter()
        .find(|(_, name)| **name == "anna")
        .map(|(id, _)| *id)
        .unwrap();
    assert!(kairos_core::customer::parse_time_zone(Some("Mars/Olympus")).is_err());
    let zone = kairos_core::customer::parse_time_zone(Some("Europe/Berlin")).unwrap();
    s.store
        .set_customer_time_zone(s.tenant, anna, zone, &Actor::System)
        .await
        .unwrap();
    let (fired, _) = run_for(&s, 1).await;
    let of = |who: &str| -> Vec<String> {
        fired
            .iter()
            .filter(|(w, ..)| w == who)
            .map(|(_, _, action, _)| action.clone())
            .collect()
    };
    assert!(
        of("anna").contains(&"notify".to_owned()),
        "Berlin afternoon: {fired:?}"
    );
    assert!(
        !of("dora").contains(&"notify".to_owned()),
        "Kiritimati night: {fired:?}"
    );
}

/// Each scenario on SQLite, and on PostgreSQL when `KAIROS_TEST_PG_URL` is set.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite_store { $(#[tokio::test]
            async fn $name() {
                let dir = tempfile::tempdir().unwrap();
                super::$name(kairos_store::Store::open_sqlite(dir.path()).await.unwrap()).await;
            })* }
        mod postgres_store { $(#[tokio::test]
            async fn $name() {
                if let Some(store) = kairos_store::testing::fresh_postgres(concat!("context_airport_", stringify!($name))).await {
                    super::$name(store).await;
                }
            })* }
    };
}

on_both_stores!(
    live_matches_the_simulation,
    nothing_without_consent,
    restrictions_stop_what_they_name,
    quiet_hours_follow_the_tenant_zone,
    quiet_hours_follow_the_customer_zone,
);
