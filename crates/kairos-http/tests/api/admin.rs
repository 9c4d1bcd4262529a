//! Admin API: canned replies (CRUD, placeholders, limits) and staff administration (list,
//! change role, deactivate). Checklist A01 (roles and tenants, no side effect on refusal),
//! A07 (no hashes), B03 (hostile text stays text), F04 (a changed or deactivated account's
//! sessions, tokens and sockets die at once). On SQLite, and on PostgreSQL when
//! `KAIROS_TEST_PG_URL` is set.

use crate::helpers::{Backend, TestApp, spawn_on};
use kairos_core::event::Actor;
use kairos_core::party::Role;
use kairos_http::auth;
use serde_json::json;

const XSS: &str = "<img src=x onerror=alert(1)>";

async fn apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Some(app) = spawn_on(backend).await {
            apps.push(app);
        }
    }
    apps
}

#[tokio::test]
async fn a01_canned_replies_admins_manage_staff_read_others_nothing() {
    for app in apps().await {
        let a = app.tenant("acme").await;
        let b = app.tenant("other").await;
        let admin = app.token(a, Role::Admin, None).await;
        let agent = app.token(a, Role::Agent, None).await;
        let other_admin = app.token(b, Role::Admin, None).await;
        let body = json!({"title": "Invoice", "body": "Hello {{customer.first_name}}, this is {{agent.name}} about {{ conversation.subject }}."});
        let created = app
            .call(
                "POST",
                "/api/v1/canned-replies",
                Some(&admin),
                Some(body.clone()),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let id = created.json()["id"].as_str().unwrap().to_owned();
        let one = format!("/api/v1/canned-replies/{id}");

        // Agents read, but cannot write; nothing changes when they try.
        let before = app.log_len(a).await;
        assert_eq!(
            app.call("GET", "/api/v1/canned-replies", Some(&agent), None)
                .await
                .status,
            200
        );
        assert_eq!(app.call("GET", &one, Some(&agent), None).await.status, 200);
        for (method, path, body) in [
            ("POST", "/api/v1/canned-replies", Some(body.clone())),
            ("PUT", one.as_str(), Some(body.clone())),
            ("DELETE", one.as_str(), None),
        ] {
            let r = app.call(method, path, Some(&agent), body).await;
            assert_eq!(r.status, 403, "agent {method} {path}");
        }
        // Another tenant's admin sees no such reply, and changes nothing.
        for (method, body) in [("GET", None), ("PUT", Some(body.clone())), ("DELETE", None)] {
            let r = app.call(method, &one, Some(&other_admin), body).await;
            assert_eq!(r.status, 404, "other tenant {method}");
        }
        let listed = app
            .call("GET", "/api/v1/canned-replies", Some(&other_admin), None)
            .await;
        assert_eq!(listed.json()["items"].as_array().unwrap().len(), 0);
        assert_eq!(app.log_len(a).await, before, "no side effect");
        assert_eq!(
            app.call("GET", "/api/v1/canned-replies", None, None)
                .await
                .status,
            401
        );

        // Admins edit and delete.
        let edited = app
            .call(
                "PUT",
                &one,
                Some(&admin),
                Some(json!({"title": "Invoice copy", "body": "Hi {{customer.name}}"})),
            )
            .await;
        assert_eq!(edited.status, 200, "{}", edited.text());
        assert_eq!(edited.json()["title"], "Invoice copy");
        assert_eq!(
            app.call("DELETE", &one, Some(&admin), None).await.status,
            204
        );
        assert_eq!(app.call("GET", &one, Some(&admin), None).await.status, 404);
        assert_eq!(
            app.call("DELETE", &one, Some(&admin), None).await.status,
            404
        );
    }
}

#[tokio::test]
async fn canned_replies_are_filled_in_for_a_conversation_and_validated() {
    for app in apps().await {
        let a = app.tenant("acme").await;
        let admin = app.token(a, Role::Admin, None).await;
        // An agent with a name, signed in by token bound to them.
        let hash = auth::hash_password("correct horse battery").unwrap();
        let ada = app
            .store
            .create_party(
                a,
                Role::Agent,
                Some("ada@acme.example"),
                "Ada Lovelace",
                Some(&hash),
                &Actor::System,
            )
            .await
            .unwrap();
        let (agent, token_hash) = auth::new_token();
        app.store
            .create_token(a, Role::Agent, Some(ada), None, &token_hash, &Actor::System)
            .await
            .unwrap();
        let inbound = app
            .call("POST", "/api/v1/inbound", Some(&admin), Some(json!({"channel": "email",
                "from": {"kind": "email", "value": "grace@example.org"},
                "display_name": format!("Grace {XSS}"), "subject": "Invoice 42", "body": "Where is it?"})))
            .await;
        assert_eq!(inbound.status, 201, "{}", inbound.text());
        let conversation = inbound.json()["conversation_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let created = app
            .call("POST", "/api/v1/canned-replies", Some(&admin), Some(json!({"title": "Invoice",
                "body": "Hello {{customer.first_name}} ({{customer.name}}), {{agent.first_name}} here about {{conversation.subject}} at {{tenant.name}}."})))
            .await;
        let id = created.json()["id"].as_str().unwrap().to_owned();
        let got = app
            .call(
                "GET",
                &format!("/api/v1/canned-replies/{id}?conversation_id={conversation}"),
                Some(&agent),
                None,
            )
            .await;
        assert_eq!(got.status, 200, "{}", got.text());
        // B03: the customer's name is text in JSON; escaping is the page's job.
        assert_eq!(
            got.json()["rendered"],
            format!("Hello Grace (Grace {XSS}), Ada here about Invoice 42 at acme.")
        );
        let foreign = uuid::Uuid::now_v7();
        let r = app
            .call(
                "GET",
                &format!("/api/v1/canned-replies/{id}?conversation_id={foreign}"),
                Some(&agent),
                None,
            )
            .await;
        assert_eq!(r.status, 404, "an unknown conversation");

        // Validation: unknown placeholders, unclosed ones, lengths, duplicates.
        let before = app.log_len(a).await;
        for (body, field, words) in [
            (
                json!({"title": "X", "body": "Hi {{customer.email}}"}),
                "body",
                "unknown placeholder {{customer.email}}",
            ),
            (
                json!({"title": "X", "body": "Hi {{customer.name"}),
                "body",
                "not closed",
            ),
            (json!({"title": "", "body": "Hi"}), "title", "empty"),
            (
                json!({"title": "t".repeat(101), "body": "Hi"}),
                "title",
                "100",
            ),
            (
                json!({"title": "X", "body": "b".repeat(5001)}),
                "body",
                "5000",
            ),
            (
                json!({"title": "Invoice", "body": "again"}),
                "title",
                "another canned reply",
            ),
        ] {
            let r = app
                .call(
                    "POST",
                    "/api/v1/canned-replies",
                    Some(&admin),
                    Some(body.clone()),
                )
                .await;
            assert_eq!(r.status, 422, "{body} → {}", r.text());
            assert_eq!(r.json()["field"], field, "{body}");
            assert!(
                r.json()["detail"].as_str().unwrap().contains(words),
                "{body} → {}",
                r.text()
            );
        }
        let smuggled = app
            .call(
                "POST",
                "/api/v1/canned-replies",
                Some(&admin),
                Some(json!({"title": "X", "body": "Hi", "tenant_id": "x"})),
            )
            .await;
        assert_eq!(smuggled.status, 400, "A05: unknown fields are refused");
        assert_eq!(app.log_len(a).await, before, "nothing was stored");
        // B03: markup is kept as text.
        let hostile = app
            .call(
                "POST",
                "/api/v1/canned-replies",
                Some(&admin),
                Some(json!({"title": XSS, "body": XSS})),
            )
            .await;
        assert_eq!(hostile.status, 201);
        assert_eq!(hostile.json()["body"], XSS);
        let list = app
            .call("GET", "/api/v1/canned-replies", Some(&agent), None)
            .await
            .json();
        assert!(
            list["placeholders"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "{{customer.name}}")
        );
    }
}

/// Signs `email` in by password; the session cookie.
async fn sign_in(app: &TestApp, email: &str) -> Option<String> {
    let r = app
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"tenant": "acme", "email": email, "password": "correct horse battery"})),
        )
        .await;
    if r.status != 200 {
        return None;
    }
    let cookie = r.headers.get("set-cookie")?.to_str().ok()?;
    Some(cookie.split(';').next()?.to_owned())
}

async fn me(app: &TestApp, cookie: &str) -> u16 {
    let req = http::Request::get("/api/v1/auth/me")
        .header("cookie", cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    app.send(req).await.status.as_u16()
}

#[tokio::test]
async fn f04_a_role_change_or_deactivation_ends_sessions_and_tokens_at_once() {
    for app in apps().await {
        let a = app.tenant("acme").await;
        let admin = app.token(a, Role::Admin, None).await;
        let agent_token = app.token(a, Role::Agent, None).await;
        let mut ids = Vec::new();
        for (email, role) in [
            ("boss@acme.example", "admin"),
            ("eva@acme.example", "agent"),
        ] {
            let r = app
                .call("POST", "/api/v1/staff", Some(&admin), Some(json!({"email": email, "display_name": "X", "role": role, "password": "correct horse battery"})))
                .await;
            assert_eq!(r.status, 201, "{}", r.text());
            ids.push(r.json()["id"].as_str().unwrap().to_owned());
        }
        let (boss, eva) = (ids[0].clone(), ids[1].clone());
        let list = app.call("GET", "/api/v1/staff", Some(&admin), None).await;
        assert_eq!(list.status, 200);
        assert_eq!(list.json()["items"].as_array().unwrap().len(), 2);
        assert!(!list.text().contains("argon2"), "A07");
        // A token bound to Eva, and a session of hers.
        let (eva_token, hash) = auth::new_token();
        app.store
            .create_token(
                a,
                Role::Agent,
                Some(eva.parse::<uuid::Uuid>().unwrap().into()),
                None,
                &hash,
                &Actor::System,
            )
            .await
            .unwrap();
        assert_eq!(
            app.call("GET", "/api/v1/auth/me", Some(&eva_token), None)
                .await
                .status,
            200
        );
        let session = sign_in(&app, "eva@acme.example")
            .await
            .expect("Eva signs in");
        assert_eq!(me(&app, &session).await, 200);

        // Agents cannot change anyone; nothing happens.
        let before = app.log_len(a).await;
        let role = format!("/api/v1/staff/{eva}/role");
        let deactivate = format!("/api/v1/staff/{eva}/deactivate");
        assert_eq!(
            app.call(
                "PUT",
                &role,
                Some(&agent_token),
                Some(json!({"role": "admin"}))
            )
            .await
            .status,
            403
        );
        assert_eq!(
            app.call("POST", &deactivate, Some(&agent_token), None)
                .await
                .status,
            403
        );
        assert_eq!(
            app.call("GET", "/api/v1/staff", Some(&agent_token), None)
                .await
                .status,
            403
        );
        assert_eq!(
            app.call(
                "PUT",
                &role,
                Some(&admin),
                Some(json!({"role": "customer"}))
            )
            .await
            .status,
            422
        );
        assert_eq!(app.log_len(a).await, before, "no side effect");
        assert_eq!(me(&app, &session).await, 200, "still signed in");

        // A role change ends her session and her token.
        let r = app
            .call("PUT", &role, Some(&admin), Some(json!({"role": "admin"})))
            .await;
        assert_eq!(r.status, 204, "{}", r.text());
        assert_eq!(me(&app, &session).await, 401, "F04: the session died");
        assert_eq!(
            app.call("GET", "/api/v1/auth/me", Some(&eva_token), None)
                .await
                .status,
            401,
            "F04: the token died"
        );
        let session = sign_in(&app, "eva@acme.example")
            .await
            .expect("she signs in again, as admin");
        // Deactivation: session gone, no sign-in any more, listed as deactivated.
        assert_eq!(
            app.call("POST", &deactivate, Some(&admin), None)
                .await
                .status,
            204
        );
        assert_eq!(me(&app, &session).await, 401);
        assert!(
            sign_in(&app, "eva@acme.example").await.is_none(),
            "no sign-in"
        );
        let list = app
            .call("GET", "/api/v1/staff", Some(&admin), None)
            .await
            .json();
        let row = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == eva.as_str())
            .unwrap()
            .clone();
        assert!(row["deactivated_at"].is_string());
        assert_eq!(
            app.call("POST", &deactivate, Some(&admin), None)
                .await
                .status,
            409,
            "already"
        );

        // The last active admin stays; nobody changes themself.
        let boss_session = sign_in(&app, "boss@acme.example").await.unwrap();
        let boss_role = format!("/api/v1/staff/{boss}/role");
        let put = |cookie: &str, csrf: &str, path: &str, body: serde_json::Value| {
            http::Request::put(path.to_owned())
                .header("cookie", cookie)
                .header("x-csrf-token", csrf)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body.to_string()))
                .unwrap()
        };
        let me_json = {
            let req = http::Request::get("/api/v1/auth/me")
                .header("cookie", &boss_session)
                .body(axum::body::Body::empty())
                .unwrap();
            app.send(req).await.json()
        };
        let csrf = me_json["csrf_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let own = app
            .send(put(
                &boss_session,
                &csrf,
                &boss_role,
                json!({"role": "agent"}),
            ))
            .await;
        assert_eq!(own.status, 409, "not oneself: {}", own.text());
        let last = app
            .call(
                "PUT",
                &boss_role,
                Some(&admin),
                Some(json!({"role": "agent"})),
            )
            .await;
        assert_eq!(last.status, 409, "the last active admin: {}", last.text());
        let unknown = format!("/api/v1/staff/{}/deactivate", uuid::Uuid::now_v7());
        assert_eq!(
            app.call("POST", &unknown, Some(&admin), None).await.status,
            404
        );
    }
}

#[tokio::test]
async fn f04_a_staff_socket_closes_when_the_account_changes() {
    let app = crate::helpers::spawn().await;
    let a = app.tenant("acme").await;
    let admin = app.token(a, Role::Admin, None).await;
    let r = app
        .call("POST", "/api/v1/staff", Some(&admin), Some(json!({"email": "eva@acme.example", "display_name": "Eva", "role": "agent", "password": "correct horse battery"})))
        .await;
    let eva = r.json()["id"].as_str().unwrap().to_owned();
    let session = sign_in(&app, "eva@acme.example").await.unwrap();
    let addr = app.serve().await;
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        format!("ws://{addr}/api/v1/staff/socket"),
    )
    .unwrap();
    req.headers_mut().insert("cookie", session.parse().unwrap());
    req.headers_mut()
        .insert("origin", format!("http://{addr}").parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("the socket opens");
    use futures::StreamExt;
    // Wait until the socket is registered (its first frame).
    let first = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next()).await;
    assert!(matches!(first, Ok(Some(Ok(_)))), "{first:?}");
    let r = app
        .call(
            "POST",
            &format!("/api/v1/staff/{eva}/deactivate"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    // The socket ends within seconds (after at most an error frame).
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) => return true,
                Some(Ok(m)) if m.is_close() => return true,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert_eq!(ended, Ok(true), "F04: the socket closed");
}
