//! The engine's look-back, answered from memory that the runtime fills from the store: each
//! active customer's stored events (loaded when they next appear, dropped a day after they
//! were last seen) and the tenant's feed events, all within the rule set's horizon. The
//! engine asks synchronously; the store is asynchronous — hence the cache.
//!
//! Memory stays bounded: past `max_events` cached customer events, the customers seen
//! longest ago are dropped (down to 90 % of the cap); one who comes back is loaded from the
//! store again, so a dropped customer costs a read, never a missed match.

use kairos_anticipation::{ContextEvent, EventView, History, HistoryQuery};
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;
use std::collections::HashMap;

/// How long a customer's history stays cached after their last event, in µs.
const IDLE_US: i64 = 24 * 3_600_000_000;

struct Subject {
    events: Vec<ContextEvent>,
    touched: Timestamp,
    /// The customer's own time zone, read with their history.
    zone: Option<jiff::tz::TimeZone>,
}

/// One tenant's cached history.
pub(crate) struct TenantHistory {
    reference: Vec<ContextEvent>,
    subjects: HashMap<String, Subject>,
    /// Customer events cached, over all subjects.
    subject_events: usize,
    /// The cap on `subject_events`.
    max_events: usize,
}

fn insert_sorted(list: &mut Vec<ContextEvent>, ev: ContextEvent) {
    let at = list.partition_point(|e| e.time <= ev.time);
    list.insert(at, ev);
}

impl TenantHistory {
    /// An empty cache holding at most `max_events` customer events.
    pub(crate) fn new(max_events: usize) -> Self {
        Self {
            reference: Vec::new(),
            subjects: HashMap::new(),
            subject_events: 0,
            max_events: max_events.max(1),
        }
    }

    /// Drops the customers seen longest ago (never `keep`, the one being matched) until
    /// the cache is at 90 % of its cap, once it is over it.
    fn enforce_cap(&mut self, keep: &str) {
        if self.subject_events <= self.max_events {
            return;
        }
        let target = self.max_events / 10 * 9;
        let mut by_age: Vec<(Timestamp, String)> = self
            .subjects
            .iter()
            .filter(|(k, _)| k.as_str() != keep)
            .map(|(k, s)| (s.touched, k.clone()))
            .collect();
        by_age.sort_unstable();
        for (_, key) in by_age {
            if self.subject_events <= target {
                break;
            }
            if let Some(s) = self.subjects.remove(&key) {
                self.subject_events -= s.events.len();
            }
        }
    }

    /// Whether the subject's stored events are loaded.
    pub(crate) fn has_subject(&self, subject: &str) -> bool {
        self.subjects.contains_key(subject)
    }

    /// Installs a subject's stored events (oldest first) and time zone, replacing what was
    /// cached.
    pub(crate) fn load_subject(
        &mut self,
        subject: String,
        events: Vec<ContextEvent>,
        zone: Option<jiff::tz::TimeZone>,
        now: Timestamp,
    ) {
        self.subject_events += events.len();
        let replaced = self.subjects.insert(
            subject.clone(),
            Subject {
                events,
                touched: now,
                zone,
            },
        );
        if let Some(old) = replaced {
            self.subject_events -= old.events.len();
        }
        self.enforce_cap(&subject);
    }

    /// Records an event the engine has just seen (feeds and derived events included).
    pub(crate) fn record(&mut self, ev: &ContextEvent, now: Timestamp) {
        if ev.subject.starts_with("feed:") {
            insert_sorted(&mut self.reference, ev.clone());
            return;
        }
        let entry = self.subjects.entry(ev.subject.clone()).or_insert(Subject {
            events: Vec::new(),
            touched: now,
            zone: None,
        });
        entry.touched = now;
        if !entry.events.iter().any(|e| e.id == ev.id) {
            insert_sorted(&mut entry.events, ev.clone());
            self.subject_events += 1;
            self.enforce_cap(&ev.subject);
        }
    }

    /// Drops events older than `horizon_start` and customers idle for a day.
    pub(crate) fn evict(&mut self, horizon_start: Timestamp, now: Timestamp) {
        self.reference.retain(|e| e.time >= horizon_start);
        let idle_since = Timestamp::from_micros(now.as_micros().saturating_sub(IDLE_US));
        self.subjects.retain(|_, s| {
            s.events.retain(|e| e.time >= horizon_start);
            s.touched >= idle_since
        });
        self.subject_events = self.subjects.values().map(|s| s.events.len()).sum();
    }

    /// Cached events (for the status page).
    pub(crate) fn len(&self) -> usize {
        self.reference.len() + self.subject_events
    }
}

impl History for TenantHistory {
    fn scan(&self, q: &HistoryQuery<'_>, visit: &mut dyn FnMut(&dyn EventView) -> bool) {
        // `of any subject` reads feeds only: one customer's rule never looks into another
        // customer's data.
        let list = match q.subject {
            Some(s) if s.starts_with("feed:") => &self.reference,
            Some(s) => match self.subjects.get(s) {
                Some(subject) => &subject.events,
                None => return,
            },
            None => &self.reference,
        };
        let hits = list.iter().filter(|e| q.accepts(*e));
        if q.oldest_first {
            for e in hits {
                if !visit(e) {
                    return;
                }
            }
        } else {
            for e in hits.rev() {
                if !visit(e) {
                    return;
                }
            }
        }
    }

    /// The customer's own zone; `None` lets the engine use the tenant's.
    fn time_zone(&self, _tenant: TenantId, subject: &str) -> Option<jiff::tz::TimeZone> {
        self.subjects.get(subject).and_then(|s| s.zone.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kairos_anticipation::Attributes;

    fn event(subject: &str, n: i64) -> ContextEvent {
        ContextEvent {
            id: format!("{subject}-{n}"),
            tenant: TenantId(uuid::Uuid::nil()),
            subject: subject.to_owned(),
            event_type: "presence.wifi".into(),
            time: Timestamp::from_micros(n),
            place: None,
            attributes: Attributes::new(),
        }
    }

    /// Memory stays bounded: over the cap, the customers seen longest ago go (and are
    /// loaded again when they return); the one being matched stays.
    #[test]
    fn the_cache_drops_the_customers_seen_longest_ago_past_its_cap() {
        let mut h = TenantHistory::new(10);
        for (i, who) in ["a", "b", "c", "d"].iter().enumerate() {
            for n in 0..3 {
                h.record(&event(who, n), Timestamp::from_micros(i as i64));
            }
        }
        // 12 events > 10: "a" (seen first) went, down to 9.
        assert_eq!(h.len(), 9);
        assert!(!h.has_subject("a"));
        assert!(h.has_subject("b") && h.has_subject("c") && h.has_subject("d"));
        // A big history loaded for the one being matched stays, even alone over the cap.
        let big: Vec<ContextEvent> = (0..20).map(|n| event("e", n)).collect();
        h.load_subject("e".into(), big, None, Timestamp::from_micros(9));
        assert!(h.has_subject("e"));
        assert_eq!(h.len(), 20);
        assert!(!h.has_subject("b") && !h.has_subject("d"));
        // Re-recording a known event changes nothing.
        h.record(&event("e", 3), Timestamp::from_micros(10));
        assert_eq!(h.len(), 20);
    }
}
