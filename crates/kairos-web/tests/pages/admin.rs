//! The admin pages: admins only (A01), every form CSRF-checked (F08) and refused without a
//! side effect for agents and other tenants' admins, secrets shown once, hostile text shown
//! as text (B03), refusals shown beside their field, and the canned-reply picker in the
//! agent's composer.

use crate::harness::{App, Tenant, XSS};

const PAGES: [&str; 7] = [
    "/admin",
    "/admin/staff",
    "/admin/channels",
    "/admin/sla",
    "/admin/routing",
    "/admin/canned-replies",
    "/admin/privacy",
];

fn escaped_only(body: &str, path: &str) {
    assert!(
        !body.contains(XSS),
        "{path}: the payload must not appear raw"
    );
    assert!(
        body.contains("&lt;img src=x onerror=alert(1)&gt;") || body.contains("&#60;img"),
        "{path}: the payload shows escaped"
    );
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Everything an admin can change, as the API shows it (secrets never appear there).
async fn snapshot(app: &App, t: &Tenant) -> String {
    let mut out = String::new();
    for path in [
        "/api/v1/canned-replies",
        "/api/v1/staff",
        "/api/v1/mail/addresses",
        "/api/v1/mail/settings",
        "/api/v1/mail/imap",
        "/api/v1/channels",
        "/api/v1/sla",
        "/api/v1/anticipation/secrets",
        "/api/v1/routing",
        "/api/v1/privacy",
        "/api/v1/retention",
        "/api/v1/tenant",
    ] {
        let r = app.api(t, "GET", path, serde_json::Value::Null).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        out.push_str(&r.body);
    }
    out
}

/// A tenant with one of everything; returns the form posts that change each.
async fn furnished(app: &App, t: &Tenant) -> Vec<(String, Vec<(&'static str, String)>)> {
    let json = |r: crate::harness::Reply| -> serde_json::Value {
        assert!(r.status.is_success(), "{} {}", r.status, r.body);
        serde_json::from_str(&r.body).unwrap()
    };
    let canned = json(
        app.api(
            t,
            "POST",
            "/api/v1/canned-replies",
            serde_json::json!({"title": "Hi", "body": "Hello {{customer.name}}"}),
        )
        .await,
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let staff = json(
        app.api(t, "GET", "/api/v1/staff", serde_json::Value::Null)
            .await,
    );
    let agent = staff["items"][0]["id"].as_str().unwrap().to_owned();
    json(
        app.api(
            t,
            "POST",
            "/api/v1/mail/addresses",
            serde_json::json!({"address": format!("help@{}.example", t.slug)}),
        )
        .await,
    );
    let imap = json(
        app.api(
            t,
            "POST",
            "/api/v1/mail/imap",
            serde_json::json!({"host": "imap.example.com", "username": "u", "password": "p"}),
        )
        .await,
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let channel = json(
        app.api(
            t,
            "POST",
            "/api/v1/channels",
            serde_json::json!({"provider": "telegram", "name": "Bot",
            "config": {"bot_token": "123:abc", "secret_token": "s3cret"}}),
        )
        .await,
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    json(
        app.api(
            t,
            "POST",
            "/api/v1/anticipation/secrets/crm",
            serde_json::Value::Null,
        )
        .await,
    );
    json(
        app.api(t, "PUT", "/api/v1/sla", serde_json::json!({"policies": [{"name": "Std", "targets": {"normal": {"first_response": 3600}}}]}))
            .await,
    );
    json(
        app.api(
            t,
            "PUT",
            "/api/v1/routing",
            serde_json::json!({"enabled": false, "queues": [{"name": "A"}, {"name": "B"}]}),
        )
        .await,
    );
    let s = |v: &str| v.to_owned();
    vec![
        (
            s("/admin/staff"),
            vec![
                ("display_name", s("Mallory")),
                ("email", s("m@x.example")),
                ("role", s("admin")),
                ("password", s("correct horse battery")),
            ],
        ),
        (
            format!("/admin/staff/{agent}/role"),
            vec![("role", s("admin"))],
        ),
        (format!("/admin/staff/{agent}/deactivate"), vec![]),
        (
            s("/admin/channels/addresses"),
            vec![("address", s("new@x.example"))],
        ),
        (
            s("/admin/channels/addresses/remove"),
            vec![("address", format!("help@{}.example", t.slug))],
        ),
        (
            s("/admin/channels/mail"),
            vec![
                ("from_name", s("Evil")),
                ("auto_subject", s("x")),
                ("auto_text", s("y")),
            ],
        ),
        (
            s("/admin/channels/imap"),
            vec![
                ("host", s("imap.evil.example")),
                ("username", s("u")),
                ("password", s("p")),
            ],
        ),
        (format!("/admin/channels/imap/{imap}/delete"), vec![]),
        (
            s("/admin/channels/providers"),
            vec![
                ("provider", s("telegram")),
                ("name", s("Evil")),
                ("telegram_bot_token", s("1:x")),
                ("telegram_secret_token", s("y")),
            ],
        ),
        (
            format!("/admin/channels/providers/{channel}/delete"),
            vec![],
        ),
        (s("/admin/channels/secrets"), vec![("name", s("crm"))]),
        (
            s("/admin/channels/secrets/delete"),
            vec![("name", s("crm"))],
        ),
        (
            s("/admin/sla/hours"),
            vec![
                ("time_zone", s("Europe/Berlin")),
                ("day_mon", s("09:00-17:00")),
            ],
        ),
        (
            s("/admin/sla/policies"),
            vec![
                ("index", s("0")),
                ("name", s("Evil")),
                ("normal_first_response", s("5")),
            ],
        ),
        (s("/admin/sla/policies/0/delete"), vec![]),
        (s("/admin/organisation"), vec![("name", s("Evil Corp"))]),
        (s("/admin/routing"), vec![("enabled", s("on"))]),
        (
            s("/admin/routing/queues"),
            vec![("name", s("Evil")), ("channel_email", s("on"))],
        ),
        (s("/admin/routing/queues/1/up"), vec![]),
        (s("/admin/routing/queues/0/delete"), vec![]),
        (s("/admin/privacy"), vec![("purposes", s("evil"))]),
        (
            s("/admin/privacy/retention"),
            vec![("context_events_days", s("1"))],
        ),
        (
            s("/admin/canned-replies"),
            vec![("title", s("Evil")), ("body", s("x"))],
        ),
        (
            format!("/admin/canned-replies/{canned}"),
            vec![("title", s("Evil")), ("body", s("x"))],
        ),
        (format!("/admin/canned-replies/{canned}/delete"), vec![]),
    ]
}

/// A01: visitors are sent to sign in, agents get the 403 page, admins the pages (with the
/// strict policy and no inline script or style); only admins see the navigation entry.
#[tokio::test]
async fn a01_admin_pages_are_for_admins_only() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let agent = app.sign_in(&t).await;
    let admin = app.sign_in_admin(&t).await;
    for path in PAGES {
        let anonymous = app.get(path, "", &[]).await;
        assert_eq!(
            (anonymous.status.as_u16(), anonymous.header("location")),
            (303, "/login"),
            "{path}"
        );
        let refused = app.get(path, &agent, &[]).await;
        assert_eq!(refused.status, 403, "{path}");
        assert!(refused.body.contains("Not allowed"), "{path}: the 403 page");
        let page = app.get(path, &admin, &[]).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(
            page.header("content-security-policy")
                .contains("script-src 'self'")
        );
        assert_eq!(page.header("cache-control"), "no-store");
        assert!(
            !page.body.contains("<script>") && !page.body.contains("style="),
            "{path}"
        );
        assert!(
            page.body
                .contains(&format!("href=\"{path}\" aria-current=\"page\"")),
            "{path}: the nav marks it"
        );
        let german = app.get(&format!("{path}?lang=de"), &admin, &[]).await;
        assert!(german.body.contains("Verwaltung"), "{path}: German");
    }
    assert!(
        app.get("/inbox", &admin, &[])
            .await
            .body
            .contains("href=\"/admin\"")
    );
    assert!(
        !app.get("/inbox", &agent, &[])
            .await
            .body
            .contains("href=\"/admin\"")
    );
}

/// A01, F08: every admin form, posted by an agent, by another tenant's admin, without the
/// CSRF token or from another site, is refused and changes nothing.
#[tokio::test]
async fn a01_f08_every_admin_form_refuses_agents_other_tenants_and_forgeries() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let other = app.tenant("other").await;
    let forms = furnished(&app, &t).await;
    let agent = app.sign_in(&t).await;
    let admin = app.sign_in_admin(&t).await;
    let intruder = app.sign_in_admin(&other).await;
    let csrf = |cookies: String| {
        let app = &app;
        async move { app.get("/admin/canned-replies", &cookies, &[]).await }
    };
    let agent_csrf = app.get("/inbox", &agent, &[]).await.csrf();
    let admin_csrf = csrf(admin.clone()).await.csrf();
    let intruder_csrf = csrf(intruder.clone()).await.csrf();
    let before = snapshot(&app, &t).await;
    for (path, fields) in &forms {
        let with = |token: &str| -> Vec<(String, String)> {
            let mut f: Vec<(String, String)> = fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect();
            f.push(("csrf".to_owned(), token.to_owned()));
            f
        };
        let by_agent = app
            .post(path, &agent, &pairs(&with(&agent_csrf)), &[])
            .await;
        assert_eq!(by_agent.status, 403, "agent {path}");
        let no_csrf = app.post(path, &admin, &pairs(&with("")), &[]).await;
        assert_eq!(no_csrf.status, 403, "no csrf {path}");
        assert!(no_csrf.body.contains("expired"), "{path}");
        let other_session = app
            .post(path, &admin, &pairs(&with(&intruder_csrf)), &[])
            .await;
        assert_eq!(other_session.status, 403, "another session's csrf {path}");
        let cross = app
            .post(
                path,
                &admin,
                &pairs(&with(&admin_csrf)),
                &[("sec-fetch-site", "cross-site")],
            )
            .await;
        assert_eq!(cross.status, 403, "cross-site {path}");
        let foreign = app
            .post(path, &intruder, &pairs(&with(&intruder_csrf)), &[])
            .await;
        assert_ne!(foreign.status.as_u16(), 500, "{path}: {}", foreign.body);
        assert_eq!(
            snapshot(&app, &t).await,
            before,
            "{path}: nothing of acme changed"
        );
    }
    // The same forms from acme's own admin do change things (the refusals above were real).
    let (path, fields) = &forms[forms.len() - 1];
    let mut f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    f.push(("csrf", &admin_csrf));
    let done = app.post(path, &admin, &f, &[]).await;
    assert_eq!(done.status, 303, "{path}: {}", done.body);
    assert_ne!(snapshot(&app, &t).await, before);
}

/// Provider settings and webhook secrets are shown in the answer to the form that created
/// them, and only masked afterwards (checklist A07).
#[tokio::test]
async fn secrets_are_shown_once_then_masked() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let admin = app.sign_in_admin(&t).await;
    let csrf = app.get("/admin/channels", &admin, &[]).await.csrf();
    let created = app
        .post(
            "/admin/channels/providers",
            &admin,
            &[
                ("csrf", &csrf),
                ("provider", "telegram"),
                ("name", "Bot"),
                ("telegram_bot_token", "4242:very-secret-bot-token"),
                ("telegram_secret_token", "hook-secret-value"),
            ],
            &[],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(
        created.body.contains("4242:very-secret-bot-token")
            && created.body.contains("hook-secret-value")
    );
    let rotated = app
        .post(
            "/admin/channels/secrets",
            &admin,
            &[("csrf", &csrf), ("name", "crm")],
            &[],
        )
        .await;
    assert_eq!(rotated.status, 200);
    let at = rotated
        .body
        .find("class=\"secret\">")
        .expect("the secret shown")
        + 16;
    let secret = &rotated.body[at..at + rotated.body[at..].find('<').unwrap()];
    assert!(secret.len() >= 40, "{secret}");
    let later = app.get("/admin/channels", &admin, &[]).await;
    for shown_once in ["4242:very-secret-bot-token", "hook-secret-value", secret] {
        assert!(
            !later.body.contains(shown_once),
            "{shown_once} must not be shown again"
        );
    }
    assert!(later.body.contains("********"));
    assert!(later.body.contains("crm"));
}

/// B03: hostile text entered by an admin (or a customer) shows as text on the admin pages
/// and in the composer the picker fills.
#[tokio::test]
async fn b03_hostile_text_is_text_in_admin_views_and_the_picker() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let admin = app.sign_in_admin(&t).await;
    let csrf = app.get("/admin", &admin, &[]).await.csrf();
    let posts: [(&str, Vec<(&str, &str)>); 8] = [
        ("/admin/organisation", vec![("name", XSS)]),
        (
            "/admin/routing/queues",
            vec![("name", XSS), ("channel_email", "on")],
        ),
        (
            "/admin/privacy",
            vec![
                ("purposes", "service"),
                ("controller.name", XSS),
                ("controller.contact_email", "privacy@acme.example"),
                ("controller.address", XSS),
                ("controller.policy_url", "https://acme.example/privacy"),
                ("controller.jurisdiction", "DE"),
            ],
        ),
        (
            "/admin/canned-replies",
            vec![
                ("title", XSS),
                ("body", "Hi {{customer.name}} <img src=x onerror=alert(1)>"),
            ],
        ),
        (
            "/admin/staff",
            vec![
                ("display_name", XSS),
                ("email", "x@acme.example"),
                ("role", "agent"),
                ("password", "correct horse battery"),
            ],
        ),
        (
            "/admin/sla/policies",
            vec![
                ("name", XSS),
                ("tier", XSS),
                ("normal_first_response", "60"),
            ],
        ),
        (
            "/admin/channels/mail",
            vec![
                ("from_name", XSS),
                ("auto_subject", XSS),
                ("auto_text", XSS),
            ],
        ),
        (
            "/admin/channels/imap",
            vec![
                ("host", "imap.example.com"),
                ("username", XSS),
                ("password", "p"),
                ("mailbox", XSS),
            ],
        ),
    ];
    for (path, fields) in posts {
        let mut f = fields.clone();
        f.push(("csrf", &csrf));
        let r = app.post(path, &admin, &f, &[]).await;
        assert_eq!(r.status, 303, "{path}: {}", r.body);
    }
    for path in PAGES {
        let page = app.get(path, &admin, &[]).await;
        escaped_only(&page.body, path);
    }
    // The picker, without the script: the reply filled in for a hostile customer, as text.
    let id = app.hostile_conversation(&t).await;
    let agent = app.sign_in(&t).await;
    let page = app.get(&format!("/conversations/{id}"), &agent, &[]).await;
    let picker = page.body.find("id=\"canned\"").expect("the picker");
    let at = picker
        + page.body[picker..]
            .find("<option value=\"")
            .expect("a canned reply to pick")
        + 15;
    let canned = &page.body[at..at + 36];
    assert!(uuid_like(canned), "{canned}");
    let filled = app
        .get(&format!("/conversations/{id}?canned={canned}"), &agent, &[])
        .await;
    assert_eq!(filled.status, 200);
    escaped_only(&filled.body, "picker");
    assert!(
        filled.body.contains(
            "Hi &lt;img src=x onerror=alert(1)&gt; &lt;img src=x onerror=alert(1)&gt;</textarea>"
        ) || filled.body.contains("Hi &#60;img"),
        "the composer holds the filled-in text: {}",
        &filled.body[filled.body.find("<textarea").unwrap()..][..300]
    );
    let unknown = app
        .get(
            &format!("/conversations/{id}?canned=01a23606-9ceb-7477-aede-1f450ddc5093"),
            &agent,
            &[],
        )
        .await;
    assert_eq!(unknown.status, 404);
}

/// A refused form comes back (422) with the reason beside its field and the input kept;
/// lengths are limited.
#[tokio::test]
async fn refusals_are_shown_beside_their_field() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let admin = app.sign_in_admin(&t).await;
    let csrf = app.get("/admin", &admin, &[]).await.csrf();
    let long_title = "t".repeat(101);
    for (path, fields, id, words) in [
        (
            "/admin/canned-replies",
            vec![("title", "Greeting"), ("body", "Hi {{customer.nickname}}")],
            "canned-body-error",
            "unknown placeholder {{customer.nickname}}",
        ),
        (
            "/admin/canned-replies",
            vec![("title", long_title.as_str()), ("body", "Hi")],
            "canned-title-error",
            "100",
        ),
        (
            "/admin/canned-replies",
            vec![("title", "Big"), ("body", &*"b".repeat(5001))],
            "canned-body-error",
            "5000",
        ),
        (
            "/admin/staff",
            vec![
                ("display_name", "Eva"),
                ("email", "eva@acme.example"),
                ("role", "agent"),
                ("password", "short"),
            ],
            "staff-password-error",
            "12",
        ),
        (
            "/admin/sla/hours",
            vec![("time_zone", "Mars/Olympus")],
            "tz-error",
            "IANA",
        ),
        (
            "/admin/sla/policies",
            vec![("name", "Fast"), ("normal_first_response", "0")],
            "",
            "60",
        ),
        (
            "/admin/channels/addresses",
            vec![("address", "not an address")],
            "address-error",
            "e-mail",
        ),
    ] {
        let mut f = fields.clone();
        f.push(("csrf", &csrf));
        let r = app.post(path, &admin, &f, &[]).await;
        assert_eq!(r.status, 422, "{path}: {}", r.body);
        assert!(r.body.contains(words), "{path}: {words} in the page");
        if !id.is_empty() {
            assert!(
                r.body.contains(&format!("id=\"{id}\"")),
                "{path}: the error beside its field"
            );
        }
    }
    let kept = app
        .post(
            "/admin/canned-replies",
            &admin,
            &[
                ("csrf", &csrf),
                ("title", "Greeting"),
                ("body", "Hi {{customer.nickname}}"),
            ],
            &[],
        )
        .await;
    assert!(
        kept.body.contains("value=\"Greeting\""),
        "the input is kept"
    );
    let listed = app
        .api(&t, "GET", "/api/v1/canned-replies", serde_json::Value::Null)
        .await;
    assert!(
        listed.body.contains("\"items\":[]"),
        "nothing was stored: {}",
        listed.body
    );
}

/// An admin's change of an agent's role signs the agent out at once (F04), through the page.
#[tokio::test]
async fn f04_a_role_change_from_the_page_signs_the_agent_out() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let agent = app.sign_in(&t).await;
    let admin = app.sign_in_admin(&t).await;
    assert_eq!(app.get("/inbox", &agent, &[]).await.status, 200);
    let page = app.get("/admin/staff", &admin, &[]).await;
    let at = page.body.find("action=\"/admin/staff/").unwrap() + 21;
    let id = &page.body[at..at + 36];
    let csrf = page.csrf();
    let r = app
        .post(
            &format!("/admin/staff/{id}/deactivate"),
            &admin,
            &[("csrf", &csrf)],
            &[],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = app.get("/inbox", &agent, &[]).await;
    assert_eq!(
        (after.status.as_u16(), after.header("location")),
        (303, "/login")
    );
    assert!(
        app.get("/admin/staff", &admin, &[])
            .await
            .body
            .contains("Deactivated")
    );
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}
