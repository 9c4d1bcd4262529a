//! The chat widget's tenant settings: which web sites may embed the chat frame, and whether
//! visitors see a pre-chat form. Pure: the HTTP edge validates with [`WidgetSettings::parse`]
//! and builds the frame's `Content-Security-Policy: frame-ancestors …` from
//! [`WidgetSettings::frame_ancestors`].
//!
//! The origins end up inside a response header, so they are parsed strictly (checklist B05,
//! B10): a scheme, a host of letters, digits, dots and hyphens (optionally `*.` in front),
//! an optional port; nothing else — no path, no quote, no `;` that would start a directive.

use crate::error::DomainError;
use crate::event::{Actor, EventData, NewEvent};
use crate::identity::Identity;
use crate::ids::ConversationId;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// The key of the widget settings among the tenant's settings.
pub const SETTINGS_KEY: &str = "widget";
/// Most sites one tenant may list.
pub const MAX_ORIGINS: usize = 20;

/// The widget settings of a tenant.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WidgetSettings {
    /// The web sites (origins such as `https://www.acme.example`) whose pages may show the
    /// chat. Empty (the default): none — the frame only opens on Kairos' own origin.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Whether a visitor is asked for name and e-mail address (both optional) before the
    /// first message.
    #[serde(default)]
    pub prechat_form: bool,
}

impl WidgetSettings {
    /// Validates settings from outside: every origin well-formed (normalised to lower case,
    /// duplicates dropped), at most [`MAX_ORIGINS`].
    pub fn parse(raw: WidgetSettings) -> Result<Self, DomainError> {
        if raw.allowed_origins.len() > MAX_ORIGINS {
            return Err(DomainError::invalid(
                "allowed_origins",
                format!("at most {MAX_ORIGINS} sites"),
            ));
        }
        let mut origins: Vec<String> = Vec::with_capacity(raw.allowed_origins.len());
        for o in &raw.allowed_origins {
            let o = parse_origin(o)?;
            if !origins.contains(&o) {
                origins.push(o);
            }
        }
        Ok(Self {
            allowed_origins: origins,
            prechat_form: raw.prechat_form,
        })
    }

    /// The `frame-ancestors` source list: `'self'` and the allowed sites.
    pub fn frame_ancestors(&self) -> String {
        let mut list = String::from("'self'");
        // Re-checked here too: a value stored before a stricter rule must not reach a header.
        for o in self
            .allowed_origins
            .iter()
            .filter_map(|o| parse_origin(o).ok())
        {
            list.push(' ');
            list.push_str(&o);
        }
        list
    }

    /// Whether a page of `origin` may talk to the frame (exact match, or a `*.` wildcard
    /// matching a subdomain).
    pub fn allows(&self, origin: &str) -> bool {
        let Ok(origin) = parse_origin(origin) else {
            return false;
        };
        self.allowed_origins.iter().any(|a| {
            a == &origin
                || a.split_once("://*.").is_some_and(|(scheme, rest)| {
                    origin
                        .strip_prefix(scheme)
                        .and_then(|o| o.strip_prefix("://"))
                        .is_some_and(|o| o.ends_with(&format!(".{rest}")))
                })
        })
    }
}

/// Parses one site origin: `http(s)://host[:port]`, host optionally `*.`-prefixed, lower
/// case, no trailing slash, path, user info, query or anything a CSP would read as syntax.
pub fn parse_origin(raw: &str) -> Result<String, DomainError> {
    let bad = || {
        DomainError::invalid(
            "allowed_origins",
            "origins like https://www.acme.example or https://*.acme.example:8443 (scheme, host, optional port; no path)",
        )
    };
    let lower = raw.trim().to_ascii_lowercase();
    let lower = lower.strip_suffix('/').unwrap_or(&lower);
    let (scheme, rest) = lower.split_once("://").ok_or_else(bad)?;
    if scheme != "https" && scheme != "http" {
        return Err(bad());
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    if let Some(p) = port
        && (p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    let bare = host.strip_prefix("*.").unwrap_or(host);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if bare.is_empty() || bare.len() > 253 || !bare.split('.').all(label_ok) {
        return Err(bad());
    }
    Ok(lower.to_owned())
}

/// A follow-up address as stored: normalised like an e-mail identity, anything else refused
/// (also for one arriving in an imported export).
pub fn follow_up_address(raw: &str) -> Result<String, DomainError> {
    Ok(Identity::email(raw)
        .map_err(|_| DomainError::invalid("email", "an e-mail address"))?
        .value)
}

/// Decides the `conversation.follow_up` event: a chat visitor's address for answers while
/// they are away. It must be an e-mail address (normalised like an e-mail identity; no line
/// breaks can reach a mail header, B10). Unverified: it becomes no identity.
pub fn follow_up(
    conversation_id: ConversationId,
    raw: &str,
    now: Timestamp,
    actor: &Actor,
) -> Result<NewEvent, DomainError> {
    let email = follow_up_address(raw)?;
    Ok(NewEvent::new(
        now,
        actor,
        EventData::ConversationFollowUp {
            conversation_id,
            email,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_and_anything_else_is_refused() {
        assert_eq!(
            parse_origin(" HTTPS://WWW.Acme.example/ ").unwrap(),
            "https://www.acme.example"
        );
        assert_eq!(
            parse_origin("http://localhost:8080").unwrap(),
            "http://localhost:8080"
        );
        assert!(parse_origin("https://*.acme.example").is_ok());
        // B05/B10: nothing that would add a CSP directive or source, or a header line.
        for hostile in [
            "https://acme.example; script-src *",
            "https://acme.example 'unsafe-inline'",
            "https://acme.example/path",
            "https://acme.example\r\nX-Evil: 1",
            "*",
            "'self'",
            "javascript://x",
            "data:text/html,x",
            "https://user@acme.example",
            "https://acme.example:99999x",
            "https://",
            "https://-acme.example",
            "https://a*b.example",
            "ftp://acme.example",
        ] {
            assert!(parse_origin(hostile).is_err(), "{hostile}");
        }
    }

    #[test]
    fn frame_ancestors_lists_self_and_the_sites_once() {
        let s = WidgetSettings::parse(WidgetSettings {
            allowed_origins: vec![
                "https://www.acme.example".into(),
                "https://WWW.acme.example/".into(),
                "http://localhost:3000".into(),
            ],
            prechat_form: true,
        })
        .unwrap();
        assert_eq!(
            s.frame_ancestors(),
            "'self' https://www.acme.example http://localhost:3000"
        );
        assert_eq!(WidgetSettings::default().frame_ancestors(), "'self'");
        let too_many = WidgetSettings {
            allowed_origins: (0..21).map(|i| format!("https://s{i}.example")).collect(),
            prechat_form: false,
        };
        assert!(WidgetSettings::parse(too_many).is_err());
    }

    #[test]
    fn a_follow_up_address_must_be_an_e_mail_address() {
        let id = ConversationId::new();
        let now = Timestamp::from_micros(1);
        let e = follow_up(id, " Anna@Example.ORG ", now, &Actor::System).unwrap();
        assert_eq!(e.data.name(), "conversation.follow_up");
        assert!(
            matches!(e.data, EventData::ConversationFollowUp { ref email, .. } if email.ends_with("@example.org"))
        );
        for bad in [
            "",
            "anna",
            "anna@example.org\r\nBcc: x@evil.example",
            "<a@b.c>",
        ] {
            assert!(follow_up(id, bad, now, &Actor::System).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn allows_matches_exactly_or_by_subdomain_wildcard() {
        let s = WidgetSettings {
            allowed_origins: vec![
                "https://www.acme.example".into(),
                "https://*.shop.example".into(),
            ],
            prechat_form: false,
        };
        assert!(s.allows("https://www.acme.example"));
        assert!(!s.allows("http://www.acme.example"));
        assert!(!s.allows("https://www.acme.example.evil.example"));
        assert!(s.allows("https://de.shop.example"));
        assert!(!s.allows("https://shop.example.evil"));
        assert!(!s.allows("https://evilshop.example"));
        assert!(!s.allows("null"));
    }
}
