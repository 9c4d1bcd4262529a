//! Tenants: a company (or the platform commons) with its own data and log.

use crate::error::DomainError;
use crate::ids::TenantId;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// A tenant's URL-safe short name: 2–63 characters of `a-z`, `0-9` and `-`, starting with a letter.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TenantSlug(String);

impl TenantSlug {
    /// Validates a slug.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let ok_len = (2..=63).contains(&raw.len());
        let ok_start = raw.starts_with(|c: char| c.is_ascii_lowercase());
        let ok_chars = raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok_len && ok_start && ok_chars && !raw.ends_with('-') {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::invalid(
                "slug",
                "2–63 characters of a-z, 0-9 and '-', starting with a letter, not ending with '-'",
            ))
        }
    }
    /// The slug text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stored tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Its short name.
    pub slug: TenantSlug,
    /// Display name.
    pub name: String,
    /// When it was created.
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_strict() {
        assert!(TenantSlug::parse("acme").is_ok());
        assert!(TenantSlug::parse("acme-2").is_ok());
        for bad in [
            "",
            "a",
            "Acme",
            "1acme",
            "acme-",
            "ac me",
            "acme/../x",
            "ac\u{0}me",
        ] {
            assert!(TenantSlug::parse(bad).is_err(), "{bad:?}");
        }
    }
}
