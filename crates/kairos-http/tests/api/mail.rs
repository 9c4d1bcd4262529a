//! Support addresses: admins add and remove them; an address belongs to one tenant (C07).

use crate::helpers::spawn;
use http::StatusCode;
use kairos_core::party::Role;
use serde_json::json;

#[tokio::test]
async fn c07_an_address_belongs_to_one_tenant_and_refusals_do_not_say_whose() {
    let app = spawn().await;
    let (a, b) = (app.tenant("acme").await, app.tenant("other").await);
    let admin_a = app.token(a, Role::Admin, None).await;
    let admin_b = app.token(b, Role::Admin, None).await;
    let agent_a = app.token(a, Role::Agent, None).await;

    let added = app
        .call(
            "POST",
            "/api/v1/mail/addresses",
            Some(&admin_a),
            Some(json!({"address": " Support@ACME.test "})),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    assert_eq!(added.json()["address"], "support@acme.test");
    // Adding it again is harmless.
    let again = app
        .call(
            "POST",
            "/api/v1/mail/addresses",
            Some(&admin_a),
            Some(json!({"address": "support@acme.test"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED);

    let taken = app
        .call(
            "POST",
            "/api/v1/mail/addresses",
            Some(&admin_b),
            Some(json!({"address": "SUPPORT@acme.test"})),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(
        !taken.text().contains("acme\""),
        "does not name the owner: {}",
        taken.text()
    );
    // B removing A's address changes nothing.
    let removed = app
        .call(
            "DELETE",
            "/api/v1/mail/addresses/support@acme.test",
            Some(&admin_b),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.store
            .mail_address_tenant("support@acme.test")
            .await
            .unwrap(),
        Some(a)
    );

    for bad in [
        "",
        "no-at-sign",
        "a@",
        "<a@b.c>",
        &format!("{}@x.test", "a".repeat(300)),
    ] {
        let r = app
            .call(
                "POST",
                "/api/v1/mail/addresses",
                Some(&admin_a),
                Some(json!({"address": bad})),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad:?}: {}",
            r.text()
        );
    }
    let list = app
        .call("GET", "/api/v1/mail/addresses", Some(&agent_a), None)
        .await;
    assert_eq!(list.json()["addresses"], json!(["support@acme.test"]));
    let forbidden = app
        .call(
            "POST",
            "/api/v1/mail/addresses",
            Some(&agent_a),
            Some(json!({"address": "x@acme.test"})),
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    // The sender must be one of the tenant's own addresses (no sending as someone else).
    let foreign_from = app
        .call(
            "PUT",
            "/api/v1/mail/settings",
            Some(&admin_b),
            Some(json!({"from_address": "support@acme.test"})),
        )
        .await;
    assert_eq!(
        foreign_from.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        foreign_from.text()
    );
    let own_from = app
        .call(
            "PUT",
            "/api/v1/mail/settings",
            Some(&admin_a),
            Some(json!({"from_address": "Support@acme.test", "from_name": "Acme"})),
        )
        .await;
    assert_eq!(own_from.status, StatusCode::OK, "{}", own_from.text());
    assert_eq!(own_from.json()["from_address"], "support@acme.test");
    let injected = app
        .call(
            "PUT",
            "/api/v1/mail/settings",
            Some(&admin_a),
            Some(json!({"auto_reply": {"subject": "x\r\nBcc: v@x.test", "text": "t"}})),
        )
        .await;
    assert_eq!(
        injected.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "B10: header injection"
    );
    let outbox = app
        .call("GET", "/api/v1/mail/outbox", Some(&agent_a), None)
        .await;
    assert_eq!(outbox.json()["items"], json!([]));

    let gone = app
        .call(
            "DELETE",
            "/api/v1/mail/addresses/support@acme.test",
            Some(&admin_a),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.store
            .mail_address_tenant("support@acme.test")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn imap_mailboxes_are_configured_by_admins_and_passwords_never_shown() {
    let app = spawn().await;
    let (a, b) = (app.tenant("acme").await, app.tenant("other").await);
    let admin_a = app.token(a, Role::Admin, None).await;
    let admin_b = app.token(b, Role::Admin, None).await;
    let body = json!({"host": "imap.example.com", "username": "support@acme.test", "password": "hunter2-imap"});
    let created = app
        .call("POST", "/api/v1/mail/imap", Some(&admin_a), Some(body))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let v = created.json();
    assert_eq!(
        (
            v["port"].as_u64(),
            v["security"].as_str(),
            v["mailbox"].as_str()
        ),
        (Some(993), Some("tls"), Some("INBOX"))
    );
    assert!(!created.text().contains("hunter2"), "{}", created.text());
    let id = v["id"].as_str().unwrap().to_owned();
    let list = app
        .call("GET", "/api/v1/mail/imap", Some(&admin_a), None)
        .await;
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 1);
    assert!(!list.text().contains("hunter2"));
    // Another tenant sees and deletes nothing.
    let other = app
        .call("GET", "/api/v1/mail/imap", Some(&admin_b), None)
        .await;
    assert_eq!(other.json()["items"], json!([]));
    let foreign = app
        .call(
            "DELETE",
            &format!("/api/v1/mail/imap/{id}"),
            Some(&admin_b),
            None,
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    for bad in [
        json!({"host": "imap.example.com", "username": "u", "password": "p", "security": "ssl3"}),
        json!({"host": "imap example.com", "username": "u", "password": "p"}),
        json!({"host": "imap.example.com\r\nX: y", "username": "u", "password": "p"}),
        json!({"host": "imap.example.com", "username": "", "password": "p"}),
        json!({"host": "imap.example.com", "username": "u", "password": "p", "port": 0}),
        json!({"host": "imap.example.com", "username": "u", "password": "p", "mailbox": "IN\u{0}BOX"}),
    ] {
        let r = app
            .call(
                "POST",
                "/api/v1/mail/imap",
                Some(&admin_a),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text()
        );
    }
    let gone = app
        .call(
            "DELETE",
            &format!("/api/v1/mail/imap/{id}"),
            Some(&admin_a),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
}
