//! The web UI's pages against the real HTTP application: headers, sign-in, CSRF, escaping,
//! languages, tenant isolation. Checklist IDs name what each test guards.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod admin;
mod admin_settings;
mod customer;
mod dashboard_csv;
mod harness;
mod invite;
mod portal;
mod portal_security;
mod portal_support;
mod profile;
mod security;
mod widget;
mod workspace;

use harness::{App, PASSWORD, XSS};

#[tokio::test]
async fn signed_out_visitors_are_sent_to_the_sign_in_page() {
    let app = App::new().await;
    for path in [
        "/",
        "/inbox",
        "/conversations/01a23606-9ceb-7477-aede-1f450ddc5093",
    ] {
        let reply = app.get(path, "", &[]).await;
        assert_eq!(reply.status, 303, "{path}");
        assert_eq!(reply.header("location"), "/login", "{path}");
    }
    let login = app.get("/login", "", &[]).await;
    assert_eq!(login.status, 200);
    assert!(login.header("content-type").starts_with("text/html"));
    assert!(login.body.contains("action=\"/login\""));
}

/// A server without any organisation says how to create one; once one exists, the page says
/// nothing about organisations.
#[tokio::test]
async fn an_empty_server_explains_how_to_begin() {
    let app = App::new().await;
    let empty = app.get("/login", "", &[]).await;
    assert!(empty.body.contains("id=\"first-run\""));
    assert!(empty.body.contains("kairos demo"));
    app.tenant("acme").await;
    let later = app.get("/login", "", &[]).await;
    assert!(!later.body.contains("id=\"first-run\""));
    assert!(!later.body.contains("kairos demo"));
}

/// F06: a wrong password, an unknown e-mail and an unknown tenant read alike, and name
/// none of the three; the form comes back filled in, without the password.
#[tokio::test]
async fn a_failed_sign_in_says_so_without_saying_which_part_was_wrong() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let form = app.get("/login", "", &[]).await;
    let pre = form.cookies().join("; ");
    let csrf = form.csrf();
    let mut bodies = Vec::new();
    for (tenant, email, password) in [
        ("acme", t.email.as_str(), "wrong password here"),
        ("acme", "nobody@acme.example", PASSWORD),
        ("nope", t.email.as_str(), PASSWORD),
    ] {
        let reply = app
            .post(
                "/login",
                &pre,
                &[
                    ("tenant", tenant),
                    ("email", email),
                    ("password", password),
                    ("csrf", &csrf),
                ],
                &[],
            )
            .await;
        assert_eq!(reply.status, 401);
        assert!(
            reply
                .cookies()
                .iter()
                .all(|c| !c.starts_with("kairos_session"))
        );
        assert!(reply.body.contains("role=\"alert\""));
        assert!(!reply.body.contains(password), "the password is not echoed");
        let alert = reply.body.split("role=\"alert\"").nth(1).unwrap();
        bodies.push(alert[..alert.find("</p>").unwrap()].to_owned());
    }
    assert!(bodies.iter().all(|b| *b == bodies[0]), "{bodies:?}");
    assert!(bodies[0].contains("do not match"));
}

/// F05: after ten failed sign-ins for one account the form refuses even the right
/// password with 429, says when to try again (in the page's language), and sets no session.
#[tokio::test]
async fn the_sign_in_form_is_throttled_after_repeated_failures() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let form = app.get("/login", "", &[]).await;
    let pre = form.cookies().join("; ");
    let csrf = form.csrf();
    let attempt = |password: &'static str| {
        let (app, pre, csrf, email) = (&app, &pre, &csrf, t.email.clone());
        async move {
            app.post(
                "/login?lang=de",
                pre,
                &[
                    ("tenant", "acme"),
                    ("email", &email),
                    ("password", password),
                    ("csrf", csrf),
                ],
                &[],
            )
            .await
        }
    };
    for _ in 0..10 {
        assert_eq!(attempt("wrong password here").await.status, 401);
    }
    let refused = attempt(PASSWORD).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.header("retry-after").parse::<u64>().unwrap() > 0);
    assert!(
        refused
            .body
            .contains("Zu viele fehlgeschlagene Anmeldungen"),
        "{}",
        refused.body
    );
    assert!(
        refused
            .cookies()
            .iter()
            .all(|c| !c.contains("kairos_session="))
    );
}

/// The acceptance path: sign in through the form, see the inbox, open the conversation;
/// the customer's `<img onerror>` shows as text everywhere.
#[tokio::test]
async fn an_agent_signs_in_sees_the_inbox_and_the_payload_stays_text() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let id = app.hostile_conversation(&t).await;
    let session = app.sign_in(&t).await;

    let inbox = app.get("/inbox", &session, &[]).await;
    assert_eq!(inbox.status, 200);
    assert!(
        inbox
            .body
            .contains(&format!("href=\"/conversations/{id}\""))
    );
    let page = app
        .get(&format!("/conversations/{id}"), &session, &[])
        .await;
    assert_eq!(page.status, 200);
    for body in [&inbox.body, &page.body] {
        assert!(!body.contains(XSS), "raw payload in the page");
        assert!(!body.contains("<img"), "an img element in the page");
        assert!(body.contains("&#60;img src=x onerror=alert(1)&#62;") || body.contains("&lt;img"));
    }
    // Subject, name in the sidebar, message body and timeline entry.
    assert!(
        page.body.matches("onerror=alert(1)").count() >= 4,
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"composer\""));
    assert!(page.body.contains("id=\"timeline\""));
}

#[tokio::test]
async fn the_composer_posts_a_reply_and_a_note_and_the_status_form_changes_the_conversation() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let id = app.hostile_conversation(&t).await;
    let session = app.sign_in(&t).await;
    let page = app
        .get(&format!("/conversations/{id}"), &session, &[])
        .await;
    let csrf = page.csrf();

    let path = format!("/conversations/{id}/messages");
    let reply = app
        .post(
            &path,
            &session,
            &[
                ("csrf", &csrf),
                ("kind", "reply"),
                ("channel", "email"),
                ("body", "Danke, wir kümmern uns."),
            ],
            &[],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let note = app
        .post(
            &path,
            &session,
            &[
                ("csrf", &csrf),
                ("kind", "note"),
                ("body", "Kundin seit 2019"),
            ],
            &[],
        )
        .await;
    assert_eq!(note.status, 303);
    let empty = app
        .post(
            &path,
            &session,
            &[("csrf", &csrf), ("kind", "reply"), ("body", "   ")],
            &[],
        )
        .await;
    assert_eq!(empty.status, 422, "an empty message is refused on the page");
    assert!(empty.body.contains("role=\"alert\""));

    let messages = app
        .api(
            &t,
            "GET",
            &format!("/api/v1/conversations/{id}/messages"),
            serde_json::Value::Null,
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(&messages.body).unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{v}");
    assert_eq!(items[1]["direction"], "outbound");
    assert_eq!(items[1]["body"], "Danke, wir kümmern uns.");
    assert_eq!(items[2]["direction"], "note");

    let status = app
        .post(
            &format!("/conversations/{id}/status"),
            &session,
            &[("csrf", &csrf), ("status", "pending"), ("assign", "me")],
            &[],
        )
        .await;
    assert_eq!(status.status, 303);
    let page = app
        .get(&format!("/conversations/{id}"), &session, &[])
        .await;
    assert!(page.body.contains("status-pending"));
    assert!(
        page.body.contains("<dd>Ada Agent</dd>"),
        "assigned to the agent"
    );
    let mine = app
        .get("/inbox?view=mine&status=pending", &session, &[])
        .await;
    assert!(mine.body.contains(&id));
    let unassigned = app
        .get("/inbox?view=unassigned&status=any", &session, &[])
        .await;
    assert!(!unassigned.body.contains(&id));

    let fields = [
        ("csrf", csrf.as_str()),
        ("status", "open"),
        ("priority", "urgent"),
        ("tags", " VIP, Rückruf ,,"),
    ];
    let changed = app
        .post(
            &format!("/conversations/{id}/status"),
            &session,
            &fields,
            &[],
        )
        .await;
    assert_eq!(changed.status, 303);
    let v = app
        .api(
            &t,
            "GET",
            &format!("/api/v1/conversations/{id}"),
            serde_json::Value::Null,
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(&v.body).unwrap();
    assert_eq!(v["priority"], "urgent");
    assert_eq!(v["status"], "open");
    assert_eq!(v["tags"].as_array().unwrap().len(), 2, "{v}");
    let bad = [("csrf", csrf.as_str()), ("priority", "whenever")];
    let refused = app
        .post(&format!("/conversations/{id}/status"), &session, &bad, &[])
        .await;
    assert_eq!(refused.status, 422);
}

#[tokio::test]
async fn the_inbox_filters_by_channel_and_status() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let email = app.hostile_conversation(&t).await;
    let chat = app
        .api(
            &t,
            "POST",
            "/api/v1/inbound",
            serde_json::json!({"channel": "chat",
            "from": {"kind": "phone", "value": "+491701234567"}, "body": "Hallo?"}),
        )
        .await;
    let chat: serde_json::Value = serde_json::from_str(&chat.body).unwrap();
    let chat = chat["conversation_id"].as_str().unwrap().to_owned();
    let session = app.sign_in(&t).await;

    let all = app.get("/inbox", &session, &[]).await;
    assert!(all.body.contains(&email) && all.body.contains(&chat));
    let chats = app.get("/inbox?channel=chat", &session, &[]).await;
    assert!(chats.body.contains(&chat) && !chats.body.contains(&email));
    // A chat has no subject: its first message stands in.
    assert!(
        chats
            .body
            .contains("<span class=\"row-title\">Hallo?</span>"),
        "{}",
        chats.body
    );
    let customer: serde_json::Value = serde_json::from_str(
        &app.api(
            &t,
            "GET",
            &format!("/api/v1/conversations/{chat}"),
            serde_json::Value::Null,
        )
        .await
        .body,
    )
    .unwrap();
    let tier = format!(
        "/api/v1/customers/{}/tier",
        customer["customer_id"].as_str().unwrap()
    );
    let set = app
        .api(&t, "PUT", &tier, serde_json::json!({"tier": "gold"}))
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let chats = app.get("/inbox?channel=chat", &session, &[]).await;
    assert!(
        chats
            .body
            .contains("<span class=\"badge tier\">gold</span>")
    );
    let closed = app.get("/inbox?status=closed", &session, &[]).await;
    assert!(!closed.body.contains(&chat) && !closed.body.contains(&email));
    let bad = app
        .get("/inbox?channel=carrier-pigeon", &session, &[])
        .await;
    assert_eq!(bad.status, 422);
}

#[tokio::test]
async fn the_language_follows_the_browser_the_cookie_and_the_switch() {
    let app = App::new().await;
    let german = app
        .get(
            "/login",
            "",
            &[("accept-language", "de-AT,de;q=0.9,en;q=0.5")],
        )
        .await;
    assert!(german.body.contains("<html lang=\"de\">"));
    assert!(german.body.contains("Anmelden"));
    let english = app
        .get(
            "/login",
            "",
            &[("accept-language", "fr, en;q=0.8, de;q=0.3")],
        )
        .await;
    assert!(english.body.contains("<html lang=\"en\">"));
    assert!(english.body.contains("Sign in"));
    let unknown = app.get("/login", "", &[("accept-language", "fr")]).await;
    assert!(
        unknown.body.contains("<html lang=\"en\">"),
        "English by default"
    );

    // The switch wins over the browser and is remembered.
    let switched = app
        .get("/login?lang=en", "", &[("accept-language", "de")])
        .await;
    assert!(switched.body.contains("<html lang=\"en\">"));
    assert!(switched.cookies().contains(&"kairos_lang=en".to_owned()));
    let remembered = app
        .get("/login", "kairos_lang=en", &[("accept-language", "de")])
        .await;
    assert!(remembered.body.contains("<html lang=\"en\">"));
    let hostile = app
        .get("/login?lang=%3Cscript%3E", "kairos_lang=<x>", &[])
        .await;
    assert_eq!(hostile.status, 200);
    assert!(hostile.body.contains("<html lang=\"en\">"));
    assert!(
        hostile
            .cookies()
            .iter()
            .all(|c| !c.starts_with("kairos_lang"))
    );

    // Signed in, dates follow the language too.
    let t = app.tenant("acme").await;
    app.hostile_conversation(&t).await;
    let session = app.sign_in(&t).await;
    let de = app
        .get("/inbox", &format!("{session}; kairos_lang=de"), &[])
        .await;
    assert!(de.body.contains("Posteingang"));
    assert!(de.body.contains("Ein Gespräch"), "the plural form");
    assert!(
        de.body.contains(". 20") && de.body.contains(" UTC</time>"),
        "a German date"
    );
}
