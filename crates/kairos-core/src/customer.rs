//! Customers: one person (or organisation) with many identities.

use crate::identity::Identity;
use crate::ids::CustomerId;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// A stored customer with its identities.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// Its id.
    pub id: CustomerId,
    /// How staff see the name (may be empty until known).
    pub display_name: Option<String>,
    /// Every way to reach them, normalised.
    pub identities: Vec<Identity>,
    /// The service tier (`gold`, `business`, …) SLA policies can depend on.
    #[serde(default)]
    pub tier: Option<String>,
    /// Their IANA time zone (`Europe/Berlin`), for quiet hours; `None`: the tenant's.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Set when this customer was merged into another; reads follow it.
    pub merged_into: Option<CustomerId>,
    /// When it was created.
    pub created_at: Timestamp,
}

/// Validates a time zone: an IANA name the time-zone database knows (`Europe/Berlin`), at
/// most 64 characters; empty clears it.
pub fn parse_time_zone(raw: Option<&str>) -> Result<Option<String>, crate::DomainError> {
    let Some(name) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let known = name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b))
        && jiff::tz::TimeZone::get(name).is_ok();
    if !known {
        return Err(crate::DomainError::invalid(
            "time_zone",
            "an IANA time zone such as Europe/Berlin",
        ));
    }
    Ok(Some(name.to_owned()))
}

/// Validates a service tier: 1–64 characters of `a`–`z`, `0`–`9`, `-` and `_` (lower-cased);
/// empty clears it.
pub fn parse_tier(raw: Option<&str>) -> Result<Option<String>, crate::DomainError> {
    let Some(t) = raw
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
    else {
        return Ok(None);
    };
    if t.len() > 64
        || !t
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        return Err(crate::DomainError::invalid(
            "tier",
            "1–64 characters: letters, digits, - and _",
        ));
    }
    Ok(Some(t))
}
