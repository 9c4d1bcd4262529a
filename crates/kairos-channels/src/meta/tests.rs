//! Tests of the Meta webhook: signatures, freshness, batching, both products.

use super::*;
use hmac::{Hmac, Mac};

const SECRET: &str = "0123456789abcdef0123456789abcdef";
const NOW: i64 = 1_735_689_600;

/// Signs `body` with the hmac crate directly, as Meta does.
fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn whatsapp(ts: i64) -> String {
    format!(
        r#"{{"object": "whatsapp_business_account",
  "entry": [{{"id": "102290129340398",
    "changes": [{{"value": {{"messaging_product": "whatsapp",
        "metadata": {{"display_phone_number": "15550783881", "phone_number_id": "106540352242922"}},
        "contacts": [{{"profile": {{"name": "Sheena Nelson"}}, "wa_id": "16505551234"}}],
        "messages": [{{"from": "16505551234",
          "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
          "timestamp": "{ts}", "text": {{"body": "Does it come in another color?"}}, "type": "text"}}],
        "statuses": [{{"id": "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA",
          "status": "delivered", "timestamp": "{ts}", "recipient_id": "16505551234"}}]}},
      "field": "messages"}}]}}]}}"#
    )
}

fn parse(body: &str) -> Result<Vec<Result<ProviderEvent, ProviderError>>, ProviderError> {
    let sig = sign(SECRET, body.as_bytes());
    parse_webhook(
        SECRET,
        &[("x-hub-signature-256", &sig)],
        body.as_bytes(),
        NOW,
        DEFAULT_TOLERANCE,
    )
}

#[test]
fn a_whatsapp_delivery_yields_the_message_and_the_status() {
    let events = parse(&whatsapp(NOW - 2)).unwrap();
    assert_eq!(events.len(), 2);
    let msg = events[0].clone().unwrap();
    assert!(msg.provider_event_id.starts_with("wamid."));
    let ProviderEventKind::Message {
        channel,
        from,
        display_name,
        text,
        ..
    } = msg.kind
    else {
        panic!()
    };
    assert_eq!(channel, Channel::Social);
    assert_eq!(
        (from.kind, from.value.as_str()),
        (IdentityKind::Phone, "+16505551234")
    );
    assert_eq!(display_name.as_deref(), Some("Sheena Nelson"));
    assert_eq!(text, "Does it come in another color?");
    let status = events[1].clone().unwrap();
    assert!(status.provider_event_id.ends_with(":delivered"));
    assert!(
        matches!(status.kind, ProviderEventKind::DeliveryStatus { ref status, .. } if status == "delivered")
    );
}

#[test]
fn h02_a_redelivery_yields_identical_event_ids() {
    assert_eq!(
        parse(&whatsapp(NOW)).unwrap(),
        parse(&whatsapp(NOW)).unwrap()
    );
}

#[test]
fn h01_stale_and_future_events_are_rejected_one_by_one() {
    for (ts, age) in [(NOW - 301, 301), (NOW + 301, -301)] {
        let events = parse(&whatsapp(ts)).unwrap();
        assert_eq!(events.len(), 2);
        for e in events {
            assert_eq!(e, Err(ProviderError::Stale { age_secs: age }));
        }
    }
}

#[test]
fn h01_wrong_truncated_empty_uppercase_and_reserialised_signatures_are_rejected() {
    let body = whatsapp(NOW);
    let good = sign(SECRET, body.as_bytes());
    let upper = format!("sha256={}", good["sha256=".len()..].to_uppercase());
    let bare = good["sha256=".len()..].to_owned();
    let other_secret = sign("another-app-secret", body.as_bytes());
    for sig in [
        "",
        "sha256=",
        &good[..good.len() - 1],
        &upper,
        &bare,
        &other_secret,
        &format!("{good}00"),
    ] {
        let r = parse_webhook(
            SECRET,
            &[(SIGNATURE_HEADER, sig)],
            body.as_bytes(),
            NOW,
            300,
        );
        assert_eq!(r, Err(ProviderError::BadSignature), "{sig:?}");
    }
    // The same JSON, re-serialised compactly, is not the body Meta signed.
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    let compact = serde_json::to_vec(&value).unwrap();
    assert_ne!(compact, body.as_bytes());
    let r = parse_webhook(SECRET, &[(SIGNATURE_HEADER, &good)], &compact, NOW, 300);
    assert_eq!(r, Err(ProviderError::BadSignature));
    // No header, or an empty secret configured.
    assert_eq!(
        parse_webhook(SECRET, &[], body.as_bytes(), NOW, 300),
        Err(ProviderError::BadSignature)
    );
    let empty = sign("", body.as_bytes());
    assert_eq!(
        parse_webhook("", &[(SIGNATURE_HEADER, &empty)], body.as_bytes(), NOW, 300),
        Err(ProviderError::BadSignature)
    );
}

#[test]
fn messenger_messages_echoes_and_receipts() {
    let ms = (NOW - 1) * 1000 + 478;
    let body = format!(
        r#"{{"object": "page", "entry": [{{"id": "PAGE_ID", "time": {ms}, "messaging": [
          {{"sender": {{"id": "1254459154682919"}}, "recipient": {{"id": "PAGE_ID"}}, "timestamp": {ms},
            "message": {{"mid": "mid.1457764197618:41d102a3e1ae206a38", "text": "hello, world!"}}}},
          {{"sender": {{"id": "PAGE_ID"}}, "recipient": {{"id": "1254459154682919"}}, "timestamp": {ms},
            "message": {{"mid": "mid.echo", "is_echo": true, "text": "we said this"}}}},
          {{"sender": {{"id": "1254459154682919"}}, "recipient": {{"id": "PAGE_ID"}}, "timestamp": {ms},
            "delivery": {{"mids": ["mid.1458668856218:ed81099e15d3f4f233"], "watermark": {ms}}}}}]}}]}}"#
    );
    let events = parse(&body).unwrap();
    assert_eq!(events.len(), 2);
    let first = events[0].clone().unwrap();
    assert_eq!(
        first.provider_event_id,
        "mid.1457764197618:41d102a3e1ae206a38"
    );
    let ProviderEventKind::Message { from, text, .. } = first.kind else {
        panic!()
    };
    assert_eq!(
        (from.network.as_str(), from.value.as_str()),
        ("messenger", "1254459154682919")
    );
    assert_eq!(text, "hello, world!");
    assert!(matches!(
        events[1].clone().unwrap().kind,
        ProviderEventKind::Ignored { .. }
    ));
}

#[test]
fn whatsapp_media_and_unknown_types() {
    let body = whatsapp(NOW).replace(
        r#""text": {"body": "Does it come in another color?"}, "type": "text""#,
        r#""image": {"caption": "the crack", "mime_type": "image/jpeg", "sha256": "abc", "id": "1479537139650973"}, "type": "image""#,
    );
    let e = parse(&body).unwrap().remove(0).unwrap();
    let ProviderEventKind::Message {
        text, media_urls, ..
    } = e.kind
    else {
        panic!()
    };
    assert_eq!(
        (text.as_str(), media_urls),
        (
            "the crack",
            vec!["whatsapp-media:1479537139650973".to_owned()]
        )
    );
    let sticker = whatsapp(NOW).replace(r#""type": "text""#, r#""type": "sticker""#);
    let e = parse(&sticker).unwrap().remove(0).unwrap();
    assert!(matches!(e.kind, ProviderEventKind::Ignored { .. }));
}

#[test]
fn one_bad_event_does_not_sink_its_neighbours() {
    let body = whatsapp(NOW).replace(r#""from": "16505551234""#, r#""from": "not-a-number""#);
    let events = parse(&body).unwrap();
    assert!(matches!(events[0], Err(ProviderError::Malformed(_))));
    assert!(events[1].is_ok());
}

#[test]
fn unknown_objects_and_malformed_json_refuse_the_delivery() {
    assert!(matches!(
        parse(r#"{"object": "instagram", "entry": []}"#),
        Err(ProviderError::Unsupported(_))
    ));
    for body in [
        "",
        "{",
        "null",
        r#"{"entry": []}"#,
        r#"{"object": "page", "entry": [{"messaging": [{}]}]}"#,
    ] {
        assert!(
            matches!(parse(body), Err(ProviderError::Malformed(_))),
            "{body:?}"
        );
    }
}

#[test]
fn the_subscription_handshake_echoes_only_for_the_right_token() {
    assert_eq!(
        verify_subscription("subscribe", "tok", "1158201444", "tok").unwrap(),
        "1158201444"
    );
    assert!(verify_subscription("subscribe", "tok", "1158201444", "to").is_err());
    assert!(verify_subscription("unsubscribe", "tok", "1", "tok").is_err());
    assert!(verify_subscription("subscribe", "", "1", "").is_err());
    assert!(verify_subscription("subscribe", "tok", "<script>", "tok").is_err());
}

#[test]
fn send_text_builds_the_cloud_api_call() {
    let r = send_text("106540352242922", "EAAG", "+16505551234", "Hello").unwrap();
    assert_eq!(r.path, "/v21.0/106540352242922/messages");
    assert_eq!(
        r.headers,
        [("Authorization".to_owned(), "Bearer EAAG".to_owned())]
    );
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"messaging_product": "whatsapp", "to": "16505551234", "type": "text", "text": {"body": "Hello"}})
    );
    assert!(send_text("../me", "EAAG", "+16505551234", "x").is_err());
    assert!(send_text("1", "EAAG", "+1 650", "x").is_err());
    assert!(send_text("1", "EA AG", "+16505551234", "x").is_err());
}

#[test]
fn messenger_replies_are_send_api_requests_and_bad_input_is_refused() {
    let req = send_messenger("PAGE-TOKEN", "24681357", "Hallo!").unwrap();
    assert_eq!(req.path, format!("/{GRAPH_VERSION}/me/messages"));
    let v: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(v["recipient"]["id"], "24681357");
    assert_eq!(v["messaging_type"], "RESPONSE");
    assert_eq!(v["message"]["text"], "Hallo!");
    assert!(
        req.headers
            .contains(&("Authorization".into(), "Bearer PAGE-TOKEN".into()))
    );
    assert!(send_messenger("PAGE-TOKEN", "../me", "x").is_err());
    assert!(send_messenger("PAGE-TOKEN", "1", &"x".repeat(2001)).is_err());
    assert!(send_messenger("PAGE\r\nX: y", "1", "x").is_err());
}
