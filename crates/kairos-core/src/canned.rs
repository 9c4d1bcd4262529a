//! Canned replies: texts agents insert into the composer, with placeholders filled in for
//! the conversation at hand (`{{customer.name}}`, `{{agent.name}}`, …).
//!
//! A reply is validated when it is saved: its title and body within their limits, every
//! `{{…}}` a placeholder Kairos knows. Rendering is plain text substitution; the result is
//! text, escaped wherever it is shown like any other message text.

use crate::error::DomainError;
use crate::ids::PartyId;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// Longest title, in characters.
pub const TITLE_MAX: usize = 100;
/// Longest body, in characters.
pub const BODY_MAX: usize = 5_000;
/// Most canned replies a tenant may keep.
pub const MAX_PER_TENANT: usize = 500;

/// Every placeholder a body may use, with what it stands for.
pub const PLACEHOLDERS: [(&str, &str); 6] = [
    ("customer.name", "the customer's name"),
    (
        "customer.first_name",
        "the first word of the customer's name",
    ),
    ("agent.name", "the name of the agent inserting the reply"),
    ("agent.first_name", "the first word of the agent's name"),
    ("conversation.subject", "the conversation's subject"),
    ("tenant.name", "the organisation's name"),
];

/// A stored canned reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedReply {
    /// Its id.
    pub id: crate::ids::CannedReplyId,
    /// A short name agents pick it by.
    pub title: String,
    /// The text, with placeholders.
    pub body: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// Who last changed it.
    pub updated_by: Option<PartyId>,
}

/// Validates a title: 1–[`TITLE_MAX`] characters after trimming, no control characters.
pub fn parse_title(raw: &str) -> Result<String, DomainError> {
    let title = raw.trim();
    if title.is_empty() {
        return Err(DomainError::invalid("title", "must not be empty"));
    }
    if title.chars().count() > TITLE_MAX {
        return Err(DomainError::invalid(
            "title",
            format!("at most {TITLE_MAX} characters"),
        ));
    }
    if title.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "title",
            "must not contain control characters",
        ));
    }
    Ok(title.to_owned())
}

/// Validates a body: 1–[`BODY_MAX`] characters, line ends normalised to `\n`, no control
/// characters but newlines and tabs, and every `{{…}}` one of [`PLACEHOLDERS`].
pub fn parse_body(raw: &str) -> Result<String, DomainError> {
    let body = raw.replace("\r\n", "\n").replace('\r', "\n");
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return Err(DomainError::invalid("body", "must not be empty"));
    }
    if trimmed.chars().count() > BODY_MAX {
        return Err(DomainError::invalid(
            "body",
            format!("at most {BODY_MAX} characters"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(DomainError::invalid(
            "body",
            "must not contain control characters",
        ));
    }
    pieces(trimmed)?;
    Ok(trimmed.to_owned())
}

/// One piece of a body: literal text or a placeholder's name.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Placeholder(&'static str),
}

/// Splits a body into text and known placeholders (`{{ name }}`, spaces inside allowed).
fn pieces(body: &str) -> Result<Vec<Piece<'_>>, DomainError> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err(DomainError::invalid(
                "body",
                "a placeholder opened with {{ is not closed with }}",
            ));
        };
        let name = after[..close].trim();
        let Some((known, _)) = PLACEHOLDERS.iter().find(|(n, _)| *n == name) else {
            let shown: String = name.chars().take(40).collect();
            return Err(DomainError::invalid(
                "body",
                format!(
                    "unknown placeholder {{{{{shown}}}}}; known: {}",
                    known_list()
                ),
            ));
        };
        out.push(Piece::Placeholder(known));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// The known placeholders as `{{a}}, {{b}}, …`.
pub fn known_list() -> String {
    PLACEHOLDERS
        .iter()
        .map(|(n, _)| format!("{{{{{n}}}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the placeholders stand for in one conversation (empty when unknown).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Values {
    /// The customer's display name.
    pub customer_name: String,
    /// The agent's display name.
    pub agent_name: String,
    /// The conversation's subject.
    pub subject: String,
    /// The tenant's name.
    pub tenant_name: String,
}

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or("")
}

/// The body with its placeholders filled in from `values`. A body that no longer parses
/// (saved under other rules) is returned as it is.
pub fn render(body: &str, values: &Values) -> String {
    let Ok(pieces) = pieces(body) else {
        return body.to_owned();
    };
    let mut out = String::with_capacity(body.len());
    for piece in pieces {
        out.push_str(match piece {
            Piece::Text(t) => t,
            Piece::Placeholder("customer.name") => values.customer_name.as_str(),
            Piece::Placeholder("customer.first_name") => first_word(&values.customer_name),
            Piece::Placeholder("agent.name") => values.agent_name.as_str(),
            Piece::Placeholder("agent.first_name") => first_word(&values.agent_name),
            Piece::Placeholder("conversation.subject") => values.subject.as_str(),
            Piece::Placeholder("tenant.name") => values.tenant_name.as_str(),
            Piece::Placeholder(_) => "",
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        Values {
            customer_name: "Grace  Hopper".into(),
            agent_name: "Ada Lovelace".into(),
            subject: "Invoice".into(),
            tenant_name: "Acme".into(),
        }
    }

    #[test]
    fn placeholders_are_filled_in() {
        let body = parse_body(
            "Hello {{customer.first_name}},\r\nabout {{ conversation.subject }}: {{customer.name}}.\n— {{agent.first_name}} ({{agent.name}}), {{tenant.name}}",
        )
        .unwrap();
        assert_eq!(
            render(&body, &values()),
            "Hello Grace,\nabout Invoice: Grace  Hopper.\n— Ada (Ada Lovelace), Acme"
        );
        assert_eq!(render("{{customer.first_name}}!", &Values::default()), "!");
    }

    #[test]
    fn unknown_or_unclosed_placeholders_are_refused() {
        let e = parse_body("Hi {{customer.email}}").unwrap_err().to_string();
        assert!(e.contains("unknown placeholder {{customer.email}}"), "{e}");
        assert!(e.contains("{{customer.name}}"), "lists the known ones: {e}");
        assert!(parse_body("Hi {{customer.name").is_err());
        assert!(parse_body("Hi {{}}").is_err());
        // Single braces are text.
        assert_eq!(parse_body("a {b} c}}").unwrap(), "a {b} c}}");
    }

    /// Checklist B03: markup is text to the template; it survives as is (escaped where shown).
    #[test]
    fn markup_is_kept_as_text_and_limits_hold() {
        let xss = "<img src=x onerror=alert(1)>";
        assert_eq!(parse_body(xss).unwrap(), xss);
        assert_eq!(render(xss, &values()), xss);
        assert!(parse_body(&"x".repeat(BODY_MAX)).is_ok());
        assert!(parse_body(&"x".repeat(BODY_MAX + 1)).is_err());
        assert!(parse_body("  \n ").is_err());
        assert!(parse_body("a\u{0}b").is_err());
        assert!(parse_title(&"t".repeat(TITLE_MAX)).is_ok());
        assert!(parse_title(&"t".repeat(TITLE_MAX + 1)).is_err());
        assert!(parse_title(" ").is_err());
        assert!(parse_title("a\nb").is_err());
    }
}
