//! Per-key state (partial matches, counters, cooldowns, cap entries), timers and the
//! de-duplication window. Everything here expires by a timer, so memory follows the
//! number of *live* keys, not the number ever seen.

use crate::expr::StepRec;
use crate::value::Value;
use kairos_core::Timestamp;
use std::collections::hash_map::RandomState;
use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::mem::size_of;

/// A partial match of one rule for one subject.
#[derive(Debug)]
pub(crate) struct Run {
    pub id: u64,
    pub rule: u16,
    /// The step it waits on (or is about to evaluate).
    pub step: u16,
    /// The partition place, for `partition by subject, place` rules.
    pub place: Option<Box<str>>,
    pub start: Timestamp,
    /// Time of the last completed step.
    pub last: Timestamp,
    /// When the current wait ends (absence: succeeds; anything else: expires).
    pub deadline: Timestamp,
    /// Whether reaching `deadline` completes an absence step.
    pub absence_ends: bool,
    /// Events counted so far for an `N times` step after the first.
    pub counted: u32,
    /// The table row key it waits on, if any.
    pub waiting: Option<(u16, Box<str>)>,
    pub recs: Vec<StepRec>,
}

impl Run {
    pub(crate) fn bytes(&self) -> usize {
        size_of::<Run>()
            + self.place.as_ref().map_or(0, |p| p.len())
            + self.waiting.as_ref().map_or(0, |w| w.1.len())
            + self.recs.capacity() * size_of::<StepRec>()
            + self
                .recs
                .iter()
                .map(|r| r.vals.iter().map(value_bytes).sum::<usize>())
                .sum::<usize>()
    }
}

pub(crate) fn value_bytes(v: &Value) -> usize {
    size_of::<Value>()
        + match v {
            Value::Str(s) => s.capacity(),
            _ => 0,
        }
}

/// Sliding-window counter for a rule whose first step is `N times … within D`.
#[derive(Debug)]
pub(crate) struct Counter {
    pub rule: u16,
    pub place: Option<Box<str>>,
    pub times: VecDeque<Timestamp>,
}

/// Everything the engine keeps for one subject.
#[derive(Debug, Default)]
pub(crate) struct KeyState {
    pub subject: Box<str>,
    /// Its own slot number (timers name it).
    pub slot: u32,
    /// Bumped when the slot is reused, so stale timers and waiters are recognised.
    pub generation: u32,
    pub runs: Vec<Run>,
    pub counters: Vec<Counter>,
    /// `(rule, place, until)`.
    pub cooldowns: Vec<(u16, Option<Box<str>>, Timestamp)>,
    /// Customer-facing messages sent: `(rule, when)`, kept as long as a cap window needs.
    pub sent: Vec<(u16, Timestamp)>,
    /// The earliest sweep timer already scheduled.
    pub sweep_at: Option<Timestamp>,
    pub live: bool,
}

impl KeyState {
    pub(crate) fn is_empty(&self) -> bool {
        self.runs.is_empty()
            && self.counters.is_empty()
            && self.cooldowns.is_empty()
            && self.sent.is_empty()
    }

    pub(crate) fn bytes(&self) -> usize {
        self.subject.len()
            + self.runs.capacity() * size_of::<Run>()
            + self
                .runs
                .iter()
                .map(|r| r.bytes() - size_of::<Run>())
                .sum::<usize>()
            + self.counters.capacity() * size_of::<Counter>()
            + self
                .counters
                .iter()
                .map(|c| c.times.capacity() * 8 + c.place.as_ref().map_or(0, |p| p.len()))
                .sum::<usize>()
            + self.cooldowns.capacity() * size_of::<(u16, Option<Box<str>>, Timestamp)>()
            + self.sent.capacity() * size_of::<(u16, Timestamp)>()
    }
}

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TimerKind {
    /// A run's deadline (`id`).
    Run(u64),
    /// Expire cooldowns, counters and cap entries of a key.
    Sweep,
    /// Expire a table row (`table`); `slot`/`generation` name the row.
    Row(u16),
}

/// A scheduled wake-up. Stale timers (their target gone or moved) are skipped when due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Timer {
    pub at: Timestamp,
    pub slot: u32,
    pub generation: u32,
    pub kind: TimerKind,
}

/// Event ids seen within the de-duplication window, as 128-bit keyed hashes (SipHash
/// with per-process random keys, so ids cannot be crafted to collide). The set itself
/// needs no second hash: it folds the bits it is given.
#[derive(Debug, Default)]
pub(crate) struct Dedup {
    keys: (RandomState, RandomState),
    seen: HashSet<u128, BuildHasherDefault<Fold>>,
    order: VecDeque<(Timestamp, u128)>,
}

/// A hasher for values that are already uniformly random hashes.
#[derive(Debug, Default)]
pub(crate) struct Fold(u64);

impl Hasher for Fold {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 ^= (v as u64) ^ ((v >> 64) as u64);
    }
}

impl Dedup {
    /// Whether `id` was seen; remembers it if not.
    pub(crate) fn check(&mut self, id: &str, at: Timestamp, max: usize) -> bool {
        let h = (u128::from(self.keys.0.hash_one(id)) << 64) | u128::from(self.keys.1.hash_one(id));
        if !self.seen.insert(h) {
            return true;
        }
        self.order.push_back((at, h));
        if self.order.len() > max
            && let Some((_, old)) = self.order.pop_front()
        {
            self.seen.remove(&old);
        }
        false
    }

    /// Forgets ids seen before `before`.
    pub(crate) fn expire(&mut self, before: Timestamp) {
        while let Some(&(t, h)) = self.order.front() {
            if t >= before {
                break;
            }
            self.order.pop_front();
            self.seen.remove(&h);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }

    pub(crate) fn bytes(&self) -> usize {
        self.seen.capacity() * (size_of::<u128>() + 1) + self.order.capacity() * 24
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_forgets_after_the_window_and_at_the_bound() {
        let mut d = Dedup::default();
        let t = |s: i64| Timestamp::from_micros(s * 1_000_000);
        assert!(!d.check("a", t(0), 10));
        assert!(d.check("a", t(1), 10));
        d.expire(t(5));
        assert!(!d.check("a", t(6), 10));
        for i in 0..20 {
            d.check(&format!("x{i}"), t(7), 10);
        }
        assert_eq!(d.len(), 10);
    }
}
