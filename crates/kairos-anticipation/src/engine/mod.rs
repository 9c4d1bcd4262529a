//! The engine: feed it events with [`Engine::process`] and move its clock with
//! [`Engine::advance_to`]; it decides which actions fire. It reads no clock, opens no
//! socket and stores nothing outside itself.

mod fire;
mod matcher;
mod state;
mod table;

use crate::compile::RuleSet;
use crate::event::{ContextEvent, EventError};
use crate::firing::{Firing, Output};
use crate::history::History;
use jiff::tz::TimeZone;
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;
use serde::Serialize;
use state::{Dedup, KeyState, Timer, TimerKind};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::mem::size_of;
use table::TableState;

/// Engine settings that are not part of a rule file.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The time zone of customers whose zone the caller does not know.
    pub default_time_zone: TimeZone,
    /// How far behind the clock an event may be and still be matched, in µs.
    pub lateness_us: i64,
    /// How long event ids are remembered for de-duplication, in µs.
    pub dedup_window_us: i64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            default_time_zone: TimeZone::UTC,
            lateness_us: 5 * 60_000_000,
            dedup_window_us: 3_600_000_000,
        }
    }
}

/// What happened to an event handed to [`Engine::process`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Matched against the rules and tables.
    Processed,
    /// Its id was seen within the de-duplication window: ignored.
    Duplicate,
    /// Older than the clock by more than the allowed lateness: ignored.
    Late,
}

/// Running totals since the engine started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Events handed in (including duplicates and late ones).
    pub events: u64,
    /// Redeliveries ignored.
    pub duplicates: u64,
    /// Late events ignored.
    pub late: u64,
    /// Partial matches started.
    pub runs_started: u64,
    /// Matches completed (before policy checks).
    pub runs_completed: u64,
    /// Partial matches whose window ran out.
    pub runs_expired: u64,
    /// Partial matches dropped because a key had too many.
    pub runs_dropped: u64,
    /// Partial matches ended by the event an absence step forbade.
    pub absences_broken: u64,
    /// Partial matches ended because history had nothing.
    pub history_misses: u64,
    /// Firings produced (including held ones when released).
    pub firings: u64,
    /// Matches or actions suppressed by policy.
    pub suppressed: u64,
    /// Derived events not processed because a chain of `emit`s ran too deep.
    pub emits_dropped: u64,
    /// Table rows not stored because a table was full.
    pub table_rows_dropped: u64,
}

/// How much state the engine holds now: it must follow live keys, not keys ever seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StateSize {
    /// Subjects with any state.
    pub keys: usize,
    /// Partial matches.
    pub runs: usize,
    /// Scheduled timers (including stale ones not yet due).
    pub timers: usize,
    /// Reference-table rows.
    pub table_rows: usize,
    /// Firings held for quiet hours.
    pub held: usize,
    /// Event ids remembered for de-duplication.
    pub dedup_ids: usize,
    /// Approximate bytes of all of the above (capacities, not just lengths).
    pub bytes: usize,
}

/// Firings held until quiet hours end, in due order.
#[derive(Debug, Default)]
pub(crate) struct Held {
    pub map: BTreeMap<(Timestamp, u64), Firing>,
    pub seq: u64,
}

/// The anticipation engine for one tenant's rule set.
#[derive(Debug)]
pub struct Engine {
    set: RuleSet,
    tenant: TenantId,
    config: EngineConfig,
    now: Option<Timestamp>,
    keys: Keys,
    timers: BinaryHeap<Reverse<Timer>>,
    tables: Vec<TableState>,
    dedup: Dedup,
    held: Held,
    next_run: u64,
    first_exact: HashMap<String, Vec<u16>>,
    first_other: Vec<u16>,
    stats: Stats,
    emits: Vec<ContextEvent>,
    scratch: String,
}

/// The parts of the engine a match step may touch, borrowed apart from the key slots.
pub(crate) struct Ctx<'a> {
    pub set: &'a RuleSet,
    pub tenant: TenantId,
    pub default_tz: &'a TimeZone,
    pub timers: &'a mut BinaryHeap<Reverse<Timer>>,
    pub tables: &'a mut [TableState],
    pub held: &'a mut Held,
    pub stats: &'a mut Stats,
    pub emits: &'a mut Vec<ContextEvent>,
    pub next_run: &'a mut u64,
    pub history: &'a dyn History,
    pub out: &'a mut Output,
    pub scratch: &'a mut String,
}

impl<'a> Ctx<'a> {
    pub(crate) fn schedule(&mut self, at: Timestamp, slot: u32, generation: u32, kind: TimerKind) {
        self.timers.push(Reverse(Timer {
            at,
            slot,
            generation,
            kind,
        }));
    }
}

macro_rules! ctx {
    ($s:ident, $history:expr, $out:expr) => {
        Ctx {
            set: &$s.set,
            tenant: $s.tenant,
            default_tz: &$s.config.default_time_zone,
            timers: &mut $s.timers,
            tables: &mut $s.tables,
            held: &mut $s.held,
            stats: &mut $s.stats,
            emits: &mut $s.emits,
            next_run: &mut $s.next_run,
            history: $history,
            out: $out,
            scratch: &mut $s.scratch,
        }
    };
}

impl Engine {
    /// An engine for `tenant` running `rules`, with default settings.
    pub fn new(tenant: TenantId, rules: RuleSet) -> Self {
        Self::with_config(tenant, rules, EngineConfig::default())
    }

    /// An engine with explicit settings.
    pub fn with_config(tenant: TenantId, rules: RuleSet, config: EngineConfig) -> Self {
        let mut first_exact: HashMap<String, Vec<u16>> = HashMap::new();
        let mut first_other = Vec::new();
        for (i, r) in rules.rules.iter().enumerate() {
            if let Some(crate::compile::CStep {
                kind: crate::compile::CStepKind::Event { ty, .. },
                ..
            }) = r.steps.first()
            {
                match ty {
                    crate::ast::TypePat::Exact(t) => {
                        first_exact.entry(t.clone()).or_default().push(i as u16)
                    }
                    _ => first_other.push(i as u16),
                }
            }
        }
        let tables = rules.tables.iter().map(|_| TableState::default()).collect();
        Self {
            set: rules,
            tenant,
            config,
            now: None,
            keys: Keys::default(),
            timers: BinaryHeap::new(),
            tables,
            dedup: Dedup::default(),
            held: Held::default(),
            next_run: 1,
            first_exact,
            first_other,
            stats: Stats::default(),
            emits: Vec::new(),
            scratch: String::new(),
        }
    }

    /// The rule set it runs.
    pub fn rules(&self) -> &RuleSet {
        &self.set
    }

    /// The engine's clock: the latest event time or `advance_to` seen.
    pub fn now(&self) -> Option<Timestamp> {
        self.now
    }

    /// Running totals.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Matches one event. First moves the clock to the event's time (firing timers that
    /// fall before it), then updates reference tables, advances partial matches and starts
    /// new ones. Decisions are appended to `out`.
    pub fn process(
        &mut self,
        ev: &ContextEvent,
        history: &dyn History,
        out: &mut Output,
    ) -> Result<Disposition, EventError> {
        ev.validate()?;
        if ev.tenant != self.tenant {
            return Err(EventError::WrongTenant);
        }
        self.stats.events += 1;
        let now = self.now.unwrap_or(ev.time);
        if ev.time.as_micros() < now.as_micros() - self.config.lateness_us {
            self.stats.late += 1;
            return Ok(Disposition::Late);
        }
        if ev.time > now {
            self.run_timers(ev.time, false, history, out);
        }
        let now = now.max(ev.time);
        self.now = Some(now);
        self.dedup.expire(Timestamp::from_micros(
            now.as_micros() - self.config.dedup_window_us,
        ));
        if self.dedup.check(&ev.id, now, self.set.limits.max_dedup_ids) {
            self.stats.duplicates += 1;
            return Ok(Disposition::Duplicate);
        }
        self.ingest(ev, history, out);
        self.drain_emits(history, out);
        Ok(Disposition::Processed)
    }

    /// Moves the clock to `now` (never backwards), firing every timer due by then:
    /// absences that held, windows that ran out, held firings whose quiet hours ended.
    pub fn advance_to(&mut self, now: Timestamp, history: &dyn History, out: &mut Output) {
        if self.now.is_some_and(|n| n > now) {
            return;
        }
        self.run_timers(now, true, history, out);
        self.now = Some(now);
        release_held(&mut self.held, now, out, &mut self.stats);
    }

    /// The state held now, and an estimate of its bytes.
    pub fn state_size(&self) -> StateSize {
        let k = &self.keys;
        let runs = k.slots.iter().map(|k| k.runs.len()).sum();
        let key_bytes: usize = k.slots.iter().map(KeyState::bytes).sum::<usize>()
            + k.slots.capacity() * size_of::<KeyState>()
            + k.map.capacity() * (size_of::<(Box<str>, u32)>() + 1)
            + k.free.capacity() * 4;
        let table_rows = self.tables.iter().map(TableState::len).sum();
        let table_bytes: usize = self.tables.iter().map(TableState::bytes).sum();
        let held_bytes = self.held.map.len() * (size_of::<Firing>() + 256);
        StateSize {
            keys: k.map.len(),
            runs,
            timers: self.timers.len(),
            table_rows,
            held: self.held.map.len(),
            dedup_ids: self.dedup.len(),
            bytes: key_bytes
                + table_bytes
                + held_bytes
                + self.timers.capacity() * size_of::<Timer>()
                + self.dedup.bytes(),
        }
    }

    fn run_timers(
        &mut self,
        to: Timestamp,
        inclusive: bool,
        history: &dyn History,
        out: &mut Output,
    ) {
        while let Some(Reverse(t)) = self.timers.peek().copied() {
            if t.at > to || (!inclusive && t.at == to) {
                break;
            }
            self.timers.pop();
            release_held(&mut self.held, t.at, out, &mut self.stats);
            if self.now.is_none_or(|n| n < t.at) {
                self.now = Some(t.at);
            }
            self.on_timer(t, history, out);
            self.drain_emits(history, out);
        }
    }

    fn on_timer(&mut self, t: Timer, history: &dyn History, out: &mut Output) {
        if let TimerKind::Row(table) = t.kind {
            self.tables[usize::from(table)].expire(t.slot, t.generation, t.at);
            return;
        }
        let Some(ks) = self.keys.live(t.slot, t.generation) else {
            return;
        };
        let mut ctx = ctx!(self, history, out);
        match t.kind {
            TimerKind::Run(id) => matcher::on_deadline(&mut ctx, ks, t.slot, id, t.at),
            TimerKind::Sweep => matcher::sweep(&mut ctx, ks, t.slot, t.at),
            TimerKind::Row(_) => {}
        }
        self.keys.maybe_free(t.slot);
    }

    fn ingest(&mut self, ev: &ContextEvent, history: &dyn History, out: &mut Output) {
        for t in 0..self.tables.len() {
            let woken = {
                let mut ctx = ctx!(self, history, out);
                table::feed(&mut ctx, t, ev)
            };
            for w in woken {
                self.wake(t, w, ev.time, history, out);
            }
        }
        let mut slot = self.keys.map.get(ev.subject.as_str()).copied();
        if let Some(s) = slot {
            let mut ctx = ctx!(self, history, out);
            matcher::advance_runs(&mut ctx, &mut self.keys.slots[s as usize], s, ev);
        }
        let exact = self.first_exact.get(ev.event_type.as_str());
        let candidates = exact
            .into_iter()
            .flatten()
            .chain(self.first_other.iter())
            .copied();
        for r in candidates {
            if !matcher::starts(&self.set.rules[usize::from(r)], ev) {
                continue;
            }
            let s = match slot {
                Some(s) => s,
                None => {
                    let s = self.keys.alloc(&ev.subject);
                    slot = Some(s);
                    s
                }
            };
            let mut ctx = ctx!(self, history, out);
            matcher::start(&mut ctx, &mut self.keys.slots[s as usize], s, r, ev);
        }
        if let Some(s) = slot {
            self.keys.maybe_free(s);
        }
    }

    /// A table row changed: let the partial match waiting on it look again.
    fn wake(
        &mut self,
        table: usize,
        w: table::Waiter,
        at: Timestamp,
        history: &dyn History,
        out: &mut Output,
    ) {
        let Some(ks) = self.keys.live(w.slot, w.generation) else {
            return;
        };
        let mut ctx = ctx!(self, history, out);
        matcher::on_row(&mut ctx, ks, w.slot, w.run, table, at);
        self.keys.maybe_free(w.slot);
    }

    fn drain_emits(&mut self, history: &dyn History, out: &mut Output) {
        let mut rounds = 0;
        while !self.emits.is_empty() {
            rounds += 1;
            let batch = std::mem::take(&mut self.emits);
            if rounds > 8 {
                self.stats.emits_dropped += batch.len() as u64;
                continue;
            }
            for e in &batch {
                self.ingest(e, history, out);
            }
        }
    }
}

/// Subjects with state: a map to slots, and the slots (reused through a free list).
#[derive(Debug, Default)]
struct Keys {
    map: HashMap<Box<str>, u32>,
    slots: Vec<KeyState>,
    free: Vec<u32>,
}

impl Keys {
    fn live(&mut self, slot: u32, generation: u32) -> Option<&mut KeyState> {
        self.slots
            .get_mut(slot as usize)
            .filter(|ks| ks.live && ks.generation == generation)
    }

    fn alloc(&mut self, subject: &str) -> u32 {
        let s = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(KeyState::default());
                (self.slots.len() - 1) as u32
            }
        };
        let ks = &mut self.slots[s as usize];
        ks.subject = subject.into();
        ks.slot = s;
        ks.live = true;
        self.map.insert(subject.into(), s);
        s
    }

    fn maybe_free(&mut self, s: u32) {
        let ks = &mut self.slots[s as usize];
        if ks.live && ks.is_empty() {
            self.map.remove(&ks.subject);
            ks.live = false;
            ks.generation = ks.generation.wrapping_add(1);
            ks.subject = Box::from("");
            ks.sweep_at = None;
            // Give the vectors' memory back: a freed slot may stay unused for long.
            ks.runs = Vec::new();
            ks.counters = Vec::new();
            ks.cooldowns = Vec::new();
            ks.sent = Vec::new();
            self.free.push(s);
        }
    }
}

pub(crate) fn release_held(held: &mut Held, upto: Timestamp, out: &mut Output, stats: &mut Stats) {
    while let Some(entry) = held.map.first_entry() {
        if entry.key().0 > upto {
            break;
        }
        out.firings.push(entry.remove());
        stats.firings += 1;
    }
}
