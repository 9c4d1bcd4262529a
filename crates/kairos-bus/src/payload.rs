//! What a bus message may carry: the HTTP body format (one event object, or
//! `{"events": [...]}` with 1–1000), under a byte limit, as UTF-8 JSON (checklist G06), and
//! whom it is for: a tenant slug or UUID named by configuration, topic or subject.

use kairos_core::context::MAX_BATCH;
use kairos_core::tenant::TenantSlug;
use serde_json::Value;

/// The default largest payload, in bytes (256 KiB).
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// Why a payload was refused; the message names the rule, never the content (payloads are
/// personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// Bigger than the configured limit.
    #[error("payload of {size} bytes is over the limit of {limit} bytes")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not UTF-8.
    #[error("payload is not UTF-8")]
    NotUtf8,
    /// Not JSON (or nested too deeply for the parser).
    #[error("payload is not JSON: {0}")]
    NotJson(String),
    /// JSON, but neither an event object nor a batch.
    #[error("payload is one event object or {{\"events\": [...]}}")]
    WrongShape,
    /// A batch object with more than `events`.
    #[error("a batch is an object with `events` only")]
    BatchExtraKeys,
    /// `events` not an array of 1 to `MAX_BATCH`.
    #[error("events: an array of 1 to {MAX_BATCH} events")]
    BatchSize,
}

/// The events of one message: checked for size, UTF-8, JSON and shape, as the HTTP route
/// does. Events themselves are checked by the sink (one bad event does not refuse the rest).
pub fn parse_payload(bytes: &[u8], max_bytes: usize) -> Result<Vec<Value>, PayloadError> {
    if bytes.len() > max_bytes {
        return Err(PayloadError::TooLarge {
            size: bytes.len(),
            limit: max_bytes,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| PayloadError::NotUtf8)?;
    // serde_json's message gives line and column only, no content; its recursion limit (128)
    // bounds nesting.
    let value: Value =
        serde_json::from_str(text).map_err(|e| PayloadError::NotJson(e.to_string()))?;
    match value {
        Value::Object(mut m) if m.contains_key("events") => {
            if m.len() != 1 {
                return Err(PayloadError::BatchExtraKeys);
            }
            match m.remove("events") {
                Some(Value::Array(events)) if (1..=MAX_BATCH).contains(&events.len()) => Ok(events),
                _ => Err(PayloadError::BatchSize),
            }
        }
        Value::Object(m) => Ok(vec![Value::Object(m)]),
        _ => Err(PayloadError::WrongShape),
    }
}

/// Whether `name` may name a tenant: a tenant slug (2–63 of `a-z0-9-`) or a hyphenated UUID.
/// Anything else from a topic or subject is refused before the sink sees it.
pub fn is_tenant_name(name: &str) -> bool {
    TenantSlug::parse(name).is_ok() || (name.len() == 36 && uuid::Uuid::try_parse(name).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(parse_payload(br#"{"id":"a"}"#, 100).unwrap().len(), 1);
        assert_eq!(
            parse_payload(br#"{"events":[{"id":"a"},{"id":"b"}]}"#, 100)
                .unwrap()
                .len(),
            2
        );
        let cases: [(&[u8], PayloadError); 6] = [
            (b"[1,2]", PayloadError::WrongShape),
            (b"42", PayloadError::WrongShape),
            (b"\xff\xfe{}", PayloadError::NotUtf8),
            (br#"{"events":[]}"#, PayloadError::BatchSize),
            (br#"{"events":{}}"#, PayloadError::BatchSize),
            (br#"{"events":[{}],"x":1}"#, PayloadError::BatchExtraKeys),
        ];
        for (bytes, want) in cases {
            assert_eq!(parse_payload(bytes, 100).unwrap_err(), want);
        }
        assert!(matches!(
            parse_payload(b"{\"id\":", 100),
            Err(PayloadError::NotJson(_))
        ));
        assert!(matches!(
            parse_payload(&[b' '; 101], 100),
            Err(PayloadError::TooLarge { size: 101, .. })
        ));
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        assert!(matches!(
            parse_payload(deep.as_bytes(), 1 << 20),
            Err(PayloadError::NotJson(_))
        ));
        let many = format!("{{\"events\":[{}{{}}]}}", "{},".repeat(MAX_BATCH));
        assert_eq!(
            parse_payload(many.as_bytes(), 1 << 20).unwrap_err(),
            PayloadError::BatchSize
        );
    }

    #[test]
    fn tenant_names() {
        assert!(is_tenant_name("acme"));
        assert!(is_tenant_name("0190c3a1-7e2b-7c3d-8e4f-0123456789ab"));
        for bad in [
            "", "A", "Acme", "ac me", "../x", "a\u{0}b", "ä-bc", "+", "#",
        ] {
            assert!(!is_tenant_name(bad), "{bad:?}");
        }
        assert!(!is_tenant_name("{0190c3a1-7e2b-7c3d-8e4f-0123456789ab}"));
    }
}
