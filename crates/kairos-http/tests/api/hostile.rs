//! Hostile and malformed input gets a clear problem and changes nothing (checklist A05,
//! B08, B13, G06).

use crate::helpers::spawn;
use axum::body::Body;
use http::Request;
use kairos_core::party::Role;
use serde_json::json;

#[tokio::test]
async fn malformed_bodies_are_clear_problems_and_store_nothing() {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let before = app.log_len(t).await;
    let base = json!({"channel": "email", "from": {"kind": "email", "value": "a@example.org"}, "body": "hi"});
    let cases: Vec<(serde_json::Value, u16, &str)> = vec![
        (
            json!({"channel": "fax", "from": {"kind": "email", "value": "a@example.org"}, "body": "hi"}),
            422,
            "channel",
        ),
        (
            json!({"channel": "email", "from": {"kind": "email", "value": "not an address"}, "body": "hi"}),
            422,
            "value",
        ),
        (
            json!({"channel": "sms", "from": {"kind": "phone", "value": "+49 12"}, "body": "hi"}),
            422,
            "value",
        ),
        (
            json!({"channel": "email", "from": {"kind": "email", "value": "a@example.org"}, "body": "   "}),
            422,
            "body",
        ),
        (
            json!({"channel": "email", "from": {"kind": "email", "value": "a@example.org"}, "body": "x", "subject": "a\r\nBcc: victim@example.org"}),
            422,
            "subject",
        ),
        (
            json!({"channel": "email", "from": {"kind": "email", "value": "a@example.org"}, "body": "x", "display_name": "{{7*7}}\u{0}"}),
            422,
            "display_name",
        ),
        (
            json!({"channel": "email", "from": {"kind": "email", "value": "a@example.org"}, "body": "x", "external_id": ""}),
            422,
            "external_id",
        ),
        (
            json!({"channel": "email", "from": {"kind": "email", "value": "a@example.org"}, "body": "x", "attachments": [{"filename": "a\r\n.pdf", "content_type": "application/pdf", "size": 1, "sha256": "0".repeat(64)}]}),
            422,
            "attachments.filename",
        ),
        (
            json!({"channel": "email", "from": {"kind": "email", "value": "a@example.org", "extra": 1}, "body": "x"}),
            400,
            "",
        ),
        (
            json!({"channel": 7, "from": {"kind": "email", "value": "a@example.org"}, "body": "x"}),
            400,
            "",
        ),
    ];
    for (body, status, field) in cases {
        let r = app
            .call("POST", "/api/v1/inbound", Some(&admin), Some(body.clone()))
            .await;
        assert_eq!(r.status.as_u16(), status, "{body} → {}", r.text());
        assert_eq!(r.headers["content-type"], "application/problem+json");
        let p = r.json();
        assert_eq!(p["status"].as_u64(), Some(u64::from(status)));
        assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()));
        if !field.is_empty() {
            assert_eq!(p["field"], field, "{p}");
        }
    }
    // A05: fields the caller must not set are refused, never applied.
    for field in ["tenant_id", "id", "role", "customer_id", "verified"] {
        let mut body = base.clone();
        body[field] = json!("00000000-0000-0000-0000-000000000000");
        let r = app
            .call("POST", "/api/v1/inbound", Some(&admin), Some(body))
            .await;
        assert_eq!(r.status, 400, "{field}");
    }
    assert_eq!(app.log_len(t).await, before, "nothing was stored");
}

#[tokio::test]
async fn unreadable_requests_are_refused_before_work() {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let before = app.log_len(t).await;
    let post = |body: Body, ct: &str| {
        Request::builder()
            .method("POST")
            .uri("/api/v1/inbound")
            .header("authorization", format!("Bearer {admin}"))
            .header("content-type", ct)
            .body(body)
            .unwrap()
    };
    // Syntax errors, wrong content type, deep nesting, oversize body (G06).
    assert_eq!(
        app.send(post(Body::from("{\"channel\":"), "application/json"))
            .await
            .status,
        400
    );
    assert_eq!(
        app.send(post(Body::from("{}"), "text/plain")).await.status,
        415
    );
    let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
    assert_eq!(
        app.send(post(Body::from(deep), "application/json"))
            .await
            .status,
        400
    );
    let huge = format!(
        "{{\"channel\":\"email\",\"body\":\"{}\"}}",
        "x".repeat(10 * 1024 * 1024)
    );
    let r = app.send(post(Body::from(huge), "application/json")).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert_eq!(app.log_len(t).await, before, "nothing was stored");
}

/// B08, B13: query values are validated against allow-lists and bound as parameters.
#[tokio::test]
async fn hostile_query_strings_are_refused_or_inert() {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    app.inbound(&admin, "email", "email", "a@example.org", "hi", None)
        .await;
    for q in [
        "status=open'%20OR%201=1--",
        "channel=email;%20SELECT%20pg_sleep(5)",
        "assignee=1%20AND%20(SELECT%201%20FROM%20pg_sleep(5))",
        "limit=0",
        "limit=100000000",
        "limit=-1",
        "cursor=not-a-uuid",
        "sort=name",
        "order_by=id;drop",
    ] {
        let r = app
            .call(
                "GET",
                &format!("/api/v1/conversations?{q}"),
                Some(&admin),
                None,
            )
            .await;
        assert!(r.status == 400 || r.status == 422, "{q} → {}", r.status);
        assert_eq!(r.headers["content-type"], "application/problem+json");
    }
    let ok = app
        .call(
            "GET",
            "/api/v1/conversations?status=open&limit=1",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(ok.json()["items"].as_array().unwrap().len(), 1);
    // Malformed ids in paths are simply not found.
    for path in [
        "/api/v1/customers/1",
        "/api/v1/customers/..%2F..%2Fetc",
        "/api/v1/conversations/'%20OR%201=1",
    ] {
        assert_eq!(
            app.call("GET", path, Some(&admin), None).await.status,
            404,
            "{path}"
        );
    }
}

#[tokio::test]
async fn bad_tokens_are_unauthenticated_and_responses_are_hardened() {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    for bad in [
        "",
        "kairos_x",
        &admin[..admin.len() - 1],
        &format!("{admin}x"),
        &"k".repeat(10_000),
    ] {
        let r = app
            .call("GET", "/api/v1/conversations", Some(bad), None)
            .await;
        assert_eq!(r.status, 401, "{bad:.20}");
    }
    let r = app
        .call("GET", "/api/v1/conversations", Some(&admin), None)
        .await;
    assert_eq!(r.headers["cache-control"], "no-store", "F07");
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert!(r.headers.contains_key("x-request-id"));
    assert!(
        r.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(
        app.call("GET", "/no/such/route", None, None).await.status,
        404
    );
    let health = app.call("GET", "/healthz", None, None).await;
    assert_eq!(
        (health.status.as_u16(), health.text().as_str()),
        (200, "ok\n")
    );
    assert_eq!(app.call("GET", "/readyz", None, None).await.status, 200);
}

#[tokio::test]
async fn openapi_is_generated_3_1_and_names_every_route() {
    let app = spawn().await;
    let doc = app
        .call("GET", "/api/openapi.json", None, None)
        .await
        .json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/inbound",
        "/api/v1/customers",
        "/api/v1/customers/{id}",
        "/api/v1/customers/{id}/identities",
        "/api/v1/customers/{id}/merge",
        "/api/v1/customers/{id}/timeline",
        "/api/v1/conversations",
        "/api/v1/conversations/{id}",
        "/api/v1/conversations/{id}/messages",
        "/api/v1/events",
        "/api/v1/events/stream",
        "/api/v1/auth/login",
        "/api/v1/staff",
        "/api/v1/staff/{id}/role",
        "/api/v1/staff/{id}/deactivate",
        "/api/v1/canned-replies",
        "/api/v1/canned-replies/{id}",
        "/api/v1/tenant",
        "/healthz",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert!(doc["paths"]["/api/v1/conversations/{id}"]["patch"].is_object());
    assert!(doc["paths"]["/api/v1/tenant"]["patch"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

/// A05/A06: the admin routes that do take a role refuse every role they must not grant,
/// and malformed accounts, and store nothing.
#[tokio::test]
async fn admin_routes_refuse_bad_roles_and_accounts() {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let before = app.log_len(t).await;
    let staff = |email: &str, role: &str| json!({"email": email, "display_name": "X", "role": role, "password": "a long enough password"});
    for (body, status) in [
        (staff("x@acme.example", "root"), 422),
        (staff("x@acme.example", "customer"), 422),
        (staff("x@acme.example", "partner"), 422),
        (staff("x\r\nBcc: y@evil.example", "agent"), 422),
        (staff("not-an-address", "agent"), 422),
        (
            json!({"email": "x@acme.example", "display_name": "X", "role": "agent", "password": "a long enough password", "tenant_id": "x"}),
            400,
        ),
    ] {
        let r = app
            .call("POST", "/api/v1/staff", Some(&admin), Some(body.clone()))
            .await;
        assert_eq!(r.status.as_u16(), status, "{body} → {}", r.text());
    }
    let customer = uuid::Uuid::now_v7();
    for (body, status) in [
        (json!({"role": "root"}), 422),
        (json!({"role": "customer"}), 422),
        (json!({"role": "agent", "customer_id": customer}), 422),
        (json!({"role": "customer", "customer_id": customer}), 404),
        (json!({"role": "admin", "tenant_id": customer}), 400),
    ] {
        let r = app
            .call("POST", "/api/v1/tokens", Some(&admin), Some(body.clone()))
            .await;
        assert_eq!(r.status.as_u16(), status, "{body} → {}", r.text());
    }
    assert_eq!(app.log_len(t).await, before, "nothing was created");
}
