//! The audit trail (privacy issue, item 6; checklist P03, N15): staff reads of personal data and
//! every staff change are recorded with who, what, whose data and from where, hash-chained;
//! customers' own requests and reads of non-personal settings are not.

use crate::helpers::spawn;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{Request, StatusCode};
use kairos_core::ids::CustomerId;
use kairos_core::party::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn p03_n15_staff_reads_and_changes_are_chained_in_the_audit_trail() {
    let app = spawn().await;
    let tenant = app.tenant("acme").await;
    let other = app.tenant("globex").await;
    let admin = app.token(tenant, Role::Admin, None).await;
    let agent = app.token(tenant, Role::Agent, None).await;
    let created = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&admin),
            Some(json!({"display_name": "Anna"})),
        )
        .await;
    let anna = CustomerId(created.json()["id"].as_str().unwrap().parse().unwrap());
    let anna_token = app.token(tenant, Role::Customer, Some(anna)).await;

    // An agent reads Anna's profile from a known address.
    let mut read = Request::get(format!("/api/v1/customers/{}", anna.0))
        .header("authorization", format!("Bearer {agent}"))
        .body(Body::empty())
        .unwrap();
    read.extensions_mut()
        .insert(ConnectInfo(std::net::SocketAddr::from((
            [203, 0, 113, 7],
            4711,
        ))));
    assert_eq!(app.send(read).await.status, StatusCode::OK);
    // Not audited: a settings read, and Anna reading her own data.
    assert_eq!(
        app.call("GET", "/api/v1/sla", Some(&agent), None)
            .await
            .status,
        StatusCode::OK
    );
    let own = format!("/api/v1/customers/{}/timeline", anna.0);
    assert_eq!(
        app.call("GET", &own, Some(&anna_token), None).await.status,
        StatusCode::OK
    );

    let page = app.call("GET", "/api/v1/audit", Some(&admin), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let items = page.json()["items"].as_array().unwrap().clone();
    let actions: Vec<&str> = items
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["POST /api/v1/customers", "GET /api/v1/customers/{id}"]
    );
    let entry = &items[1];
    assert_eq!(entry["actor"]["role"], "agent");
    assert_eq!(entry["customer_id"], json!(anna.0));
    assert_eq!(entry["target"], json!(anna.0.to_string()));
    assert_eq!(entry["source"], "203.0.113.7");
    assert_eq!(entry["status"], 200);
    assert_eq!(items[0]["prev_hash"], json!("0".repeat(64)));
    assert_eq!(entry["prev_hash"], items[0]["hash"], "entries are chained");

    // Only about Anna; and the admin's read of the trail is itself on it.
    let about = app
        .call(
            "GET",
            &format!("/api/v1/audit?customer={}", anna.0),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(about.json()["items"].as_array().unwrap().len(), 1);
    let again = app
        .call("GET", "/api/v1/audit", Some(&admin), None)
        .await
        .json();
    let last: &Value = again["items"].as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "GET /api/v1/audit");

    // Another tenant's trail is its own: empty, and chained from its own genesis.
    let globex_admin = app.token(other, Role::Admin, None).await;
    let theirs = app
        .call("GET", "/api/v1/audit", Some(&globex_admin), None)
        .await
        .json();
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0);

    let report = app.store.audit_verify().await.unwrap();
    assert!(report.breaks.is_empty(), "{:?}", report.breaks);
    assert_eq!(report.chains, 2);
}
