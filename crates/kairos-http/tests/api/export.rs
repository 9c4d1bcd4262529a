//! `GET /api/v1/customers/{id}/export` (checklist N01, N03): the person downloads their own
//! archive; an admin can export for them (audited); agents and other customers cannot.

use crate::helpers::spawn;
use http::StatusCode;
use kairos_core::ids::CustomerId;
use kairos_core::party::Role;
use serde_json::json;

#[tokio::test]
async fn n01_n03_a_customer_downloads_their_own_archive_and_nobody_else_can() {
    let app = spawn().await;
    let tenant = app.tenant("acme").await;
    let admin = app.token(tenant, Role::Admin, None).await;
    let agent = app.token(tenant, Role::Agent, None).await;
    let r = app
        .inbound(
            &admin,
            "email",
            "email",
            "anna@example.org",
            "Meine Frage",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let anna = CustomerId(r.json()["customer_id"].as_str().unwrap().parse().unwrap());
    let bob = {
        let r = app
            .call(
                "POST",
                "/api/v1/customers",
                Some(&admin),
                Some(json!({"display_name": "Bob"})),
            )
            .await;
        CustomerId(r.json()["id"].as_str().unwrap().parse().unwrap())
    };
    let anna_token = app.token(tenant, Role::Customer, Some(anna)).await;
    let path = format!("/api/v1/customers/{}/export", anna.0);

    let own = app.call("GET", &path, Some(&anna_token), None).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text());
    assert_eq!(own.headers["content-type"], "application/zip");
    assert_eq!(own.headers["cache-control"], "no-store");
    let unpacked = kairos_privacy::archive::read(own.body.clone())
        .await
        .unwrap();
    assert_eq!(unpacked.export.identities[0].value, "anna@example.org");
    assert_eq!(
        unpacked.export.conversations[0].messages[0].text,
        "Meine Frage"
    );

    let bobs = format!("/api/v1/customers/{}/export", bob.0);
    assert_eq!(
        app.call("GET", &bobs, Some(&anna_token), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call("GET", &path, Some(&agent), None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call("GET", &path, Some(&admin), None).await.status,
        StatusCode::OK
    );
    let trail = app
        .call(
            "GET",
            &format!("/api/v1/audit?customer={}", anna.0),
            Some(&admin),
            None,
        )
        .await
        .json();
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"GET /api/v1/customers/{id}/export"),
        "{actions:?}"
    );
}
