//! Restriction, objection and review over HTTP (checklist N11, N13, N17): the person
//! switches proactive messages off in one request, sees the automated decisions about them
//! with rule, version and inputs, contests one; only staff decide the review, once.

use crate::helpers::spawn;
use http::StatusCode;
use kairos_core::anticipation::{Effect, FiringCommand};
use kairos_core::event::Actor;
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::message::Channel;
use kairos_core::party::Role;
use kairos_store::anticipation::FiringOutcome;
use serde_json::json;

#[tokio::test]
async fn n11_n13_n17_a_person_objects_sees_and_contests_decisions() {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let email = Identity::parse(IdentityKind::Email, "anna@example.org", None, None).unwrap();
    let anna = app
        .store
        .create_customer(t, Some("Anna".into()), vec![email], &Actor::System)
        .await
        .unwrap();
    let me = app.token(t, Role::Customer, Some(anna)).await;
    let agent = app.token(t, Role::Agent, None).await;
    let path = |tail: &str| format!("/api/v1/customers/{}/{tail}", anna.0);
    let firing = |key: &str| FiringCommand {
        key: key.into(),
        match_key: key.into(),
        customer_id: anna,
        rule: "pickup-arrival".into(),
        rule_version: 3,
        action: "notify".into(),
        text: Some("Flight LH401 lands at 15:10".into()),
        explanation: vec!["here = presence.wifi at FRA 14:00".into()],
        effect: Effect::Message {
            channel: Channel::Email,
            body: "Flight LH401 lands at 15:10".into(),
        },
    };
    let first = app.store.execute_firing(t, firing("k1")).await.unwrap();
    assert!(matches!(first, FiringOutcome::Executed(Some(_))));

    // One request switches proactive messages off; the next firing is not executed.
    let r = app
        .call(
            "PUT",
            &path("restrictions"),
            Some(&me),
            Some(json!({"proactive": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"profiling": false, "proactive": true, "automation": false})
    );
    let second = app.store.execute_firing(t, firing("k2")).await.unwrap();
    assert_eq!(second, FiringOutcome::Restricted);
    let r = app
        .call("GET", &path("restrictions"), Some(&agent), None)
        .await;
    assert_eq!(r.json()["proactive"], true);

    // The decision is explained to the person.
    let r = app.call("GET", &path("decisions"), Some(&me), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let list = r.json()["decisions"].as_array().unwrap().clone();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["rule"], "pickup-arrival");
    assert_eq!(list[0]["rule_version"], 3);
    assert_eq!(
        list[0]["explanation"][0],
        "here = presence.wifi at FRA 14:00"
    );

    let review = |token: &str, status: &str| {
        let body = json!({"key": "k1", "status": status, "note": "not me"});
        let (path, token) = (path("decisions/review"), token.to_owned());
        let app = &app;
        async move { app.call("POST", &path, Some(&token), Some(body)).await }
    };
    assert_eq!(
        review(&me, "upheld").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = review(&me, "contested").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["review"], "contested");
    assert_eq!(review(&me, "contested").await.status, StatusCode::CONFLICT);
    let r = review(&agent, "overturned").await;
    assert_eq!(r.json()["review"], "overturned");
    assert_eq!(review(&agent, "upheld").await.status, StatusCode::CONFLICT);

    // Hostile input: an unknown key, an oversized note, unknown fields.
    let r = app
        .call(
            "POST",
            &path("decisions/review"),
            Some(&me),
            Some(json!({"key": "nope", "status": "contested"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .call(
            "PUT",
            &path("restrictions"),
            Some(&me),
            Some(json!({"profiling": true, "reason": "x".repeat(5000)})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .call(
            "PUT",
            &path("restrictions"),
            Some(&me),
            Some(json!({"customer_id": anna.0})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}
