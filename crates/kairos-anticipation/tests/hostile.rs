//! Hostile input: rule files and streams built to exhaust memory or the stack are refused
//! with clear errors, and state stays bounded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kairos_anticipation::{
    Attributes, ContextEvent, Engine, Limits, NoHistory, Output, RuleSet, Value,
};
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;

fn err(src: &str) -> String {
    RuleSet::parse(src).unwrap_err().to_string()
}

#[test]
fn oversized_and_deeply_nested_rule_files_are_refused() {
    let huge = format!("# {}\n", "x".repeat(300 * 1024));
    assert!(err(&huge).contains("more than the limit"), "{}", err(&huge));

    let deep = format!(
        "rule r when e = x where {} then touchpoint \"t\" end",
        "(".repeat(1_000)
    );
    let e = err(&deep);
    assert!(e.starts_with("1:57: expression nested too deeply"), "{e}");
    let flood = format!(
        "rule r when e = x where {} then touchpoint \"t\" end",
        "(".repeat(100_000)
    );
    assert!(err(&flood).contains("too many tokens"));
    let nots = format!(
        "rule r when e = x where {} a then touchpoint \"t\" end",
        "not ".repeat(10_000)
    );
    assert!(err(&nots).contains("nested too deeply"));

    let many: String = (0..300)
        .map(|i| format!("rule r{i} when e = x then touchpoint \"t\" end\n"))
        .collect();
    assert!(
        err(&many).starts_with("257:1: too many rules"),
        "{}",
        err(&many)
    );

    let long_name = format!(
        "rule r when e = {} then touchpoint \"t\" end",
        "a".repeat(100)
    );
    assert!(err(&long_name).contains("name longer than"));
    let steps: String = (0..20).map(|_| " followed by x within 1m").collect();
    assert!(
        err(&format!(
            "rule r when e = x{steps} then touchpoint \"t\" end"
        ))
        .contains("too many steps")
    );
    assert!(
        err("rule r within 400d when e = x then touchpoint \"t\" end")
            .contains("longer than the limit")
    );
    assert!(
        err("rule r when e = x and was y between 1d and 900d ago then touchpoint \"t\" end")
            .contains("longer than the limit")
    );
    assert!(
        err("rule r when 5000 times x within 1h then touchpoint \"t\" end")
            .contains("from 1 to 1000")
    );
    assert!(
        err("rule r when e = x then webhook \"file:///etc/passwd\" signed with \"k\" end")
            .contains("https://")
    );
    assert!(err("rule r when e = x then touchpoint \"\u{0}\" end").contains("control character"));
    assert!(err("rule r when e = x then touchpoint \"t\" end rule r when e = y then touchpoint \"t\" end").contains("defined twice"));

    let tight = Limits {
        max_tokens: 5,
        ..Limits::default()
    };
    assert!(RuleSet::parse_with("rule r when e = x then touchpoint \"t\" end", tight).is_err());
}

#[test]
fn a_flood_of_partial_matches_for_one_key_is_capped() {
    let set = RuleSet::parse(
        "rule r when a = x followed by never.happens within 1d then touchpoint \"t\" end",
    )
    .unwrap();
    let per_key = set.limits().max_runs_per_key;
    let tenant: TenantId = "0190a000-0000-7000-8000-000000000001".parse().unwrap();
    let mut engine = Engine::new(tenant, set);
    let mut out = Output::default();
    for i in 0..10_000 {
        let e = ContextEvent {
            id: format!("e{i}"),
            tenant,
            subject: "attacker".into(),
            event_type: "x".into(),
            time: Timestamp::from_micros(1_796_083_200_000_000 + i * 1_000),
            place: None,
            attributes: Attributes::from([("pad", Value::Str("y".repeat(1000)))]),
        };
        engine.process(&e, &NoHistory, &mut out).unwrap();
    }
    let size = engine.state_size();
    assert_eq!(size.runs, per_key);
    assert_eq!(engine.stats().runs_dropped, 10_000 - per_key as u64);
}
