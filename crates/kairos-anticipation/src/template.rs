//! Message templates: text with `{alias.field}` placeholders, optionally formatted as
//! `{alias.field|time}` (HH:MM), `|date` (YYYY-MM-DD) or `|datetime` in the customer's
//! time zone. `{{` and `}}` stand for literal braces.

use crate::error::RuleError;
use crate::expr::{CExpr, Scope};
use crate::lexer::Pos;
use crate::value::ValueRef;
use jiff::tz::TimeZone;

/// How a placeholder is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fmt {
    Raw,
    Time,
    Date,
    DateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    Text(String),
    Ref(CExpr, Fmt),
}

/// Resolves a placeholder's `alias.field` path (written at a position) to an expression.
pub(crate) type Resolve<'a> = dyn FnMut(&[String], Pos) -> Result<CExpr, RuleError> + 'a;

/// A compiled template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Template {
    pub source: String,
    parts: Vec<Part>,
}

impl Template {
    /// Compiles `src` (written at `pos`), resolving each placeholder's `alias.field` path
    /// with `resolve`.
    pub(crate) fn compile(
        src: &str,
        pos: Pos,
        resolve: &mut Resolve<'_>,
    ) -> Result<Template, RuleError> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = src.char_indices().peekable();
        let at = |idx: usize| Pos {
            line: pos.line,
            col: pos.col + 1 + src[..idx].chars().count() as u32,
        };
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|x| x.1) == Some('{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek().map(|x| x.1) == Some('}') => {
                    chars.next();
                    text.push('}');
                }
                '}' => {
                    return Err(RuleError::at(
                        at(i),
                        "unmatched `}` (write `}}` for a brace)",
                    ));
                }
                '{' => {
                    let mut inner = String::new();
                    loop {
                        match chars.next() {
                            Some((_, '}')) => break,
                            Some((_, ch)) if inner.len() < 128 => inner.push(ch),
                            _ => return Err(RuleError::at(at(i), "unclosed `{` in template")),
                        }
                    }
                    let (path, fmt) = match inner.split_once('|') {
                        None => (inner.as_str(), Fmt::Raw),
                        Some((p, "time")) => (p, Fmt::Time),
                        Some((p, "date")) => (p, Fmt::Date),
                        Some((p, "datetime")) => (p, Fmt::DateTime),
                        Some(_) => {
                            return Err(RuleError::at(
                                at(i),
                                "unknown format (use |time, |date or |datetime)",
                            ));
                        }
                    };
                    let path: Vec<String> = path.trim().split('.').map(str::to_owned).collect();
                    if path.len() != 2 || path.iter().any(|p| p.is_empty()) {
                        return Err(RuleError::at(
                            at(i),
                            "a placeholder names an event and a field: {alias.field}",
                        ));
                    }
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Ref(resolve(&path, at(i))?, fmt));
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template {
            source: src.to_owned(),
            parts,
        })
    }

    /// Fills in the placeholders (a missing value renders as `?`).
    pub(crate) fn render(&self, scope: Scope<'_>, tz: &TimeZone) -> String {
        let mut out = String::with_capacity(self.source.len() + 16);
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Ref(e, fmt) => render_value(&mut out, e.eval(scope), *fmt, tz),
            }
        }
        out
    }
}

fn render_value(out: &mut String, v: ValueRef<'_>, fmt: Fmt, tz: &TimeZone) {
    use std::fmt::Write;
    if matches!(v, ValueRef::Null) {
        out.push('?');
        return;
    }
    let zoned = (fmt != Fmt::Raw)
        .then(|| v.as_time())
        .flatten()
        .and_then(|t| jiff::Timestamp::from_microsecond(t.as_micros()).ok())
        .map(|t| t.to_zoned(tz.clone()));
    let _ = match (zoned, fmt) {
        (Some(z), Fmt::Time) => write!(out, "{}", z.strftime("%H:%M")),
        (Some(z), Fmt::Date) => write!(out, "{}", z.strftime("%Y-%m-%d")),
        (Some(z), Fmt::DateTime) => write!(out, "{}", z.strftime("%Y-%m-%d %H:%M")),
        _ => write!(out, "{v}"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{Field, StepRec};
    use crate::value::Value;
    use kairos_core::Timestamp;

    #[test]
    fn placeholders_render_in_the_customers_zone() {
        let mut resolve = |p: &[String], _: Pos| -> Result<CExpr, RuleError> {
            Ok(match p[1].as_str() {
                "time" => CExpr::BoundTime(0),
                _ => CExpr::Bound(0, 0),
            })
        };
        let t = Template::compile(
            "Gate {a.gate} at {a.time|time} {{ok}}",
            Pos { line: 3, col: 10 },
            &mut resolve,
        )
        .unwrap();
        let steps = [StepRec {
            time: Timestamp::parse_rfc3339("2026-12-01T15:10:00Z").unwrap(),
            vals: vec![Value::Str("B44".into())].into_boxed_slice(),
        }];
        let scope = Scope {
            cur: None,
            steps: &steps,
        };
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(t.render(scope, &berlin), "Gate B44 at 16:10 {ok}");
        let _ = Field::Place;
    }

    #[test]
    fn template_errors_point_into_the_string() {
        let mut resolve = |_: &[String], _: Pos| Ok(CExpr::Lit(Value::Null));
        let e = Template::compile("ab {x}", Pos { line: 2, col: 5 }, &mut resolve).unwrap_err();
        assert_eq!((e.line(), e.col()), (2, 9));
        assert!(Template::compile("{a.b|weird}", Pos::default(), &mut resolve).is_err());
    }
}
