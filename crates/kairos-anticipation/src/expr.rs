//! Compiled expressions and their evaluation against the current event and the events
//! bound earlier in a match.

use crate::ast::CmpOp;
use crate::event::EventView;
use crate::value::{Value, ValueRef};
use kairos_core::Timestamp;
use std::cmp::Ordering;

/// A field of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Field {
    Type,
    Subject,
    Place,
    Time,
    Id,
    Attr(Box<str>),
}

impl Field {
    pub(crate) fn named(name: &str) -> Field {
        match name {
            "type" => Field::Type,
            "subject" => Field::Subject,
            "place" => Field::Place,
            "time" => Field::Time,
            "id" => Field::Id,
            other => Field::Attr(other.into()),
        }
    }

    pub(crate) fn name(&self) -> &str {
        match self {
            Field::Type => "type",
            Field::Subject => "subject",
            Field::Place => "place",
            Field::Time => "time",
            Field::Id => "id",
            Field::Attr(a) => a,
        }
    }

    /// The field's value in `ev` (`id` is not kept by views and reads as null).
    pub(crate) fn get<'a>(&self, ev: &'a dyn EventView) -> ValueRef<'a> {
        match self {
            Field::Type => ValueRef::Str(ev.event_type()),
            Field::Subject => ValueRef::Str(ev.subject()),
            Field::Place => ev.place().map_or(ValueRef::Null, ValueRef::Str),
            Field::Time => ValueRef::Time(ev.time()),
            Field::Id => ValueRef::Null,
            Field::Attr(a) => ev.attribute(a).unwrap_or(ValueRef::Null),
        }
    }
}

/// A compiled expression: names are resolved to the current event or to a captured slot
/// of an earlier step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CExpr {
    Lit(Value),
    Dur(i64),
    Cur(Field),
    /// `alias.time` of step `.0`.
    BoundTime(u16),
    /// Captured slot `.1` of step `.0`.
    Bound(u16, u16),
    Not(Box<CExpr>),
    And(Box<CExpr>, Box<CExpr>),
    Or(Box<CExpr>, Box<CExpr>),
    Cmp(CmpOp, Box<CExpr>, Box<CExpr>),
    In(Box<CExpr>, Vec<CExpr>),
    Add(Box<CExpr>, Box<CExpr>),
    Sub(Box<CExpr>, Box<CExpr>),
}

/// What an earlier step left behind: its time and the fields later steps use.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StepRec {
    pub time: Timestamp,
    pub vals: Box<[Value]>,
}

/// The names an expression can see.
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub cur: Option<&'a dyn EventView>,
    pub steps: &'a [StepRec],
}

impl CExpr {
    /// Evaluates to a value (null when something is missing or the types do not fit).
    pub(crate) fn eval<'a>(&'a self, s: Scope<'a>) -> ValueRef<'a> {
        match self {
            CExpr::Lit(v) => v.as_ref(),
            CExpr::Dur(d) => ValueRef::Dur(*d),
            CExpr::Cur(f) => s.cur.map_or(ValueRef::Null, |ev| f.get(ev)),
            CExpr::BoundTime(i) => s
                .steps
                .get(usize::from(*i))
                .map_or(ValueRef::Null, |r| ValueRef::Time(r.time)),
            CExpr::Bound(i, j) => s
                .steps
                .get(usize::from(*i))
                .and_then(|r| r.vals.get(usize::from(*j)))
                .map_or(ValueRef::Null, Value::as_ref),
            CExpr::Not(e) => ValueRef::Bool(!e.eval(s).truthy()),
            CExpr::And(a, b) => ValueRef::Bool(a.eval(s).truthy() && b.eval(s).truthy()),
            CExpr::Or(a, b) => ValueRef::Bool(a.eval(s).truthy() || b.eval(s).truthy()),
            CExpr::Cmp(op, a, b) => {
                let (a, b) = (a.eval(s), b.eval(s));
                ValueRef::Bool(match op {
                    CmpOp::Eq => a.rule_eq(b),
                    CmpOp::Ne => !a.rule_eq(b),
                    CmpOp::Lt => a.rule_cmp(b) == Some(Ordering::Less),
                    CmpOp::Le => matches!(a.rule_cmp(b), Some(Ordering::Less | Ordering::Equal)),
                    CmpOp::Gt => a.rule_cmp(b) == Some(Ordering::Greater),
                    CmpOp::Ge => {
                        matches!(a.rule_cmp(b), Some(Ordering::Greater | Ordering::Equal))
                    }
                })
            }
            CExpr::In(a, items) => {
                let a = a.eval(s);
                ValueRef::Bool(items.iter().any(|i| a.rule_eq(i.eval(s))))
            }
            CExpr::Add(a, b) => add(a.eval(s), b.eval(s), 1),
            CExpr::Sub(a, b) => add(a.eval(s), b.eval(s), -1),
        }
    }

    /// Evaluates as a condition.
    pub(crate) fn test(&self, s: Scope<'_>) -> bool {
        self.eval(s).truthy()
    }
}

fn add<'a>(a: ValueRef<'a>, b: ValueRef<'a>, sign: i64) -> ValueRef<'a> {
    match (a, b) {
        (ValueRef::Num(x), ValueRef::Num(y)) => ValueRef::Num(x + y * sign as f64),
        (ValueRef::Dur(x), ValueRef::Dur(y)) => ValueRef::Dur(x + y * sign),
        (ValueRef::Dur(d), t) if sign == 1 => match t.as_time() {
            Some(t) => ValueRef::Time(Timestamp::from_micros(t.as_micros() + d)),
            None => ValueRef::Null,
        },
        (t, ValueRef::Dur(d)) => match t.as_time() {
            Some(t) => ValueRef::Time(Timestamp::from_micros(t.as_micros() + d * sign)),
            None => ValueRef::Null,
        },
        (x, y) if sign == -1 => match (x.as_time(), y.as_time()) {
            (Some(x), Some(y)) => ValueRef::Dur(x.as_micros() - y.as_micros()),
            _ => ValueRef::Null,
        },
        _ => ValueRef::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::ContextEvent;

    #[test]
    fn time_arithmetic_and_bound_slots() {
        let t0 = Timestamp::parse_rfc3339("2026-11-17T07:00:00Z").unwrap();
        let steps = [StepRec {
            time: t0,
            vals: vec![Value::Str("FRA".into())].into_boxed_slice(),
        }];
        let ev: ContextEvent = serde_json::from_str(
            r#"{"id":"1","tenant":"01900000-0000-7000-8000-000000000001","subject":"feed","type":"flight.departed","time":"2026-11-17T07:40:00Z","place":"FRA"}"#,
        )
        .unwrap();
        let s = Scope {
            cur: Some(&ev),
            steps: &steps,
        };
        // time >= visit.time and time <= visit.time + 3h and place = visit.place
        let e = CExpr::And(
            Box::new(CExpr::Cmp(
                CmpOp::Le,
                Box::new(CExpr::Cur(Field::Time)),
                Box::new(CExpr::Add(
                    Box::new(CExpr::BoundTime(0)),
                    Box::new(CExpr::Dur(3 * 3_600_000_000)),
                )),
            )),
            Box::new(CExpr::Cmp(
                CmpOp::Eq,
                Box::new(CExpr::Cur(Field::Place)),
                Box::new(CExpr::Bound(0, 0)),
            )),
        );
        assert!(e.test(s));
        let late = CExpr::Cmp(
            CmpOp::Lt,
            Box::new(CExpr::Cur(Field::Time)),
            Box::new(CExpr::BoundTime(0)),
        );
        assert!(!late.test(s));
        // A missing attribute is null: equal to nothing, unequal to everything.
        let missing = CExpr::Cur(Field::Attr("gate".into()));
        assert!(
            !CExpr::Cmp(
                CmpOp::Eq,
                Box::new(missing.clone()),
                Box::new(CExpr::Lit(Value::Null))
            )
            .test(s)
        );
        assert!(
            CExpr::Cmp(
                CmpOp::Ne,
                Box::new(missing),
                Box::new(CExpr::Lit(Value::Str("A1".into())))
            )
            .test(s)
        );
    }
}
