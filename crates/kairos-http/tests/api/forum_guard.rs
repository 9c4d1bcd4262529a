//! Forums over HTTP, the guards (each on SQLite and PostgreSQL): tenants never see or touch
//! each other's threads, and a 404 for another tenant's thread is the same as for none
//! (A01, A02, A04); hostile input is refused or rendered inert (A05, B01, B03, B06, B08,
//! G06).

use crate::forum::{get, listed, moderate, reply, setup, thread};
use crate::helpers::{Backend, TestApp, spawn_on};
use http::StatusCode;
use kairos_core::party::Role;
use serde_json::{Value, json};

/// Runs `$body(app)` on SQLite and, when configured, on PostgreSQL.
macro_rules! on_both {
    ($sqlite:ident, $postgres:ident, $body:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            $body(spawn_on(Backend::Sqlite).await.unwrap()).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $postgres() {
            let Some(app) = spawn_on(Backend::Postgres).await else {
                return;
            };
            $body(app).await;
        }
    };
}

async fn tenants_never_see_each_others_threads(app: TestApp) {
    let f = setup(&app).await;
    let (admin, anna, cat) = (&f.kb.admin, &f.kb.customer, &f.kb.category);
    let t = thread(
        &app,
        anna,
        json!({"category_id": cat, "title": "Acme intern", "body": "acme"}),
    )
    .await;
    let id = t["id"].as_str().unwrap().to_owned();
    let b = app.tenant("globex").await;
    let admin_b = app.token(b, Role::Admin, None).await;
    let cat_b = app
        .call(
            "POST",
            "/api/v1/kb/categories",
            Some(&admin_b),
            Some(json!({"slug": "g", "name": "G"})),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Tenant B's admin: not in the list, 404 for every route on A's thread, like a ghost id.
    assert!(listed(&app, Some(&admin_b), "").await.is_empty());
    let ghost = uuid::Uuid::now_v7().to_string();
    for (method, suffix, body) in [
        ("GET", "", None),
        ("POST", "/replies", Some(json!({"body": "x"}))),
        ("POST", "/moderation", Some(json!({"action": "hide"}))),
        ("PUT", "/solution", Some(json!({"reply_id": null}))),
        ("POST", "/conversation", None),
    ] {
        let before = app.log_len(f.kb.tenant).await;
        let r = app
            .call(
                method,
                &format!("/api/v1/forum/threads/{id}{suffix}"),
                Some(&admin_b),
                body.clone(),
            )
            .await;
        let g = app
            .call(
                method,
                &format!("/api/v1/forum/threads/{ghost}{suffix}"),
                Some(&admin_b),
                body,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{method} {suffix}: {}",
            r.text()
        );
        assert_eq!(r.body, g.body, "{method} {suffix}");
        assert_eq!(app.log_len(f.kb.tenant).await, before);
    }
    // A's category is no category of B; visitors of globex see nothing of acme.
    let r = app
        .call(
            "POST",
            "/api/v1/forum/threads",
            Some(&admin_b),
            Some(json!({"category_id": cat, "title": "x", "body": "y"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .call("GET", "/api/v1/forum/threads?tenant=globex", None, None)
        .await;
    assert_eq!(r.json(), json!([]));
    let r = app
        .call(
            "GET",
            &format!("/api/v1/forum/threads/{id}?tenant=globex"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Moving A's thread into B's category is refused.
    assert_eq!(
        moderate(
            &app,
            admin,
            &id,
            json!({"action": "move", "category_id": cat_b})
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

on_both!(
    tenants_never_see_each_others_threads_on_sqlite,
    tenants_never_see_each_others_threads_on_postgres,
    tenants_never_see_each_others_threads
);

async fn hostile_input_is_refused_or_rendered_inert(app: TestApp) {
    let f = setup(&app).await;
    let (anna, cat) = (&f.kb.customer, &f.kb.category);
    let before = app.log_len(f.kb.tenant).await;
    let post = |body: Value| {
        let app = &app;
        async move {
            app.call("POST", "/api/v1/forum/threads", Some(anna), Some(body))
                .await
        }
    };
    // G06: oversize title and body; a control character in the title; an empty body.
    for (body, field) in [
        (
            json!({"category_id": cat, "title": "x".repeat(201), "body": "y"}),
            "title",
        ),
        (
            json!({"category_id": cat, "title": "x", "body": "y".repeat(20 * 1024 + 1)}),
            "body",
        ),
        (
            json!({"category_id": cat, "title": "a\u{1b}[31mb", "body": "y"}),
            "title",
        ),
        (
            json!({"category_id": cat, "title": "x", "body": "   "}),
            "body",
        ),
        (
            json!({"category_id": cat, "title": "x", "body": "y", "visibility": "internal"}),
            "visibility",
        ),
        (
            json!({"category_id": cat, "title": "x", "body": "y", "language": "xx-YY-ZZ"}),
            "language",
        ),
        (
            json!({"category_id": cat, "title": "x", "body": "y", "author_name": "a\nb"}),
            "author_name",
        ),
    ] {
        let r = post(body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            r.text()
        );
        assert!(r.text().contains(field), "{field}: {}", r.text());
    }
    // A05: fields a client must not set are refused (unknown fields: 400).
    for field in [
        "customer_id",
        "tenant_id",
        "hidden",
        "locked",
        "solution",
        "author",
        "id",
    ] {
        let mut body = json!({"category_id": cat, "title": "x", "body": "y"});
        body[field] = json!(true);
        let r = post(body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field}: {}", r.text());
    }
    // A body far over any limit is cut off before it is read (G06).
    let r =
        post(json!({"category_id": cat, "title": "x", "body": "y".repeat(3 * 1024 * 1024)})).await;
    assert!(
        r.status == StatusCode::PAYLOAD_TOO_LARGE || r.status == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        r.status
    );
    assert_eq!(
        app.log_len(f.kb.tenant).await,
        before,
        "nothing refused was written"
    );

    // B01, B03, B06: script, event handlers and javascript: links in Markdown come back
    // inert in the rendered HTML of threads and replies; the source stays as written.
    let evil = "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[klick](javascript:alert(1)) <svg onload=alert(1)> [d](data:text/html,x) **fett**";
    let t = post(json!({"category_id": cat, "title": "<img src=x onerror=alert(1)>", "body": evil, "author_name": "<script>x</script>"})).await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.text());
    let id = t.json()["id"].as_str().unwrap().to_owned();
    reply(&app, &f.ben, &id, evil).await;
    let (_, v) = get(&app, None, &id).await;
    assert_eq!(v["body"], evil, "the source is kept");
    for html in [
        v["html"].as_str().unwrap(),
        v["reply_list"][0]["html"].as_str().unwrap(),
    ] {
        let lower = html.to_lowercase();
        assert!(
            !lower.contains("<script") && !lower.contains("onerror") && !lower.contains("onload"),
            "{html}"
        );
        assert!(
            !lower.contains("href=\"javascript") && !lower.contains("href=\"data:"),
            "{html}"
        );
        assert!(html.contains("<strong>fett</strong>"), "{html}");
    }
    // B08: SQL-looking query values are values (or refused), never SQL.
    for q in [
        "category=1%27%20OR%201%3D1--",
        "limit=1;%20SELECT%201",
        "offset=-1",
        "offset=10001",
        "limit=0",
        "limit=101",
    ] {
        let r = app
            .call(
                "GET",
                &format!("/api/v1/forum/threads?{q}"),
                Some(anna),
                None,
            )
            .await;
        assert!(
            r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{q}: {}",
            r.status
        );
    }
    let r = app
        .call(
            "GET",
            "/api/v1/forum/threads/1%27%20OR%201%3D1--",
            Some(anna),
            None,
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
}

on_both!(
    hostile_input_is_refused_or_rendered_inert_on_sqlite,
    hostile_input_is_refused_or_rendered_inert_on_postgres,
    hostile_input_is_refused_or_rendered_inert
);
