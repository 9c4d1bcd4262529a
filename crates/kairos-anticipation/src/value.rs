//! Attribute values: owned ([`Value`]) and borrowed ([`ValueRef`]), and how rules compare them.

use kairos_core::Timestamp;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// An attribute value: JSON scalars only (no nested objects or arrays), plus instants that
/// the engine produces for `time` fields.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// JSON `null`, or a missing attribute.
    #[default]
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number (JSON numbers are read as `f64`).
    Num(f64),
    /// A string.
    Str(String),
    /// An instant (serialised as RFC 3339 text).
    Time(Timestamp),
}

/// A borrowed view of a value, used while evaluating rules without copying strings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueRef<'a> {
    /// Missing or `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string.
    Str(&'a str),
    /// An instant.
    Time(Timestamp),
    /// A duration in microseconds (only inside expressions, e.g. `visit.time + 3h`).
    Dur(i64),
}

impl Value {
    /// The borrowed view of this value.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Bool(b) => ValueRef::Bool(*b),
            Value::Num(n) => ValueRef::Num(*n),
            Value::Str(s) => ValueRef::Str(s),
            Value::Time(t) => ValueRef::Time(*t),
        }
    }
}

impl ValueRef<'_> {
    /// An owned copy (durations become a number of seconds).
    pub fn to_owned_value(self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Bool(b) => Value::Bool(b),
            ValueRef::Num(n) => Value::Num(n),
            ValueRef::Str(s) => Value::Str(s.to_owned()),
            ValueRef::Time(t) => Value::Time(t),
            ValueRef::Dur(us) => Value::Num(us as f64 / 1e6),
        }
    }

    /// The instant this value denotes: a time, or RFC 3339 text.
    pub fn as_time(self) -> Option<Timestamp> {
        match self {
            ValueRef::Time(t) => Some(t),
            ValueRef::Str(s) => Timestamp::parse_rfc3339(s),
            _ => None,
        }
    }

    /// Equality as rules see it: same kind and value; a time equals RFC 3339 text of the
    /// same instant; `null` equals nothing, not even `null`.
    pub fn rule_eq(self, other: ValueRef<'_>) -> bool {
        match (self, other) {
            (ValueRef::Str(a), ValueRef::Str(b)) => a == b,
            (ValueRef::Num(a), ValueRef::Num(b)) => a == b,
            (ValueRef::Bool(a), ValueRef::Bool(b)) => a == b,
            (ValueRef::Dur(a), ValueRef::Dur(b)) => a == b,
            (ValueRef::Time(_), _) | (_, ValueRef::Time(_)) => {
                matches!((self.as_time(), other.as_time()), (Some(a), Some(b)) if a == b)
            }
            _ => false,
        }
    }

    /// Ordering as rules see it: numbers with numbers, strings with strings, times with
    /// times (or RFC 3339 text); anything else is unordered (the comparison is false).
    pub fn rule_cmp(self, other: ValueRef<'_>) -> Option<Ordering> {
        match (self, other) {
            (ValueRef::Num(a), ValueRef::Num(b)) => a.partial_cmp(&b),
            (ValueRef::Str(a), ValueRef::Str(b)) => Some(a.cmp(b)),
            (ValueRef::Dur(a), ValueRef::Dur(b)) => Some(a.cmp(&b)),
            (ValueRef::Time(_), _) | (_, ValueRef::Time(_)) => {
                match (self.as_time(), other.as_time()) {
                    (Some(a), Some(b)) => Some(a.cmp(&b)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Whether this value counts as true in a condition: `true`, or any non-null,
    /// non-false value.
    pub fn truthy(self) -> bool {
        !matches!(self, ValueRef::Null | ValueRef::Bool(false))
    }
}

impl fmt::Display for ValueRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueRef::Null => f.write_str("null"),
            ValueRef::Bool(b) => write!(f, "{b}"),
            ValueRef::Num(n) => write!(f, "{n}"),
            ValueRef::Str(s) => f.write_str(s),
            ValueRef::Time(t) => write!(f, "{t}"),
            ValueRef::Dur(us) => write!(f, "{}s", us / 1_000_000),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_ref().fmt(f)
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Num(n) => s.serialize_f64(*n),
            Value::Str(v) => s.serialize_str(v),
            Value::Time(t) => t.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, boolean or null (attributes are flat)")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Num(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Num(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Num(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_attribute_values_are_refused() {
        let err = serde_json::from_str::<Value>(r#"{"a":1}"#).unwrap_err();
        assert!(err.to_string().contains("attributes are flat"), "{err}");
        assert_eq!(
            serde_json::from_str::<Value>("3.5").unwrap(),
            Value::Num(3.5)
        );
    }

    #[test]
    fn times_compare_with_rfc3339_text_and_null_equals_nothing() {
        let t = Timestamp::parse_rfc3339("2026-12-01T14:00:00Z").unwrap();
        assert!(ValueRef::Time(t).rule_eq(ValueRef::Str("2026-12-01T14:00:00Z")));
        assert_eq!(
            ValueRef::Str("2026-12-01T15:00:00+01:00").rule_cmp(ValueRef::Time(t)),
            Some(Ordering::Equal)
        );
        assert!(!ValueRef::Null.rule_eq(ValueRef::Null));
        assert_eq!(ValueRef::Num(1.0).rule_cmp(ValueRef::Str("1")), None);
    }
}
