//! Context events at the door (checklist N12, N10, I02): which consent purpose an event type
//! needs, and the limits an incoming event must keep. Pure: the store asks the consent
//! records inside its write transaction, HTTP only translates.

use crate::error::DomainError;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The tenant setting key of [`ContextSettings`].
pub const SETTINGS_KEY: &str = "context";
/// Most bytes in an event id.
pub const MAX_ID_LEN: usize = 128;
/// Most bytes in an event type.
pub const MAX_TYPE_LEN: usize = 128;
/// Most bytes in a place.
pub const MAX_PLACE_LEN: usize = 256;
/// Most attributes on one event.
pub const MAX_ATTRIBUTES: usize = 64;
/// Most bytes in an attribute name.
pub const MAX_ATTRIBUTE_NAME_LEN: usize = 64;
/// Most bytes of an event's attributes as JSON.
pub const MAX_ATTRIBUTES_BYTES: usize = 8 * 1024;
/// How far in the future an event's time may lie (clock skew), in microseconds.
pub const MAX_FUTURE_MICROS: i64 = 5 * 60 * 1_000_000;
/// Most events in one batch.
pub const MAX_BATCH: usize = 1000;
/// Most entries in the type → purpose mapping.
pub const MAX_MAPPINGS: usize = 200;

/// Which purpose each event type needs. A key ending in `.` is a prefix (`wifi.` covers
/// `wifi.login`); any other key is an exact type. The longest matching key wins; a type no
/// key matches is refused as unmapped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSettings {
    /// Event type (or prefix ending in `.`) → consent purpose.
    pub purposes: BTreeMap<String, String>,
    /// Event types (or prefixes ending in `.`) a *feed* may send: reference data about no
    /// person (flight status, traffic), stored without a consent check. Only these types
    /// are accepted with a `feed` subject, so personal data cannot come in that way.
    #[serde(default)]
    pub feeds: BTreeSet<String>,
}

impl Default for ContextSettings {
    fn default() -> Self {
        let purposes = [
            ("wifi.", "location"),
            ("location.", "location"),
            ("presence.", "location"),
            ("flight.", "travel"),
            ("booking.", "travel"),
            ("travel.", "travel"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let feeds = ["flight.status", "flight.departed", "flight.arrived"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        Self { purposes, feeds }
    }
}

/// Whether `s` is a dotted type name: 1–128 of `a`–`z`, `0`–`9`, `.`, `_`, `-`.
fn is_type_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_TYPE_LEN
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
}

impl ContextSettings {
    /// Validates the mapping against the tenant's consent purposes.
    pub fn validate(self, tenant_purposes: &[String]) -> Result<Self, DomainError> {
        if self.purposes.len() > MAX_MAPPINGS || self.feeds.len() > MAX_MAPPINGS {
            return Err(DomainError::invalid(
                "purposes",
                format!("at most {MAX_MAPPINGS} entries"),
            ));
        }
        for (key, purpose) in &self.purposes {
            if !is_type_name(key) || key.starts_with('.') {
                return Err(DomainError::invalid(
                    "purposes",
                    format!("`{key}` is not an event type or a prefix ending in `.`"),
                ));
            }
            if !tenant_purposes.contains(purpose) {
                return Err(DomainError::invalid(
                    "purposes",
                    format!("`{purpose}` is not one of the tenant's consent purposes"),
                ));
            }
        }
        if let Some(key) = self
            .feeds
            .iter()
            .find(|k| !is_type_name(k) || k.starts_with('.'))
        {
            return Err(DomainError::invalid(
                "feeds",
                format!("`{key}` is not an event type or a prefix ending in `.`"),
            ));
        }
        Ok(self)
    }

    /// Whether a feed may send events of `event_type`.
    pub fn is_feed_type(&self, event_type: &str) -> bool {
        self.feeds.contains(event_type)
            || self
                .feeds
                .iter()
                .any(|k| k.ends_with('.') && event_type.starts_with(k.as_str()))
    }

    /// The purpose `event_type` needs, if it is mapped.
    pub fn purpose_for(&self, event_type: &str) -> Option<&str> {
        if let Some(p) = self.purposes.get(event_type) {
            return Some(p);
        }
        self.purposes
            .iter()
            .filter(|(k, _)| k.ends_with('.') && event_type.starts_with(k.as_str()))
            .max_by_key(|(k, _)| k.len())
            .map(|(_, p)| p.as_str())
    }
}

/// Why an event was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The subject's current consent does not cover the type's purpose (N12, N10).
    NoConsent,
    /// No customer of this tenant has that id or identity.
    UnknownSubject,
    /// The tenant maps the type to no purpose.
    UnmappedType,
    /// The event breaks a limit or is malformed.
    Invalid,
    /// A feed sent a type the tenant does not accept from feeds.
    NotAFeedType,
}

impl Refusal {
    /// The wire name (also the metrics label).
    pub fn as_str(&self) -> &'static str {
        match self {
            Refusal::NoConsent => "no_consent",
            Refusal::UnknownSubject => "unknown_subject",
            Refusal::UnmappedType => "unmapped_type",
            Refusal::Invalid => "invalid",
            Refusal::NotAFeedType => "not_a_feed_type",
        }
    }
}

fn check_text(field: &'static str, v: &str, max: usize) -> Result<(), DomainError> {
    if v.is_empty() || v.len() > max || v.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            format!("1 to {max} bytes without control characters"),
        ));
    }
    Ok(())
}

/// Checks an event's id, type, place, time and attributes against the limits; `now` is
/// the receiving clock.
pub fn validate_event(
    id: &str,
    event_type: &str,
    place: Option<&str>,
    time: Timestamp,
    attributes: &serde_json::Map<String, serde_json::Value>,
    now: Timestamp,
) -> Result<(), DomainError> {
    check_text("id", id, MAX_ID_LEN)?;
    if !is_type_name(event_type) {
        return Err(DomainError::invalid(
            "type",
            format!("1 to {MAX_TYPE_LEN} of a-z, 0-9, `.`, `_`, `-`"),
        ));
    }
    if let Some(p) = place {
        check_text("place", p, MAX_PLACE_LEN)?;
    }
    if time.as_micros() > now.as_micros().saturating_add(MAX_FUTURE_MICROS) {
        return Err(DomainError::invalid(
            "time",
            "more than 5 minutes in the future",
        ));
    }
    if time.as_micros() < 0 {
        return Err(DomainError::invalid("time", "before 1970"));
    }
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(DomainError::invalid(
            "attributes",
            format!("at most {MAX_ATTRIBUTES}"),
        ));
    }
    for (name, value) in attributes {
        check_text("attributes", name, MAX_ATTRIBUTE_NAME_LEN)?;
        if value.is_object() || value.is_array() {
            return Err(DomainError::invalid(
                "attributes",
                "values are strings, numbers, booleans or null",
            ));
        }
    }
    let size = serde_json::to_string(attributes).map_or(usize::MAX, |s| s.len());
    if size > MAX_ATTRIBUTES_BYTES {
        return Err(DomainError::invalid(
            "attributes",
            format!("at most {MAX_ATTRIBUTES_BYTES} bytes as JSON"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_mapping_uses_prefixes_and_refuses_the_rest() {
        let s = ContextSettings::default();
        assert_eq!(s.purpose_for("wifi.login"), Some("location"));
        assert_eq!(s.purpose_for("flight.status"), Some("travel"));
        assert_eq!(s.purpose_for("wifi"), None);
        assert_eq!(s.purpose_for("shop.visit"), None);
    }

    #[test]
    fn exact_and_longest_prefix_win() {
        let mut s = ContextSettings::default();
        s.purposes
            .insert("wifi.guest.".into(), "personalised-offers".into());
        s.purposes.insert("wifi.login".into(), "service".into());
        assert_eq!(
            s.purpose_for("wifi.guest.join"),
            Some("personalised-offers")
        );
        assert_eq!(s.purpose_for("wifi.login"), Some("service"));
        assert_eq!(s.purpose_for("wifi.logout"), Some("location"));
    }

    #[test]
    fn settings_name_only_tenant_purposes() {
        let purposes = vec!["location".to_owned()];
        let mut s = ContextSettings::default();
        assert!(s.clone().validate(&purposes).is_err()); // `travel` is not offered
        s.purposes.retain(|_, p| p == "location");
        assert!(s.clone().validate(&purposes).is_ok());
        s.purposes.insert("Bad Key".into(), "location".into());
        assert!(s.validate(&purposes).is_err());
    }

    #[test]
    fn limits() {
        let now = Timestamp::from_micros(1_800_000_000_000_000);
        let empty = serde_json::Map::new();
        assert!(validate_event("e1", "wifi.login", Some("FRA"), now, &empty, now).is_ok());
        assert!(validate_event("", "wifi.login", None, now, &empty, now).is_err());
        assert!(validate_event("e1", "WiFi Login", None, now, &empty, now).is_err());
        let later = Timestamp::from_micros(now.as_micros() + MAX_FUTURE_MICROS + 1);
        assert!(validate_event("e1", "wifi.login", None, later, &empty, now).is_err());
        let mut nested = serde_json::Map::new();
        nested.insert("a".into(), serde_json::json!({"b": 1}));
        assert!(validate_event("e1", "wifi.login", None, now, &nested, now).is_err());
        let mut big = serde_json::Map::new();
        big.insert(
            "a".into(),
            serde_json::json!("x".repeat(MAX_ATTRIBUTES_BYTES)),
        );
        assert!(validate_event("e1", "wifi.login", None, now, &big, now).is_err());
    }
}
