//! `PUT /api/v1/customers/{id}/time-zone`: staff and the customer themself set it (quiet
//! hours count in it), another customer cannot even see the record (A01), hostile or unknown
//! zones are refused (422) and change nothing, `null` clears it. SQLite and PostgreSQL.

use crate::helpers::{Backend, spawn_on};
use http::StatusCode;
use kairos_core::ids::CustomerId;
use kairos_core::party::Role;
use serde_json::json;

async fn set_and_clear(backend: Backend) {
    let Some(app) = spawn_on(backend).await else {
        return;
    };
    let t = app.tenant("acme").await;
    let agent = app.token(t, Role::Agent, None).await;
    let mut ids = Vec::new();
    for name in ["Anna", "Ben"] {
        let r = app
            .call(
                "POST",
                "/api/v1/customers",
                Some(&agent),
                Some(json!({"display_name": name})),
            )
            .await;
        ids.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    let path = format!("/api/v1/customers/{}/time-zone", ids[0]);
    let r = app
        .call(
            "PUT",
            &path,
            Some(&agent),
            Some(json!({"time_zone": "Europe/Berlin"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["time_zone"], "Europe/Berlin");

    let anna = app
        .token(t, Role::Customer, Some(CustomerId(ids[0].parse().unwrap())))
        .await;
    let ben = app
        .token(t, Role::Customer, Some(CustomerId(ids[1].parse().unwrap())))
        .await;
    let r = app
        .call(
            "PUT",
            &path,
            Some(&anna),
            Some(json!({"time_zone": "America/New_York"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "her own: {}", r.text());
    let r = app
        .call(
            "PUT",
            &path,
            Some(&ben),
            Some(json!({"time_zone": "Asia/Tokyo"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "not Ben's to see");

    for bad in [
        json!({"time_zone": "Mars/Olympus"}),
        json!({"time_zone": "../../etc/localtime"}),
        json!({"time_zone": "Europe/Berlin\u{0}"}),
        json!({"time_zone": "x".repeat(100)}),
        json!({"time_zone": 5}),
        json!({"time_zone": "UTC", "extra": true}),
    ] {
        let r = app
            .call("PUT", &path, Some(&agent), Some(bad.clone()))
            .await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.status);
    }
    let shown = app
        .call(
            "GET",
            &format!("/api/v1/customers/{}", ids[0]),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(
        shown.json()["time_zone"],
        "America/New_York",
        "refusals changed nothing"
    );
    let cleared = app
        .call("PUT", &path, Some(&agent), Some(json!({"time_zone": null})))
        .await;
    assert_eq!(cleared.json()["time_zone"], serde_json::Value::Null);
    let log = app.store.events(t, 0, 1000).await.unwrap();
    assert_eq!(
        log.iter()
            .filter(|e| e.data.name() == "customer.time_zone")
            .count(),
        3
    );
}

#[tokio::test]
async fn staff_and_the_customer_set_it_on_sqlite() {
    set_and_clear(Backend::Sqlite).await;
}

#[tokio::test]
async fn staff_and_the_customer_set_it_on_postgres() {
    set_and_clear(Backend::Postgres).await;
}
