//! Messages: one touchpoint in a conversation, on one channel.

use crate::error::DomainError;
use crate::ids::{ConversationId, MessageId, PartyId};
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// The channel a touchpoint arrived on or left by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// E-mail (SMTP, IMAP).
    Email,
    /// Live chat (web widget).
    Chat,
    /// Text message.
    Sms,
    /// Phone call.
    Voice,
    /// A social network's messaging.
    Social,
    /// The customer portal.
    Portal,
    /// Any other system, through the API.
    Api,
}

impl Channel {
    /// All channels, in a stable order; the order gives each its bit in [`Channel::bit`].
    pub const ALL: [Channel; 7] = [
        Channel::Email,
        Channel::Chat,
        Channel::Sms,
        Channel::Voice,
        Channel::Social,
        Channel::Portal,
        Channel::Api,
    ];

    /// The lowercase wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Chat => "chat",
            Channel::Sms => "sms",
            Channel::Voice => "voice",
            Channel::Social => "social",
            Channel::Portal => "portal",
            Channel::Api => "api",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                DomainError::invalid(
                    "channel",
                    "expected email, chat, sms, voice, social, portal or api",
                )
            })
    }

    /// This channel's bit in a conversation's set of channels used.
    pub fn bit(&self) -> i64 {
        1 << (Channel::ALL.iter().position(|c| c == self).unwrap_or(0) as i64)
    }

    /// The channels whose bits are set in `mask`.
    pub fn from_mask(mask: i64) -> Vec<Channel> {
        Channel::ALL
            .into_iter()
            .filter(|c| mask & c.bit() != 0)
            .collect()
    }
}

/// Which way a message went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From the customer to the company.
    Inbound,
    /// From the company to the customer.
    Outbound,
    /// Internal note among staff; never shown to the customer.
    Note,
}

impl Direction {
    /// The lowercase wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Note => "note",
        }
    }
    /// Parses the wire name.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "inbound" => Ok(Self::Inbound),
            "outbound" => Ok(Self::Outbound),
            "note" => Ok(Self::Note),
            _ => Err(DomainError::invalid(
                "direction",
                "expected inbound, outbound or note",
            )),
        }
    }
}

/// Who wrote a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Author {
    /// The conversation's customer.
    Customer,
    /// A staff member (or other party).
    Party {
        /// The party's id.
        id: PartyId,
    },
    /// An automated sender (a rule, a system notice, an API integration without a party).
    System,
}

/// Metadata of an attachment; the bytes live in a content-addressed blob store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// The file name as the sender gave it (never used as a path).
    pub filename: String,
    /// Declared media type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256 of the content: its key in the blob store.
    pub sha256: String,
}

impl Attachment {
    /// Validates attachment metadata from outside.
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.filename.is_empty()
            || self.filename.chars().count() > 255
            || self.filename.chars().any(char::is_control)
        {
            return Err(DomainError::invalid(
                "attachments.filename",
                "1–255 characters without control characters",
            ));
        }
        let ct_ok = self.content_type.len() <= 127
            && self
                .content_type
                .split_once('/')
                .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
            && self.content_type.chars().all(|c| c.is_ascii_graphic());
        if !ct_ok {
            return Err(DomainError::invalid(
                "attachments.content_type",
                "a media type such as application/pdf",
            ));
        }
        if self.sha256.len() != 64
            || !self
                .sha256
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        {
            return Err(DomainError::invalid(
                "attachments.sha256",
                "64 lower-case hex digits",
            ));
        }
        Ok(())
    }
}

/// Largest text body accepted, in bytes (1 MiB): larger content belongs in an attachment.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// Most attachments on one message.
pub const MAX_ATTACHMENTS: usize = 100;
/// Longest channel external id accepted.
pub const MAX_EXTERNAL_ID: usize = 512;

/// A message's content after validation: text, and HTML that has been through the
/// allow-list sanitiser (the stored form is already safe: checklist B07).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    /// Plain text.
    pub text: String,
    /// Sanitised HTML, if the channel had HTML.
    pub html: Option<String>,
}

impl Body {
    /// Validates text and sanitises HTML. At least one of them must be non-empty.
    pub fn new(text: &str, html: Option<&str>) -> Result<Self, DomainError> {
        if text.len() > MAX_BODY_BYTES || html.is_some_and(|h| h.len() > MAX_BODY_BYTES) {
            return Err(DomainError::invalid(
                "body",
                "at most 1 MiB; send larger content as an attachment",
            ));
        }
        // NUL has no business in text and breaks PostgreSQL TEXT; everything else is kept.
        let text = text.replace('\0', "\u{FFFD}");
        let html = html.map(sanitise_html).filter(|h| !h.trim().is_empty());
        if text.trim().is_empty() && html.is_none() {
            return Err(DomainError::invalid("body", "must not be empty"));
        }
        Ok(Self { text, html })
    }
}

/// Sanitises untrusted HTML with an allow-list (ammonia): no scripts, no event handlers, no
/// `javascript:`/`data:` URLs, no forms, frames, styles or `<base>`; links get
/// `rel="noopener noreferrer nofollow"`.
pub fn sanitise_html(html: &str) -> String {
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&html.replace('\0', ""))
        .to_string()
}

/// A stored message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Its id.
    pub id: MessageId,
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// The log position at which it was appended (orders a timeline).
    pub seq: i64,
    /// Which way it went.
    pub direction: Direction,
    /// On which channel.
    pub channel: Channel,
    /// Who wrote it.
    pub author: Author,
    /// Subject line, where the channel has one.
    pub subject: Option<String>,
    /// Content.
    pub body: Body,
    /// Attachment metadata.
    pub attachments: Vec<Attachment>,
    /// The channel's own id (Message-ID, provider message SID…), for de-duplication.
    pub external_id: Option<String>,
    /// When it was appended.
    pub created_at: Timestamp,
}

/// Validates an optional subject: at most 998 characters (RFC 5322 line limit), no line breaks.
pub fn parse_subject(raw: Option<&str>) -> Result<Option<String>, DomainError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if s.chars().count() > 998 => {
            Err(DomainError::invalid("subject", "at most 998 characters"))
        }
        Some(s) if s.chars().any(char::is_control) => Err(DomainError::invalid(
            "subject",
            "must not contain line breaks or control characters",
        )),
        Some(s) => Ok(Some(s.to_owned())),
    }
}

/// Validates an optional external id: 1–512 printable characters.
pub fn parse_external_id(raw: Option<&str>) -> Result<Option<String>, DomainError> {
    match raw {
        None => Ok(None),
        Some(s) if s.is_empty() || s.len() > MAX_EXTERNAL_ID || s.chars().any(char::is_control) => {
            Err(DomainError::invalid(
                "external_id",
                "1–512 characters without control characters",
            ))
        }
        Some(s) => Ok(Some(s.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_bits_are_distinct_and_round_trip() {
        let mask = Channel::ALL.iter().fold(0, |m, c| m | c.bit());
        assert_eq!(Channel::from_mask(mask), Channel::ALL.to_vec());
        assert_eq!(Channel::from_mask(Channel::Sms.bit()), vec![Channel::Sms]);
    }

    /// Checklist B01, B02: hostile e-mail HTML is stored inert.
    #[test]
    fn hostile_html_is_sanitised_before_it_is_stored() {
        let payloads = [
            "<script>alert(1)</script><p>hi</p>",
            "<img src=x onerror=alert(1)>",
            "<svg onload=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
            "<base href=\"https://evil.example/\">",
            "<meta http-equiv=refresh content=\"0;url=https://evil.example\">",
            "<form action=https://evil.example><input name=p></form>",
            "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
            "<div style=\"background:url(https://evil.example/x)\">x</div>",
            "<style>input[value^=a]{background:url(https://evil.example)}</style>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<svg><p><style><img src=x onerror=alert(1)></style>",
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        ];
        for p in payloads {
            let clean = sanitise_html(p);
            let lower = clean.to_lowercase();
            for needle in [
                "<script",
                "onerror",
                "onload",
                "javascript:",
                "data:",
                "<base",
                "<meta",
                "<form",
                "<iframe",
                "style=",
                "<style",
                "<svg",
                "<math",
            ] {
                assert!(
                    !lower.contains(needle),
                    "{p:?} → {clean:?} still has {needle}"
                );
            }
            // Sanitising is idempotent: the re-parsed output is the same safe DOM.
            assert_eq!(sanitise_html(&clean), clean, "{p:?}");
        }
    }

    #[test]
    fn bodies_must_have_content_and_a_bounded_size() {
        assert!(Body::new("  ", None).is_err());
        assert!(Body::new("", Some("<script>x</script>")).is_err());
        assert!(Body::new(&"x".repeat(MAX_BODY_BYTES + 1), None).is_err());
        assert_eq!(Body::new("a\0b", None).unwrap().text, "a\u{FFFD}b");
    }

    #[test]
    fn subjects_refuse_header_injection() {
        assert!(parse_subject(Some("Hi\r\nBcc: x@evil.example")).is_err());
        assert_eq!(parse_subject(Some("  ")).unwrap(), None);
    }
}
