//! Consent records: per customer and purpose, every grant and withdrawal is an immutable
//! record with the elements of a Kantara Consent Receipt v1.1 / ISO/IEC TS 27560 record
//! (checklist N09, N10). What a customer currently allows is the latest record per purpose;
//! everything that processes personal data for a purpose asks [`allows`] first.
//!
//! Groundwork for the privacy issue: the store, API and receipts download build on this.

use crate::error::DomainError;
use crate::ids::CustomerId;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The purposes a new tenant offers; tenants may configure others.
pub const DEFAULT_PURPOSES: [&str; 6] = [
    "service",
    "location",
    "travel",
    "personalised-offers",
    "profiling",
    "partner-sharing",
];

/// The Kantara Consent Receipt specification version receipts follow.
pub const RECEIPT_VERSION: &str = "KI-CR-v1.1.0";

/// Grant or withdrawal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsentAction {
    /// The customer agrees to processing for the purpose.
    Grant,
    /// The customer takes that back; processing stops at once (Art. 7(3)).
    Withdraw,
}

/// The lawful basis of processing (GDPR Art. 6(1)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    /// Art. 6(1)(a).
    Consent,
    /// Art. 6(1)(b).
    Contract,
    /// Art. 6(1)(c).
    LegalObligation,
    /// Art. 6(1)(d).
    VitalInterests,
    /// Art. 6(1)(e).
    PublicTask,
    /// Art. 6(1)(f).
    LegitimateInterests,
}

/// A request to record a grant or withdrawal, as it comes from outside.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentCommand {
    /// The purpose (`location`, `personalised-offers`, …).
    pub purpose: String,
    /// Grant or withdraw.
    pub action: ConsentAction,
    /// Categories of personal data covered (`location`, `contact`, `travel-history`, …).
    #[serde(default)]
    pub data_categories: Vec<String>,
    /// The lawful basis (default: consent).
    #[serde(default = "default_basis")]
    pub legal_basis: LegalBasis,
    /// How it was collected: `widget`, `portal`, `chat`, `phone`, `agent`, `api`.
    pub method: String,
    /// The version of the privacy notice the customer was shown.
    pub notice_version: String,
}

fn default_basis() -> LegalBasis {
    LegalBasis::Consent
}

/// An immutable consent record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    /// Its id (the receipt's `consentReceiptID`).
    pub id: uuid::Uuid,
    /// Whose consent.
    pub customer_id: CustomerId,
    /// What was recorded.
    pub command: ConsentCommand,
    /// When.
    pub at: Timestamp,
}

/// The controller named on receipts (the tenant).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Controller {
    /// Legal name.
    pub name: String,
    /// Contact e-mail for privacy matters.
    pub contact_email: String,
    /// Postal address.
    pub address: String,
    /// The privacy notice's URL.
    pub policy_url: String,
    /// Jurisdiction, e.g. `DE`.
    pub jurisdiction: String,
}

const METHODS: [&str; 6] = ["widget", "portal", "chat", "phone", "agent", "api"];

/// Whether `s` is a slug: 1–64 of `a`–`z`, `0`–`9`, `-`.
fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl ConsentCommand {
    /// Validates against the tenant's purposes; data categories are normalised and
    /// de-duplicated.
    pub fn validate(mut self, purposes: &[String]) -> Result<Self, DomainError> {
        self.purpose = self.purpose.trim().to_ascii_lowercase();
        if !purposes.contains(&self.purpose) {
            return Err(DomainError::invalid(
                "purpose",
                format!("one of: {}", purposes.join(", ")),
            ));
        }
        if !METHODS.contains(&self.method.as_str()) {
            return Err(DomainError::invalid(
                "method",
                format!("one of: {}", METHODS.join(", ")),
            ));
        }
        let version = self.notice_version.trim();
        if version.is_empty() || version.len() > 64 || version.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                "notice_version",
                "1–64 characters without control characters",
            ));
        }
        self.notice_version = version.to_owned();
        let mut categories: Vec<String> = self
            .data_categories
            .iter()
            .map(|c| c.trim().to_ascii_lowercase())
            .collect();
        categories.sort();
        categories.dedup();
        if categories.len() > 20 || !categories.iter().all(|c| is_slug(c)) {
            return Err(DomainError::invalid(
                "data_categories",
                "at most 20 slugs (a-z, 0-9, -)",
            ));
        }
        self.data_categories = categories;
        Ok(self)
    }
}

/// What each purpose stands at: the latest record per purpose (records in any order).
pub fn current(records: &[ConsentRecord]) -> BTreeMap<&str, &ConsentRecord> {
    let mut latest: BTreeMap<&str, &ConsentRecord> = BTreeMap::new();
    for r in records {
        let newer = latest
            .get(r.command.purpose.as_str())
            .is_none_or(|l| (r.at, r.id) > (l.at, l.id));
        if newer {
            latest.insert(r.command.purpose.as_str(), r);
        }
    }
    latest
}

/// Whether processing for `purpose` is allowed: only with a standing grant. No record, or
/// a withdrawal, means no.
pub fn allows(records: &[ConsentRecord], purpose: &str) -> bool {
    current(records)
        .get(purpose)
        .is_some_and(|r| r.command.action == ConsentAction::Grant)
}

/// The record as a Kantara Consent Receipt v1.1 (JSON), naming `controller`.
pub fn receipt(
    record: &ConsentRecord,
    controller: &Controller,
    language: &str,
) -> serde_json::Value {
    let c = &record.command;
    serde_json::json!({
        "version": RECEIPT_VERSION,
        "jurisdiction": controller.jurisdiction,
        "consentTimestamp": record.at.as_micros() / 1_000_000,
        "collectionMethod": c.method,
        "consentReceiptID": record.id.to_string(),
        "language": language,
        "piiPrincipalId": record.customer_id.0.to_string(),
        "piiControllers": [{
            "piiController": controller.name,
            "contact": controller.contact_email,
            "address": controller.address,
            "email": controller.contact_email,
            "piiControllerUrl": controller.policy_url,
        }],
        "policyUrl": controller.policy_url,
        "services": [{
            "service": "customer service",
            "purposes": [{
                "purpose": c.purpose,
                "purposeCategory": [c.purpose],
                "consentType": match c.action {
                    ConsentAction::Grant => "EXPLICIT",
                    ConsentAction::Withdraw => "WITHDRAWN",
                },
                "piiCategory": c.data_categories,
                "primaryPurpose": c.purpose == "service",
                "termination": "until withdrawn",
                "thirdPartyDisclosure": c.purpose == "partner-sharing",
            }],
        }],
        "sensitive": false,
        "spiCat": [],
        // ISO/IEC TS 27560 elements beyond the Kantara fields.
        "legalBasis": c.legal_basis,
        "noticeVersion": c.notice_version,
        "action": c.action,
    })
}

/// The settings key the privacy settings are stored under.
pub const SETTINGS_KEY: &str = "privacy";

/// A tenant's privacy settings: the purposes it asks consent for, and the controller named
/// on receipts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacySettings {
    /// The purposes (slugs); default [`DEFAULT_PURPOSES`].
    #[serde(default = "default_purposes")]
    pub purposes: Vec<String>,
    /// The controller; receipts say "not configured" until it is set.
    #[serde(default)]
    pub controller: Option<Controller>,
}

fn default_purposes() -> Vec<String> {
    DEFAULT_PURPOSES.iter().map(|p| p.to_string()).collect()
}

impl Default for PrivacySettings {
    fn default() -> Self {
        Self {
            purposes: default_purposes(),
            controller: None,
        }
    }
}

impl PrivacySettings {
    /// Validates and normalises.
    pub fn validate(mut self) -> Result<Self, DomainError> {
        let mut purposes: Vec<String> = self
            .purposes
            .iter()
            .map(|p| p.trim().to_ascii_lowercase())
            .collect();
        purposes.sort();
        purposes.dedup();
        if purposes.is_empty() || purposes.len() > 50 || !purposes.iter().all(|p| is_slug(p)) {
            return Err(DomainError::invalid("purposes", "1–50 slugs (a-z, 0-9, -)"));
        }
        self.purposes = purposes;
        if let Some(c) = &self.controller {
            let fields = [
                ("controller.name", &c.name, 200),
                ("controller.contact_email", &c.contact_email, 254),
                ("controller.address", &c.address, 500),
                ("controller.policy_url", &c.policy_url, 2000),
                ("controller.jurisdiction", &c.jurisdiction, 10),
            ];
            for (field, value, max) in fields {
                if value.trim().is_empty()
                    || value.len() > max
                    || value.chars().any(char::is_control)
                {
                    return Err(DomainError::invalid(
                        field,
                        format!("1–{max} characters without control characters"),
                    ));
                }
            }
            if !(c.policy_url.starts_with("https://") || c.policy_url.starts_with("http://")) {
                return Err(DomainError::invalid(
                    "controller.policy_url",
                    "an http(s) URL",
                ));
            }
        }
        Ok(self)
    }

    /// The controller for receipts, or a placeholder that says it is not configured.
    pub fn controller_or_placeholder(&self) -> Controller {
        self.controller.clone().unwrap_or(Controller {
            name: "(controller not configured)".into(),
            contact_email: String::new(),
            address: String::new(),
            policy_url: String::new(),
            jurisdiction: String::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purposes() -> Vec<String> {
        DEFAULT_PURPOSES.iter().map(|p| p.to_string()).collect()
    }

    fn record(purpose: &str, action: ConsentAction, at: i64) -> ConsentRecord {
        ConsentRecord {
            id: uuid::Uuid::now_v7(),
            customer_id: CustomerId::new(),
            command: ConsentCommand {
                purpose: purpose.into(),
                action,
                data_categories: vec!["location".into()],
                legal_basis: LegalBasis::Consent,
                method: "widget".into(),
                notice_version: "2026-11".into(),
            },
            at: Timestamp::from_micros(at),
        }
    }

    #[test]
    fn n10_a_withdrawal_stops_processing_at_once_and_the_grant_stays_as_evidence() {
        let grant = record("location", ConsentAction::Grant, 1);
        let mut records = vec![grant.clone()];
        assert!(allows(&records, "location"));
        assert!(!allows(&records, "profiling"), "no record is no consent");
        records.push(record("location", ConsentAction::Withdraw, 2));
        assert!(!allows(&records, "location"));
        assert!(records.contains(&grant), "the earlier record is kept");
        records.push(record("location", ConsentAction::Grant, 3));
        assert!(allows(&records, "location"));
        records.reverse();
        assert!(
            allows(&records, "location"),
            "order of reading does not matter"
        );
    }

    #[test]
    fn commands_are_validated_against_the_tenants_purposes() {
        let ok = record("location", ConsentAction::Grant, 1).command;
        let mut upper = ok.clone();
        upper.purpose = " Location ".into();
        upper.data_categories = vec!["Location".into(), "location".into()];
        let v = upper.validate(&purposes()).unwrap();
        assert_eq!(
            (v.purpose.as_str(), v.data_categories.len()),
            ("location", 1)
        );
        for bad in [
            ConsentCommand {
                purpose: "marketing-spam".into(),
                ..ok.clone()
            },
            ConsentCommand {
                method: "telepathy".into(),
                ..ok.clone()
            },
            ConsentCommand {
                notice_version: "".into(),
                ..ok.clone()
            },
            ConsentCommand {
                notice_version: "v1\r\n".repeat(20),
                ..ok.clone()
            },
            ConsentCommand {
                data_categories: vec!["<script>".into()],
                ..ok.clone()
            },
        ] {
            assert!(bad.validate(&purposes()).is_err());
        }
    }

    #[test]
    fn n09_receipts_carry_the_kantara_fields() {
        let r = record("location", ConsentAction::Grant, 1_700_000_000_000_000);
        let controller = Controller {
            name: "Acme GmbH".into(),
            contact_email: "privacy@acme.example".into(),
            address: "Hauptstr. 1, 10115 Berlin".into(),
            policy_url: "https://acme.example/privacy".into(),
            jurisdiction: "DE".into(),
        };
        let v = receipt(&r, &controller, "de");
        for field in [
            "version",
            "jurisdiction",
            "consentTimestamp",
            "collectionMethod",
            "consentReceiptID",
            "language",
            "piiPrincipalId",
            "piiControllers",
            "policyUrl",
            "services",
            "sensitive",
            "spiCat",
        ] {
            assert!(v.get(field).is_some(), "{field}");
        }
        assert_eq!(v["consentTimestamp"], 1_700_000_000);
        assert_eq!(v["services"][0]["purposes"][0]["consentType"], "EXPLICIT");
        assert_eq!(v["legalBasis"], "consent");
    }
}
