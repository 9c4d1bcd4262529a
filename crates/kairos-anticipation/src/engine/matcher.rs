//! Moving partial matches along: starting them, feeding them events, looking back into
//! history, joining reference tables, and what happens when their time runs out.

use super::Ctx;
use super::fire::complete;
use super::state::{Counter, KeyState, Run, TimerKind};
use super::table::{Waiter, row_view, write_key};
use crate::compile::{CStep, CStepKind, HistoryRange, Rule};
use crate::event::{ContextEvent, EventView};
use crate::expr::{Scope, StepRec};
use crate::history::HistoryQuery;
use crate::value::{Value, ValueRef};
use kairos_core::Timestamp;

const NEVER: Timestamp = Timestamp::from_micros(i64::MAX);

fn plus(t: Timestamp, us: i64) -> Timestamp {
    Timestamp::from_micros(t.as_micros().saturating_add(us))
}

/// Records what later steps need from `ev`.
pub(crate) fn capture(step: &CStep, ev: &dyn EventView, time: Timestamp) -> StepRec {
    StepRec {
        time,
        vals: step
            .captures
            .iter()
            .map(|f| f.get(ev).to_owned_value())
            .collect(),
    }
}

/// Whether `ev` passes the first step's filter of `rule` (type, place, condition).
pub(crate) fn starts(rule: &Rule, ev: &ContextEvent) -> bool {
    let Some(CStepKind::Event { ty, cond, .. }) = rule.steps.first().map(|s| &s.kind) else {
        return false;
    };
    if !ty.matches(&ev.event_type) || (rule.by_place && ev.place.is_none()) {
        return false;
    }
    cond.as_ref().is_none_or(|c| {
        c.test(Scope {
            cur: Some(ev),
            steps: &[],
        })
    })
}

/// Starts a partial match of rule `r` with `ev` (which passed [`starts`]), or counts it
/// towards an `N times` first step.
pub(crate) fn start(ctx: &mut Ctx<'_>, ks: &mut KeyState, slot: u32, r: u16, ev: &ContextEvent) {
    let rule = &ctx.set.rules[usize::from(r)];
    let place = if rule.by_place {
        ev.place.as_deref()
    } else {
        None
    };
    if let CStepKind::Event {
        times,
        within: Some(w),
        ..
    } = rule.steps[0].kind
        && times > 1
    {
        let i = match ks
            .counters
            .iter()
            .position(|c| c.rule == r && c.place.as_deref() == place)
        {
            Some(i) => i,
            None => {
                ks.counters.push(Counter {
                    rule: r,
                    place: place.map(Into::into),
                    times: Default::default(),
                });
                ks.counters.len() - 1
            }
        };
        let c = &mut ks.counters[i];
        let horizon = ev.time.as_micros() - w;
        while c.times.front().is_some_and(|t| t.as_micros() < horizon) {
            c.times.pop_front();
        }
        c.times.push_back(ev.time);
        if (c.times.len() as u32) < times {
            schedule_sweep(ctx, ks, slot, plus(ev.time, w));
            return;
        }
        ks.counters.swap_remove(i);
    }
    let id = *ctx.next_run;
    *ctx.next_run += 1;
    ctx.stats.runs_started += 1;
    let run = Run {
        id,
        rule: r,
        step: 1,
        place: place.map(Into::into),
        start: ev.time,
        last: ev.time,
        deadline: NEVER,
        absence_ends: false,
        counted: 0,
        waiting: None,
        recs: vec![capture(&rule.steps[0], ev, ev.time)],
    };
    if let Some(run) = proceed(ctx, ks, slot, run) {
        let same = ks.runs.iter().filter(|x| x.rule == r).count();
        if same >= ctx.set.limits.max_runs_per_key
            && let Some(oldest) = ks.runs.iter().position(|x| x.rule == r)
        {
            let old = ks.runs.remove(oldest);
            unwait(ctx, &old);
            ctx.stats.runs_dropped += 1;
        }
        ks.runs.push(run);
    }
}

/// Offers `ev` to every partial match of the subject that waits for an event.
pub(crate) fn advance_runs(ctx: &mut Ctx<'_>, ks: &mut KeyState, slot: u32, ev: &ContextEvent) {
    let mut i = 0;
    while i < ks.runs.len() {
        if !wants(ctx, &ks.runs[i], ev) {
            i += 1;
            continue;
        }
        let mut run = ks.runs.swap_remove(i);
        let rule = &ctx.set.rules[usize::from(run.rule)];
        let step = &rule.steps[usize::from(run.step)];
        let scope = Scope {
            cur: Some(ev),
            steps: &run.recs,
        };
        let keep = match &step.kind {
            CStepKind::Event { cond, times, .. } => {
                if cond.as_ref().is_some_and(|c| !c.test(scope)) {
                    Some(run)
                } else {
                    run.counted += 1;
                    if run.counted < *times {
                        Some(run)
                    } else {
                        let rec = capture(step, ev, ev.time);
                        run.recs.push(rec);
                        run.last = run.last.max(ev.time);
                        run.step += 1;
                        run.counted = 0;
                        proceed(ctx, ks, slot, run)
                    }
                }
            }
            CStepKind::Absent { cond, .. } => {
                if cond.as_ref().is_some_and(|c| !c.test(scope)) {
                    Some(run)
                } else {
                    ctx.stats.absences_broken += 1;
                    None
                }
            }
            _ => Some(run),
        };
        // When the run is gone, `i` now holds a run not yet offered the event.
        if let Some(run) = keep {
            // Put it back where it was; the run swapped into `i` goes back to the end.
            ks.runs.push(run);
            let last = ks.runs.len() - 1;
            ks.runs.swap(i, last);
            i += 1;
        }
    }
}

fn wants(ctx: &Ctx<'_>, run: &Run, ev: &ContextEvent) -> bool {
    let rule = &ctx.set.rules[usize::from(run.rule)];
    let ty = match &rule.steps[usize::from(run.step)].kind {
        CStepKind::Event { ty, .. } | CStepKind::Absent { ty, .. } => ty,
        _ => return false,
    };
    ty.matches(&ev.event_type)
        && ev.time >= run.last
        && ev.time <= run.deadline
        && run
            .place
            .as_deref()
            .is_none_or(|p| ev.place.as_deref() == Some(p))
}

/// Evaluates steps that need no waiting (history, table look-ups) and sets up the next
/// wait; completes the match when no step is left. Returns the run if it still lives.
pub(crate) fn proceed(
    ctx: &mut Ctx<'_>,
    ks: &mut KeyState,
    slot: u32,
    mut run: Run,
) -> Option<Run> {
    loop {
        let rule = &ctx.set.rules[usize::from(run.rule)];
        let Some(step) = rule.steps.get(usize::from(run.step)) else {
            ctx.stats.runs_completed += 1;
            complete(ctx, ks, run);
            return None;
        };
        let rule_deadline = rule.within.map_or(NEVER, |w| plus(run.start, w));
        match &step.kind {
            CStepKind::History { .. } => match look_back(ctx, ks, step, &run) {
                Some(rec) => {
                    run.recs.push(rec);
                    run.step += 1;
                }
                None => {
                    ctx.stats.history_misses += 1;
                    return None;
                }
            },
            CStepKind::Table {
                table,
                keys,
                cond,
                within,
            } => {
                let scope = Scope {
                    cur: None,
                    steps: &run.recs,
                };
                if !write_key(ctx.scratch, keys.iter().map(|k| k.eval(scope))) {
                    return None;
                }
                let t = usize::from(*table);
                let found = ctx.tables[t].get(ctx.scratch).and_then(|row| {
                    let ok = cond.as_ref().is_none_or(|c| {
                        c.test(Scope {
                            cur: Some(row_view(row)),
                            steps: &run.recs,
                        })
                    });
                    ok.then(|| capture(step, row, row.time))
                });
                match (found, within) {
                    (Some(rec), _) => {
                        run.last = run.last.max(rec.time);
                        run.recs.push(rec);
                        run.step += 1;
                    }
                    (None, Some(w)) => {
                        run.deadline = plus(run.last, *w).min(rule_deadline);
                        run.absence_ends = false;
                        let key: Box<str> = ctx.scratch.as_str().into();
                        ctx.tables[t].add_waiter(
                            &key,
                            Waiter {
                                slot,
                                generation: ks.generation,
                                run: run.id,
                            },
                        );
                        run.waiting = Some((*table, key));
                        ctx.schedule(run.deadline, slot, ks.generation, TimerKind::Run(run.id));
                        return Some(run);
                    }
                    (None, None) => return None,
                }
            }
            CStepKind::Event { within, .. } => {
                run.deadline = within
                    .map_or(NEVER, |w| plus(run.last, w))
                    .min(rule_deadline);
                run.absence_ends = false;
                ctx.schedule(run.deadline, slot, ks.generation, TimerKind::Run(run.id));
                return Some(run);
            }
            CStepKind::Absent { within, .. } => {
                let own = plus(run.last, *within);
                run.deadline = own.min(rule_deadline);
                run.absence_ends = own <= rule_deadline;
                ctx.schedule(run.deadline, slot, ks.generation, TimerKind::Run(run.id));
                return Some(run);
            }
        }
    }
}

/// `was …`: asks the caller's history, newest (or oldest) first.
fn look_back(ctx: &mut Ctx<'_>, ks: &KeyState, step: &CStep, run: &Run) -> Option<StepRec> {
    let CStepKind::History {
        first,
        ty,
        any_subject,
        at,
        cond,
        range,
    } = &step.kind
    else {
        return None;
    };
    let scope = Scope {
        cur: None,
        steps: &run.recs,
    };
    let (from, to) = match range {
        HistoryRange::Ago { min, max } => (
            Timestamp::from_micros(run.last.as_micros() - max),
            Timestamp::from_micros(run.last.as_micros() - min),
        ),
        HistoryRange::Between(a, b) => {
            let (a, b) = (a.eval(scope).as_time()?, b.eval(scope).as_time()?);
            (a.min(b), a.max(b))
        }
    };
    let place = match at.as_ref().map(|e| e.eval(scope)) {
        None => None,
        Some(ValueRef::Str(p)) => Some(p),
        Some(_) => return None,
    };
    let q = HistoryQuery {
        tenant: ctx.tenant,
        subject: (!any_subject).then_some(&*ks.subject),
        types: ty,
        place,
        from,
        to,
        oldest_first: *first,
    };
    let mut found = None;
    ctx.history.scan(&q, &mut |ev| {
        if !q.accepts(ev) {
            return true;
        }
        let ok = cond.as_ref().is_none_or(|c| {
            c.test(Scope {
                cur: Some(ev),
                steps: &run.recs,
            })
        });
        if ok {
            found = Some(capture(step, ev, ev.time()));
        }
        !ok
    });
    found
}

/// A run's timer is due: an absence held (go on), or the window ran out (drop it).
pub(crate) fn on_deadline(ctx: &mut Ctx<'_>, ks: &mut KeyState, slot: u32, id: u64, at: Timestamp) {
    let Some(i) = ks.runs.iter().position(|r| r.id == id && r.deadline == at) else {
        return;
    };
    let mut run = ks.runs.swap_remove(i);
    if run.absence_ends {
        run.recs.push(StepRec {
            time: at,
            vals: Box::new([]),
        });
        run.last = at;
        run.step += 1;
        if let Some(run) = proceed(ctx, ks, slot, run) {
            ks.runs.push(run);
        }
    } else {
        unwait(ctx, &run);
        ctx.stats.runs_expired += 1;
    }
}

/// The table row a run waits on changed: does it satisfy the step now?
pub(crate) fn on_row(
    ctx: &mut Ctx<'_>,
    ks: &mut KeyState,
    slot: u32,
    id: u64,
    t: usize,
    at: Timestamp,
) {
    let Some(i) = ks.runs.iter().position(|r| r.id == id) else {
        return;
    };
    let Some((_, key)) = ks.runs[i].waiting.as_ref() else {
        return;
    };
    let key = key.clone();
    let run = &ks.runs[i];
    let step = &ctx.set.rules[usize::from(run.rule)].steps[usize::from(run.step)];
    let CStepKind::Table { cond, .. } = &step.kind else {
        return;
    };
    let rec = ctx.tables[t].get(&key).and_then(|row| {
        let ok = cond.as_ref().is_none_or(|c| {
            c.test(Scope {
                cur: Some(row_view(row)),
                steps: &run.recs,
            })
        });
        ok.then(|| capture(step, row, at))
    });
    match rec {
        None => {
            let w = Waiter {
                slot,
                generation: ks.generation,
                run: id,
            };
            ctx.tables[t].add_waiter(&key, w);
        }
        Some(rec) => {
            let mut run = ks.runs.swap_remove(i);
            run.waiting = None;
            run.recs.push(rec);
            run.last = run.last.max(at);
            run.step += 1;
            if let Some(run) = proceed(ctx, ks, slot, run) {
                ks.runs.push(run);
            }
        }
    }
}

fn unwait(ctx: &mut Ctx<'_>, run: &Run) {
    if let Some((t, key)) = &run.waiting {
        ctx.tables[usize::from(*t)].remove_waiter(key, run.id);
    }
}

/// Schedules a sweep of `ks` at `at` unless an earlier one is already due.
pub(crate) fn schedule_sweep(ctx: &mut Ctx<'_>, ks: &mut KeyState, slot: u32, at: Timestamp) {
    if ks.sweep_at.is_none_or(|s| s > at) {
        ks.sweep_at = Some(at);
        ctx.schedule(at, slot, ks.generation, TimerKind::Sweep);
    }
}

/// Expires cooldowns, counters and cap entries; schedules the next sweep if any remain.
pub(crate) fn sweep(ctx: &mut Ctx<'_>, ks: &mut KeyState, slot: u32, at: Timestamp) {
    if ks.sweep_at.is_some_and(|s| s > at) {
        return;
    }
    ks.sweep_at = None;
    let rules = &ctx.set.rules;
    let mut next = NEVER;
    ks.cooldowns.retain(|c| c.2 > at);
    for c in &ks.cooldowns {
        next = next.min(c.2);
    }
    ks.counters.retain_mut(|c| {
        let w = match rules[usize::from(c.rule)].steps[0].kind {
            CStepKind::Event { within, .. } => within.unwrap_or(0),
            _ => 0,
        };
        while c.times.front().is_some_and(|t| plus(*t, w) <= at) {
            c.times.pop_front();
        }
        if let Some(t) = c.times.back() {
            next = next.min(plus(*t, w));
        }
        !c.times.is_empty()
    });
    let file_cap = ctx.set.cap.map_or(0, |c| c.per);
    ks.sent.retain(|(r, t)| {
        let w = rules[usize::from(*r)]
            .cap
            .map_or(0, |c| c.per)
            .max(file_cap);
        let alive = plus(*t, w) > at;
        if alive {
            next = next.min(plus(*t, w));
        }
        alive
    });
    if next != NEVER {
        schedule_sweep(ctx, ks, slot, next);
    }
}

/// The values later steps read from a step's record, by name (for bindings).
pub(crate) fn bound_values<'a>(
    step: &'a CStep,
    rec: &'a StepRec,
) -> impl Iterator<Item = (&'a str, &'a Value)> {
    step.captures
        .iter()
        .zip(rec.vals.iter())
        .map(|(f, v)| (f.name(), v))
}
