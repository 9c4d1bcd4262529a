//! `Idempotency-Key` on POST (checklist I02).

use crate::helpers::spawn;
use axum::body::Body;
use http::Request;
use kairos_core::party::Role;
use serde_json::json;

fn inbound(token: &str, key: &str, body: &serde_json::Value) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri("/api/v1/inbound")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(Body::from(serde_json::to_vec(body).unwrap()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_key_replays_different_body_is_refused() {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let body = json!({"channel": "api", "from": {"kind": "email", "value": "a@example.org"}, "body": "order 1"});
    let first = app.send(inbound(&admin, "k-1", &body)).await;
    assert_eq!(first.status, 201);
    for _ in 0..4 {
        let again = app.send(inbound(&admin, "k-1", &body)).await;
        assert_eq!(
            again.status, 201,
            "the first answer is replayed, status included"
        );
        assert_eq!(again.body, first.body);
        assert_eq!(again.headers["idempotent-replayed"], "true");
    }
    let conv = first.json()["conversation_id"].as_str().unwrap().to_owned();
    let msgs = app
        .call(
            "GET",
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(
        msgs["items"].as_array().unwrap().len(),
        1,
        "one message for five posts"
    );
    let other = json!({"channel": "api", "from": {"kind": "email", "value": "a@example.org"}, "body": "order 2"});
    let mismatch = app.send(inbound(&admin, "k-1", &other)).await;
    assert_eq!(mismatch.status, 422);
    assert_eq!(mismatch.json()["code"], "idempotency_key_reused");
    // Errors are replayed too.
    let bad =
        json!({"channel": "fax", "from": {"kind": "email", "value": "a@example.org"}, "body": "x"});
    let e1 = app.send(inbound(&admin, "k-2", &bad)).await;
    let e2 = app.send(inbound(&admin, "k-2", &bad)).await;
    assert_eq!(
        (e1.status, e2.status),
        (
            http::StatusCode::UNPROCESSABLE_ENTITY,
            http::StatusCode::UNPROCESSABLE_ENTITY
        )
    );
    assert_eq!(e1.body, e2.body);
    // Keys are per token: another token's same key is a new request.
    let other_token = app.token(t, Role::Agent, None).await;
    assert_eq!(
        app.send(inbound(&other_token, "k-1", &other)).await.status,
        201
    );
    // Bad keys are refused.
    assert_eq!(
        app.send(inbound(&admin, &"x".repeat(300), &body))
            .await
            .status,
        400
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_with_one_key_run_once() {
    let app = std::sync::Arc::new(spawn().await);
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let body = json!({"channel": "api", "from": {"kind": "email", "value": "c@example.org"}, "body": "pay once"});
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (app, admin, body) = (app.clone(), admin.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            app.send(inbound(&admin, "burst", &body)).await
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().status.as_u16());
    }
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    assert!(statuses.contains(&201));
    let list = app
        .call("GET", "/api/v1/conversations", Some(&admin), None)
        .await
        .json();
    let conv = list["items"][0]["id"].as_str().unwrap().to_owned();
    let msgs = app
        .call(
            "GET",
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(
        msgs["items"].as_array().unwrap().len(),
        1,
        "ran exactly once: {statuses:?}"
    );
}

#[tokio::test]
async fn unauthenticated_posts_with_a_key_are_judged_by_their_route() {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let body =
        json!({"channel": "api", "from": {"kind": "email", "value": "a@example.org"}, "body": "x"});
    let before = app.log_len(t).await;
    let anonymous = Request::builder()
        .method("POST")
        .uri("/api/v1/inbound")
        .header("content-type", "application/json")
        .header("idempotency-key", "k")
        .body(Body::from(body.to_string()))
        .unwrap();
    assert_eq!(app.send(anonymous).await.status, 401);
    assert_eq!(app.log_len(t).await, before);
    // Sign-in takes no caller: a key does not get in its way.
    let hash = kairos_http::auth::hash_password("a long enough password").unwrap();
    app.store
        .create_party(
            t,
            Role::Agent,
            Some("eva@acme.example"),
            "Eva",
            Some(&hash),
            &kairos_core::event::Actor::System,
        )
        .await
        .unwrap();
    let login = Request::builder()
        .method("POST")
        .uri("/api/v1/auth/login")
        .header("content-type", "application/json")
        .header("idempotency-key", "k")
        .body(Body::from(json!({"tenant": "acme", "email": "eva@acme.example", "password": "a long enough password"}).to_string()))
        .unwrap();
    let r = app.send(login).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.headers.contains_key("set-cookie"));
}
