//! State follows live keys: a long stream of short-lived keys keeps memory flat.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kairos_anticipation::{Attributes, ContextEvent, Engine, NoHistory, Output, RuleSet, Value};
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;

#[test]
fn a_long_stream_of_short_lived_keys_keeps_state_flat() {
    let rules = RuleSet::parse(
        "rule r cooldown 10m\n when a = visit\n followed by not leave within 5m\n then touchpoint \"{a.place}\"\nend\n\
         rule s\n when 3 times v = visit within 10m\n then touchpoint \"busy\"\nend",
    )
    .unwrap();
    let tenant: TenantId = "0190a000-0000-7000-8000-000000000001".parse().unwrap();
    let mut engine = Engine::new(tenant, rules);
    let mut out = Output::default();
    let t0 = 1_796_083_200_000_000i64;
    let mut samples = Vec::new();
    // 240,000 events, one every 100 ms; each subject lives for 20 events (2 seconds)
    // and is never seen again: 12,000 subjects in all, a few hundred with state at a time
    // (runs last 5 minutes, cooldowns 10).
    for i in 0..240_000i64 {
        let subject = format!("c{}", i / 20);
        let leave = i % 20 == 19 && i % 40 == 19;
        let e = ContextEvent {
            id: format!("e{i}"),
            tenant,
            subject,
            event_type: if leave { "leave" } else { "visit" }.into(),
            time: Timestamp::from_micros(t0 + i * 100_000),
            place: Some(format!("p{}", i % 7)),
            attributes: Attributes::from([("n", Value::Num(i as f64))]),
        };
        engine.process(&e, &NoHistory, &mut out).unwrap();
        out.clear();
        // Sample after the first 100 minutes (the de-dup window and cooldowns filled).
        if i >= 60_000 && i % 30_000 == 29_999 {
            samples.push(engine.state_size());
        }
    }
    // What is alive is the same at every sample although ever more subjects were seen.
    let counts: Vec<_> = samples
        .iter()
        .map(|s| (s.keys, s.runs, s.timers, s.dedup_ids))
        .collect();
    assert!(counts.windows(2).all(|w| w[0] == w[1]), "{counts:?}");
    assert!(counts[0].0 < 1_000, "live keys: {counts:?}");
    // Bytes count capacities: the de-dup hash set doubles once under remove/insert churn
    // (tombstones), wherever that falls, and never again; nothing grows with the 12,000
    // subjects seen.
    let bytes: Vec<_> = samples.iter().map(|s| s.bytes).collect();
    let (lo, hi) = (*bytes.iter().min().unwrap(), *bytes.iter().max().unwrap());
    assert!(hi as f64 <= lo as f64 * 1.5, "bytes grew: {bytes:?}");
    assert!(engine.stats().runs_completed > 0);
    // Once time moves past every window, nothing is left but the de-dup ids.
    engine.advance_to(
        Timestamp::from_micros(t0 + 240_000 * 100_000 + 7_200_000_000),
        &NoHistory,
        &mut out,
    );
    let end = engine.state_size();
    assert_eq!((end.keys, end.runs), (0, 0), "{end:?}");
}
