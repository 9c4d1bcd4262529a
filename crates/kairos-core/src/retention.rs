//! Retention schedules (privacy issue, item 5; checklist N08, N16): how long a tenant keeps
//! what. A new tenant keeps closed conversations two years and context events 30 days, and
//! keeps inactive customers until told otherwise — privacy by default, without losing the
//! service history a company needs.

use crate::error::DomainError;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// The tenant setting's key.
pub const SETTINGS_KEY: &str = "retention";

/// Longest period a schedule may name (100 years).
const MAX_DAYS: u32 = 36_500;

/// Per-tenant retention schedule; `None` keeps that data until it is erased.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    /// Resolved or closed conversations (with their messages and attachments) are deleted
    /// this many days after their last change. Default 730.
    #[serde(default = "default_conversations")]
    pub closed_conversations_days: Option<u32>,
    /// Context events (location, presence, travel) are deleted this many days after they
    /// happened. Default 30.
    #[serde(default = "default_context")]
    pub context_events_days: Option<u32>,
    /// Customers without a conversation or consent change for this many days are erased.
    /// Default: never.
    #[serde(default)]
    pub inactive_customers_days: Option<u32>,
}

fn default_conversations() -> Option<u32> {
    Some(730)
}

fn default_context() -> Option<u32> {
    Some(30)
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            closed_conversations_days: default_conversations(),
            context_events_days: default_context(),
            inactive_customers_days: None,
        }
    }
}

impl RetentionSettings {
    /// Validates: every period 1–36,500 days.
    pub fn validate(self) -> Result<Self, DomainError> {
        for (field, days) in [
            ("closed_conversations_days", self.closed_conversations_days),
            ("context_events_days", self.context_events_days),
            ("inactive_customers_days", self.inactive_customers_days),
        ] {
            if days.is_some_and(|d| d == 0 || d > MAX_DAYS) {
                return Err(DomainError::invalid(field, "1–36500 days, or null to keep"));
            }
        }
        Ok(self)
    }
}

/// The moment before which data kept for `days` is due: `now - days`.
pub fn cutoff(now: Timestamp, days: u32) -> Timestamp {
    Timestamp::from_micros(now.as_micros() - i64::from(days) * 86_400 * 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n16_a_new_tenant_keeps_context_events_30_days_and_closed_conversations_two_years() {
        let s: RetentionSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(s, RetentionSettings::default());
        assert_eq!(s.context_events_days, Some(30));
        assert_eq!(s.closed_conversations_days, Some(730));
        assert_eq!(s.inactive_customers_days, None);
    }

    #[test]
    fn periods_are_bounded_and_unknown_fields_refused() {
        let zero = RetentionSettings {
            context_events_days: Some(0),
            ..RetentionSettings::default()
        };
        assert!(zero.validate().is_err());
        let huge = RetentionSettings {
            inactive_customers_days: Some(40_000),
            ..RetentionSettings::default()
        };
        assert!(huge.validate().is_err());
        assert!(serde_json::from_str::<RetentionSettings>(r#"{"keep_forever": true}"#).is_err());
        let now = Timestamp::from_micros(10 * 86_400 * 1_000_000);
        assert_eq!(cutoff(now, 3).as_micros(), 7 * 86_400 * 1_000_000);
    }
}
