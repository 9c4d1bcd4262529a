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
    /// Set when this customer was merged into another; reads follow it.
    pub merged_into: Option<CustomerId>,
    /// When it was created.
    pub created_at: Timestamp,
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
