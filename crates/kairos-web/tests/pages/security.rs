//! Hostile input and the browser-side defences: CSP and friends (B05), no caching of
//! pages (F07), CSRF on every form (F08), cookies (F09), tenant isolation.

use crate::harness::App;

const DIRECTIVES: [&str; 8] = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "connect-src 'self'",
];

/// B05, F07, F09: every page carries the policy; pages are not cached; assets are, under
/// content-hashed names.
#[tokio::test]
async fn b05_f07_pages_carry_a_strict_policy_and_are_not_cached() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let id = app.hostile_conversation(&t).await;
    let session = app.sign_in(&t).await;
    for (path, cookies) in [
        ("/login", ""),
        ("/inbox", session.as_str()),
        (&*format!("/conversations/{id}"), session.as_str()),
        ("/conversations/not-an-id", session.as_str()),
    ] {
        let reply = app.get(path, cookies, &[]).await;
        let csp = reply.header("content-security-policy");
        for d in DIRECTIVES {
            assert!(csp.contains(d), "{path}: {d} missing in {csp}");
        }
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
        assert_eq!(reply.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(reply.header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(reply.header("cache-control"), "no-store", "{path}");
        // No inline script or style for the policy to forbid.
        assert!(
            !reply.body.contains("<script>") && !reply.body.contains("style="),
            "{path}"
        );
        assert!(
            !has_inline_handler(&reply.body),
            "{path}: an inline event handler"
        );
    }
    let login = app.get("/login", "", &[]).await;
    for asset in ["app.", "favicon."] {
        let at = login.body.find(&format!("/assets/{asset}")).unwrap();
        let url = &login.body[at..at + login.body[at..].find('"').unwrap()];
        let first = app.get(url, "", &[]).await;
        assert_eq!(first.status, 200, "{url}");
        assert_eq!(
            first.header("cache-control"),
            "public, max-age=31536000, immutable"
        );
        let etag = first.header("etag").to_owned();
        let again = app.get(url, "", &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304);
    }
    assert_eq!(
        app.get("/assets/app.css", "", &[]).await.status,
        404,
        "only hashed names"
    );
    assert_eq!(
        app.get("/assets/..%2fCargo.toml", "", &[]).await.status,
        404
    );
}

/// F09: the session cookie is HttpOnly and SameSite=Strict; the pre-session cookie too.
#[tokio::test]
async fn f09_cookies_are_http_only_and_same_site_strict() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let form = app.get("/login", "", &[]).await;
    let set = form.header("set-cookie");
    assert!(
        set.starts_with("kairos_presession=")
            && set.contains("HttpOnly")
            && set.contains("SameSite=Strict")
    );
    let reply = app
        .post(
            "/login",
            &form.cookies().join("; "),
            &[
                ("tenant", "acme"),
                ("email", &t.email),
                ("password", crate::harness::PASSWORD),
                ("csrf", &form.csrf()),
            ],
            &[],
        )
        .await;
    let session = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("kairos_session="))
        .unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"));
}

/// F09 on HTTPS: both cookies are `__Host-` prefixed and `Secure`, and the whole flow works
/// with them.
#[tokio::test]
async fn f09_on_https_the_cookies_are_host_prefixed_and_secure() {
    let app = App::with_cookies(true).await;
    let t = app.tenant("acme").await;
    let id = app.hostile_conversation(&t).await;
    let form = app.get("/login", "", &[]).await;
    let set = form.header("set-cookie");
    assert!(
        set.starts_with("__Host-kairos_presession=") && set.contains("; Secure"),
        "{set}"
    );
    assert!(set.contains("Path=/") && !set.contains("Domain"), "{set}");
    let session = app.sign_in(&t).await;
    assert!(session.starts_with("__Host-kairos_session="));
    let page = app
        .get(&format!("/conversations/{id}"), &session, &[])
        .await;
    assert_eq!(page.status, 200);
    // Without the prefix the cookies are not ours.
    let plain = session.replacen("__Host-", "", 1);
    assert_eq!(app.get("/inbox", &plain, &[]).await.status, 303);
}

/// F08: the sign-in form needs its pre-session token, and a post from another site is
/// refused even with the right token.
#[tokio::test]
async fn f08_sign_in_without_its_token_or_from_another_site_is_refused() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let form = app.get("/login", "", &[]).await;
    let pre = form.cookies().join("; ");
    let csrf = form.csrf();
    let forged = "A".repeat(csrf.len());
    type Headers<'a> = &'a [(&'a str, &'a str)];
    let cases: [(&str, &str, Headers); 6] = [
        ("", &csrf, &[]),
        (&pre, "", &[]),
        (&pre, &forged, &[]),
        (&pre, &csrf, &[("sec-fetch-site", "cross-site")]),
        (&pre, &csrf, &[("sec-fetch-site", "same-site")]),
        (
            &pre,
            &csrf,
            &[
                ("host", "127.0.0.1:8080"),
                ("origin", "https://evil.example"),
            ],
        ),
    ];
    for (cookies, sent, extra) in cases {
        let fields = [
            ("tenant", "acme"),
            ("email", t.email.as_str()),
            ("password", crate::harness::PASSWORD),
            ("csrf", sent),
        ];
        let reply = app.post("/login", cookies, &fields, extra).await;
        assert_eq!(
            reply.status, 403,
            "cookies {cookies:?} token {sent:?} {extra:?}"
        );
        assert!(
            reply
                .cookies()
                .iter()
                .all(|c| !c.starts_with("kairos_session"))
        );
    }
}

/// Whether any tag in `html` has an `on…=` attribute.
fn has_inline_handler(html: &str) -> bool {
    html.split('<').skip(1).any(|tag| {
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        tag.split_whitespace()
            .skip(1)
            .any(|attr| attr.starts_with("on") && attr.contains('='))
    })
}

/// F08: every signed-in form needs the session's token; without it nothing changes.
#[tokio::test]
async fn f08_forms_without_the_session_token_change_nothing() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let id = app.hostile_conversation(&t).await;
    let session = app.sign_in(&t).await;
    let csrf = app.get("/inbox", &session, &[]).await.csrf();
    let messages = format!("/conversations/{id}/messages");
    let status = format!("/conversations/{id}/status");
    for (path, fields) in [
        (
            messages.as_str(),
            vec![("kind", "reply"), ("body", "forged")],
        ),
        (
            messages.as_str(),
            vec![("kind", "reply"), ("body", "forged"), ("csrf", "wrong")],
        ),
        (status.as_str(), vec![("status", "closed"), ("csrf", "")]),
        ("/logout", vec![]),
    ] {
        let reply = app.post(path, &session, &fields, &[]).await;
        assert_eq!(reply.status, 403, "{path} {fields:?}");
        assert!(reply.body.contains("expired") || reply.body.contains("abgelaufen"));
    }
    // The right token, but posted from another site.
    let cross = app
        .post(
            &messages,
            &session,
            &[("kind", "reply"), ("body", "forged"), ("csrf", &csrf)],
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(cross.status, 403);
    // The API's header token does not stand in for the form's either way round: a token
    // from another session is refused.
    let other = app.sign_in(&t).await;
    let other_csrf = app.get("/inbox", &other, &[]).await.csrf();
    assert_ne!(other_csrf, csrf);
    let swapped = app
        .post(
            &messages,
            &session,
            &[("kind", "reply"), ("body", "forged"), ("csrf", &other_csrf)],
            &[],
        )
        .await;
    assert_eq!(swapped.status, 403);
    let page = app
        .get(&format!("/conversations/{id}"), &session, &[])
        .await;
    assert!(!page.body.contains("forged"));
    assert!(page.body.contains("status-open"));

    // Signing out with the token ends the session.
    let out = app.post("/logout", &session, &[("csrf", &csrf)], &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location"), "/login");
    assert_eq!(app.get("/inbox", &session, &[]).await.status, 303);
}

/// An agent of one tenant cannot open or write to another tenant's conversation, and the
/// answer is the same as for an id that does not exist.
#[tokio::test]
async fn another_tenants_conversation_is_not_found() {
    let app = App::new().await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let theirs = app.hostile_conversation(&globex).await;
    let session = app.sign_in(&acme).await;
    let csrf = app.get("/inbox", &session, &[]).await.csrf();
    let inbox = app.get("/inbox?status=any", &session, &[]).await;
    assert!(!inbox.body.contains(&theirs));
    let foreign = app
        .get(&format!("/conversations/{theirs}"), &session, &[])
        .await;
    let missing = app
        .get(
            "/conversations/01a23606-9ceb-7477-aede-1f450ddc5093",
            &session,
            &[],
        )
        .await;
    assert_eq!(foreign.status, 404);
    assert_eq!(missing.status, 404);
    let write = app
        .post(
            &format!("/conversations/{theirs}/messages"),
            &session,
            &[("csrf", &csrf), ("body", "hi")],
            &[],
        )
        .await;
    assert_eq!(write.status, 404);
    let messages = app
        .api(
            &globex,
            "GET",
            &format!("/api/v1/conversations/{theirs}/messages"),
            serde_json::Value::Null,
        )
        .await;
    assert!(!messages.body.contains("\"hi\""));
}

/// P03: a staff member reading a conversation in the UI is on the audit trail, like a
/// read through the API.
#[tokio::test]
async fn p03_reading_a_conversation_in_the_ui_is_audited() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let id = app.hostile_conversation(&t).await;
    let session = app.sign_in(&t).await;
    assert_eq!(
        app.get(&format!("/conversations/{id}"), &session, &[])
            .await
            .status,
        200
    );
    let audit = app
        .api(&t, "GET", "/api/v1/audit", serde_json::Value::Null)
        .await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    let v: serde_json::Value = serde_json::from_str(&audit.body).unwrap();
    let entry = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "GET /conversations/{id}")
        .unwrap_or_else(|| panic!("no UI read in {v}"));
    assert_eq!(entry["target"], id.as_str());
    assert!(entry["customer_id"].is_string(), "whose data: {entry}");
}

/// A signed-in party that is not staff (a partner with a password) gets no staff page and
/// can post no staff form.
#[tokio::test]
async fn a_non_staff_session_sees_no_staff_page() {
    use kairos_core::event::Actor;
    use kairos_core::party::Role;
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let id = app.hostile_conversation(&t).await;
    let tenant = app.store.tenant_by_slug("acme").await.unwrap().unwrap().id;
    let hash = kairos_http::auth::hash_password(crate::harness::PASSWORD).unwrap();
    app.store
        .create_party(
            tenant,
            Role::Partner,
            Some("partner@acme.example"),
            "Pat Partner",
            Some(&hash),
            &Actor::System,
        )
        .await
        .unwrap();
    let partner = crate::harness::Tenant {
        slug: "acme".into(),
        email: "partner@acme.example".into(),
        token: t.token.clone(),
    };
    let session = app.sign_in(&partner).await;
    let inbox = app.get("/inbox", &session, &[]).await;
    assert_eq!(inbox.status, 403);
    assert!(!inbox.body.contains(&id));
    let page = app
        .get(&format!("/conversations/{id}"), &session, &[])
        .await;
    assert_eq!(page.status, 403);
    assert!(!page.body.contains("onerror"));
}

/// Oversized input is refused before any work: a form body over the limit, and a
/// megabyte password that must never reach argon2.
#[tokio::test]
async fn oversized_sign_in_input_is_refused_cheaply() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let form = app.get("/login", "", &[]).await;
    let pre = form.cookies().join("; ");
    let csrf = form.csrf();
    let huge = "x".repeat(3 * 1024 * 1024);
    let too_big = app
        .post(
            "/login",
            &pre,
            &[
                ("tenant", "acme"),
                ("email", &t.email),
                ("password", &huge),
                ("csrf", &csrf),
            ],
            &[],
        )
        .await;
    assert_eq!(too_big.status, 413);
    // A wrong password of normal length costs an argon2 verification; one of 100,000
    // characters is refused before it (timed against each other, so a slow machine slows
    // both).
    let mut took = Vec::new();
    for password in ["wrong but normal".to_owned(), "x".repeat(100_000)] {
        let fields = [
            ("tenant", "acme"),
            ("email", t.email.as_str()),
            ("password", password.as_str()),
            ("csrf", csrf.as_str()),
        ];
        let started = std::time::Instant::now();
        let reply = app.post("/login", &pre, &fields, &[]).await;
        assert_eq!(reply.status, 401);
        took.push(started.elapsed());
    }
    eprintln!(
        "failed sign-ins: normal password {:?}, 100,000 characters {:?}",
        took[0], took[1]
    );
    assert!(took[1] * 3 < took[0], "no argon2 for an oversized password");
}
