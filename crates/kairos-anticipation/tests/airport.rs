//! The airport scenario from the issue, as shipped data: `examples/anticipation/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kairos_anticipation::{
    Action, ContextEvent, Engine, EngineConfig, MemoryHistory, Output, Reason, RuleSet, Simulation,
    simulate,
};
use kairos_core::Timestamp;

const RULES: &str = include_str!("../../../examples/anticipation/airport.rules");
const EVENTS: &str = include_str!("../../../examples/anticipation/airport-events.jsonl");

fn events() -> Vec<ContextEvent> {
    EVENTS
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn berlin() -> MemoryHistory {
    let mut h = MemoryHistory::new();
    h.set_default_time_zone(jiff::tz::TimeZone::get("Europe/Berlin").unwrap());
    h
}

fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

/// (subject, rule, action kind, due, text)
fn summary(f: &kairos_anticipation::Firing) -> (String, String, &'static str, Timestamp, String) {
    let text = match &f.action {
        Action::Notify { text, .. } | Action::Coupon { text, .. } | Action::Touchpoint { text } => {
            text.clone()
        }
        Action::Emit { event } => format!(
            "{} {:?}",
            event.event_type,
            event
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
        ),
        other => other.kind().to_owned(),
    };
    (
        f.subject.clone(),
        f.rule.clone(),
        f.action.kind(),
        f.due,
        text,
    )
}

#[test]
fn the_airport_scenario_fires_exactly_the_expected_actions() {
    let rules = RuleSet::parse(RULES).unwrap();
    let firings = simulate(&rules, &events(), &berlin());
    let got: Vec<_> = firings.iter().map(summary).collect();
    let s = |x: &str| x.to_owned();
    let expected = vec![
        (
            s("c-dora"),
            s("pickup-arrival"),
            "notify",
            t("2026-12-01T13:40:00Z"),
            s("Picking someone up? Flight BA902 from LHR is due at 15:30, gate A12."),
        ),
        (
            s("c-dora"),
            s("pickup-arrival"),
            "touchpoint",
            t("2026-12-01T13:40:00Z"),
            s("At FRA for flight BA902 (last visit 2026-11-17, when BA903 left)"),
        ),
        (
            s("c-dora"),
            s("pickup-arrival"),
            "emit",
            t("2026-12-01T13:40:00Z"),
            s(r#"pickup.expected ["origin=LHR", "flight=BA902"]"#),
        ),
        (
            s("c-anna"),
            s("pickup-arrival"),
            "notify",
            t("2026-12-01T14:00:00Z"),
            s("Picking someone up? Flight LH401 from JFK is due at 16:10, gate B44."),
        ),
        (
            s("c-anna"),
            s("pickup-arrival"),
            "touchpoint",
            t("2026-12-01T14:00:00Z"),
            s("At FRA for flight LH401 (last visit 2026-11-17, when LH400 left)"),
        ),
        (
            s("c-anna"),
            s("pickup-arrival"),
            "emit",
            t("2026-12-01T14:00:00Z"),
            s(r#"pickup.expected ["origin=JFK", "flight=LH401"]"#),
        ),
        // 30 minutes after the delay notice of 14:20, on the timer — no event came at 14:50.
        (
            s("c-anna"),
            s("delay-coffee"),
            "coupon",
            t("2026-12-01T14:50:00Z"),
            s("Flight LH401 is late (now 17:00). The coffee is on us."),
        ),
        (
            s("c-anna"),
            s("delay-coffee"),
            "touchpoint",
            t("2026-12-01T14:50:00Z"),
            s("Coffee coupon: still waiting 30 min after the delay of LH401"),
        ),
    ];
    assert_eq!(got, expected);

    let coupon = &firings[6];
    let Action::Coupon {
        value_minor,
        currency,
        expires_at,
        single_use,
        ..
    } = &coupon.action
    else {
        panic!("not a coupon: {coupon:?}");
    };
    assert_eq!(
        (*value_minor, currency.as_str(), *single_use),
        (350, "EUR", true)
    );
    assert_eq!(*expires_at, t("2026-12-01T17:50:00Z"));
    assert_eq!(coupon.rule_version, 1);
    assert!(
        coupon
            .explanation
            .iter()
            .any(|l| l.contains("not presence.left")),
        "{:#?}",
        coupon.explanation
    );
}

#[test]
fn reconnects_are_held_back_by_the_cooldown_and_redeliveries_ignored() {
    let rules = RuleSet::parse(RULES).unwrap();
    let sim = Simulation::run(&rules, &events(), &berlin(), None);
    let cooled: Vec<_> = sim
        .suppressed
        .iter()
        .map(|x| {
            (
                x.subject.as_str(),
                x.rule.as_str(),
                x.at,
                matches!(x.reason, Reason::Cooldown { .. }),
            )
        })
        .collect();
    assert_eq!(
        cooled,
        vec![
            ("c-anna", "pickup-arrival", t("2026-12-01T14:05:00Z"), true),
            ("c-anna", "pickup-arrival", t("2026-12-01T14:40:00Z"), true),
        ]
    );
    assert_eq!(sim.stats.duplicates, 1);
    assert_eq!(
        sim.stats.absences_broken, 1,
        "c-dora left 15 minutes after her delay notice"
    );
    let report = kairos_anticipation::report(&rules, &sim);
    assert!(
        report.contains("coupon \"coffee\" worth 3.50 EUR"),
        "{report}"
    );
    assert!(report.contains("cooldown until"), "{report}");
}

#[test]
fn the_coupon_fires_on_the_timer_not_on_the_next_event() {
    let rules = RuleSet::parse(RULES).unwrap();
    let all = events();
    let tenant = all[0].tenant;
    let config = EngineConfig {
        default_time_zone: jiff::tz::TimeZone::get("Europe/Berlin").unwrap(),
        ..EngineConfig::default()
    };
    let mut engine = Engine::with_config(tenant, rules, config);
    let mut history = berlin();
    let mut out = Output::default();
    for ev in &all {
        engine.process(ev, &history, &mut out).unwrap();
        history.record(ev);
        for f in &out.firings {
            if let Action::Emit { event } = &f.action {
                history.record(event);
            }
        }
    }
    assert!(out.firings.iter().all(|f| f.action.kind() != "coupon"));
    out.clear();
    engine.advance_to(t("2026-12-01T14:49:59Z"), &history, &mut out);
    assert!(out.firings.is_empty(), "{:?}", out.firings);
    engine.advance_to(t("2026-12-01T14:50:00Z"), &history, &mut out);
    let kinds: Vec<_> = out
        .firings
        .iter()
        .map(|f| (f.subject.as_str(), f.action.kind()))
        .collect();
    assert_eq!(kinds, vec![("c-anna", "coupon"), ("c-anna", "touchpoint")]);
    out.clear();
    engine.advance_to(t("2026-12-03T00:00:00Z"), &history, &mut out);
    assert!(
        out.firings.is_empty(),
        "exactly one coupon: {:?}",
        out.firings
    );
}

#[test]
fn without_the_visit_two_weeks_ago_nothing_fires() {
    let rules = RuleSet::parse(RULES).unwrap();
    let today: Vec<_> = events()
        .into_iter()
        .filter(|e| e.time >= t("2026-12-01T00:00:00Z"))
        .collect();
    assert!(simulate(&rules, &today, &berlin()).is_empty());
}
