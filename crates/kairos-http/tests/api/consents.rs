//! Consent records (checklist N09, N10): a customer grants and withdraws with one request
//! each, every record stays as evidence, the receipt downloads in Kantara v1.1 form, and
//! nobody else's receipt is reachable.

use crate::helpers::spawn;
use http::StatusCode;
use kairos_core::ids::CustomerId;
use kairos_core::party::Role;
use serde_json::json;

#[tokio::test]
async fn n09_n10_a_customer_grants_location_downloads_the_receipt_and_withdraws() {
    let app = spawn().await;
    let tenant = app.tenant("acme").await;
    let admin = app.token(tenant, Role::Admin, None).await;
    let settings = json!({"purposes": ["service", "location", "travel"], "controller": {
        "name": "Acme GmbH", "contact_email": "privacy@acme.example", "address": "Hauptstr. 1, Berlin",
        "policy_url": "https://acme.example/privacy", "jurisdiction": "DE"}});
    let put = app
        .call("PUT", "/api/v1/privacy", Some(&admin), Some(settings))
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text());
    let mk = async |name: &str| {
        let r = app
            .call(
                "POST",
                "/api/v1/customers",
                Some(&admin),
                Some(json!({"display_name": name})),
            )
            .await;
        CustomerId(r.json()["id"].as_str().unwrap().parse().unwrap())
    };
    let (anna, bob) = (mk("Anna").await, mk("Bob").await);
    let anna_token = app.token(tenant, Role::Customer, Some(anna)).await;
    let bob_token = app.token(tenant, Role::Customer, Some(bob)).await;
    let path = format!("/api/v1/customers/{}/consents", anna.0);

    let grant = json!({"purpose": "location", "action": "grant", "data_categories": ["location"],
        "method": "widget", "notice_version": "2026-12"});
    let granted = app
        .call("POST", &path, Some(&anna_token), Some(grant))
        .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.text());
    let record_id = granted.json()["id"].as_str().unwrap().to_owned();

    let receipt_path = format!("/api/v1/consents/{record_id}/receipt");
    let receipt = app
        .call("GET", &receipt_path, Some(&anna_token), None)
        .await;
    assert_eq!(receipt.status, StatusCode::OK);
    assert!(
        receipt.headers[http::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let v = receipt.json();
    assert_eq!(v["version"], "KI-CR-v1.1.0");
    assert_eq!(v["consentReceiptID"], record_id.as_str());
    assert_eq!(v["piiPrincipalId"], anna.0.to_string());
    assert_eq!(v["piiControllers"][0]["piiController"], "Acme GmbH");
    assert_eq!(v["services"][0]["purposes"][0]["purpose"], "location");
    // Bob cannot fetch Anna's receipt; the answer is the one for a record that does not exist.
    let foreign = app.call("GET", &receipt_path, Some(&bob_token), None).await;
    let missing = app
        .call(
            "GET",
            "/api/v1/consents/00000000-0000-7000-8000-000000000000/receipt",
            Some(&bob_token),
            None,
        )
        .await;
    assert_eq!(
        (foreign.status, foreign.body.clone()),
        (missing.status, missing.body.clone())
    );
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);

    let list = app.call("GET", &path, Some(&anna_token), None).await;
    assert_eq!(list.json()["granted"], json!(["location"]));
    // Withdrawing is the same one request.
    let withdraw = json!({"purpose": "location", "action": "withdraw", "method": "widget", "notice_version": "2026-12"});
    let withdrawn = app
        .call("POST", &path, Some(&anna_token), Some(withdraw))
        .await;
    assert_eq!(withdrawn.status, StatusCode::CREATED);
    let list = app.call("GET", &path, Some(&admin), None).await.json();
    assert_eq!(list["granted"], json!([]));
    assert_eq!(
        list["records"].as_array().unwrap().len(),
        2,
        "the grant stays as evidence"
    );
    let records = app.store.consents(tenant, anna).await.unwrap();
    assert!(!kairos_core::consent::allows(&records, "location"));

    // Refusals: a purpose the tenant does not ask for, a customer claiming an agent recorded
    // it, unknown fields, someone else's customer.
    for (token, body, want) in [
        (
            &anna_token,
            json!({"purpose": "profiling", "action": "grant", "method": "widget", "notice_version": "1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &anna_token,
            json!({"purpose": "travel", "action": "grant", "method": "agent", "notice_version": "1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &anna_token,
            json!({"purpose": "travel", "action": "grant", "method": "widget", "notice_version": "1", "at": "2020-01-01"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            &bob_token,
            json!({"purpose": "travel", "action": "grant", "method": "widget", "notice_version": "1"}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let r = app
            .call("POST", &path, Some(token), Some(body.clone()))
            .await;
        assert_eq!(r.status, want, "{body}: {}", r.text());
    }
    assert_eq!(
        app.store.consents(tenant, anna).await.unwrap().len(),
        2,
        "refusals stored nothing"
    );
}

#[tokio::test]
async fn hostile_privacy_settings_are_refused_and_change_nothing() {
    let app = spawn().await;
    let tenant = app.tenant("acme").await;
    let admin = app.token(tenant, Role::Admin, None).await;
    let controller = |url: &str, name: &str| {
        json!({"name": name, "contact_email": "p@acme.example", "address": "Berlin",
               "policy_url": url, "jurisdiction": "DE"})
    };
    for bad in [
        json!({"purposes": []}),
        json!({"purposes": ["Location Tracking!"]}),
        json!({"purposes": ["service"], "controller": controller("javascript:alert(1)", "Acme")}),
        json!({"purposes": ["service"], "controller": controller("https://acme.example", "Acme\r\nBcc: x")}),
        json!({"purposes": ["service"], "controller": controller("https://acme.example", "")}),
        json!({"purposes": ["service"], "tenant_id": "00000000-0000-0000-0000-000000000000"}),
    ] {
        let r = app
            .call("PUT", "/api/v1/privacy", Some(&admin), Some(bad.clone()))
            .await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.text());
    }
    let now = app
        .call("GET", "/api/v1/privacy", Some(&admin), None)
        .await
        .json();
    assert_eq!(
        now["purposes"].as_array().unwrap().len(),
        6,
        "still the defaults: {now}"
    );
    assert!(now["controller"].is_null());
}
