//! The rule language operator by operator, through the engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kairos_anticipation::{
    Action, Attributes, ContextEvent, Engine, EngineConfig, Firing, MemoryHistory, Output, Reason,
    RuleSet, Value,
};
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;

const MIN: i64 = 60_000_000;

fn tenant() -> TenantId {
    "0190a000-0000-7000-8000-000000000001".parse().unwrap()
}

/// A tiny harness: minutes since a fixed start, events by shorthand.
struct H {
    engine: Engine,
    history: MemoryHistory,
    out: Output,
    n: u32,
}

impl H {
    fn new(rules: &str) -> H {
        Self::with_zone(rules, "UTC")
    }
    fn with_zone(rules: &str, zone: &str) -> H {
        let set = RuleSet::parse(rules).unwrap_or_else(|e| panic!("{e}"));
        let config = EngineConfig {
            default_time_zone: jiff::tz::TimeZone::get(zone).unwrap(),
            ..EngineConfig::default()
        };
        H {
            engine: Engine::with_config(tenant(), set, config),
            history: MemoryHistory::new(),
            out: Output::default(),
            n: 0,
        }
    }
    fn at(min: i64) -> Timestamp {
        // 2026-12-01T00:00:00Z
        Timestamp::from_micros(1_796_083_200_000_000 + min * MIN)
    }
    fn ev(
        &mut self,
        min: i64,
        subject: &str,
        ty: &str,
        place: Option<&str>,
        attrs: &[(&str, &str)],
    ) {
        self.n += 1;
        let mut a = Attributes::new();
        for (k, v) in attrs {
            a.set(k, Value::Str((*v).to_owned()));
        }
        let e = ContextEvent {
            id: format!("e{}", self.n),
            tenant: tenant(),
            subject: subject.to_owned(),
            event_type: ty.to_owned(),
            time: Self::at(min),
            place: place.map(str::to_owned),
            attributes: a,
        };
        self.engine
            .process(&e, &self.history, &mut self.out)
            .unwrap();
        self.history.record(&e);
    }
    fn advance(&mut self, min: i64) {
        self.engine
            .advance_to(Self::at(min), &self.history, &mut self.out);
    }
    fn take(&mut self) -> Vec<Firing> {
        std::mem::take(&mut self.out.firings)
    }
    fn fired(&mut self) -> Vec<(String, String)> {
        self.take()
            .into_iter()
            .map(|f| (f.subject, f.rule))
            .collect()
    }
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn a_syntax_error_names_its_exact_line_and_column() {
    let src = "rule \"r\"\n  when a = x.y where n = \n  then touchpoint \"t\"\nend\n";
    let e = RuleSet::parse(src).unwrap_err();
    assert_eq!((e.line(), e.col()), (3, 3), "{e}");
    assert!(e.to_string().starts_with("3:3: expected a value"), "{e}");

    let e = RuleSet::parse("rule r\n  when a = x\n  followed by b = y where c = z.q within 1h\nthen touchpoint \"t\"\nend").unwrap_err();
    assert_eq!((e.line(), e.col()), (3, 31), "{e}");
    assert!(e.to_string().contains("`z` is not bound"), "{e}");

    let e = RuleSet::parse("rule r\n  when a = x\n  followed by y\nthen touchpoint \"t\"\nend")
        .unwrap_err();
    assert_eq!((e.line(), e.col()), (3, 3));
    assert!(e.message.contains("unbounded wait"), "{e}");

    let e = RuleSet::parse("rule r when a = x then notify \"{a.b\" end").unwrap_err();
    assert_eq!((e.line(), e.col()), (1, 32), "{e}"); // the `{` inside the string
}

#[test]
fn sequence_within_fires_only_inside_the_window() {
    let mut h = H::new(
        "rule seq\n when a = cart.add\n followed by b = cart.abandon where sku = a.sku within 10m\nthen touchpoint \"{a.sku}\"\nend",
    );
    h.ev(0, "c1", "cart.add", None, &[("sku", "X")]);
    h.ev(5, "c1", "cart.abandon", None, &[("sku", "Y")]); // correlation fails
    h.ev(8, "c1", "cart.abandon", None, &[("sku", "X")]);
    h.ev(20, "c2", "cart.add", None, &[("sku", "X")]);
    h.ev(31, "c2", "cart.abandon", None, &[("sku", "X")]); // 11 minutes: too late
    assert_eq!(h.fired(), pairs(&[("c1", "seq")]));
    assert_eq!(h.engine.stats().runs_expired, 1);
}

#[test]
fn absence_fires_on_the_timer_and_is_broken_by_the_event() {
    let mut h = H::new(
        "rule idle\n when a = order.created\n followed by not order.paid within 30m\nthen open conversation \"Payment for {a.id}?\"\nend",
    );
    h.ev(0, "c1", "order.created", None, &[]);
    h.ev(1, "c2", "order.created", None, &[]);
    h.ev(20, "c2", "order.paid", None, &[]);
    h.advance(29);
    assert!(h.fired().is_empty());
    h.advance(30);
    assert_eq!(h.fired(), pairs(&[("c1", "idle")]));
    h.advance(120);
    assert!(h.fired().is_empty());
}

#[test]
fn counting_needs_n_events_inside_the_sliding_window() {
    let mut h = H::new(
        "rule thrice\n when 3 times e = support.visit within 1h\nthen notify via email, sms \"Can we help?\"\nend",
    );
    for m in [0, 50, 115, 125] {
        h.ev(m, "c1", "support.visit", None, &[]);
    }
    assert!(
        h.fired().is_empty(),
        "0 and 50 fell out of the hour before 115 and 125"
    );
    h.ev(130, "c1", "support.visit", None, &[]);
    let f = h.take();
    assert_eq!(f.len(), 1);
    assert!(
        matches!(&f[0].action, Action::Notify { channels, .. } if channels == &["email", "sms"])
    );
}

#[test]
fn partition_by_place_keeps_places_apart() {
    let rules = "rule twice_here partition by subject, place\n when a = presence.enter\n followed by presence.enter within 1h\nthen touchpoint \"again at {a.place}\"\nend";
    let mut h = H::new(rules);
    h.ev(0, "c1", "presence.enter", Some("mall"), &[]);
    h.ev(10, "c1", "presence.enter", Some("station"), &[]);
    assert!(h.fired().is_empty(), "different places do not pair up");
    h.ev(20, "c1", "presence.enter", Some("mall"), &[]);
    let f = h.take();
    assert_eq!(f.len(), 1);
    assert!(matches!(&f[0].action, Action::Touchpoint { text } if text == "again at mall"));
}

#[test]
fn history_look_back_uses_the_callers_store() {
    let rules = "rule back\n when here = presence.wifi\n and was v = presence.wifi at here.place between 6d and 8d ago\nthen touchpoint \"weekly at {here.place}, last {v.time|date}\"\nend";
    let mut h = H::new(rules);
    h.ev(0, "c1", "presence.wifi", Some("gym"), &[]);
    h.ev(3 * 24 * 60, "c1", "presence.wifi", Some("gym"), &[]); // 3 days: no
    h.ev(7 * 24 * 60, "c1", "presence.wifi", Some("pool"), &[]); // other place: no
    assert!(h.fired().is_empty());
    h.ev(7 * 24 * 60 + 5, "c1", "presence.wifi", Some("gym"), &[]);
    let f = h.take();
    assert_eq!(f.len(), 1);
    assert!(
        matches!(&f[0].action, Action::Touchpoint { text } if text == "weekly at gym, last 2026-12-01")
    );
}

#[test]
fn reference_tables_wake_waiting_matches() {
    let rules = "table roads key segment from traffic.status keep 6h\n\
        rule jam\n when t = trip.started\n followed by r = roads[t.segment] where level = \"jam\" within 1h\n\
        then notify \"Jam ahead on {r.segment}\"\n webhook \"https://hooks.example/jam\" signed with \"partner\"\nend";
    let mut h = H::new(rules);
    h.ev(
        0,
        "feed",
        "traffic.status",
        None,
        &[("segment", "A5-12"), ("level", "free")],
    );
    h.ev(1, "c1", "trip.started", None, &[("segment", "A5-12")]);
    assert!(h.fired().is_empty());
    h.ev(
        30,
        "feed",
        "traffic.status",
        None,
        &[("segment", "A5-13"), ("level", "jam")],
    );
    assert!(h.fired().is_empty(), "another segment");
    h.ev(
        40,
        "feed",
        "traffic.status",
        None,
        &[("segment", "A5-12"), ("level", "jam")],
    );
    let f = h.take();
    assert_eq!(f.len(), 2);
    assert!(matches!(&f[0].action, Action::Notify { text, .. } if text == "Jam ahead on A5-12"));
    assert!(matches!(&f[1].action, Action::Webhook { secret, .. } if secret == "partner"));
    assert_eq!(
        f[0].bindings.get("r.segment"),
        Some(&Value::Str("A5-12".into()))
    );
}

#[test]
fn quiet_hours_hold_messages_until_morning_in_the_customers_zone() {
    let rules = "quiet hours 22:00 to 07:00\nrule r\n when e = x\nthen notify \"hi\"\n touchpoint \"seen\"\nend";
    let mut h = H::with_zone(rules, "Europe/Berlin");
    // 23:00 UTC is midnight in Berlin.
    h.ev(23 * 60, "c1", "x", None, &[]);
    let now = h.take();
    assert_eq!(now.len(), 1, "the touchpoint is not customer-facing");
    assert_eq!(now[0].action.kind(), "touchpoint");
    h.advance(30 * 60 - 1);
    assert!(h.fired().is_empty());
    h.advance(30 * 60); // 06:00 UTC = 07:00 in Berlin
    let held = h.take();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].action.kind(), "notify");
    assert_eq!(held[0].due, H::at(30 * 60));
    assert_eq!(held[0].matched_at, H::at(23 * 60));
}

#[test]
fn caps_count_customer_facing_messages_per_subject() {
    let rules = "cap 2 per 1d\nrule a\n when e = x\nthen notify \"a\"\nend\nrule b\n cap 1 per 1h\n when e = y\nthen notify \"b\"\nend";
    let mut h = H::new(rules);
    h.ev(0, "c1", "y", None, &[]);
    h.ev(1, "c1", "y", None, &[]); // rule cap
    h.ev(2, "c1", "x", None, &[]);
    h.ev(3, "c1", "x", None, &[]); // file cap (2 per day)
    h.ev(4, "c2", "x", None, &[]); // another subject
    assert_eq!(h.fired().len(), 3);
    let reasons: Vec<_> = h.out.suppressed.iter().map(|s| s.reason.clone()).collect();
    assert!(matches!(
        reasons[0],
        Reason::RuleCap {
            count: 1,
            per_s: 3600
        }
    ));
    assert!(matches!(
        reasons[1],
        Reason::Cap {
            count: 2,
            per_s: 86_400
        }
    ));
    h.advance(24 * 60 + 5);
    h.ev(24 * 60 + 6, "c1", "x", None, &[]);
    assert_eq!(h.fired().len(), 1, "the day has passed");
}

#[test]
fn wrong_tenant_and_oversized_events_are_refused() {
    let mut h = H::new("rule r when e = x then touchpoint \"t\" end");
    let mut e: ContextEvent = serde_json::from_str(
        r#"{"id":"1","tenant":"0190a000-0000-7000-8000-000000000002","subject":"c","type":"x","time":"2026-12-01T00:00:00Z"}"#,
    )
    .unwrap();
    assert!(h.engine.process(&e, &h.history, &mut h.out).is_err());
    e.tenant = tenant();
    e.subject = "s".repeat(10_000);
    assert!(h.engine.process(&e, &h.history, &mut h.out).is_err());
}
