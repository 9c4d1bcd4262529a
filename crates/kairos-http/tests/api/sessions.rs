//! Staff password sign-in, session cookies and CSRF (checklist F01, F06, F08, F09).

use crate::helpers::spawn;
use axum::body::Body;
use http::Request;
use kairos_core::party::Role;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_sign_in_with_cookie_and_csrf() {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let created = app.call("POST", "/api/v1/staff", Some(&admin), Some(json!({"email": "eva@acme.example", "display_name": "Eva", "role": "agent", "password": "short"}))).await;
    assert_eq!(created.status, 422, "password policy");
    let created = app.call("POST", "/api/v1/staff", Some(&admin), Some(json!({"email": "eva@acme.example", "display_name": "Eva", "role": "agent", "password": "correct horse battery"}))).await;
    assert_eq!(created.status, 201);
    assert!(
        !created.text().contains("argon2"),
        "A07: no hash in responses"
    );
    let login = |email: &str, password: &str, tenant: &str| json!({"tenant": tenant, "email": email, "password": password});
    // F06: wrong password, unknown user, unknown tenant all answer the same.
    let wrong = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(login("eva@acme.example", "wrong password!!", "acme")),
        )
        .await;
    let unknown = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(login("nobody@acme.example", "wrong password!!", "acme")),
        )
        .await;
    let no_tenant = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(login("eva@acme.example", "correct horse battery", "nope")),
        )
        .await;
    assert_eq!(
        (
            wrong.status.as_u16(),
            unknown.status.as_u16(),
            no_tenant.status.as_u16()
        ),
        (401, 401, 401)
    );
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.body, no_tenant.body);
    assert!(!wrong.headers.contains_key("set-cookie"));
    let ok = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(login("EVA@acme.example", "correct horse battery", "acme")),
        )
        .await;
    assert_eq!(ok.status, 200);
    let cookie = ok.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_owned();
    let csrf = ok.json()["csrf_token"].as_str().unwrap().to_owned();
    let with_cookie =
        |method: &str, uri: &str, csrf: Option<&str>, body: Option<serde_json::Value>| {
            let mut b = Request::builder()
                .method(method)
                .uri(uri)
                .header("cookie", &pair);
            if let Some(c) = csrf {
                b = b.header("x-csrf-token", c);
            }
            match body {
                Some(v) => b
                    .header("content-type", "application/json")
                    .body(Body::from(v.to_string()))
                    .unwrap(),
                None => b.body(Body::empty()).unwrap(),
            }
        };
    let me = app
        .send(with_cookie("GET", "/api/v1/auth/me", None, None))
        .await;
    assert_eq!(
        (me.status.as_u16(), me.json()["role"].as_str()),
        (200, Some("agent"))
    );
    let before = app.log_len(t).await;
    let msg = json!({"channel": "portal", "from": {"kind": "email", "value": "x@example.org"}, "body": "hi"});
    let no_csrf = app
        .send(with_cookie(
            "POST",
            "/api/v1/inbound",
            None,
            Some(msg.clone()),
        ))
        .await;
    assert_eq!(
        no_csrf.status, 403,
        "F08: a cookie alone cannot change state"
    );
    assert_eq!(no_csrf.json()["code"], "csrf_token_invalid");
    let bad_csrf = app
        .send(with_cookie(
            "POST",
            "/api/v1/inbound",
            Some(&csrf[..csrf.len() - 1]),
            Some(msg.clone()),
        ))
        .await;
    assert_eq!(bad_csrf.status, 403);
    assert_eq!(
        app.log_len(t).await,
        before,
        "refused writes stored nothing"
    );
    let good = app
        .send(with_cookie(
            "POST",
            "/api/v1/inbound",
            Some(&csrf),
            Some(msg),
        ))
        .await;
    assert_eq!(good.status, 201);
    let out = app
        .send(with_cookie(
            "POST",
            "/api/v1/auth/logout",
            Some(&csrf),
            None,
        ))
        .await;
    assert_eq!(out.status, 204);
    assert_eq!(
        app.send(with_cookie("GET", "/api/v1/auth/me", None, None))
            .await
            .status,
        401,
        "the session is gone"
    );
    // F01: the stored hash is not a password.
    let party = app
        .store
        .party_by_email(t, "eva@acme.example")
        .await
        .unwrap()
        .unwrap();
    let hash = party.password_hash.unwrap();
    assert_eq!(
        app.call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(login("eva@acme.example", &hash, "acme"))
        )
        .await
        .status,
        401
    );
}
