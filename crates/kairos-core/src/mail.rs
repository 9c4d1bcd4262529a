//! The e-mail channel's tenant settings and the rules for automatic replies (RFC 3834).

use crate::error::DomainError;
use crate::identity::{Identity, IdentityKind};
use serde::{Deserialize, Serialize};

/// The settings key the mail settings are stored under.
pub const SETTINGS_KEY: &str = "mail";
/// At most one automatic reply per sender in this many days (RFC 3834 §2, RFC 5230 `:days`).
pub const AUTO_REPLY_DAYS: i64 = 4;

/// How a tenant's mail goes out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// The address replies are sent from; must be one of the tenant's support addresses
    /// (default: the first of them).
    #[serde(default)]
    pub from_address: Option<String>,
    /// The name shown with it (`Acme Support`).
    #[serde(default)]
    pub from_name: Option<String>,
    /// The acknowledgement sent when a new conversation arrives by mail; off when absent.
    #[serde(default)]
    pub auto_reply: Option<AutoReply>,
}

/// The automatic acknowledgement. Its text is fixed by the tenant: it never repeats what
/// the sender wrote (checklist C09: no reflection of attacker-chosen content).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoReply {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
}

impl MailSettings {
    /// Validates and normalises.
    pub fn validate(mut self) -> Result<Self, DomainError> {
        if let Some(a) = &self.from_address {
            self.from_address = Some(
                Identity::parse(IdentityKind::Email, a, None, None)
                    .map_err(|_| DomainError::invalid("from_address", "an e-mail address"))?
                    .value,
            );
        }
        if let Some(n) = &self.from_name {
            let n = n.trim();
            if n.chars().count() > 100 || n.chars().any(char::is_control) {
                return Err(DomainError::invalid(
                    "from_name",
                    "at most 100 characters without control characters",
                ));
            }
            self.from_name = (!n.is_empty()).then(|| n.to_owned());
        }
        if let Some(r) = &self.auto_reply {
            let subject = r.subject.trim();
            if subject.is_empty()
                || subject.chars().count() > 200
                || subject.chars().any(char::is_control)
            {
                return Err(DomainError::invalid(
                    "auto_reply.subject",
                    "1–200 characters on one line",
                ));
            }
            if r.text.trim().is_empty() || r.text.len() > 10_000 {
                return Err(DomainError::invalid("auto_reply.text", "1–10000 bytes"));
            }
        }
        Ok(self)
    }
}

/// Whether an automatic reply may go to `sender` (RFC 3834 §2 and checklist C10): never to
/// machine-generated mail, the null sender, or mailer daemons and no-reply addresses.
pub fn may_auto_reply(sender: &str, automated: bool, null_sender: bool) -> bool {
    if automated || null_sender {
        return false;
    }
    let local = sender
        .split('@')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let robots = [
        "mailer-daemon",
        "postmaster",
        "noreply",
        "no-reply",
        "no_reply",
        "donotreply",
        "do-not-reply",
        "bounce",
        "bounces",
        "listserv",
        "majordomo",
    ];
    !(robots.contains(&local.as_str())
        || local.starts_with("owner-")
        || local.ends_with("-request")
        || local.starts_with("bounce"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c10_robots_and_automated_mail_get_no_auto_reply() {
        assert!(may_auto_reply("anna@example.org", false, false));
        assert!(!may_auto_reply("anna@example.org", true, false));
        assert!(!may_auto_reply("anna@example.org", false, true));
        for robot in [
            "MAILER-DAEMON@x.test",
            "no-reply@x.test",
            "owner-list@x.test",
            "list-request@x.test",
            "bounces+123@x.test",
        ] {
            assert!(!may_auto_reply(robot, false, false), "{robot}");
        }
    }

    #[test]
    fn settings_are_validated() {
        let s = MailSettings {
            from_address: Some(" Support@Acme.TEST ".into()),
            from_name: Some("  Acme  ".into()),
            auto_reply: None,
        }
        .validate()
        .unwrap();
        assert_eq!(s.from_address.as_deref(), Some("support@acme.test"));
        assert_eq!(s.from_name.as_deref(), Some("Acme"));
        let bad = MailSettings {
            auto_reply: Some(AutoReply {
                subject: "a\r\nBcc: x@y".into(),
                text: "t".into(),
            }),
            ..Default::default()
        };
        assert!(bad.validate().is_err(), "header injection via the subject");
    }
}
