//! Hostile input against all three providers, through the public API only.
//!
//! Every body here is *correctly signed*, so it gets past authentication and reaches the
//! parsers: the point is that a provider (or someone holding its secret) still cannot make
//! Kairos panic, only earn a `ProviderError`. Signatures are computed with the hmac crate
//! directly, independently of the code under test. Checklist: H01 (authenticity, freshness),
//! H02 (redelivery is idempotent).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use kairos_channels::{
    MAX_WEBHOOK_BYTES, ProviderError, ProviderEventKind, meta, telegram, twilio,
};
use sha1::Sha1;
use sha2::Sha256;

const TWILIO_TOKEN: &str = "12345";
const URL: &str = "https://kairos.example.com/hooks/twilio";
const TG_SECRET: &str = "telegram-secret";
const META_SECRET: &str = "meta-app-secret";
const NOW: i64 = 1_735_689_600;

/// Twilio's scheme, written out here: URL, then params sorted by name, name then value.
fn twilio_sig(url: &str, params: &[(&str, &str)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(TWILIO_TOKEN.as_bytes()).unwrap();
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    B64.encode(mac.finalize().into_bytes())
}

fn meta_sig(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(META_SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A raw body, signed the only way Twilio can sign it: over its decoded pairs.
fn twilio_raw(body: &[u8]) -> Result<kairos_channels::ProviderEvent, ProviderError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let sig = twilio_sig(URL, &refs);
    twilio::parse_webhook(TWILIO_TOKEN, URL, &[(twilio::SIGNATURE_HEADER, &sig)], body)
}

fn telegram_raw(body: &[u8]) -> Result<kairos_channels::ProviderEvent, ProviderError> {
    telegram::parse_update(
        TG_SECRET,
        &[(telegram::SECRET_HEADER, TG_SECRET)],
        body,
        NOW,
        300,
    )
}

fn meta_raw(
    body: &[u8],
) -> Result<Vec<Result<kairos_channels::ProviderEvent, ProviderError>>, ProviderError> {
    let sig = meta_sig(body);
    meta::parse_webhook(
        META_SECRET,
        &[(meta::SIGNATURE_HEADER, &sig)],
        body,
        NOW,
        300,
    )
}

#[test]
fn h01_twilio_documented_example_signature_is_reproduced() {
    // twilio.com/docs/usage/security worked example; checked with Python's hmac first.
    let params = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675310"),
        ("Digits", "1234"),
        ("From", "+14158675310"),
        ("To", "+18005551212"),
    ];
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    assert_eq!(twilio_sig(url, &params), "GvWf1cFY/Q7PnoempGyD5oXAezc=");
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(
        twilio::verify("12345", url, &owned, "GvWf1cFY/Q7PnoempGyD5oXAezc="),
        Ok(())
    );
}

#[test]
fn h01_independently_signed_deliveries_verify_for_every_provider() {
    let sms = b"MessageSid=SM1&From=%2B14155550100&To=%2B14155550199&Body=Hi+there&NumMedia=0";
    assert!(twilio_raw(sms).is_ok());
    let tg = format!(
        r#"{{"update_id":1,"message":{{"message_id":1,"date":{NOW},"from":{{"id":5,"first_name":"A"}},"chat":{{"id":5,"type":"private"}},"text":"hi"}}}}"#
    );
    assert!(telegram_raw(tg.as_bytes()).is_ok());
    let page = format!(
        r#"{{"object":"page","entry":[{{"messaging":[{{"sender":{{"id":"77"}},"timestamp":{},"message":{{"mid":"m1","text":"hi"}}}}]}}]}}"#,
        NOW * 1000
    );
    assert!(meta_raw(page.as_bytes()).unwrap()[0].is_ok());
}

#[test]
fn h02_redelivered_bodies_yield_identical_events() {
    let sms = b"MessageSid=SM1&From=%2B14155550100&Body=Hi";
    assert_eq!(twilio_raw(sms), twilio_raw(sms));
    let tg = format!(
        r#"{{"update_id":9,"message":{{"message_id":1,"date":{NOW},"from":{{"id":5,"first_name":"A"}},"chat":{{"id":5,"type":"private"}},"text":"hi"}}}}"#
    );
    let (a, b) = (
        telegram_raw(tg.as_bytes()).unwrap(),
        telegram_raw(tg.as_bytes()).unwrap(),
    );
    assert_eq!(a.provider_event_id, b.provider_event_id);
}

fn nested(depth: usize) -> Vec<u8> {
    let mut v = "[".repeat(depth).into_bytes();
    v.extend("]".repeat(depth).into_bytes());
    v
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let bare = nested(10_000);
    let mut inside = br#"{"object":"page","entry":"#.to_vec();
    inside.extend(&bare);
    inside.push(b'}');
    for body in [&bare, &inside] {
        assert!(matches!(
            telegram_raw(body),
            Err(ProviderError::Malformed(_))
        ));
        assert!(matches!(meta_raw(body), Err(ProviderError::Malformed(_))));
    }
    assert!(twilio_raw(&bare).is_err());
}

#[test]
fn non_utf8_bodies_are_errors() {
    let bad: &[u8] = b"{\"update_id\":1,\"message\":\xff\xfe}";
    assert!(matches!(
        telegram_raw(bad),
        Err(ProviderError::Malformed(_))
    ));
    assert!(matches!(meta_raw(bad), Err(ProviderError::Malformed(_))));
    assert!(matches!(
        twilio_raw(b"MessageSid=SM1&From=%2B14155550100&Body=\xff"),
        Err(ProviderError::Malformed(_))
    ));
}

#[test]
fn oversize_bodies_and_text_are_errors() {
    let text = "a".repeat(MAX_WEBHOOK_BYTES);
    let sms = format!("MessageSid=SM1&From=%2B14155550100&Body={text}");
    assert!(matches!(
        twilio_raw(sms.as_bytes()),
        Err(ProviderError::Malformed(_))
    ));
    let tg = format!(
        r#"{{"update_id":1,"message":{{"message_id":1,"date":{NOW},"from":{{"id":5}},"chat":{{"id":5,"type":"private"}},"text":"{text}"}}}}"#
    );
    assert!(matches!(
        telegram_raw(tg.as_bytes()),
        Err(ProviderError::Malformed(_))
    ));
    let page = format!(
        r#"{{"object":"page","entry":[{{"messaging":[{{"sender":{{"id":"77"}},"timestamp":{},"message":{{"mid":"m1","text":"{text}"}}}}]}}]}}"#,
        NOW * 1000
    );
    assert!(matches!(
        meta_raw(page.as_bytes()),
        Err(ProviderError::Malformed(_))
    ));
}

#[test]
fn missing_fields_and_wrong_types_are_errors() {
    for body in [
        &b"From=%2B14155550100&Body=no+sid"[..],
        b"MessageSid=SM1&Body=no+sender",
        b"MessageSid=SM1&From=%2B14155550100",
        b"CallSid=CA1&From=%2B14155550100",
        b"TranscriptionSid=TR1&From=%2B14155550100",
        b"MessageSid=SM1&From=%2B14155550100&Body=x&NumMedia=99999999999999999999999",
        b"",
        b"&&&===&",
    ] {
        assert!(
            twilio_raw(body).is_err(),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    for body in [
        r#"{"update_id": 1e400}"#,
        r#"{"update_id": 99999999999999999999999}"#,
        r#"{"update_id": 1, "message": {"message_id": 1, "date": "yesterday", "chat": {"type": "private"}}}"#,
        r#"{"update_id": 1, "message": null, "edited_message": {"message_id": 1}}"#,
    ] {
        assert!(telegram_raw(body.as_bytes()).is_err(), "{body}");
    }
    let wa_missing = r#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"wamid.1","type":"text"}]}}]}]}"#;
    assert!(meta_raw(wa_missing.as_bytes()).is_err());
    let wa_ts = r#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"wamid.1","status":"read","timestamp":"soon"}]}}]}]}"#;
    assert!(matches!(
        meta_raw(wa_ts.as_bytes()).unwrap()[0],
        Err(ProviderError::Malformed(_))
    ));
}

#[test]
fn extreme_timestamps_are_stale_not_overflows() {
    for date in [i64::MIN, i64::MAX, 0] {
        let tg = format!(
            r#"{{"update_id":1,"message":{{"message_id":1,"date":{date},"from":{{"id":5}},"chat":{{"id":5,"type":"private"}},"text":"hi"}}}}"#
        );
        assert!(
            matches!(
                telegram_raw(tg.as_bytes()),
                Err(ProviderError::Stale { .. })
            ),
            "{date}"
        );
        let page = format!(
            r#"{{"object":"page","entry":[{{"messaging":[{{"sender":{{"id":"77"}},"timestamp":{date},"message":{{"mid":"m1","text":"hi"}}}}]}}]}}"#
        );
        assert!(matches!(
            meta_raw(page.as_bytes()).unwrap()[0],
            Err(ProviderError::Stale { .. })
        ));
    }
}

#[test]
fn signed_garbage_never_panics() {
    // A fixed linear congruential generator: reproducible, no extra dependency.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let alphabet = br#"{}[]":,0123456789-.eE truefalsnul\/abcxyz=&%+"#;
    for len in (0..2_000).step_by(7) {
        let body: Vec<u8> = (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                alphabet[(state >> 33) as usize % alphabet.len()]
            })
            .collect();
        let _ = twilio_raw(&body);
        let _ = telegram_raw(&body);
        let _ = meta_raw(&body);
    }
}

#[test]
fn ignored_events_still_carry_their_id() {
    let tg = br#"{"update_id": 77, "my_chat_member": {"chat": {"id": 1}}}"#;
    let e = telegram_raw(tg).unwrap();
    assert_eq!(e.provider_event_id, "77");
    assert!(matches!(e.kind, ProviderEventKind::Ignored { .. }));
}
