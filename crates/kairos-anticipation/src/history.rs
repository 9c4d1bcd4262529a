//! The engine's one window on the outside world: stored history and the customer's time
//! zone. The caller implements [`History`] over its store (the engine stays pure); the
//! simulation uses [`MemoryHistory`].

use crate::ast::TypePat;
use crate::event::{ContextEvent, EventView};
use jiff::tz::TimeZone;
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;
use std::collections::HashMap;

/// A look-back question: stored events of one subject (or of any subject, for reference
/// data such as a flight feed) of some types, at a place, in a time range.
#[derive(Debug, Clone, Copy)]
pub struct HistoryQuery<'a> {
    /// The tenant.
    pub tenant: TenantId,
    /// Only this subject's events; `None` for every subject.
    pub subject: Option<&'a str>,
    /// Accepted event types.
    pub types: &'a TypePat,
    /// Only events at this place, if set.
    pub place: Option<&'a str>,
    /// Earliest time (inclusive).
    pub from: Timestamp,
    /// Latest time (inclusive).
    pub to: Timestamp,
    /// Visit the oldest first (`was first …`) instead of the newest first.
    pub oldest_first: bool,
}

impl HistoryQuery<'_> {
    /// Whether `ev` answers the query (implementations may use this to filter).
    pub fn accepts(&self, ev: &dyn EventView) -> bool {
        self.subject.is_none_or(|s| s == ev.subject())
            && self.types.matches(ev.event_type())
            && self.place.is_none_or(|p| Some(p) == ev.place())
            && ev.time() >= self.from
            && ev.time() <= self.to
    }
}

/// What the engine asks the caller.
pub trait History {
    /// Calls `visit` with stored events that answer `query`, in the requested order,
    /// until `visit` returns `false` or none are left. Events may be visited that do not
    /// answer it; the engine checks again.
    fn scan(&self, query: &HistoryQuery<'_>, visit: &mut dyn FnMut(&dyn EventView) -> bool);

    /// The customer's time zone (quiet hours, `|time` in templates); `None` for the
    /// engine's default.
    fn time_zone(&self, tenant: TenantId, subject: &str) -> Option<TimeZone>;
}

/// No stored history; every customer in the engine's default zone.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHistory;

impl History for NoHistory {
    fn scan(&self, _: &HistoryQuery<'_>, _: &mut dyn FnMut(&dyn EventView) -> bool) {}
    fn time_zone(&self, _: TenantId, _: &str) -> Option<TimeZone> {
        None
    }
}

/// History kept in memory: events in time order per subject, plus time zones. Used by
/// [`crate::simulate`] and by tests; fine for thousands of events, not for a store.
#[derive(Debug, Clone, Default)]
pub struct MemoryHistory {
    by_subject: HashMap<String, Vec<ContextEvent>>,
    zones: HashMap<String, TimeZone>,
    default_zone: Option<TimeZone>,
}

impl MemoryHistory {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }
    /// Stores an event (kept in time order).
    pub fn record(&mut self, ev: &ContextEvent) {
        let list = self.by_subject.entry(ev.subject.clone()).or_default();
        let at = list.partition_point(|e| e.time <= ev.time);
        list.insert(at, ev.clone());
    }
    /// Sets one subject's time zone.
    pub fn set_time_zone(&mut self, subject: &str, tz: TimeZone) {
        self.zones.insert(subject.to_owned(), tz);
    }
    /// Sets the zone of every subject without its own.
    pub fn set_default_time_zone(&mut self, tz: TimeZone) {
        self.default_zone = Some(tz);
    }
    /// How many events are stored.
    pub fn len(&self) -> usize {
        self.by_subject.values().map(Vec::len).sum()
    }
    /// Whether none are stored.
    pub fn is_empty(&self) -> bool {
        self.by_subject.is_empty()
    }
}

impl History for MemoryHistory {
    fn scan(&self, q: &HistoryQuery<'_>, visit: &mut dyn FnMut(&dyn EventView) -> bool) {
        let mut hits: Vec<&ContextEvent> = match q.subject {
            Some(s) => self
                .by_subject
                .get(s)
                .map(|l| l.iter().filter(|e| q.accepts(*e)).collect())
                .unwrap_or_default(),
            None => self
                .by_subject
                .values()
                .flatten()
                .filter(|e| q.accepts(*e))
                .collect(),
        };
        hits.sort_by_key(|e| e.time);
        if !q.oldest_first {
            hits.reverse();
        }
        for e in hits {
            if !visit(e) {
                return;
            }
        }
    }

    fn time_zone(&self, _: TenantId, subject: &str) -> Option<TimeZone> {
        self.zones
            .get(subject)
            .cloned()
            .or_else(|| self.default_zone.clone())
    }
}
