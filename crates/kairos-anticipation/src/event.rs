//! Context events: what devices, Wi-Fi controllers, feeds and apps report about a subject.
//!
//! On the wire (HTTP bodies, MQTT/NATS payloads, `.jsonl` files) an event is one JSON object:
//!
//! ```json
//! {"id":"ev-1","tenant":"0190…","subject":"c-anna","type":"presence.wifi",
//!  "time":"2026-12-01T14:00:00Z","place":"FRA","attributes":{"venue":"airport"}}
//! ```

use crate::value::{Value, ValueRef};
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Most bytes in an event id.
pub const MAX_ID_LEN: usize = 128;
/// Most bytes in a subject, type or place.
pub const MAX_NAME_LEN: usize = 256;
/// Most attributes on one event.
pub const MAX_ATTRIBUTES: usize = 64;
/// Most bytes in an attribute name.
pub const MAX_ATTRIBUTE_NAME_LEN: usize = 64;
/// Most bytes in a string attribute value.
pub const MAX_ATTRIBUTE_VALUE_LEN: usize = 4096;

/// One context event about one subject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextEvent {
    /// Unique per tenant and source; a redelivery carries the same id and is ignored.
    pub id: String,
    /// The tenant whose customer (or feed) this is about.
    pub tenant: TenantId,
    /// Whom it is about: a customer id or identity, or a feed name for reference data.
    pub subject: String,
    /// What happened, as a dotted name (`presence.wifi`, `flight.status`).
    #[serde(rename = "type")]
    pub event_type: String,
    /// When it happened (RFC 3339).
    pub time: Timestamp,
    /// Where, if known (a place id the tenant chooses: a venue, an airport code, a geohash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Flat attributes (strings, numbers, booleans, null).
    #[serde(default, skip_serializing_if = "Attributes::is_empty")]
    pub attributes: Attributes,
}

/// Why an event was refused before matching.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// A field is empty or longer than its limit.
    #[error("event field `{field}` must be 1 to {max} bytes")]
    FieldLength {
        /// The field.
        field: &'static str,
        /// Its limit.
        max: usize,
    },
    /// Too many attributes, or one too long.
    #[error("event attributes: {0}")]
    Attributes(String),
    /// The event belongs to another tenant than the engine's.
    #[error("the event belongs to another tenant")]
    WrongTenant,
}

impl ContextEvent {
    /// Checks the size limits (`MAX_*`); the engine calls this on every event.
    pub fn validate(&self) -> Result<(), EventError> {
        let check = |field: &'static str, v: &str, max: usize| {
            if v.is_empty() || v.len() > max {
                Err(EventError::FieldLength { field, max })
            } else {
                Ok(())
            }
        };
        check("id", &self.id, MAX_ID_LEN)?;
        check("subject", &self.subject, MAX_NAME_LEN)?;
        check("type", &self.event_type, MAX_NAME_LEN)?;
        if let Some(p) = &self.place {
            check("place", p, MAX_NAME_LEN)?;
        }
        self.attributes.validate()
    }
}

/// Read access to an event, whichever way it is stored: a live [`ContextEvent`], a
/// reference-table row, or a history record the caller keeps in its own compact form.
pub trait EventView {
    /// The event's type.
    fn event_type(&self) -> &str;
    /// The subject.
    fn subject(&self) -> &str;
    /// The time.
    fn time(&self) -> Timestamp;
    /// The place, if any.
    fn place(&self) -> Option<&str>;
    /// An attribute by name.
    fn attribute(&self, name: &str) -> Option<ValueRef<'_>>;
}

impl EventView for ContextEvent {
    fn event_type(&self) -> &str {
        &self.event_type
    }
    fn subject(&self) -> &str {
        &self.subject
    }
    fn time(&self) -> Timestamp {
        self.time
    }
    fn place(&self) -> Option<&str> {
        self.place.as_deref()
    }
    fn attribute(&self, name: &str) -> Option<ValueRef<'_>> {
        self.attributes.get(name)
    }
}

/// Flat attributes, kept as a small vector in the order they arrived (a handful per event:
/// a linear scan beats hashing). Serialised as a JSON object.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Attributes(pub Vec<(String, Value)>);

impl Attributes {
    /// No attributes.
    pub fn new() -> Self {
        Self(Vec::new())
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<ValueRef<'_>> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_ref())
    }
    /// Sets `name` (replacing an earlier value).
    pub fn set(&mut self, name: &str, value: Value) {
        match self.0.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name.to_owned(), value)),
        }
    }
    /// Iterates over `(name, value)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
    fn validate(&self) -> Result<(), EventError> {
        if self.0.len() > MAX_ATTRIBUTES {
            return Err(EventError::Attributes(format!(
                "at most {MAX_ATTRIBUTES} attributes"
            )));
        }
        for (k, v) in &self.0 {
            if k.is_empty() || k.len() > MAX_ATTRIBUTE_NAME_LEN {
                return Err(EventError::Attributes(format!(
                    "names must be 1 to {MAX_ATTRIBUTE_NAME_LEN} bytes"
                )));
            }
            if let Value::Str(s) = v
                && s.len() > MAX_ATTRIBUTE_VALUE_LEN
            {
                return Err(EventError::Attributes(format!(
                    "`{k}` is longer than {MAX_ATTRIBUTE_VALUE_LEN} bytes"
                )));
            }
        }
        Ok(())
    }
}

impl<const N: usize> From<[(&str, Value); N]> for Attributes {
    fn from(pairs: [(&str, Value); N]) -> Self {
        let mut a = Attributes::new();
        for (k, v) in pairs {
            a.set(k, v);
        }
        a
    }
}

impl Serialize for Attributes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Attributes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of attributes")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Attributes, A::Error> {
                let mut out = Attributes::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    if out.0.len() >= MAX_ATTRIBUTES {
                        return Err(serde::de::Error::custom(format!(
                            "at most {MAX_ATTRIBUTES} attributes"
                        )));
                    }
                    out.set(&k, v);
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"id":"e1","tenant":"01900000-0000-7000-8000-000000000001","subject":"c-anna","type":"presence.wifi","time":"2026-12-01T14:00:00Z","place":"FRA","attributes":{"venue":"airport","floor":2,"roaming":false}}"#;

    #[test]
    fn a_json_line_round_trips() {
        let e: ContextEvent = serde_json::from_str(LINE).unwrap();
        assert_eq!(e.subject, "c-anna");
        assert_eq!(e.attribute("venue"), Some(ValueRef::Str("airport")));
        assert_eq!(e.attribute("floor"), Some(ValueRef::Num(2.0)));
        assert_eq!(e.attribute("missing"), None);
        e.validate().unwrap();
        let back: ContextEvent = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn unknown_fields_and_oversized_ids_are_refused() {
        let extra = LINE.replace(r#""id":"e1""#, r#""id":"e1","colour":"red""#);
        assert!(serde_json::from_str::<ContextEvent>(&extra).is_err());
        let mut e: ContextEvent = serde_json::from_str(LINE).unwrap();
        e.id = "x".repeat(MAX_ID_LEN + 1);
        assert_eq!(
            e.validate(),
            Err(EventError::FieldLength {
                field: "id",
                max: MAX_ID_LEN
            })
        );
    }
}
