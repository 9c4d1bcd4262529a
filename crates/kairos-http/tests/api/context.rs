//! Context events at the door (checklist N12 location consent, N10 withdrawal, I02
//! redelivery): an event is stored only while the customer's consent covers its purpose,
//! a refusal keeps nothing, a redelivered id is stored once, and another tenant's customer
//! is indistinguishable from one that does not exist.

use crate::helpers::{Backend, TestApp, spawn_on};
use http::StatusCode;
use kairos_core::ids::{CustomerId, TenantId};
use kairos_core::party::Role;
use serde_json::{Value, json};

async fn customer(app: &TestApp, admin: &str, email: &str) -> CustomerId {
    let r = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(admin),
            Some(
                json!({"display_name": "Anna", "identities": [{"kind": "email", "value": email}]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    CustomerId(r.json()["id"].as_str().unwrap().parse().unwrap())
}

async fn consent(app: &TestApp, token: &str, who: CustomerId, action: &str) {
    let r = app
        .call(
            "POST",
            &format!("/api/v1/customers/{}/consents", who.0),
            Some(token),
            Some(
                json!({"purpose": "location", "action": action, "data_categories": ["location"],
                "method": "widget", "notice_version": "2026-12"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

async fn post(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app
        .call("POST", "/api/v1/context-events", Some(token), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

async fn stored(app: &TestApp, token: &str, who: CustomerId) -> Vec<Value> {
    let r = app
        .call(
            "GET",
            &format!("/api/v1/customers/{}/context-events", who.0),
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["events"].as_array().unwrap().clone()
}

fn wifi(id: &str, subject: Value) -> Value {
    json!({"id": id, "subject": subject, "type": "wifi.login", "time": "2026-11-18T08:00:00Z",
        "place": "FRA-T1", "attributes": {"ssid": "Airport-Free", "rssi": -61}})
}

async fn setup(app: &TestApp, slug: &str) -> (TenantId, String) {
    let tenant = app.tenant(slug).await;
    (tenant, app.token(tenant, Role::Admin, None).await)
}

async fn grant_withdraw_refuse(backend: Backend) {
    let Some(app) = spawn_on(backend).await else {
        return;
    };
    let (tenant, admin) = setup(&app, "acme").await;
    let agent = app.token(tenant, Role::Agent, None).await;
    let anna = customer(&app, &admin, "anna@example.org").await;
    let anna_token = app.token(tenant, Role::Customer, Some(anna)).await;

    // Without consent: refused, nothing stored (N12).
    let r = post(&app, &agent, wifi("ev-0", json!({"customer_id": anna.0}))).await;
    assert_eq!(r["results"][0]["reason"], "no_consent", "{r}");
    assert!(stored(&app, &admin, anna).await.is_empty());

    // The customer grants `location`: the event is accepted and readable, by staff and by her.
    consent(&app, &anna_token, anna, "grant").await;
    let r = post(&app, &agent, wifi("ev-1", json!({"customer_id": anna.0}))).await;
    assert_eq!(
        (r["accepted"].as_u64(), r["refused"].as_u64()),
        (Some(1), Some(0)),
        "{r}"
    );
    assert_eq!(r["results"][0]["status"], "accepted");
    // By identity, too.
    let r = post(
        &app,
        &agent,
        wifi(
            "ev-2",
            json!({"kind": "email", "value": "Anna@Example.org"}),
        ),
    )
    .await;
    assert_eq!(r["results"][0]["status"], "accepted", "{r}");
    let events = stored(&app, &anna_token, anna).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["type"], "wifi.login");
    assert_eq!(events[0]["purpose"], "location");
    assert_eq!(events[0]["place"], "FRA-T1");
    assert_eq!(events[0]["attributes"]["ssid"], "Airport-Free");

    // I02: a redelivery is stored once and answers `duplicate`, also inside one batch.
    let r = post(
        &app,
        &agent,
        json!({"events": [wifi("ev-1", json!({"customer_id": anna.0})), wifi("ev-3", json!({"customer_id": anna.0})), wifi("ev-3", json!({"customer_id": anna.0}))]}),
    )
    .await;
    let statuses: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["duplicate", "accepted", "duplicate"], "{r}");
    assert_eq!(stored(&app, &admin, anna).await.len(), 3);

    // N10: she withdraws; the next event is refused and not stored.
    consent(&app, &anna_token, anna, "withdraw").await;
    let r = post(&app, &agent, wifi("ev-4", json!({"customer_id": anna.0}))).await;
    assert_eq!(r["results"][0]["status"], "refused", "{r}");
    assert_eq!(r["results"][0]["reason"], "no_consent");
    assert_eq!(r["refused"], 1);
    let events = stored(&app, &admin, anna).await;
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e["id"] != "ev-4"));

    // An unmapped type is refused; so is an unknown identity.
    consent(&app, &anna_token, anna, "grant").await;
    let mut shop = wifi("ev-5", json!({"customer_id": anna.0}));
    shop["type"] = json!("shop.visit");
    let r = post(&app, &agent, shop).await;
    assert_eq!(r["results"][0]["reason"], "unmapped_type", "{r}");
    let r = post(
        &app,
        &agent,
        wifi(
            "ev-6",
            json!({"kind": "email", "value": "nobody@example.org"}),
        ),
    )
    .await;
    assert_eq!(r["results"][0]["reason"], "unknown_subject", "{r}");

    // A tenant-configured mapping makes the type count (under the tenant's purposes).
    let put = app
        .call(
            "PUT",
            "/api/v1/context/settings",
            Some(&admin),
            Some(json!({"purposes": {"wifi.": "location", "shop.": "location"}})),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text());
    let mut shop = wifi("ev-5", json!({"customer_id": anna.0}));
    shop["type"] = json!("shop.visit");
    assert_eq!(
        post(&app, &agent, shop).await["results"][0]["status"],
        "accepted"
    );
    let bad = app
        .call(
            "PUT",
            "/api/v1/context/settings",
            Some(&admin),
            Some(json!({"purposes": {"wifi.": "astrology"}})),
        )
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    let agent_put = app
        .call(
            "PUT",
            "/api/v1/context/settings",
            Some(&agent),
            Some(json!({"purposes": {}})),
        )
        .await;
    assert_eq!(agent_put.status, StatusCode::FORBIDDEN);
    let got = app
        .call("GET", "/api/v1/context/settings", Some(&agent), None)
        .await;
    assert_eq!(got.json()["purposes"]["shop."], "location");

    // A customer cannot post context events.
    let r = app
        .call(
            "POST",
            "/api/v1/context-events",
            Some(&anna_token),
            Some(wifi("ev-7", json!({"customer_id": anna.0}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn n12_n10_location_grant_accepts_withdrawal_refuses_next_event() {
    grant_withdraw_refuse(Backend::Sqlite).await;
}

#[tokio::test]
async fn n12_n10_location_grant_accepts_withdrawal_refuses_next_event_on_postgres() {
    grant_withdraw_refuse(Backend::Postgres).await;
}

async fn foreign_subject(backend: Backend) {
    let Some(app) = spawn_on(backend).await else {
        return;
    };
    let (tenant_a, admin_a) = setup(&app, "acme").await;
    let (tenant_b, admin_b) = setup(&app, "globex").await;
    let _ = tenant_a;
    let bob = customer(&app, &admin_b, "bob@globex.example").await;
    let bob_token = app.token(tenant_b, Role::Customer, Some(bob)).await;
    consent(&app, &bob_token, bob, "grant").await;
    // Tenant A names tenant B's customer (by id and by identity): the same answer as for a
    // customer that does not exist, and nothing lands with B.
    let r = post(
        &app,
        &admin_a,
        json!({"events": [
            wifi("x-1", json!({"customer_id": bob.0})),
            wifi("x-2", json!({"customer_id": uuid::Uuid::now_v7()})),
            wifi("x-3", json!({"kind": "email", "value": "bob@globex.example"})),
        ]}),
    )
    .await;
    for i in 0..3 {
        assert_eq!(r["results"][i]["reason"], "unknown_subject", "{r}");
    }
    assert!(stored(&app, &admin_b, bob).await.is_empty());
    // Tenant A's staff cannot read B's customer's events either.
    let read = app
        .call(
            "GET",
            &format!("/api/v1/customers/{}/context-events", bob.0),
            Some(&admin_a),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a01_another_tenants_customer_is_an_unknown_subject() {
    foreign_subject(Backend::Sqlite).await;
}

#[tokio::test]
async fn a01_another_tenants_customer_is_an_unknown_subject_on_postgres() {
    foreign_subject(Backend::Postgres).await;
}

#[tokio::test]
async fn hostile_context_events_are_refused_as_invalid_and_keep_nothing() {
    let app = spawn_on(Backend::Sqlite).await.unwrap();
    let (tenant, admin) = setup(&app, "acme").await;
    let anna = customer(&app, &admin, "anna@example.org").await;
    let anna_token = app.token(tenant, Role::Customer, Some(anna)).await;
    consent(&app, &anna_token, anna, "grant").await;
    let s = json!({"customer_id": anna.0});
    let mut cases = Vec::new();
    let mut e = wifi(&"i".repeat(129), s.clone());
    cases.push(e.clone());
    e = wifi("h-1", s.clone());
    e["type"] = json!("WIFI LOGIN; DROP TABLE context_events");
    cases.push(e);
    e = wifi("h-2", s.clone());
    e["time"] = json!("2999-01-01T00:00:00Z");
    cases.push(e);
    e = wifi("h-3", s.clone());
    e["time"] = json!("yesterday");
    cases.push(e);
    e = wifi("h-4", s.clone());
    e["attributes"] = json!({"nested": {"a": 1}});
    cases.push(e);
    e = wifi("h-5", s.clone());
    e["attributes"] = json!({"big": "x".repeat(9000)});
    cases.push(e);
    e = wifi("h-6", s.clone());
    e["attributes"] = Value::Object((0..65).map(|i| (format!("a{i}"), json!(i))).collect());
    cases.push(e);
    e = wifi("h-7", s.clone());
    e["place"] = json!("p".repeat(257));
    cases.push(e);
    e = wifi("h-8", s.clone());
    e["tenant_id"] = json!(uuid::Uuid::now_v7());
    cases.push(e);
    e = wifi(
        "h-9",
        json!({"customer_id": anna.0, "kind": "email", "value": "anna@example.org"}),
    );
    cases.push(e);
    e = wifi("h-10", json!({"customer_id": "not-a-uuid"}));
    cases.push(e);
    e = wifi("h-11", s.clone());
    e["id"] = json!("line\nbreak");
    cases.push(e);
    cases.push(json!("just a string"));
    let n = cases.len();
    let r = post(&app, &admin, json!({ "events": cases })).await;
    assert_eq!(r["refused"], n, "{r}");
    for i in 0..n {
        assert_eq!(r["results"][i]["reason"], "invalid", "case {i}: {r}");
    }
    assert!(stored(&app, &admin, anna).await.is_empty());
    // Batch limits are the request's problem (400/422), not per event.
    let too_many: Vec<Value> = (0..1001)
        .map(|i| wifi(&format!("b-{i}"), s.clone()))
        .collect();
    let r = app
        .call(
            "POST",
            "/api/v1/context-events",
            Some(&admin),
            Some(json!({"events": too_many})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = app
        .call(
            "POST",
            "/api/v1/context-events",
            Some(&admin),
            Some(json!({"events": []})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = app
        .call(
            "POST",
            "/api/v1/context-events",
            Some(&admin),
            Some(json!({"events": [], "x": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let r = app
        .call(
            "POST",
            "/api/v1/context-events",
            Some(&admin),
            Some(json!([1, 2])),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    // A full batch of 1000 is taken.
    let full: Vec<Value> = (0..1000)
        .map(|i| wifi(&format!("f-{i}"), s.clone()))
        .collect();
    let r = post(&app, &admin, json!({ "events": full })).await;
    assert_eq!(r["accepted"], 1000);
    assert_eq!(stored(&app, &admin, anna).await.len(), 100, "default page");
}

async fn export_and_erase(backend: Backend) {
    let Some(app) = spawn_on(backend).await else {
        return;
    };
    let (tenant, admin) = setup(&app, "acme").await;
    let anna = customer(&app, &admin, "anna@example.org").await;
    let anna_token = app.token(tenant, Role::Customer, Some(anna)).await;
    consent(&app, &anna_token, anna, "grant").await;
    let r = post(
        &app,
        &admin,
        json!({"events": [
            wifi("ex-1", json!({"customer_id": anna.0})),
            wifi("ex-2", json!({"customer_id": anna.0})),
        ]}),
    )
    .await;
    assert_eq!(r["accepted"], 2, "{r}");
    // N01: the person's export carries their context events, oldest first.
    let own = app
        .call(
            "GET",
            &format!("/api/v1/customers/{}/export", anna.0),
            Some(&anna_token),
            None,
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text());
    let unpacked = kairos_privacy::archive::read(own.body.clone())
        .await
        .unwrap();
    let ids: Vec<&str> = unpacked
        .export
        .context_events
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"ex-1") && ids.contains(&"ex-2"));
    assert_eq!(unpacked.export.context_events[0]["place"], "FRA-T1");
    // Erasure removes them from the table.
    let erased = app
        .call(
            "POST",
            &format!("/api/v1/customers/{}/erase", anna.0),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.text());
    assert!(
        app.store
            .context_events(tenant, anna, 1000)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn n01_n04_context_events_are_exported_and_erased_with_the_person() {
    export_and_erase(Backend::Sqlite).await;
}

#[tokio::test]
async fn n01_n04_context_events_are_exported_and_erased_with_the_person_on_postgres() {
    export_and_erase(Backend::Postgres).await;
}
