//! The customer profile page.

use crate::harness::{App, XSS};

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap()
}

/// The profile shows the customer's identities, every conversation and the timeline across
/// channels, all escaped; it is audited as a read of that customer's data (P03); another
/// tenant's customer is not found.
#[tokio::test]
async fn the_profile_lists_conversations_and_timeline_across_channels() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let email = app.hostile_conversation(&t).await;
    let first = app
        .api(
            &t,
            "GET",
            &format!("/api/v1/conversations/{email}"),
            serde_json::Value::Null,
        )
        .await;
    let customer = json(&first.body)["customer_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The same person calls: a phone identity, then a call on the timeline.
    let phone = app
        .api(
            &t,
            "POST",
            &format!("/api/v1/customers/{customer}/identities"),
            serde_json::json!({"kind": "phone", "value": "+491701234567"}),
        )
        .await;
    assert_eq!(phone.status, 201, "{}", phone.body);
    let call = app
        .api(
            &t,
            "POST",
            "/api/v1/inbound",
            serde_json::json!({"channel": "voice",
            "from": {"kind": "phone", "value": "+491701234567"}, "body": "Rückruf erbeten"}),
        )
        .await;
    assert_eq!(call.status, 201, "{}", call.body);

    let session = app.sign_in(&t).await;
    let page = app
        .get(&format!("/conversations/{email}"), &session, &[])
        .await;
    assert!(
        page.body
            .contains(&format!("href=\"/customers/{customer}\""))
    );

    let profile = app
        .get(&format!("/customers/{customer}"), &session, &[])
        .await;
    assert_eq!(profile.status, 200);
    assert!(!profile.body.contains(XSS) && !profile.body.contains("<img"));
    assert!(profile.body.contains("eve@example.org"));
    assert!(profile.body.contains("+491701234567"));
    assert!(
        profile.body.contains("Rückruf erbeten"),
        "the call is on the timeline"
    );
    assert!(
        profile
            .body
            .contains(&format!("href=\"/conversations/{email}\""))
    );

    let audit = app
        .api(&t, "GET", "/api/v1/audit", serde_json::Value::Null)
        .await;
    let audit = json(&audit.body);
    let entry = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "GET /customers/{id}")
        .unwrap_or_else(|| panic!("no audit entry: {audit}"));
    assert_eq!(entry["customer_id"], customer.as_str());

    let other = app.tenant("globex").await;
    let theirs = app.hostile_conversation(&other).await;
    let theirs = app
        .api(
            &other,
            "GET",
            &format!("/api/v1/conversations/{theirs}"),
            serde_json::Value::Null,
        )
        .await;
    let theirs = json(&theirs.body)["customer_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let foreign = app
        .get(&format!("/customers/{theirs}"), &session, &[])
        .await;
    assert_eq!(foreign.status, 404);
    assert!(!foreign.body.contains("eve@example.org"));
    assert_eq!(
        app.get("/customers/not-an-id", &session, &[]).await.status,
        404
    );
}

/// A long history shows its newest touchpoints, not the first page the store reads.
#[tokio::test]
async fn a_long_timeline_shows_its_newest_touchpoints() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let mut customer = String::new();
    for i in 1..=505 {
        let reply = app
            .api(
                &t,
                "POST",
                "/api/v1/inbound",
                serde_json::json!({"channel": "chat",
                "from": {"kind": "email", "value": "lena@example.org"},
                "body": format!("Nachricht #{i:04}")}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        customer = json(&reply.body)["customer_id"]
            .as_str()
            .unwrap()
            .to_owned();
    }
    let session = app.sign_in(&t).await;
    let profile = app
        .get(&format!("/customers/{customer}"), &session, &[])
        .await;
    assert!(profile.body.contains("Nachricht #0505"));
    assert!(profile.body.contains("Nachricht #0406"), "the newest 100");
    assert!(!profile.body.contains("Nachricht #0405"));
    assert!(
        profile.body.find("#0505").unwrap() < profile.body.find("#0504").unwrap(),
        "newest first"
    );
}
