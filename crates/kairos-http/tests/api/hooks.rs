//! Provider webhooks end to end: signed deliveries through the real router into the inbox,
//! the hooks worker onto timelines, and a reply out to a fake provider API (checklist H).

use crate::helpers::{Reply, TestApp, spawn};
use axum::body::Body;
use base64::Engine;
use hmac::{Hmac, Mac};
use http::{Request, StatusCode};
use kairos_channels::{meta, telegram, twilio};
use kairos_core::event::Actor;
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::TenantId;
use kairos_core::party::Role;
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::Arc;
use uuid::Uuid;

const TWILIO_URL: &str = "https://help.acme.example/api/v1/hooks/twilio-sms";
const TWILIO_TOKEN: &str = "12345678901234567890123456789012";
const TG_SECRET: &str = "tg-secret_42";
const META_SECRET: &str = "meta-app-secret";
pub(crate) const PHONE: &str = "+4917012345678";

pub(crate) fn now_unix() -> i64 {
    kairos_store::now().as_micros() / 1_000_000
}

/// A tenant with an admin token and one channel of each provider.
pub(crate) struct Hooks {
    pub(crate) tenant: TenantId,
    pub(crate) admin: String,
    pub(crate) twilio: String,
    pub(crate) telegram: String,
    pub(crate) meta: String,
}

pub(crate) async fn setup(app: &TestApp, meta_api: Option<&str>) -> Hooks {
    let tenant = app.tenant("acme").await;
    let admin = app.token(tenant, Role::Admin, None).await;
    let mut meta_cfg = json!({"app_secret": META_SECRET, "verify_token": "verify-me",
        "access_token": "EAAGtoken", "phone_number_id": "106540352242922"});
    if let Some(api) = meta_api {
        meta_cfg["api_base_url"] = json!(api);
    }
    let mut ids = Vec::new();
    for (provider, config) in [
        (
            "twilio",
            json!({"account_sid": "AC123", "auth_token": TWILIO_TOKEN,
                "phone_number": "+15005550006", "webhook_url": TWILIO_URL}),
        ),
        (
            "telegram",
            json!({"bot_token": "123456:ABC-def", "secret_token": TG_SECRET}),
        ),
        ("meta", meta_cfg),
    ] {
        let r = app
            .call(
                "POST",
                "/api/v1/channels",
                Some(&admin),
                Some(json!({"provider": provider, "name": provider, "config": config})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        ids.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    Hooks {
        tenant,
        admin,
        twilio: ids[0].clone(),
        telegram: ids[1].clone(),
        meta: ids[2].clone(),
    }
}

fn form(params: &[(&str, &str)]) -> (Vec<u8>, String) {
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let sig = twilio::expected_signature(TWILIO_TOKEN, TWILIO_URL, &owned);
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    (ser.finish().into_bytes(), sig)
}

fn sms(sid: &str, text: &str) -> Vec<(&'static str, String)> {
    vec![
        ("MessageSid", sid.to_owned()),
        ("AccountSid", "AC123".into()),
        ("From", PHONE.into()),
        ("To", "+15005550006".into()),
        ("Body", text.into()),
        ("NumMedia", "0".into()),
    ]
}

pub(crate) fn meta_sig(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(META_SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub(crate) fn whatsapp(id: &str, ts: i64, text: &str) -> Vec<u8> {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "106540352242922"},
          "contacts": [{"profile": {"name": "Anna Weber"}, "wa_id": "4917012345678"}],
          "messages": [{"from": "4917012345678", "id": id, "timestamp": ts.to_string(),
            "type": "text", "text": {"body": text}}]}}]}]})
    .to_string()
    .into_bytes()
}

fn telegram_update(id: i64, date: i64) -> Vec<u8> {
    json!({"update_id": id, "message": {"message_id": 7, "date": date, "text": "hi from telegram",
        "chat": {"id": 1111111, "type": "private"},
        "from": {"id": 1111111, "is_bot": false, "first_name": "Tom"}}})
    .to_string()
    .into_bytes()
}

pub(crate) async fn post(
    app: &TestApp,
    channel: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Reply {
    let mut req = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/hooks/{channel}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    app.send(req.body(Body::from(body)).unwrap()).await
}

async fn post_twilio(app: &TestApp, h: &Hooks, params: &[(&'static str, String)]) -> Reply {
    let p: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (body, sig) = form(&p);
    let ct = ("content-type", "application/x-www-form-urlencoded");
    post(
        app,
        &h.twilio,
        &[ct, (twilio::SIGNATURE_HEADER, &sig)],
        body,
    )
    .await
}

pub(crate) async fn work(app: &TestApp) -> usize {
    kairos_workflow::hooks::process_due(&app.store, kairos_store::now())
        .await
        .unwrap()
}

async fn inbox_len(app: &TestApp, channel: &str) -> usize {
    let id: Uuid = channel.parse().unwrap();
    app.store.webhook_inbox(id, 100).await.unwrap().len()
}

#[tokio::test]
async fn h01_a_genuine_twilio_sms_lands_on_the_customer_timeline_by_phone() {
    let app = spawn().await;
    let h = setup(&app, None).await;
    // Issue acceptance: Anna wrote by e-mail first; her phone number is on her profile.
    let email = Identity::parse(IdentityKind::Email, "anna@example.org", None, None).unwrap();
    let (first, _) = app
        .store
        .inbound(
            h.tenant,
            kairos_core::inbound::InboundCommand {
                channel: kairos_core::message::Channel::Email,
                from: email,
                display_name: Some("Anna".into()),
                subject: Some("Router".into()),
                body: kairos_core::message::Body::new("Mein Router blinkt", None).unwrap(),
                attachments: Vec::new(),
                external_id: None,
                conversation_id: None,
            },
            &Actor::System,
        )
        .await
        .unwrap();
    let customer = first.customer_id;
    let phone = Identity::parse(IdentityKind::Phone, PHONE, None, None).unwrap();
    app.store
        .add_identity(h.tenant, customer, phone, &Actor::System)
        .await
        .unwrap();
    let r = post_twilio(&app, &h, &sms("SM0001", "My router is blinking red")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/xml")
    );
    assert!(r.text().ends_with("<Response/>"), "{}", r.text());
    assert_eq!(work(&app).await, 1);
    let timeline = app
        .store
        .timeline(h.tenant, customer, false, 0, 100)
        .await
        .unwrap();
    assert_eq!(timeline.len(), 2, "the e-mail and the SMS on one timeline");
    assert_eq!(timeline[0].channel.as_str(), "email");
    assert_eq!(timeline[1].body.text, "My router is blinking red");
    assert_eq!(timeline[1].channel.as_str(), "sms");
    assert_eq!(timeline[1].external_id.as_deref(), Some("twilio:SM0001"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h02_the_same_sms_delivered_ten_times_concurrently_is_one_message() {
    let app = Arc::new(spawn().await);
    let h = Arc::new(setup(&app, None).await);
    let before = app.log_len(h.tenant).await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (app, h) = (app.clone(), h.clone());
            tokio::spawn(async move { post_twilio(&app, &h, &sms("SM0002", "twice?")).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().status, StatusCode::OK);
    }
    assert_eq!(inbox_len(&app, &h.twilio).await, 1);
    work(&app).await;
    // Once more, after processing: still one.
    assert_eq!(
        post_twilio(&app, &h, &sms("SM0002", "twice?")).await.status,
        StatusCode::OK
    );
    assert_eq!(work(&app).await, 0);
    // customer.created, identity.added, conversation.opened, message.appended.
    assert_eq!(app.log_len(h.tenant).await, before + 4);
}

#[tokio::test]
async fn h01_bad_truncated_missing_and_reserialised_signatures_are_401_and_store_nothing() {
    let app = spawn().await;
    let h = setup(&app, None).await;
    let before = app.log_len(h.tenant).await;
    let p = sms("SM0003", "forged");
    let pairs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (body, sig) = form(&pairs);
    let wrong = base64::engine::general_purpose::STANDARD.encode([0u8; 20]);
    let ct = ("content-type", "application/x-www-form-urlencoded");
    for headers in [
        vec![ct, (twilio::SIGNATURE_HEADER, wrong.as_str())],
        vec![ct, (twilio::SIGNATURE_HEADER, &sig[..sig.len() - 2])],
        vec![ct, (twilio::SIGNATURE_HEADER, "")],
        vec![ct],
    ] {
        let r = post(&app, &h.twilio, &headers, body.clone()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{headers:?}");
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/problem+json")
        );
        assert_eq!(r.json()["code"], "invalid_signature");
    }
    // Meta: the signature of the same JSON with other whitespace does not verify (raw bytes).
    let raw = whatsapp("wamid.X", now_unix(), "forged");
    let pretty =
        serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(&raw).unwrap()).unwrap();
    let sig = meta_sig(&pretty);
    let r = post(
        &app,
        &h.meta,
        &[(meta::SIGNATURE_HEADER, &sig)],
        raw.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = post(&app, &h.meta, &[], raw).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Telegram: a wrong secret.
    let r = post(
        &app,
        &h.telegram,
        &[(telegram::SECRET_HEADER, "nope")],
        telegram_update(1, now_unix()),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    for ch in [&h.twilio, &h.meta, &h.telegram] {
        assert_eq!(inbox_len(&app, ch).await, 0);
    }
    assert_eq!(work(&app).await, 0);
    assert_eq!(app.log_len(h.tenant).await, before);
}

#[tokio::test]
async fn h01_stale_and_future_telegram_and_meta_events_are_401() {
    let app = spawn().await;
    let h = setup(&app, None).await;
    // Well past the 300 s tolerance, so a second ticking by mid-test cannot bring one back.
    for (i, skew) in [-330i64, 330].into_iter().enumerate() {
        let body = telegram_update(10 + i as i64, now_unix() + skew);
        let r = post(
            &app,
            &h.telegram,
            &[(telegram::SECRET_HEADER, TG_SECRET)],
            body,
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "telegram {skew}: {}",
            r.text()
        );
        let body = whatsapp(&format!("wamid.S{i}"), now_unix() + skew, "old");
        let sig = meta_sig(&body);
        let r = post(&app, &h.meta, &[(meta::SIGNATURE_HEADER, &sig)], body).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "meta {skew}: {}",
            r.text()
        );
    }
    assert_eq!(inbox_len(&app, &h.telegram).await, 0);
    assert_eq!(inbox_len(&app, &h.meta).await, 0);
    // A fresh one is taken.
    let r = post(
        &app,
        &h.telegram,
        &[(telegram::SECRET_HEADER, TG_SECRET)],
        telegram_update(20, now_unix()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(inbox_len(&app, &h.telegram).await, 1);
}

#[tokio::test]
async fn g06_a_webhook_body_over_1_mib_is_413_and_an_unknown_channel_is_404() {
    let app = spawn().await;
    let h = setup(&app, None).await;
    let big = vec![b'a'; kairos_channels::MAX_WEBHOOK_BYTES + 1];
    let declared = big.len().to_string();
    let r = post(&app, &h.meta, &[("content-length", &declared)], big.clone()).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Without a declared length the body is cut off at the limit all the same.
    let r = post(&app, &h.meta, &[], big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    for ch in [Uuid::new_v4().to_string(), "not-a-uuid".into()] {
        let r = post(&app, &ch, &[], b"{}".to_vec()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn meta_subscription_handshake_echoes_the_challenge_only_for_the_right_token() {
    let app = spawn().await;
    let h = setup(&app, None).await;
    let path = |token: &str| {
        format!(
            "/api/v1/hooks/{}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444",
            h.meta
        )
    };
    let r = app.call("GET", &path("verify-me"), None, None).await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (StatusCode::OK, "1158201444")
    );
    let r = app.call("GET", &path("wrong"), None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let tg = format!(
        "/api/v1/hooks/{}?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1",
        h.telegram
    );
    assert_eq!(
        app.call("GET", &tg, None, None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a07_channel_secrets_are_shown_once_and_listed_redacted() {
    let app = spawn().await;
    let h = setup(&app, None).await;
    let list = app
        .call("GET", "/api/v1/channels", Some(&h.admin), None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let text = list.text();
    for secret in [
        TWILIO_TOKEN,
        TG_SECRET,
        "123456:ABC-def",
        META_SECRET,
        "EAAGtoken",
        "verify-me",
    ] {
        assert!(!text.contains(secret), "listed {secret}: {text}");
    }
    assert!(
        text.contains("AC123") && text.contains(TWILIO_URL),
        "{text}"
    );
    // Another tenant's admin cannot delete it; its own can, and its webhook is gone.
    let other = app.tenant("globex").await;
    let other_admin = app.token(other, Role::Admin, None).await;
    let path = format!("/api/v1/channels/{}", h.telegram);
    assert_eq!(
        app.call("DELETE", &path, Some(&other_admin), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.store.provider_channels(h.tenant).await.unwrap().len(),
        3
    );
    assert_eq!(
        app.call("DELETE", &path, Some(&h.admin), None).await.status,
        StatusCode::NO_CONTENT
    );
    let r = post(
        &app,
        &h.telegram,
        &[(telegram::SECRET_HEADER, TG_SECRET)],
        telegram_update(1, now_unix()),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Twilio without a webhook URL needs the server's public URL.
    let r = app
        .call(
            "POST",
            "/api/v1/channels",
            Some(&h.admin),
            Some(json!({"provider": "twilio", "name": "x",
            "config": {"account_sid": "AC1", "auth_token": "t", "phone_number": "+15005550006"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
}

#[tokio::test]
async fn a_twilio_call_status_and_its_transcription_become_voice_touchpoints() {
    let app = spawn().await;
    let h = setup(&app, None).await;
    let call = |status: &str| {
        vec![
            ("CallSid", "CA42".to_owned()),
            ("CallStatus", status.to_owned()),
            ("From", PHONE.to_owned()),
            ("To", "+15005550006".to_owned()),
            ("CallDuration", "125".to_owned()),
            (
                "RecordingUrl",
                "https://api.twilio.com/recordings/RE1".to_owned(),
            ),
        ]
    };
    for status in ["ringing", "completed"] {
        assert_eq!(
            post_twilio(&app, &h, &call(status)).await.status,
            StatusCode::OK
        );
    }
    let transcription = vec![
        ("TranscriptionSid", "TR7".to_owned()),
        ("TranscriptionText", "My printer is on fire".to_owned()),
        ("TranscriptionStatus", "completed".to_owned()),
        ("CallSid", "CA42".to_owned()),
        ("From", PHONE.to_owned()),
    ];
    assert_eq!(
        post_twilio(&app, &h, &transcription).await.status,
        StatusCode::OK
    );
    assert_eq!(work(&app).await, 3);
    let phone = Identity::parse(IdentityKind::Phone, PHONE, None, None).unwrap();
    let customer = app
        .store
        .customer_by_identity(h.tenant, &phone)
        .await
        .unwrap()
        .unwrap();
    let timeline = app
        .store
        .timeline(h.tenant, customer, false, 0, 100)
        .await
        .unwrap();
    let texts: Vec<_> = timeline
        .iter()
        .map(|m| (m.channel.as_str(), m.body.text.clone()))
        .collect();
    assert_eq!(texts.len(), 2, "ringing makes no touchpoint: {texts:?}");
    assert!(
        texts[0].0 == "voice"
            && texts[0].1.contains("completed, 2 min 5 s")
            && texts[0].1.contains("RE1"),
        "{texts:?}"
    );
    assert!(texts[1].1.contains("My printer is on fire"), "{texts:?}");
}
