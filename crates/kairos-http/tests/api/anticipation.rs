//! The anticipation rules over HTTP: a rule file with a syntax error is refused with its line
//! and column and changes nothing; a good one is stored and read back by admins only; feeds
//! of reference data come in without consent but only for the types the tenant allows from
//! feeds (checklist N12: personal data cannot be smuggled in as a feed).

use crate::helpers::spawn;
use http::StatusCode;
use kairos_core::party::Role;
use serde_json::json;

const RULES: &str = include_str!("../../../../examples/anticipation/airport.rules");

#[tokio::test]
async fn a_rule_with_a_syntax_error_is_refused_with_line_and_column() {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let broken = "rule \"x\" version 1\n  when w = wifi.login\n  within banana\nthen\n  touchpoint \"hi\"\nend\n";
    let r = app
        .call(
            "PUT",
            "/api/v1/anticipation/rules",
            Some(&admin),
            Some(json!({"enabled": true, "rules": broken})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let detail = r.json().to_string();
    assert!(detail.contains("line 3, column"), "{detail}");

    let r = app
        .call("GET", "/api/v1/anticipation/rules", Some(&admin), None)
        .await;
    assert_eq!(
        r.json(),
        json!({"enabled": false, "rules": ""}),
        "nothing changed"
    );

    let r = app
        .call(
            "PUT",
            "/api/v1/anticipation/rules",
            Some(&admin),
            Some(json!({"enabled": true, "rules": RULES})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app
        .call("GET", "/api/v1/anticipation/rules", Some(&admin), None)
        .await;
    assert_eq!(r.json()["rules"], RULES);
    assert_eq!(r.json()["enabled"], true);

    let agent = app.token(t, Role::Agent, None).await;
    let r = app
        .call("GET", "/api/v1/anticipation/rules", Some(&agent), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call("GET", "/api/v1/anticipation/status", Some(&agent), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["running"], false, "no runtime in this server");

    let oversized = "#".repeat(256 * 1024 + 1);
    let r = app
        .call(
            "PUT",
            "/api/v1/anticipation/rules",
            Some(&admin),
            Some(json!({"enabled": true, "rules": oversized})),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
}

#[tokio::test]
async fn feeds_send_reference_data_only_of_their_allowed_types() {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let event = |id: &str, ty: &str| {
        json!({"id": id, "subject": {"feed": "flights"}, "type": ty,
               "time": "2026-12-01T12:00:00Z", "place": "FRA",
               "attributes": {"number": "LH401", "direction": "arrival"}})
    };
    let r = app
        .call(
            "POST",
            "/api/v1/context-events",
            Some(&admin),
            Some(
                json!({"events": [event("f1", "flight.status"), event("f1", "flight.status"),
                                   event("f2", "presence.wifi")]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let report = r.json();
    assert_eq!(report["results"][0]["status"], "accepted");
    assert_eq!(report["results"][1]["status"], "duplicate");
    assert_eq!(report["results"][2]["status"], "refused");
    assert_eq!(report["results"][2]["reason"], "not_a_feed_type");
}
