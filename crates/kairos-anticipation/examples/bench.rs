//! In-process benchmark of the anticipation engine on the airport scenario at scale.
//!
//! `cargo run --release -p kairos-anticipation --example bench -- [--customers N] [--runs R]`
//!
//! Generates one day of context events for N customers (default 1,000,000) at 20 airports
//! and 200 other venues, plus a flight status feed, and replays them in time order through
//! the shipped `examples/anticipation/airport.rules` on one thread. The 30 days of presence
//! history before that day (and the departures two weeks ago) live in a compact in-memory
//! store behind the `History` trait, as the caller's store would. Prints one JSON object
//! with the medians over R runs (default 3) on stdout. See `bench/README.md`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kairos_anticipation::{
    Action, Attributes, ContextEvent, Engine, EngineConfig, EventView, History, HistoryQuery,
    Output, RuleSet, Value, ValueRef,
};
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;
use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Instant;

const RULES: &str = include_str!("../../../examples/anticipation/airport.rules");
const AIRPORTS: u32 = 20;
const VENUES: u32 = 200;
const ORIGINS: u32 = 30;
/// 2026-12-01T00:00:00Z, in seconds.
const TODAY: i64 = 1_796_083_200;
const DAY: i64 = 86_400;
const TERMINALS: [&str; 3] = ["0", "1", "2"];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One stored presence: 8 bytes.
#[derive(Clone, Copy)]
struct Rec {
    /// Seconds after TODAY − 30 days.
    t: u32,
    place: u16,
    terminal: u8,
    left: bool,
}

/// The caller's store, compact: presence per customer (sorted by time) and a departure
/// schedule computed on demand.
struct Store {
    offsets: Vec<u32>,
    recs: Vec<Rec>,
    places: Vec<String>,
    tz: jiff::tz::TimeZone,
}

const BASE: i64 = TODAY - 30 * DAY;

fn ts(secs: i64) -> Timestamp {
    Timestamp::from_micros(secs * 1_000_000)
}

fn place_id(p: &str) -> Option<u16> {
    let n: u16 = p.get(2..)?.parse().ok()?;
    match &p[..2] {
        "AP" => Some(n),
        "VN" => Some(AIRPORTS as u16 + n),
        _ => None,
    }
}

fn departure(a: u32, terminal: u32, slot: i64) -> (i64, u32) {
    // Every 12 minutes per terminal; terminal 2 three minutes later.
    let t = slot * 720 + i64::from(terminal) * 180;
    let dest = (slot as u64 ^ (u64::from(a) * 31 + u64::from(terminal) * 7))
        .wrapping_mul(2_654_435_761)
        % u64::from(ORIGINS);
    (t, dest as u32)
}

struct View<'a> {
    ty: &'static str,
    subject: &'a str,
    time: Timestamp,
    place: &'a str,
    attrs: [(&'static str, ValueRef<'a>); 3],
}

impl EventView for View<'_> {
    fn event_type(&self) -> &str {
        self.ty
    }
    fn subject(&self) -> &str {
        self.subject
    }
    fn time(&self) -> Timestamp {
        self.time
    }
    fn place(&self) -> Option<&str> {
        Some(self.place)
    }
    fn attribute(&self, name: &str) -> Option<ValueRef<'_>> {
        self.attrs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

impl History for Store {
    fn scan(&self, q: &HistoryQuery<'_>, visit: &mut dyn FnMut(&dyn EventView) -> bool) {
        let Some(place) = q.place.and_then(place_id) else {
            return;
        };
        let pname = &self.places[usize::from(place)];
        match q.subject {
            Some(subject) => {
                let Some(c) = subject.get(1..).and_then(|s| s.parse::<usize>().ok()) else {
                    return;
                };
                let recs = &self.recs[self.offsets[c] as usize..self.offsets[c + 1] as usize];
                let mut hits = recs
                    .iter()
                    .filter(|r| r.place == place && !r.left)
                    .filter(|r| {
                        let t = ts(BASE + i64::from(r.t));
                        t >= q.from && t <= q.to
                    });
                let mut go = |r: &Rec| {
                    let venue = if r.place < AIRPORTS as u16 {
                        "airport"
                    } else {
                        "mall"
                    };
                    visit(&View {
                        ty: "presence.wifi",
                        subject,
                        time: ts(BASE + i64::from(r.t)),
                        place: pname,
                        attrs: [
                            ("venue", ValueRef::Str(venue)),
                            (
                                "terminal",
                                ValueRef::Str(TERMINALS[usize::from(r.terminal)]),
                            ),
                            ("", ValueRef::Null),
                        ],
                    })
                };
                if q.oldest_first {
                    for r in hits.by_ref() {
                        if !go(r) {
                            return;
                        }
                    }
                } else {
                    for r in hits.collect::<Vec<_>>().into_iter().rev() {
                        if !go(r) {
                            return;
                        }
                    }
                }
            }
            None if u32::from(place) < AIRPORTS && q.types.matches("flight.departed") => {
                let a = u32::from(place);
                let (from, to) = (q.from.as_micros() / 1_000_000, q.to.as_micros() / 1_000_000);
                let first = from.div_euclid(720) - 1;
                let mut slots: Vec<(i64, u32, u32)> = Vec::with_capacity(64);
                for slot in first..=to.div_euclid(720) + 1 {
                    for term in 1..=2 {
                        let (t, dest) = departure(a, term, slot);
                        if t >= from && t <= to {
                            slots.push((t, term, dest));
                        }
                    }
                }
                if !q.oldest_first {
                    slots.reverse();
                }
                let mut number = String::new();
                for (t, term, dest) in slots {
                    number.clear();
                    let _ = write!(number, "D{a}{term}{t}");
                    let v = View {
                        ty: "flight.departed",
                        subject: "feed:flights",
                        time: ts(t),
                        place: pname,
                        attrs: [
                            ("number", ValueRef::Str(&number)),
                            ("destination", ValueRef::Str(ORIGIN_NAMES[dest as usize])),
                            ("terminal", ValueRef::Str(TERMINALS[term as usize])),
                        ],
                    };
                    if !visit(&v) {
                        return;
                    }
                }
            }
            None => {}
        }
    }

    fn time_zone(&self, _: TenantId, _: &str) -> Option<jiff::tz::TimeZone> {
        Some(self.tz.clone())
    }
}

const ORIGIN_NAMES: [&str; 30] = [
    "JFK", "LHR", "CDG", "MAD", "FCO", "IST", "DXB", "SIN", "HND", "ORD", "ATL", "LAX", "AMS",
    "ZRH", "VIE", "CPH", "OSL", "ARN", "HEL", "WAW", "PRG", "BUD", "ATH", "LIS", "DUB", "BCN",
    "MUC", "BER", "HAM", "DUS",
];

/// A compact live event; materialised into a reused `ContextEvent` just before processing.
#[derive(Clone, Copy)]
struct Desc {
    t: i64,
    kind: u8, // 0 wifi, 1 left, 2 flight status (initial), 3 flight status (delayed)
    place: u16,
    terminal: u8,
    who: u32, // customer, or flight index
}

struct World {
    store: Store,
    live: Vec<Desc>,
    flights: Vec<(u32, u32, i64)>, // (airport, origin, scheduled)
    pickers_today: u64,
}

fn generate(customers: u32, seed: u64) -> World {
    let mut rng = Rng(seed);
    let mut places: Vec<String> = (0..AIRPORTS).map(|a| format!("AP{a:02}")).collect();
    places.extend((0..VENUES).map(|v| format!("VN{v:03}")));
    let mut offsets = Vec::with_capacity(customers as usize + 1);
    let mut recs = Vec::with_capacity(customers as usize * 6);
    let mut live = Vec::with_capacity(customers as usize * 3 + 10_000);
    let mut pickers_today = 0;
    for c in 0..customers {
        offsets.push(recs.len() as u32);
        let start = recs.len();
        let picker = rng.below(5) == 0;
        let (airport, terminal) = (
            rng.below(u64::from(AIRPORTS)) as u16,
            1 + rng.below(2) as u8,
        );
        if picker {
            // Two weeks ago at the airport for a while (05:00–20:00).
            let t = (16 * DAY + 5 * 3600) as u32 + rng.below(15 * 3600) as u32;
            recs.push(Rec {
                t,
                place: airport,
                terminal,
                left: false,
            });
            recs.push(Rec {
                t: t + 3600,
                place: airport,
                terminal,
                left: true,
            });
        }
        for _ in 0..3 + rng.below(3) {
            let place = AIRPORTS as u16 + rng.below(u64::from(VENUES)) as u16;
            let t = rng.below((30 * DAY) as u64) as u32;
            recs.push(Rec {
                t,
                place,
                terminal: 0,
                left: false,
            });
        }
        recs[start..].sort_by_key(|r| r.t);
        if picker && rng.below(2) == 0 {
            pickers_today += 1;
            let t = TODAY + 6 * 3600 + rng.below(14 * 3600) as i64;
            let d = |t, kind| Desc {
                t,
                kind,
                place: airport,
                terminal,
                who: c,
            };
            live.push(d(t, 0));
            live.push(d(t + 300, 0));
            live.push(d(t + 1200 + rng.below(6000) as i64, 1));
        } else {
            for _ in 0..2 {
                let place = AIRPORTS as u16 + rng.below(u64::from(VENUES)) as u16;
                let t = TODAY + rng.below(DAY as u64) as i64;
                live.push(Desc {
                    t,
                    kind: 0,
                    place,
                    terminal: 0,
                    who: c,
                });
            }
            let t = TODAY + rng.below(DAY as u64) as i64;
            let place = AIRPORTS as u16 + rng.below(u64::from(VENUES)) as u16;
            live.push(Desc {
                t,
                kind: 1,
                place,
                terminal: 0,
                who: c,
            });
        }
    }
    offsets.push(recs.len() as u32);
    // The feed: every (airport, origin) pair has an arrival every 3 hours; its status is
    // published 3 hours ahead, and 30% are delayed an hour before they are due.
    let mut flights = Vec::new();
    for a in 0..AIRPORTS {
        for o in 0..ORIGINS {
            let first = i64::from((a * 7 + o * 11) % 180) * 60;
            for j in 0..8 {
                let sched = TODAY + first + j * 3 * 3600;
                let f = flights.len() as u32;
                flights.push((a, o, sched));
                let d = |t: i64, kind| Desc {
                    t: t.max(TODAY),
                    kind,
                    place: a as u16,
                    terminal: 0,
                    who: f,
                };
                live.push(d(sched - 3 * 3600, 2));
                if rng.below(10) < 3 {
                    live.push(d(sched - 3600, 3));
                }
            }
        }
    }
    live.sort_by_key(|d| d.t);
    World {
        store: Store {
            offsets,
            recs,
            places,
            tz: jiff::tz::TimeZone::get("Europe/Berlin").unwrap(),
        },
        live,
        flights,
        pickers_today,
    }
}

/// Reused events, one per shape, refilled in place (no allocation per event).
struct Materialiser {
    presence: ContextEvent,
    left: ContextEvent,
    status: ContextEvent,
}

fn set_str(attrs: &mut Attributes, i: usize, v: &str) {
    if let Value::Str(s) = &mut attrs.0[i].1 {
        s.clear();
        s.push_str(v);
    }
}

impl Materialiser {
    fn new(tenant: TenantId) -> Self {
        let ev = |ty: &str, attrs: &[&str]| ContextEvent {
            id: String::with_capacity(16),
            tenant,
            subject: String::with_capacity(16),
            event_type: ty.to_owned(),
            time: ts(0),
            place: Some(String::with_capacity(8)),
            attributes: Attributes(
                attrs
                    .iter()
                    .map(|k| ((*k).to_owned(), Value::Str(String::with_capacity(24))))
                    .collect(),
            ),
        };
        Materialiser {
            presence: ev("presence.wifi", &["venue", "terminal"]),
            left: ev("presence.left", &["venue"]),
            status: ev(
                "flight.status",
                &[
                    "direction",
                    "number",
                    "origin",
                    "scheduled",
                    "estimated",
                    "gate",
                    "status",
                ],
            ),
        }
    }

    fn fill(&mut self, i: usize, d: &Desc, w: &World) -> &ContextEvent {
        let ev = match d.kind {
            0 => &mut self.presence,
            1 => &mut self.left,
            _ => &mut self.status,
        };
        ev.id.clear();
        let _ = write!(ev.id, "e{i}");
        ev.time = ts(d.t);
        let place = ev.place.get_or_insert_with(String::new);
        place.clear();
        place.push_str(&w.store.places[usize::from(d.place)]);
        ev.subject.clear();
        match d.kind {
            0 | 1 => {
                let _ = write!(ev.subject, "c{:07}", d.who);
                set_str(
                    &mut ev.attributes,
                    0,
                    if d.place < AIRPORTS as u16 {
                        "airport"
                    } else {
                        "mall"
                    },
                );
                if d.kind == 0 {
                    set_str(&mut ev.attributes, 1, TERMINALS[usize::from(d.terminal)]);
                }
            }
            _ => {
                ev.subject.push_str("feed:flights");
                let (a, o, sched) = w.flights[d.who as usize];
                let a_ = &mut ev.attributes;
                set_str(a_, 0, "arrival");
                let mut buf = String::with_capacity(0);
                let _ = write!(buf, "F{a}{o}{}", d.who);
                set_str(a_, 1, &buf);
                set_str(a_, 2, ORIGIN_NAMES[o as usize]);
                set_str(a_, 3, &ts(sched).to_rfc3339());
                let est = if d.kind == 3 { sched + 2400 } else { sched };
                set_str(a_, 4, &ts(est).to_rfc3339());
                buf.clear();
                let _ = write!(buf, "G{}", d.who % 60);
                set_str(a_, 5, &buf);
                set_str(a_, 6, if d.kind == 3 { "delayed" } else { "on-time" });
            }
        }
        ev
    }
}

fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<usize>().ok())
        })
        .unwrap_or(0)
        * 1024
}

struct RunResult {
    secs: f64,
    events: usize,
    lat_ns: Vec<u32>,
    fire_lat_ns: Vec<u32>,
    firings: [u64; 6],
    peak_keys: usize,
    peak_bytes: usize,
    peak_rss_delta: usize,
}

fn run_once(w: &World, rules: &RuleSet, tenant: TenantId, timed: bool) -> RunResult {
    let config = EngineConfig {
        default_time_zone: w.store.tz.clone(),
        ..EngineConfig::default()
    };
    let rss0 = rss_bytes();
    let mut engine = Engine::with_config(tenant, rules.clone(), config);
    let mut m = Materialiser::new(tenant);
    let mut out = Output::default();
    let mut r = RunResult {
        secs: 0.0,
        events: w.live.len(),
        lat_ns: Vec::with_capacity(if timed { w.live.len() } else { 0 }),
        fire_lat_ns: Vec::new(),
        firings: [0; 6],
        peak_keys: 0,
        peak_bytes: 0,
        peak_rss_delta: 0,
    };
    let count = |r: &mut RunResult, out: &mut Output| {
        for f in &out.firings {
            let k = match f.action {
                Action::Notify { .. } => 0,
                Action::Coupon { .. } => 1,
                Action::Touchpoint { .. } => 2,
                Action::Emit { .. } => 3,
                Action::OpenConversation { .. } => 4,
                Action::Webhook { .. } => 5,
            };
            r.firings[k] += 1;
        }
        out.clear();
    };
    let started = Instant::now();
    for (i, d) in w.live.iter().enumerate() {
        let ev = m.fill(i, d, w);
        if timed {
            let t0 = Instant::now();
            engine.process(ev, &w.store, &mut out).unwrap();
            let ns = t0.elapsed().as_nanos().min(u128::from(u32::MAX)) as u32;
            r.lat_ns.push(ns);
            if !out.firings.is_empty() {
                r.fire_lat_ns.push(ns);
            }
            if i % 200_000 == 0 {
                let s = engine.state_size();
                if s.keys > r.peak_keys {
                    r.peak_keys = s.keys;
                    r.peak_bytes = s.bytes;
                    r.peak_rss_delta = rss_bytes().saturating_sub(rss0);
                }
            }
        } else {
            engine.process(ev, &w.store, &mut out).unwrap();
        }
        count(&mut r, &mut out);
    }
    engine.advance_to(ts(TODAY + 2 * DAY), &w.store, &mut out);
    r.secs = started.elapsed().as_secs_f64();
    count(&mut r, &mut out);
    r
}

fn pct(v: &mut [u32], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable();
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    f64::from(v[i]) / 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let customers = arg("--customers", 1_000_000) as u32;
    let runs = arg("--runs", 3).max(1) as usize;
    let tenant: TenantId = "0190a000-0000-7000-8000-000000000001".parse().unwrap();
    let rules = RuleSet::parse(RULES).unwrap();
    let g0 = Instant::now();
    let w = generate(customers, 42);
    eprintln!(
        "generated {} live events, {} history records, {} pickers today in {:.1}s",
        w.live.len(),
        w.store.recs.len(),
        w.pickers_today,
        g0.elapsed().as_secs_f64()
    );
    let (mut rates, mut p50, mut p99, mut p999, mut fp99, mut bpk, mut rpk, mut keys) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    let mut firings = [0u64; 6];
    for i in 0..runs {
        let a = run_once(&w, &rules, tenant, false);
        rates.push(a.events as f64 / a.secs);
        let mut b = run_once(&w, &rules, tenant, true);
        p50.push(pct(&mut b.lat_ns, 0.50));
        p99.push(pct(&mut b.lat_ns, 0.99));
        p999.push(pct(&mut b.lat_ns, 0.999));
        fp99.push(pct(&mut b.fire_lat_ns, 0.99));
        bpk.push(b.peak_bytes as f64 / b.peak_keys.max(1) as f64);
        rpk.push(b.peak_rss_delta as f64 / b.peak_keys.max(1) as f64);
        keys.push(b.peak_keys as f64);
        firings = a.firings;
        eprintln!(
            "run {}: {:.0} events/s untimed; timed p50 {:.2} µs p99 {:.2} µs; firings {:?}",
            i + 1,
            rates[i],
            p50[i],
            p99[i],
            a.firings
        );
    }
    let hist_bytes = w.store.recs.len() * std::mem::size_of::<Rec>() + w.store.offsets.len() * 4;
    let json = format!(
        "{{\"customers\":{customers},\"runs\":{runs},\"events\":{},\"events_per_s\":{:.0},\"p50_us\":{:.3},\"p99_us\":{:.3},\"p999_us\":{:.3},\"p99_detection_us\":{:.3},\"tracked_customers_peak\":{:.0},\"bytes_per_tracked_customer\":{:.0},\"rss_bytes_per_tracked_customer\":{:.0},\"history_bytes\":{hist_bytes},\"notify\":{},\"coupon\":{},\"touchpoint\":{},\"emit\":{}}}\n",
        w.live.len(),
        median(rates),
        median(p50),
        median(p99),
        median(p999),
        median(fp99),
        median(keys),
        median(bpk),
        median(rpk),
        firings[0],
        firings[1],
        firings[2],
        firings[3],
    );
    let _ = std::io::stdout().write_all(json.as_bytes());
}
