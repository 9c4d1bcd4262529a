//! Identities: the ways to reach a customer, normalised so that one person written two ways
//! is found as one (`Anna@Example.ORG` = `anna@example.org`, `+49 170 1234567` = `+491701234567`).

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of an identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentityKind {
    /// An e-mail address.
    Email,
    /// A phone number in E.164.
    Phone,
    /// A handle on a social network (`network` says which).
    Social,
    /// An opaque device or browser id (e.g. an anonymous chat visitor).
    Device,
}

impl IdentityKind {
    /// The lowercase wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            IdentityKind::Email => "email",
            IdentityKind::Phone => "phone",
            IdentityKind::Social => "social",
            IdentityKind::Device => "device",
        }
    }
    /// Parses the wire name.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "email" => Ok(Self::Email),
            "phone" => Ok(Self::Phone),
            "social" => Ok(Self::Social),
            "device" => Ok(Self::Device),
            _ => Err(DomainError::invalid(
                "kind",
                "expected email, phone, social or device",
            )),
        }
    }
}

/// A normalised identity. Two identities are the same person-handle iff they are equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    /// What kind of handle this is.
    pub kind: IdentityKind,
    /// The normalised value (lower-case e-mail, E.164 phone, lower-case handle, device id).
    pub value: String,
    /// For social handles: the network (`twitter`, `facebook`, `whatsapp`, …); empty otherwise.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub network: String,
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.network.is_empty() {
            write!(f, "{}:{}", self.kind.as_str(), self.value)
        } else {
            write!(f, "{}:{}:{}", self.kind.as_str(), self.network, self.value)
        }
    }
}

/// Longest e-mail address accepted (RFC 5321 path limit less the angle brackets).
const MAX_EMAIL: usize = 254;
/// Longest device id or social handle accepted.
const MAX_OPAQUE: usize = 128;

impl Identity {
    /// Parses and normalises raw input. `default_region` (ISO 3166 alpha-2, e.g. `DE`) lets a
    /// national phone number without `+` be read; without it, phone numbers need a `+`.
    pub fn parse(
        kind: IdentityKind,
        value: &str,
        network: Option<&str>,
        default_region: Option<&str>,
    ) -> Result<Self, DomainError> {
        let network = network.map(str::trim).unwrap_or_default();
        if kind != IdentityKind::Social && !network.is_empty() {
            return Err(DomainError::invalid(
                "network",
                "only social identities have a network",
            ));
        }
        let (value, network) = match kind {
            IdentityKind::Email => (normalise_email(value)?, String::new()),
            IdentityKind::Phone => (normalise_phone(value, default_region)?, String::new()),
            IdentityKind::Social => {
                let network = normalise_network(network)?;
                (normalise_handle(value)?, network)
            }
            IdentityKind::Device => (normalise_device(value)?, String::new()),
        };
        Ok(Self {
            kind,
            value,
            network,
        })
    }

    /// Shorthand for an e-mail identity.
    pub fn email(value: &str) -> Result<Self, DomainError> {
        Self::parse(IdentityKind::Email, value, None, None)
    }

    /// Shorthand for a phone identity (international format).
    pub fn phone(value: &str) -> Result<Self, DomainError> {
        Self::parse(IdentityKind::Phone, value, None, None)
    }
}

fn normalise_email(raw: &str) -> Result<String, DomainError> {
    let value = raw.trim();
    let err = |reason: &str| {
        Err(DomainError::invalid(
            "value",
            format!("e-mail address: {reason}"),
        ))
    };
    if value.is_empty() || value.len() > MAX_EMAIL {
        return err("must be 1–254 characters");
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return err("must contain '@'");
    };
    if local.is_empty() || local.len() > 64 {
        return err("the part before '@' must be 1–64 characters");
    }
    if domain.is_empty() || domain.len() > 253 || domain.starts_with('.') || domain.ends_with('.') {
        return err("invalid domain");
    }
    // Quoted local parts and comments are legal in RFC 5322 but never seen from real
    // customers; refusing them keeps header injection and look-alike tricks out.
    let local_ok = local
        .chars()
        .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let domain_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    });
    if !local_ok {
        return err("invalid characters before '@'");
    }
    if !domain_ok {
        return err("invalid domain");
    }
    // Mailbox local parts are case-sensitive by the letter of RFC 5321, but no provider a
    // customer uses treats them so; matching case-insensitively is what users expect.
    Ok(format!(
        "{}@{}",
        local.to_lowercase(),
        domain.to_lowercase()
    ))
}

fn normalise_phone(raw: &str, default_region: Option<&str>) -> Result<String, DomainError> {
    let value = raw.trim();
    if value.is_empty() || value.len() > 64 {
        return Err(DomainError::invalid(
            "value",
            "phone number: must be 1–64 characters",
        ));
    }
    let region = match default_region {
        Some(code) => Some(
            code.parse::<phonenumber::country::Id>()
                .map_err(|_| DomainError::invalid("region", "unknown ISO 3166 country code"))?,
        ),
        None => None,
    };
    let number = phonenumber::parse(region, value).map_err(|_| {
        DomainError::invalid(
            "value",
            "phone number: not a phone number (use international format, e.g. +49 170 1234567)",
        )
    })?;
    if !phonenumber::is_valid(&number) {
        return Err(DomainError::invalid(
            "value",
            "phone number: not a valid number for its country",
        ));
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

fn normalise_network(raw: &str) -> Result<String, DomainError> {
    let network = raw.to_ascii_lowercase();
    let ok = (1..=32).contains(&network.len())
        && network
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(network)
    } else {
        Err(DomainError::invalid(
            "network",
            "social identities need a network of 1–32 characters a-z, 0-9, '-', '_'",
        ))
    }
}

fn normalise_handle(raw: &str) -> Result<String, DomainError> {
    let handle = raw.trim().trim_start_matches('@').to_lowercase();
    check_opaque(&handle, "social handle")?;
    Ok(handle)
}

fn normalise_device(raw: &str) -> Result<String, DomainError> {
    let id = raw.trim().to_owned();
    check_opaque(&id, "device id")?;
    Ok(id)
}

fn check_opaque(value: &str, what: &str) -> Result<(), DomainError> {
    if value.is_empty() || value.chars().count() > MAX_OPAQUE {
        return Err(DomainError::invalid(
            "value",
            format!("{what}: must be 1–{MAX_OPAQUE} characters"),
        ));
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(DomainError::invalid(
            "value",
            format!("{what}: must not contain spaces or control characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_normalise_to_lower_case() {
        assert_eq!(
            Identity::email("  Anna@Example.ORG ").unwrap().value,
            "anna@example.org"
        );
    }

    #[test]
    fn hostile_emails_are_refused() {
        for bad in [
            "",
            "anna",
            "@example.org",
            "anna@",
            "anna@-example.org",
            "anna@example..org",
            "an\r\nna@example.org",
            "\"anna\"@example.org",
            "anna@exa mple.org",
            &format!("{}@example.org", "a".repeat(65)),
            &format!("anna@{}.org", "a".repeat(300)),
        ] {
            assert!(Identity::email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn phone_numbers_normalise_to_e164() {
        let spaced = Identity::phone("+49 170 1234567").unwrap();
        let compact = Identity::phone("+491701234567").unwrap();
        assert_eq!(spaced, compact);
        assert_eq!(compact.value, "+491701234567");
    }

    #[test]
    fn national_numbers_need_a_region() {
        assert!(Identity::phone("0170 1234567").is_err());
        let id = Identity::parse(IdentityKind::Phone, "0170 1234567", None, Some("DE")).unwrap();
        assert_eq!(id.value, "+491701234567");
    }

    #[test]
    fn invalid_phone_numbers_are_refused() {
        for bad in [
            "+49",
            "hello",
            "+999 123",
            "+49 170 1234567 ext; DROP TABLE",
        ] {
            assert!(Identity::phone(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn social_handles_need_a_network() {
        assert!(Identity::parse(IdentityKind::Social, "@Anna", None, None).is_err());
        let id = Identity::parse(IdentityKind::Social, "@Anna", Some("Mastodon"), None).unwrap();
        assert_eq!(
            (id.value.as_str(), id.network.as_str()),
            ("anna", "mastodon")
        );
        assert!(Identity::parse(IdentityKind::Email, "a@b.de", Some("x"), None).is_err());
    }
}
