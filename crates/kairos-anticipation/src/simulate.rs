//! Simulation: replay events against rules and say what would fire and why — the way an
//! admin checks a rule before switching it on. The same engine runs live, so the answer
//! is the live answer for the same events.

use crate::compile::RuleSet;
use crate::engine::{Engine, EngineConfig, Stats};
use crate::event::ContextEvent;
use crate::firing::{Action, Firing, Output, Reason, Suppression};
use crate::history::{History, MemoryHistory};
use kairos_core::Timestamp;
use std::fmt::Write;

/// Everything a replay produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// Actions that would be executed, in decision order.
    pub firings: Vec<Firing>,
    /// Matches and actions the policies stopped.
    pub suppressed: Vec<Suppression>,
    /// Events that were refused: (index in the input, reason).
    pub refused: Vec<(usize, String)>,
    /// The engine's totals.
    pub stats: Stats,
    /// The time of the last event.
    pub last_event: Option<Timestamp>,
    /// How far the clock was moved afterwards so pending timers could fire.
    pub advanced_to: Option<Timestamp>,
}

/// Replays `events` (in the given order) against `rules`, starting from `history`;
/// every replayed event is added to the history as a live store would. Afterwards the
/// clock runs on until every window and hold could have ended. Returns the firings.
pub fn simulate(rules: &RuleSet, events: &[ContextEvent], history: &MemoryHistory) -> Vec<Firing> {
    run(rules, events, history, None).firings
}

impl Simulation {
    /// Like [`simulate`], keeping suppressions and totals, optionally stopping the clock
    /// at `until` instead of running it out.
    pub fn run(
        rules: &RuleSet,
        events: &[ContextEvent],
        history: &MemoryHistory,
        until: Option<Timestamp>,
    ) -> Simulation {
        run(rules, events, history, until)
    }
}

fn run(
    rules: &RuleSet,
    events: &[ContextEvent],
    history: &MemoryHistory,
    until: Option<Timestamp>,
) -> Simulation {
    let mut sim = Simulation {
        firings: Vec::new(),
        suppressed: Vec::new(),
        refused: Vec::new(),
        stats: Stats::default(),
        last_event: None,
        advanced_to: None,
    };
    let Some(first) = events.first() else {
        return sim;
    };
    let mut history = history.clone();
    let zone = history
        .time_zone(first.tenant, "")
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let config = EngineConfig {
        default_time_zone: zone,
        ..EngineConfig::default()
    };
    let mut engine = Engine::with_config(first.tenant, rules.clone(), config);
    let mut out = Output::default();
    for (i, ev) in events.iter().enumerate() {
        match engine.process(ev, &history, &mut out) {
            Ok(_) => history.record(ev),
            Err(e) => sim.refused.push((i, e.to_string())),
        }
        sim.last_event = sim.last_event.max(Some(ev.time));
        collect(&mut sim, &mut out, &mut history);
    }
    if let Some(last) = sim.last_event {
        let end = until.unwrap_or_else(|| {
            Timestamp::from_micros(last.as_micros() + rules.horizon_us() + 86_400_000_000)
        });
        engine.advance_to(end, &history, &mut out);
        collect(&mut sim, &mut out, &mut history);
        sim.advanced_to = Some(end);
    }
    sim.stats = engine.stats();
    sim
}

fn collect(sim: &mut Simulation, out: &mut Output, history: &mut MemoryHistory) {
    for f in &out.firings {
        if let Action::Emit { event } = &f.action {
            history.record(event);
        }
    }
    sim.firings.append(&mut out.firings);
    sim.suppressed.append(&mut out.suppressed);
}

/// A human-readable report: what fired, why, and what was held back.
pub fn report(rules: &RuleSet, sim: &Simulation) -> String {
    let mut s = String::new();
    let names: Vec<String> = rules
        .rules()
        .iter()
        .map(|r| format!("{} v{}", r.name, r.version))
        .collect();
    let _ = writeln!(s, "rules: {} ({})", names.len(), names.join(", "));
    let st = &sim.stats;
    let _ = writeln!(
        s,
        "events: {} replayed, {} duplicate, {} late, {} refused",
        st.events,
        st.duplicates,
        st.late,
        sim.refused.len()
    );
    if let (Some(last), Some(to)) = (sim.last_event, sim.advanced_to) {
        let _ = writeln!(
            s,
            "clock: last event {last}, then advanced to {to} so timers could fire"
        );
    }
    for (i, why) in &sim.refused {
        let _ = writeln!(s, "refused: event #{} — {why}", i + 1);
    }
    let _ = writeln!(s, "\nfired: {}", sim.firings.len());
    // Firings of one match share rule, subject and match time: explain them once.
    let mut i = 0;
    while i < sim.firings.len() {
        let f = &sim.firings[i];
        let same =
            |g: &Firing| g.rule == f.rule && g.subject == f.subject && g.matched_at == f.matched_at;
        let n = sim.firings[i..].iter().take_while(|g| same(g)).count();
        let _ = writeln!(
            s,
            "\n[{}] {} v{} for {}",
            f.matched_at, f.rule, f.rule_version, f.subject
        );
        for g in &sim.firings[i..i + n] {
            let _ = writeln!(s, "  → {}", describe(&g.action));
            if g.due != g.matched_at {
                let _ = writeln!(s, "    held until {} (quiet hours)", g.due);
            }
        }
        let _ = writeln!(s, "  because:");
        for line in &f.explanation {
            if !line.starts_with("quiet hours") {
                let _ = writeln!(s, "    {line}");
            }
        }
        i += n;
    }
    let _ = writeln!(s, "\nsuppressed: {}", sim.suppressed.len());
    for x in &sim.suppressed {
        let what = x.action.as_deref().unwrap_or("match");
        let why = match &x.reason {
            Reason::Cooldown { until } => format!("cooldown until {until}"),
            Reason::RuleCap { count, per_s } => format!("rule cap of {count} per {per_s}s reached"),
            Reason::Cap { count, per_s } => format!("cap of {count} per {per_s}s reached"),
            Reason::QuietHours { until } => {
                format!("quiet hours until {until}, longer than the rule may hold")
            }
            Reason::HeldQueueFull => "too many firings already held".to_owned(),
        };
        let _ = writeln!(
            s,
            "[{}] {} v{} {what} for {}: {why}",
            x.at, x.rule, x.rule_version, x.subject
        );
    }
    let _ = writeln!(
        s,
        "\npartial matches: {} started, {} completed, {} expired, {} ended by an absence, {} without history",
        st.runs_started, st.runs_completed, st.runs_expired, st.absences_broken, st.history_misses
    );
    s
}

/// One line saying what an action does.
pub(crate) fn describe(a: &Action) -> String {
    match a {
        Action::Notify { channels, text, .. } => {
            format!("notify via {}: {text:?}", channels.join(", "))
        }
        Action::Coupon {
            offer,
            value_minor,
            currency,
            expires_at,
            channels,
            text,
            ..
        } => format!(
            "coupon {offer:?} worth {}.{:02} {currency}, valid until {expires_at}, via {}: {text:?}",
            value_minor / 100,
            value_minor % 100,
            channels.join(", ")
        ),
        Action::OpenConversation { subject } => format!("open conversation {subject:?}"),
        Action::Touchpoint { text } => format!("touchpoint {text:?}"),
        Action::Webhook { url, secret } => format!("webhook POST {url} signed with {secret:?}"),
        Action::Emit { event } => {
            let attrs: Vec<String> = event
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!(
                "emit {} at {} ({})",
                event.event_type,
                event.place.as_deref().unwrap_or("-"),
                attrs.join(", ")
            )
        }
    }
}
