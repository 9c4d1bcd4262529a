//! Agents and routing settings over the API.

use crate::helpers::spawn;
use kairos_core::event::Actor;
use kairos_core::party::Role;
use kairos_http::auth;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_set_their_status_and_admins_their_profile() {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let other = app.tenant("globex").await;
    let foreign_admin = app.token(other, Role::Admin, None).await;
    let anna = app
        .store
        .create_party(
            t,
            Role::Agent,
            Some("anna@acme.example"),
            "Anna",
            None,
            &Actor::System,
        )
        .await
        .unwrap();
    let (anna_token, hash) = auth::new_token();
    app.store
        .create_token(t, Role::Agent, Some(anna), None, &hash, &Actor::System)
        .await
        .unwrap();

    let r = app
        .call(
            "PUT",
            "/api/v1/agents/me/status",
            Some(&anna_token),
            Some(json!({"status": "available"})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = app
        .call(
            "PUT",
            "/api/v1/agents/me/status",
            Some(&admin),
            Some(json!({"status": "available"})),
        )
        .await;
    assert_eq!(
        r.status, 403,
        "a token not bound to a person has no availability"
    );
    let r = app
        .call(
            "PUT",
            "/api/v1/agents/me/status",
            Some(&anna_token),
            Some(json!({"status": "asleep"})),
        )
        .await;
    assert_eq!(r.status, 422);

    let path = format!("/api/v1/agents/{}/profile", anna.0);
    let r = app
        .call(
            "PUT",
            &path,
            Some(&admin),
            Some(json!({"skills": ["Billing", "de"], "capacity": 3})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = app
        .call(
            "PUT",
            &path,
            Some(&anna_token),
            Some(json!({"skills": [], "capacity": 100})),
        )
        .await;
    assert_eq!(r.status, 403, "agents do not raise their own capacity");
    let r = app
        .call(
            "PUT",
            &path,
            Some(&foreign_admin),
            Some(json!({"skills": [], "capacity": 3})),
        )
        .await;
    assert_eq!(
        r.status, 404,
        "another tenant's agent does not exist here (A03)"
    );
    for bad in [
        json!({"skills": ["a b"], "capacity": 3}),
        json!({"skills": [], "capacity": 0}),
    ] {
        assert_eq!(
            app.call("PUT", &path, Some(&admin), Some(bad)).await.status,
            422
        );
    }
    let agents = app
        .call("GET", "/api/v1/agents", Some(&anna_token), None)
        .await
        .json();
    assert_eq!(agents[0]["skills"], json!(["billing", "de"]));
    assert_eq!(
        (agents[0]["status"].as_str(), agents[0]["capacity"].as_u64()),
        (Some("available"), Some(3))
    );
    assert_eq!(
        app.call("GET", "/api/v1/agents", Some(&foreign_admin), None)
            .await
            .json(),
        json!([])
    );

    let off = app
        .call("GET", "/api/v1/routing", Some(&anna_token), None)
        .await
        .json();
    assert_eq!(off["enabled"], false, "routing is off by default");
    let bad = app
        .call(
            "PUT",
            "/api/v1/routing",
            Some(&admin),
            Some(json!({"enabled": true, "queues": [{"name": "", "skills": []}]})),
        )
        .await;
    assert_eq!(bad.status, 422);
}
