//! Webhook secrets over HTTP (checklist A07, P02: shown once, never listed or logged): an
//! admin creates one and sees it once (201); the list holds names and times only; a rotation
//! draws a new value; the log says a name changed without the value; agents are refused
//! (403); hostile names are refused (422). SQLite and PostgreSQL.

use crate::helpers::{Backend, spawn_on};
use http::StatusCode;
use kairos_core::party::Role;

async fn shown_once_listed_without_value(backend: Backend) {
    let Some(app) = spawn_on(backend).await else {
        return;
    };
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let path = "/api/v1/anticipation/secrets/crm";
    let r = app.call("POST", path, Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let first = r.json()["secret"].as_str().unwrap().to_owned();
    assert_eq!(first.len(), 43, "32 bytes, base64url without padding");
    assert_eq!(
        app.store.webhook_secret(t, "crm").await.unwrap(),
        Some(first.clone())
    );

    let r = app
        .call("GET", "/api/v1/anticipation/secrets", Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["name"], "crm");
    assert!(items[0]["created_at"].is_string());
    assert!(!r.text().contains(&first), "the list never holds a value");

    // Rotation: a new value, the old one gone.
    let second = app.call("POST", path, Some(&admin), None).await.json()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    assert_eq!(
        app.store.webhook_secret(t, "crm").await.unwrap(),
        Some(second.clone())
    );
    // The log names the secret, never its value.
    let log = app.store.events(t, 0, 1000).await.unwrap();
    let changes = log
        .iter()
        .filter(|e| e.data.name() == "webhook_secret.changed")
        .count();
    assert_eq!(changes, 2);
    let dump = format!("{log:?}");
    assert!(!dump.contains(&first) && !dump.contains(&second));

    // Agents may not see or change secrets.
    let agent = app.token(t, Role::Agent, None).await;
    for (method, p) in [
        ("GET", "/api/v1/anticipation/secrets"),
        ("POST", path),
        ("DELETE", path),
    ] {
        let r = app.call(method, p, Some(&agent), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {p}");
    }

    // Hostile names (upper case, too long, path tricks, spaces) are refused before the store.
    let long = format!("/api/v1/anticipation/secrets/{}", "x".repeat(65));
    for p in [
        "/api/v1/anticipation/secrets/CRM",
        long.as_str(),
        "/api/v1/anticipation/secrets/..%2Fetc",
        "/api/v1/anticipation/secrets/a%20b",
    ] {
        let r = app.call("POST", p, Some(&admin), None).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{p}: {}",
            r.text()
        );
    }

    let r = app.call("DELETE", path, Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(app.store.webhook_secret(t, "crm").await.unwrap(), None);
    let r = app.call("DELETE", path, Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sqlite_secret_shown_once_listed_without_value() {
    shown_once_listed_without_value(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_secret_shown_once_listed_without_value() {
    shown_once_listed_without_value(Backend::Postgres).await;
}
