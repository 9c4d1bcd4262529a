//! SLA settings over the API: validation with the field named, round trip, and clocks.

use crate::helpers::spawn;
use kairos_core::party::Role;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sla_settings_are_validated_stored_and_read_back() {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let agent = app.token(t, Role::Agent, None).await;
    let empty = app.call("GET", "/api/v1/sla", Some(&agent), None).await;
    assert_eq!(empty.json(), json!({"policies": []}));

    let good = json!({
        "business_hours": {"time_zone": "Europe/Berlin", "week": {"mon": ["09:00-17:00"], "fri": ["09:00-15:00"]}, "holidays": ["2026-12-24"]},
        "policies": [{"name": "Standard", "targets": {"normal": {"first_response": 7200, "resolution": 86400}, "urgent": {"first_response": 1800}}}]
    });
    let put = app
        .call("PUT", "/api/v1/sla", Some(&admin), Some(good.clone()))
        .await;
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(
        app.call("GET", "/api/v1/sla", Some(&agent), None)
            .await
            .json(),
        good
    );
    assert!(
        app.store
            .events(t, 0, 100)
            .await
            .unwrap()
            .iter()
            .any(|e| e.data.name() == "setting.changed"),
        "admin changes are on the log"
    );

    for (bad, field) in [
        (
            json!({"business_hours": {"time_zone": "Mars/Olympus"}, "policies": []}),
            "time_zone",
        ),
        (
            json!({"business_hours": {"time_zone": "UTC", "week": {"mon": ["17:00-09:00"]}}, "policies": []}),
            "week",
        ),
        (
            json!({"business_hours": {"time_zone": "UTC", "holidays": ["24.12.2026"]}, "policies": []}),
            "holidays",
        ),
        (
            json!({"policies": [{"name": "x", "targets": {"normal": {"first_response": 1}}}]}),
            "targets",
        ),
        (
            json!({"policies": [{"name": "<script>\n", "targets": {}}]}),
            "name",
        ),
    ] {
        let r = app
            .call("PUT", "/api/v1/sla", Some(&admin), Some(bad))
            .await;
        assert_eq!(
            (r.status.as_u16(), r.json()["field"].as_str()),
            (422, Some(field)),
            "{}",
            r.text()
        );
    }
    let unknown_priority = app
        .call(
            "PUT",
            "/api/v1/sla",
            Some(&admin),
            Some(json!({"policies": [{"name": "x", "targets": {"asap": {}}}]})),
        )
        .await;
    assert_eq!(unknown_priority.status, 400);
    assert_eq!(
        app.call("GET", "/api/v1/sla", Some(&agent), None)
            .await
            .json(),
        good,
        "refused settings changed nothing"
    );
}

#[tokio::test]
async fn staff_set_a_customers_tier_and_the_customer_does_not_see_it() {
    let app = crate::helpers::spawn().await;
    let tenant = app.tenant("acme").await;
    let agent = app
        .token(tenant, kairos_core::party::Role::Agent, None)
        .await;
    let created = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&agent),
            Some(serde_json::json!({"display_name": "Anna"})),
        )
        .await;
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/customers/{id}/tier");
    let set = app
        .call(
            "PUT",
            &path,
            Some(&agent),
            Some(serde_json::json!({"tier": " Gold "})),
        )
        .await;
    assert_eq!(set.status, http::StatusCode::OK, "{}", set.text());
    assert_eq!(set.json()["tier"], "gold");
    for bad in ["gold plan", "<b>", &"x".repeat(65), "go\u{0}ld"] {
        let r = app
            .call(
                "PUT",
                &path,
                Some(&agent),
                Some(serde_json::json!({"tier": bad})),
            )
            .await;
        assert_eq!(r.status, http::StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    }
    let customer = kairos_core::ids::CustomerId(id.parse().unwrap());
    let own = app
        .token(tenant, kairos_core::party::Role::Customer, Some(customer))
        .await;
    let seen = app
        .call("GET", &format!("/api/v1/customers/{id}"), Some(&own), None)
        .await;
    assert_eq!(seen.status, http::StatusCode::OK);
    assert!(seen.json().get("tier").is_none(), "{}", seen.text());
    let cleared = app
        .call(
            "PUT",
            &path,
            Some(&agent),
            Some(serde_json::json!({"tier": null})),
        )
        .await;
    assert!(cleared.json().get("tier").is_none());
}
