//! A reply to a customer who wrote through WhatsApp goes back through the Graph API: the
//! outbound worker against a local fake of the API that speaks Meta's documented answers.

use crate::helpers::spawn;
use crate::hooks::{PHONE, meta_sig, now_unix, post, setup, whatsapp, work};
use http::StatusCode;
use kairos_channels::meta;
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::party::Role;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// A fake Graph API: records each request, answers as Meta documents it.
async fn fake_graph() -> (String, Arc<Mutex<Vec<(String, String, Value)>>>) {
    let seen: Arc<Mutex<Vec<(String, String, Value)>>> = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().route(
        "/{version}/{phone_id}/messages",
        axum::routing::post(
            move |uri: http::Uri, headers: http::HeaderMap, body: String| {
                let log = log.clone();
                async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    let messenger = uri.path().ends_with("/me/messages");
                    log.lock()
                        .unwrap()
                        .push((uri.path().to_owned(), auth, json));
                    // Each product answers as Meta documents it.
                    if messenger {
                        return axum::Json(
                            json!({"recipient_id": "24681357", "message_id": "m_SENT2"}),
                        );
                    }
                    axum::Json(json!({"messaging_product": "whatsapp",
                    "contacts": [{"input": "4917012345678", "wa_id": "4917012345678"}],
                    "messages": [{"id": "wamid.SENT1"}]}))
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn a_whatsapp_message_lands_and_the_agent_reply_goes_out_once_through_the_graph_api() {
    let app = spawn().await;
    let (api, seen) = fake_graph().await;
    let h = setup(&app, Some(&api)).await;
    let body = whatsapp("wamid.IN1", now_unix(), "Is my order on its way?");
    let sig = meta_sig(&body);
    let r = post(&app, &h.meta, &[(meta::SIGNATURE_HEADER, &sig)], body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    work(&app).await;
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
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].body.text, "Is my order on its way?");
    assert_eq!(
        app.store
            .customer(h.tenant, customer)
            .await
            .unwrap()
            .unwrap()
            .display_name
            .as_deref(),
        Some("Anna Weber")
    );

    let agent = app.token(h.tenant, Role::Agent, None).await;
    let path = format!(
        "/api/v1/conversations/{}/messages",
        timeline[0].conversation_id.0
    );
    let r = app
        .call(
            "POST",
            &path,
            Some(&agent),
            Some(json!({"body": "Yes, it ships today."})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let message_id = r.json()["id"].as_str().unwrap().parse().unwrap();
    // Following the log twice queues the reply once; sending twice sends it once.
    use kairos_workflow::outbound;
    assert_eq!(outbound::follow(&app.store, h.tenant).await.unwrap(), 1);
    assert_eq!(outbound::follow(&app.store, h.tenant).await.unwrap(), 0);
    let client = http_client();
    let opts = outbound::Options::default();
    for _ in 0..2 {
        outbound::send_due(&app.store, &client, &opts, kairos_store::now())
            .await
            .unwrap();
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let (path, auth, json) = &seen[0];
    assert_eq!(path, "/v21.0/106540352242922/messages");
    assert_eq!(auth, "Bearer EAAGtoken");
    assert_eq!(
        json,
        &json!({"messaging_product": "whatsapp", "to": "4917012345678", "type": "text",
        "text": {"body": "Yes, it ships today."}})
    );
    let sent = app
        .store
        .provider_send(kairos_core::ids::MessageId(message_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (sent.state.as_str(), sent.external_id.as_deref()),
        ("sent", Some("wamid.SENT1"))
    );
}

#[tokio::test]
async fn a_messenger_message_lands_and_the_agent_reply_goes_out_through_the_send_api() {
    let app = spawn().await;
    let (api, seen) = fake_graph().await;
    let h = setup(&app, Some(&api)).await;
    let ms = now_unix() * 1000;
    let body = json!({"object": "page", "entry": [{"id": "1122334455", "time": ms, "messaging": [
        {"sender": {"id": "24681357"}, "recipient": {"id": "1122334455"}, "timestamp": ms,
         "message": {"mid": "m_IN1", "text": "Where is my parcel?"}}]}]})
    .to_string()
    .into_bytes();
    let sig = meta_sig(&body);
    let r = post(&app, &h.meta, &[(meta::SIGNATURE_HEADER, &sig)], body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    work(&app).await;
    let psid = Identity::parse(IdentityKind::Social, "24681357", Some("messenger"), None).unwrap();
    let customer = app
        .store
        .customer_by_identity(h.tenant, &psid)
        .await
        .unwrap()
        .expect("the Messenger sender is a customer");
    let timeline = app
        .store
        .timeline(h.tenant, customer, false, 0, 100)
        .await
        .unwrap();
    assert_eq!(timeline[0].body.text, "Where is my parcel?");
    let agent = app.token(h.tenant, Role::Agent, None).await;
    let path = format!(
        "/api/v1/conversations/{}/messages",
        timeline[0].conversation_id.0
    );
    let r = app
        .call(
            "POST",
            &path,
            Some(&agent),
            Some(json!({"body": "On its way."})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    use kairos_workflow::outbound;
    assert_eq!(outbound::follow(&app.store, h.tenant).await.unwrap(), 1);
    outbound::send_due(
        &app.store,
        &http_client(),
        &outbound::Options::default(),
        kairos_store::now(),
    )
    .await
    .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let (path, auth, json) = &seen[0];
    assert_eq!(path, "/v21.0/me/messages");
    assert_eq!(auth, "Bearer EAAGtoken");
    assert_eq!(
        json,
        &json!({"recipient": {"id": "24681357"}, "messaging_type": "RESPONSE",
        "message": {"text": "On its way."}})
    );
}

/// A plain-HTTP client; reqwest is built with rustls (for provider APIs), which needs the
/// process's crypto provider chosen first, as `main` does.
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::new()
}
