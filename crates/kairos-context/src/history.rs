//! The engine's look-back, answered from memory that the runtime fills from the store: each
//! active customer's stored events (loaded when they next appear, dropped a day after they
//! were last seen) and the tenant's feed events, all within the rule set's horizon. The
//! engine asks synchronously; the store is asynchronous — hence the cache.

use kairos_anticipation::{ContextEvent, EventView, History, HistoryQuery};
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;
use std::collections::HashMap;

/// How long a customer's history stays cached after their last event, in µs.
const IDLE_US: i64 = 24 * 3_600_000_000;

struct Subject {
    events: Vec<ContextEvent>,
    touched: Timestamp,
}

/// One tenant's cached history.
#[derive(Default)]
pub(crate) struct TenantHistory {
    reference: Vec<ContextEvent>,
    subjects: HashMap<String, Subject>,
}

fn insert_sorted(list: &mut Vec<ContextEvent>, ev: ContextEvent) {
    let at = list.partition_point(|e| e.time <= ev.time);
    list.insert(at, ev);
}

impl TenantHistory {
    /// Whether the subject's stored events are loaded.
    pub(crate) fn has_subject(&self, subject: &str) -> bool {
        self.subjects.contains_key(subject)
    }

    /// Installs a subject's stored events (oldest first), replacing what was cached.
    pub(crate) fn load_subject(
        &mut self,
        subject: String,
        events: Vec<ContextEvent>,
        now: Timestamp,
    ) {
        self.subjects.insert(
            subject,
            Subject {
                events,
                touched: now,
            },
        );
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
        });
        entry.touched = now;
        if !entry.events.iter().any(|e| e.id == ev.id) {
            insert_sorted(&mut entry.events, ev.clone());
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
    }

    /// Cached events (for the status page).
    pub(crate) fn len(&self) -> usize {
        self.reference.len()
            + self
                .subjects
                .values()
                .map(|s| s.events.len())
                .sum::<usize>()
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

    fn time_zone(&self, _tenant: TenantId, _subject: &str) -> Option<jiff::tz::TimeZone> {
        None
    }
}
