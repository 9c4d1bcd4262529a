//! Tests of the Twilio webhook: the SDK vectors, each callback kind, signatures, sending.

use super::*;

const TOKEN: &str = "12345";
const URL: &str = "https://kairos.example.com/hooks/twilio/acme";

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn post(p: &[(&str, &str)]) -> Result<ProviderEvent, ProviderError> {
    let params = pairs(p);
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish();
    let sig = expected_signature(TOKEN, URL, &params);
    parse_webhook(TOKEN, URL, &[("x-twilio-signature", &sig)], body.as_bytes())
}

/// Twilio's documented example (twilio-php `RequestValidatorTest`), recomputed
/// independently with Python's `hmac` before being pinned here.
#[test]
fn h01_twilio_sdk_vector_verifies() {
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    let params = pairs(&[
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675309"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
    ]);
    assert_eq!(
        verify("12345", url, &params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        Ok(())
    );
    let dup = pairs(&[
        ("Sid", "CA123"),
        ("SidAccount", "AC123"),
        ("Digits", "5678"),
        ("Digits", "1234"),
        ("Digits", "1234"),
    ]);
    assert_eq!(
        verify("12345", url, &dup, "IK+Dwps556ElfBT0I3Rgjkr1wJU="),
        Ok(())
    );
    assert_eq!(
        verify("", url, &params, &expected_signature("", url, &params)),
        Err(ProviderError::BadSignature)
    );
}

#[test]
fn an_inbound_sms_with_media_is_a_message() {
    let e = post(&[
        ("MessageSid", "MM09f8e7d6c5b4a3928170f6e5d4c3b2a1"),
        ("AccountSid", "AC00000000000000000000000000000000"),
        ("From", "+14155550100"),
        ("To", "+14155550199"),
        ("Body", "Hello, my order #42 is late"),
        ("NumMedia", "1"),
        (
            "MediaUrl0",
            "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME0",
        ),
        ("SmsStatus", "received"),
    ])
    .unwrap();
    assert_eq!(e.provider_event_id, "MM09f8e7d6c5b4a3928170f6e5d4c3b2a1");
    let ProviderEventKind::Message {
        channel,
        from,
        text,
        media_urls,
        ..
    } = e.kind
    else {
        panic!("{e:?}")
    };
    assert_eq!(
        (channel, from.value.as_str()),
        (Channel::Sms, "+14155550100")
    );
    assert_eq!(text, "Hello, my order #42 is late");
    assert_eq!(media_urls.len(), 1);
}

#[test]
fn h02_each_call_status_is_its_own_event_and_redelivery_repeats_the_id() {
    let ringing = [
        ("CallSid", "CA42"),
        ("CallStatus", "ringing"),
        ("From", "+14155550100"),
    ];
    let done = [
        ("CallSid", "CA42"),
        ("CallStatus", "completed"),
        ("CallDuration", "61"),
        ("From", "+14155550100"),
        (
            "RecordingUrl",
            "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1",
        ),
    ];
    let a = post(&ringing).unwrap();
    assert_eq!(a, post(&ringing).unwrap());
    let b = post(&done).unwrap();
    assert_ne!(a.provider_event_id, b.provider_event_id);
    let ProviderEventKind::Call {
        duration_secs,
        recording_url,
        ..
    } = b.kind
    else {
        panic!()
    };
    assert_eq!(duration_secs, Some(61));
    assert!(recording_url.is_some());
}

#[test]
fn transcriptions_and_delivery_statuses_are_recognised() {
    let t = post(&[
        ("TranscriptionSid", "TR7"),
        ("TranscriptionText", "Please call me back"),
        ("TranscriptionStatus", "completed"),
        ("CallSid", "CA42"),
        ("From", "+14155550100"),
    ])
    .unwrap();
    assert_eq!(t.provider_event_id, "TR7");
    assert!(matches!(
        t.kind,
        ProviderEventKind::Call { transcription: Some(ref s), .. } if s == "Please call me back"
    ));
    let d = post(&[("MessageSid", "SM1"), ("MessageStatus", "delivered")]).unwrap();
    assert_eq!(d.provider_event_id, "SM1:delivered");
    assert!(matches!(d.kind, ProviderEventKind::DeliveryStatus { .. }));
}

#[test]
fn h01_tampered_wrong_empty_and_missing_signatures_are_rejected() {
    let params = pairs(&[
        ("MessageSid", "SM1"),
        ("From", "+14155550100"),
        ("Body", "hi"),
    ]);
    let body = b"MessageSid=SM1&From=%2B14155550100&Body=hi";
    let good = expected_signature(TOKEN, URL, &params);
    let tampered = b"MessageSid=SM1&From=%2B14155550100&Body=hj";
    let lower = good.to_lowercase();
    for (sig, body) in [
        (good.as_str(), &tampered[..]),
        ("", &body[..]),
        (&good[..good.len() - 1], &body[..]),
        (lower.as_str(), &body[..]),
    ] {
        let r = parse_webhook(TOKEN, URL, &[(SIGNATURE_HEADER, sig)], body);
        assert_eq!(r, Err(ProviderError::BadSignature), "{sig:?}");
    }
    let other_url = parse_webhook(
        TOKEN,
        "https://kairos.example.com/hooks/twilio/other",
        &[(SIGNATURE_HEADER, &good)],
        body,
    );
    assert_eq!(other_url, Err(ProviderError::BadSignature));
    assert_eq!(
        parse_webhook(TOKEN, URL, &[], body),
        Err(ProviderError::BadSignature)
    );
    assert!(parse_webhook(TOKEN, URL, &[(SIGNATURE_HEADER, &good)], body).is_ok());
}

#[test]
fn signed_but_malformed_fields_are_errors() {
    for p in [
        &[("MessageSid", "SM1"), ("Body", "no sender")][..],
        &[
            ("MessageSid", "SM1"),
            ("From", "not a phone"),
            ("Body", "x"),
        ],
        &[
            ("MessageSid", "SM1"),
            ("From", "+14155550100"),
            ("Body", "x"),
            ("NumMedia", "99"),
        ],
        &[
            ("MessageSid", "SM1"),
            ("From", "+14155550100"),
            ("Body", "x"),
            ("NumMedia", "1"),
        ],
        &[
            ("MessageSid", "SM1"),
            ("From", "+14155550100"),
            ("Body", ""),
        ],
        &[
            ("MessageSid", "SM1"),
            ("MessageSid", "SM2"),
            ("From", "+14155550100"),
        ],
        &[
            ("CallSid", "CA1"),
            ("CallStatus", "completed"),
            ("CallDuration", "-1"),
        ],
        &[("AccountSid", "AC1")],
    ] {
        assert!(post(p).is_err(), "{p:?}");
    }
}

#[test]
fn send_sms_builds_a_form_post_with_basic_auth() {
    let r = send_sms("AC123", "tok", "+14155550199", "+14155550100", "Hi & bye").unwrap();
    assert_eq!(r.path, "/2010-04-01/Accounts/AC123/Messages.json");
    assert_eq!(
        r.body,
        b"To=%2B14155550100&From=%2B14155550199&Body=Hi+%26+bye"
    );
    assert_eq!(r.headers[0].1, format!("Basic {}", B64.encode("AC123:tok")));
    assert!(send_sms("../x", "tok", "+1", "+2", "hi").is_err());
    assert!(send_sms("AC1", "tok", "+1", "+2", &"x".repeat(1601)).is_err());
}
