//! Brute-force limits on staff sign-in (checklist F05), alike for real and unknown accounts
//! (F06), and the client address behind a trusted proxy only.

use crate::helpers::{Reply, TestApp, spawn};
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::Request;
use kairos_core::party::Role;
use serde_json::json;
use std::net::SocketAddr;

const PASSWORD: &str = "correct horse battery";

/// A sign-in from `peer`, with `forwarded` as `X-Forwarded-For` when given.
async fn sign_in(
    router: &axum::Router,
    peer: &str,
    forwarded: Option<&str>,
    email: &str,
    password: &str,
) -> Reply {
    use tower::ServiceExt;
    let mut req = Request::builder()
        .method("POST")
        .uri("/api/v1/auth/login")
        .header("content-type", "application/json");
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    let body = json!({"tenant": "acme", "email": email, "password": password});
    let mut req = req.body(Body::from(body.to_string())).unwrap();
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    let response = router.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

async fn with_agent() -> TestApp {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let created = app
        .call(
            "POST",
            "/api/v1/staff",
            Some(&admin),
            Some(json!({"email": "eva@acme.example", "display_name": "Eva", "role": "agent", "password": PASSWORD})),
        )
        .await;
    assert_eq!(created.status, 201);
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_from_one_address_refuse_even_the_right_password_f05() {
    let app = with_agent().await;
    let r = &app.router;
    for i in 0..5 {
        let failed = sign_in(
            r,
            "203.0.113.5",
            None,
            &format!("guess{i}@acme.example"),
            "wrong password!!",
        )
        .await;
        assert_eq!(failed.status, 401, "attempt {i}");
    }
    let refused = sign_in(r, "203.0.113.5", None, "eva@acme.example", PASSWORD).await;
    assert_eq!(refused.status, 429, "{}", refused.text());
    assert_eq!(refused.json()["code"], "too_many_attempts");
    let wait: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((290..=300).contains(&wait), "Retry-After {wait}");
    assert!(
        !refused.headers.contains_key("set-cookie"),
        "no session while throttled"
    );
    // Eva from her own address is not locked out by someone else's guessing.
    let ok = sign_in(r, "198.51.100.7", None, "eva@acme.example", PASSWORD).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_spread_over_many_addresses_meet_the_account_limit_alike_for_unknown_accounts_f05_f06()
 {
    let app = with_agent().await;
    let r = &app.router;
    for i in 0..10 {
        let ip = format!("192.0.2.{}", i + 1);
        assert_eq!(
            sign_in(r, &ip, None, "eva@acme.example", "wrong password!!")
                .await
                .status,
            401
        );
        assert_eq!(
            sign_in(r, &ip, None, "nobody@acme.example", "wrong password!!")
                .await
                .status,
            401
        );
    }
    let real = sign_in(r, "192.0.2.200", None, "EVA@acme.example", PASSWORD).await;
    let unknown = sign_in(r, "192.0.2.201", None, "nobody@acme.example", PASSWORD).await;
    assert_eq!((real.status.as_u16(), unknown.status.as_u16()), (429, 429));
    assert_eq!(
        real.body, unknown.body,
        "F06: the same answer for a real and an unknown account"
    );
    // Another account is not affected.
    let other = sign_in(
        r,
        "192.0.2.202",
        None,
        "else@acme.example",
        "wrong password!!",
    )
    .await;
    assert_eq!(other.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_forwarded_for_counts_only_from_a_trusted_proxy_f05() {
    let app = with_agent().await;
    // Untrusted peer: inventing a new X-Forwarded-For per attempt does not reset the count.
    for i in 0..5 {
        let forged = format!("10.9.9.{i}");
        let failed = sign_in(
            &app.router,
            "203.0.113.5",
            Some(&forged),
            "x@acme.example",
            "wrong password!!",
        )
        .await;
        assert_eq!(failed.status, 401);
    }
    let refused = sign_in(
        &app.router,
        "203.0.113.5",
        Some("10.9.9.99"),
        "y@acme.example",
        "wrong password!!",
    )
    .await;
    assert_eq!(refused.status, 429);

    // Behind a trusted proxy, clients are told apart by the address the proxy saw.
    let proxies = kairos_http::client_ip::TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
    let proxied = kairos_http::app(app.state.clone().with_trusted_proxies(proxies));
    for i in 0..5 {
        let failed = sign_in(
            &proxied,
            "10.0.0.2",
            Some("198.51.100.1"),
            &format!("p{i}@acme.example"),
            "wrong password!!",
        )
        .await;
        assert_eq!(failed.status, 401);
    }
    let blocked = sign_in(
        &proxied,
        "10.0.0.2",
        Some("198.51.100.1"),
        "eva@acme.example",
        PASSWORD,
    )
    .await;
    assert_eq!(blocked.status, 429);
    let other_client = sign_in(
        &proxied,
        "10.0.0.2",
        Some("198.51.100.2"),
        "eva@acme.example",
        PASSWORD,
    )
    .await;
    assert_eq!(other_client.status, 200, "{}", other_client.text());
}
