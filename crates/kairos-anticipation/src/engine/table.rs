//! Reference tables: keyed rows kept up to date by events of another subject (a flight
//! status feed, a traffic feed), which rules join by key. A partial match may wait on a
//! key; an update to that row wakes it.

use super::Ctx;
use super::state::TimerKind;
use crate::event::{ContextEvent, EventView};
use crate::expr::Scope;
use crate::value::ValueRef;
use kairos_core::Timestamp;
use std::collections::HashMap;
use std::fmt::Write;
use std::mem::size_of;

/// A partial match waiting for a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Waiter {
    pub slot: u32,
    pub generation: u32,
    pub run: u64,
}

#[derive(Debug)]
struct Row {
    key: Box<str>,
    ev: Option<ContextEvent>,
    generation: u32,
    expires: Timestamp,
}

impl Default for Row {
    fn default() -> Self {
        Row {
            key: Box::from(""),
            ev: None,
            generation: 0,
            expires: Timestamp::from_micros(0),
        }
    }
}

/// One table's rows and waiters.
#[derive(Debug, Default)]
pub(crate) struct TableState {
    index: HashMap<Box<str>, u32>,
    rows: Vec<Row>,
    free: Vec<u32>,
    waiters: HashMap<Box<str>, Vec<Waiter>>,
}

/// Writes the key of values `vals` into `buf` (fields joined by U+001F); `false` if a
/// part is missing.
pub(crate) fn write_key<'a>(buf: &mut String, vals: impl Iterator<Item = ValueRef<'a>>) -> bool {
    buf.clear();
    for (i, v) in vals.enumerate() {
        if i > 0 {
            buf.push('\u{1f}');
        }
        match v {
            ValueRef::Null => return false,
            ValueRef::Str(s) => buf.push_str(s),
            other => {
                let _ = write!(buf, "{other}");
            }
        }
    }
    true
}

impl TableState {
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    pub(crate) fn bytes(&self) -> usize {
        let rows: usize = self
            .rows
            .iter()
            .filter_map(|r| r.ev.as_ref().map(|e| event_bytes(e) + r.key.len()))
            .sum();
        rows + self.rows.capacity() * size_of::<Row>()
            + self.index.capacity() * (size_of::<(Box<str>, u32)>() + 1)
            + self
                .waiters
                .iter()
                .map(|(k, v)| k.len() + 24 + v.capacity() * size_of::<Waiter>())
                .sum::<usize>()
    }

    /// The current row for `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&ContextEvent> {
        let i = *self.index.get(key)?;
        self.rows[i as usize].ev.as_ref()
    }

    pub(crate) fn add_waiter(&mut self, key: &str, w: Waiter) {
        match self.waiters.get_mut(key) {
            Some(v) => v.push(w),
            None => {
                self.waiters.insert(key.into(), vec![w]);
            }
        }
    }

    pub(crate) fn remove_waiter(&mut self, key: &str, run: u64) {
        if let Some(v) = self.waiters.get_mut(key) {
            v.retain(|w| w.run != run);
            if v.is_empty() {
                self.waiters.remove(key);
            }
        }
    }

    /// Drops the row in `slot` if it is still the one the timer was set for and has not
    /// been refreshed since.
    pub(crate) fn expire(&mut self, slot: u32, generation: u32, at: Timestamp) {
        let Some(row) = self.rows.get_mut(slot as usize) else {
            return;
        };
        if row.generation != generation || row.ev.is_none() || row.expires > at {
            return;
        }
        self.index.remove(&row.key);
        row.ev = None;
        row.key = Box::from("");
        row.generation = row.generation.wrapping_add(1);
        self.free.push(slot);
    }
}

/// Feeds `ev` to table `t` if it qualifies; returns the waiters on the updated row.
pub(crate) fn feed(ctx: &mut Ctx<'_>, t: usize, ev: &ContextEvent) -> Vec<Waiter> {
    let def = &ctx.set.tables[t];
    if !def.from.matches(&ev.event_type) {
        return Vec::new();
    }
    let scope = Scope {
        cur: Some(ev),
        steps: &[],
    };
    if def.cond.as_ref().is_some_and(|c| !c.test(scope)) {
        return Vec::new();
    }
    if !write_key(ctx.scratch, def.key.iter().map(|f| f.get(ev))) {
        return Vec::new();
    }
    let keep = def.keep;
    let max_rows = ctx.set.limits.max_table_rows;
    let table = &mut ctx.tables[t];
    let expires = Timestamp::from_micros(ev.time.as_micros() + keep);
    let slot = match table.index.get(ctx.scratch.as_str()) {
        Some(&i) => {
            let row = &mut table.rows[i as usize];
            match &mut row.ev {
                // A later update merges into the row: attributes it lacks are kept.
                Some(old) if old.time <= ev.time => {
                    let mut merged = ev.clone();
                    for (k, v) in old.attributes.iter() {
                        if merged.attributes.get(k).is_none() {
                            merged.attributes.set(k, v.clone());
                        }
                    }
                    *old = merged;
                }
                Some(_) => return Vec::new(),
                None => row.ev = Some(ev.clone()),
            }
            row.expires = expires;
            i
        }
        None => {
            if table.index.len() >= max_rows {
                ctx.stats.table_rows_dropped += 1;
                return Vec::new();
            }
            let i = match table.free.pop() {
                Some(i) => i,
                None => {
                    table.rows.push(Row::default());
                    (table.rows.len() - 1) as u32
                }
            };
            let row = &mut table.rows[i as usize];
            row.key = ctx.scratch.as_str().into();
            row.ev = Some(ev.clone());
            row.expires = expires;
            table.index.insert(ctx.scratch.as_str().into(), i);
            i
        }
    };
    let generation = table.rows[slot as usize].generation;
    let woken = table
        .waiters
        .remove(ctx.scratch.as_str())
        .unwrap_or_default();
    ctx.schedule(expires, slot, generation, TimerKind::Row(t as u16));
    woken
}

fn event_bytes(e: &ContextEvent) -> usize {
    size_of::<ContextEvent>()
        + e.id.capacity()
        + e.subject.capacity()
        + e.event_type.capacity()
        + e.place.as_ref().map_or(0, String::capacity)
        + e.attributes.len() * 64
}

/// Reads a row through the event view (for conditions and captures).
pub(crate) fn row_view(ev: &ContextEvent) -> &dyn EventView {
    ev
}
