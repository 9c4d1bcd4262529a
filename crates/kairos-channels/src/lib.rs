//! Kairos channel providers: Twilio (SMS, voice), Telegram and Meta (WhatsApp, Messenger).
//!
//! Why a crate of its own: a provider webhook is the most hostile input Kairos takes (anyone on
//! the internet can post to it), so the code that decides whether one is genuine and what it
//! means is kept pure and small enough to test exhaustively. This crate turns the raw bytes and
//! headers of a webhook into verified, normalised [`ProviderEvent`]s and builds outbound API
//! calls as plain [`OutboundRequest`] data. It must not depend on HTTP, SQL, sockets, an async
//! runtime or the clock: the caller passes `now` in, sends the requests, and stores the events
//! (de-duplicated by `(provider, provider_event_id)`).
//!
//! Headers come in as `(name, value)` pairs, names matched ASCII case-insensitively; the edge
//! drops values that are not UTF-8, so they count as missing. An authenticating header that is
//! missing or repeated fails verification.
#![forbid(unsafe_code)]

pub mod config;
pub mod meta;
pub mod telegram;
pub mod twilio;

use kairos_core::identity::Identity;
use kairos_core::message::{Channel, MAX_BODY_BYTES, MAX_EXTERNAL_ID};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use thiserror::Error;

/// Largest webhook body accepted (1 MiB). The HTTP edge must enforce it before buffering the
/// body; the parsers here check it again and refuse anything larger.
pub const MAX_WEBHOOK_BYTES: usize = 1 << 20;

/// Default clock tolerance in seconds for providers that timestamp their events: older or
/// further in the future than this is refused as [`ProviderError::Stale`] (a replay).
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

/// Why a webhook was refused.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ProviderError {
    /// The signature or secret token is missing or wrong.
    #[error("bad signature")]
    BadSignature,
    /// The event's timestamp is outside the tolerance (negative: in the future).
    #[error("stale event: {age_secs} s old")]
    Stale {
        /// Seconds between the event's timestamp and now (negative if it lies in the future).
        age_secs: i64,
    },
    /// The payload is not what the provider sends.
    #[error("malformed payload: {0}")]
    Malformed(String),
    /// A genuine payload of a kind this crate does not handle.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

impl ProviderError {
    pub(crate) fn malformed(reason: impl Into<String>) -> Self {
        Self::Malformed(reason.into())
    }
}

/// A messaging provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Twilio: SMS and voice.
    Twilio,
    /// The Telegram Bot API.
    Telegram,
    /// Meta: the WhatsApp Cloud API and Messenger.
    Meta,
}

impl Provider {
    /// The lowercase wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Provider::Twilio => "twilio",
            Provider::Telegram => "telegram",
            Provider::Meta => "meta",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Result<Self, ProviderError> {
        match s {
            "twilio" => Ok(Self::Twilio),
            "telegram" => Ok(Self::Telegram),
            "meta" => Ok(Self::Meta),
            other => Err(ProviderError::Unsupported(format!(
                "provider {:?}",
                truncate(other, 32)
            ))),
        }
    }
}

/// One verified, normalised event from a provider (serialisable, so it can be queued).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderEvent {
    /// The provider's id for this event; a redelivery carries the same id (de-duplication key).
    pub provider_event_id: String,
    /// What happened.
    pub kind: ProviderEventKind,
}

/// What a provider event says happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProviderEventKind {
    /// A customer sent a message.
    Message {
        /// The channel it arrived on.
        channel: Channel,
        /// The sender.
        from: Identity,
        /// The sender's name, if the provider told us.
        display_name: Option<String>,
        /// The text (may be empty when the message is media only).
        text: String,
        /// Media: a URL (Twilio, Messenger) or a provider reference to resolve through the
        /// provider's API (`telegram-file:<file_id>`, `whatsapp-media:<media_id>`).
        media_urls: Vec<String>,
    },
    /// A phone call changed state, or its transcription arrived.
    Call {
        /// The caller.
        from: Identity,
        /// The provider's call id.
        call_id: String,
        /// The provider's call (or transcription) status.
        status: String,
        /// Call length, once the call is over.
        duration_secs: Option<u32>,
        /// Where the recording is, if any.
        recording_url: Option<String>,
        /// The transcription, if this is a transcription callback.
        transcription: Option<String>,
    },
    /// An outbound message's delivery state changed.
    DeliveryStatus {
        /// The provider's id of the message we sent.
        external_message_id: String,
        /// The provider's status word (`sent`, `delivered`, `read`, `failed`, …).
        status: String,
    },
    /// A genuine event Kairos has no use for (acknowledge it, store nothing).
    Ignored {
        /// Why it is ignored.
        reason: String,
    },
}

/// An API call to a provider, as data: the caller sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboundRequest {
    /// HTTP method.
    pub method: &'static str,
    /// Path (with leading `/`) relative to the provider's configurable base URL.
    pub path: String,
    /// The body's media type.
    pub content_type: &'static str,
    /// Extra headers (authorization). They carry secrets: never log them.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// The only value of the header `name` (ASCII case-insensitive); missing or repeated is
/// [`ProviderError::BadSignature`], since every header read here authenticates the request.
pub(crate) fn auth_header<'a>(
    headers: &[(&'a str, &'a str)],
    name: &str,
) -> Result<&'a str, ProviderError> {
    let mut found = headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name));
    match (found.next(), found.next()) {
        (Some((_, v)), None) => Ok(v),
        _ => Err(ProviderError::BadSignature),
    }
}

/// Constant-time equality of two byte strings that hides their lengths too: both are hashed
/// first, so a wrong length costs as long as a wrong byte.
pub(crate) fn ct_eq(given: &[u8], expected: &[u8]) -> bool {
    let a = Sha256::digest(given);
    let b = Sha256::digest(expected);
    bool::from(a.ct_eq(&b))
}

/// Refuses a body larger than [`MAX_WEBHOOK_BYTES`].
pub(crate) fn check_size(body: &[u8]) -> Result<(), ProviderError> {
    if body.len() > MAX_WEBHOOK_BYTES {
        return Err(ProviderError::malformed("body larger than 1 MiB"));
    }
    Ok(())
}

/// Refuses an event whose unix time `ts` is more than `tolerance_secs` from `now_unix`.
pub(crate) fn check_fresh(
    ts: i64,
    now_unix: i64,
    tolerance_secs: u64,
) -> Result<(), ProviderError> {
    let age = now_unix.saturating_sub(ts);
    if age.unsigned_abs() > tolerance_secs {
        return Err(ProviderError::Stale { age_secs: age });
    }
    Ok(())
}

/// Refuses message text over [`MAX_BODY_BYTES`].
pub(crate) fn check_text(text: &str) -> Result<(), ProviderError> {
    if text.len() > MAX_BODY_BYTES {
        return Err(ProviderError::malformed("text larger than 1 MiB"));
    }
    Ok(())
}

/// Refuses an empty id, one longer than [`MAX_EXTERNAL_ID`], or one with control characters.
pub(crate) fn check_id<'a>(field: &str, id: &'a str) -> Result<&'a str, ProviderError> {
    if id.is_empty() || id.len() > MAX_EXTERNAL_ID || id.chars().any(char::is_control) {
        return Err(ProviderError::malformed(format!("{field}: bad id")));
    }
    Ok(id)
}

/// Refuses a value that is not safe as one URL path segment (`[A-Za-z0-9_:-]+`).
pub(crate) fn check_path_segment(field: &str, value: &str) -> Result<(), ProviderError> {
    let ok = !value.is_empty()
        && value.len() <= 256
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_:-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ProviderError::malformed(format!(
            "{field}: must be 1–256 characters A-Z, a-z, 0-9, '_', ':', '-'"
        )))
    }
}

/// Maps an identity error (a sender the provider names in a form Kairos cannot use).
pub(crate) fn bad_identity(field: &str, e: kairos_core::DomainError) -> ProviderError {
    ProviderError::malformed(format!("{field}: {e}"))
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_round_trip_their_wire_names() {
        for p in [Provider::Twilio, Provider::Telegram, Provider::Meta] {
            assert_eq!(Provider::parse(p.as_str()), Ok(p));
        }
        assert!(matches!(
            Provider::parse("Twilio"),
            Err(ProviderError::Unsupported(_))
        ));
    }

    #[test]
    fn h01_freshness_refuses_old_and_future_events() {
        assert_eq!(check_fresh(1_000, 1_300, 300), Ok(()));
        assert_eq!(check_fresh(1_300, 1_000, 300), Ok(()));
        assert_eq!(
            check_fresh(1_000, 1_301, 300),
            Err(ProviderError::Stale { age_secs: 301 })
        );
        assert_eq!(
            check_fresh(1_301, 1_000, 300),
            Err(ProviderError::Stale { age_secs: -301 })
        );
        assert!(check_fresh(i64::MIN, i64::MAX, 300).is_err());
    }

    #[test]
    fn h01_auth_headers_must_appear_exactly_once() {
        let one = [("x-sig", "a"), ("Other", "b")];
        assert_eq!(auth_header(&one, "X-Sig"), Ok("a"));
        let two = [("X-Sig", "a"), ("x-sig", "a")];
        assert_eq!(auth_header(&two, "X-Sig"), Err(ProviderError::BadSignature));
        assert_eq!(auth_header(&[], "X-Sig"), Err(ProviderError::BadSignature));
    }

    #[test]
    fn path_segments_refuse_traversal() {
        assert!(check_path_segment("id", "123:ABC-def_9").is_ok());
        for bad in ["", "..", "a/b", "a?b", "a b", "a%2F"] {
            assert!(check_path_segment("id", bad).is_err(), "{bad:?}");
        }
    }
}
