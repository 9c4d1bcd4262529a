//! The chat widget's two responses: the loader (`/widget.js`) and the frame
//! (`/widget/{tenant}`), its framing policy from the tenant's settings (checklist B05, the
//! documented widget CSP), and the settings API that feeds it (B10: nothing from it can
//! leave its place in the header).

use crate::harness::{App, XSS};
use kairos_core::event::Actor;
use kairos_core::party::Role;

/// What the frame's policy must hold besides `frame-ancestors`.
const FRAME_DIRECTIVES: [&str; 8] = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "form-action 'self'",
    "base-uri 'none'",
];

fn frame_ancestors(csp: &str) -> &str {
    csp.split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("frame-ancestors "))
        .unwrap_or_else(|| panic!("no frame-ancestors in {csp}"))
}

#[tokio::test]
async fn b05_the_loader_is_cached_briefly_revalidated_and_loadable_by_any_site() {
    let app = App::new().await;
    let first = app.get("/widget.js", "", &[]).await;
    assert_eq!(first.status, 200);
    assert_eq!(
        first.header("content-type"),
        "text/javascript; charset=utf-8"
    );
    // Its URL is fixed on other sites: no immutable year, five minutes then revalidate.
    assert_eq!(first.header("cache-control"), "public, max-age=300");
    assert_eq!(first.header("cross-origin-resource-policy"), "cross-origin");
    assert_eq!(first.header("x-content-type-options"), "nosniff");
    let etag = first.header("etag").to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    let again = app.get("/widget.js", "", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    // The loader only shows and hides the frame: it never writes markup into the page.
    assert!(first.body.contains("data-tenant"));
    assert!(first.body.contains("/widget/"));
    assert!(!first.body.contains("innerHTML") && !first.body.contains("document.write"));
    // The frame's script renders message text as text only.
    let frame = app.tenant("acme").await;
    let page = app.get(&format!("/widget/{}", frame.slug), "", &[]).await;
    let at = page.body.find("/assets/widget-frame.").unwrap();
    let url = &page.body[at..at + page.body[at..].find('"').unwrap()];
    let script = app.get(url, "", &[]).await;
    assert_eq!(script.status, 200);
    assert!(script.body.contains("textContent"));
    assert!(
        !script.body.contains("innerHTML") && !script.body.contains("insertAdjacentHTML"),
        "B03: customer text must never be parsed as markup"
    );
}

#[tokio::test]
async fn b05_the_frame_runs_under_the_strict_policy_and_only_the_tenants_sites_may_frame_it() {
    let app = App::new().await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;

    // Default: nobody but Kairos itself may frame it.
    let page = app.get("/widget/acme?lang=en", "", &[]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csp = page.header("content-security-policy").to_owned();
    for d in FRAME_DIRECTIVES {
        assert!(csp.contains(d), "{d} missing in {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert_eq!(frame_ancestors(&csp), "'self'");
    // The frame brings frame-ancestors instead of X-Frame-Options (which cannot list sites).
    assert_eq!(page.header("x-frame-options"), "");
    assert_eq!(page.header("cache-control"), "no-store");
    assert_eq!(page.header("referrer-policy"), "no-referrer");
    assert!(page.body.contains("data-tenant=\"acme\""));
    assert!(page.body.contains("data-prechat=\"false\""));
    assert!(!page.body.contains("<script>") && !page.body.contains("style="));
    assert!(page.body.contains("<html lang=\"en\""));

    // An admin lists the company's sites; the frame may now be shown there, and only there.
    let set = app
        .api(
            &acme,
            "PUT",
            "/api/v1/widget",
            serde_json::json!({"allowed_origins": ["https://WWW.Acme.example/", "http://localhost:3000"],
                "prechat_form": true}),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let stored: serde_json::Value = serde_json::from_str(&set.body).unwrap();
    assert_eq!(
        stored["allowed_origins"],
        serde_json::json!(["https://www.acme.example", "http://localhost:3000"])
    );
    let page = app.get("/widget/acme", "", &[]).await;
    let csp = page.header("content-security-policy").to_owned();
    assert_eq!(
        frame_ancestors(&csp),
        "'self' https://www.acme.example http://localhost:3000"
    );
    assert!(page.body.contains("data-prechat=\"true\""));
    assert!(
        page.body
            .contains("data-origins=\"https://www.acme.example http://localhost:3000\"")
    );
    // Another tenant's frame is unaffected.
    let other = app.get(&format!("/widget/{}", globex.slug), "", &[]).await;
    assert_eq!(
        frame_ancestors(other.header("content-security-policy")),
        "'self'"
    );
    // Every other page still refuses to be framed at all.
    let login = app.get("/login", "", &[]).await;
    assert_eq!(login.header("x-frame-options"), "DENY");
    assert_eq!(
        frame_ancestors(login.header("content-security-policy")),
        "'none'"
    );

    // German, from the browser's language.
    let de = app
        .get("/widget/acme", "", &[("accept-language", "de-DE")])
        .await;
    assert!(de.body.contains("Chatten Sie mit uns"), "{}", de.body);
}

#[tokio::test]
async fn an_unknown_or_hostile_tenant_gets_a_plain_not_found() {
    let app = App::new().await;
    app.tenant("acme").await;
    for path in [
        "/widget/nobody",
        &format!("/widget/{}", "x".repeat(300)),
        "/widget/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    ] {
        let reply = app.get(path, "", &[]).await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(!reply.body.contains(XSS), "{path}: reflected");
        // Not framable either: the default policy, X-Frame-Options DENY.
        assert_eq!(reply.header("x-frame-options"), "DENY", "{path}");
    }
}

#[tokio::test]
async fn b05_b10_hostile_origins_are_refused_and_only_admins_change_the_sites() {
    let app = App::new().await;
    let acme = app.tenant("acme").await;
    for hostile in [
        "https://acme.example; script-src *",
        "https://acme.example 'unsafe-inline'",
        "https://acme.example\r\nX-Evil: 1",
        "*",
        "https://acme.example/path",
        "javascript://acme.example",
    ] {
        let reply = app
            .api(
                &acme,
                "PUT",
                "/api/v1/widget",
                serde_json::json!({"allowed_origins": [hostile]}),
            )
            .await;
        assert_eq!(reply.status, 422, "{hostile:?}: {}", reply.body);
    }
    let smuggled = app
        .api(
            &acme,
            "PUT",
            "/api/v1/widget",
            serde_json::json!({"allowed_origins": [], "tenant_id": "x"}),
        )
        .await;
    assert_eq!(smuggled.status, 400, "A05: {}", smuggled.body);
    let page = app.get("/widget/acme", "", &[]).await;
    assert_eq!(
        frame_ancestors(page.header("content-security-policy")),
        "'self'",
        "nothing was stored"
    );

    // An agent reads the settings but may not change them.
    let tenant = app.store.tenant_by_slug("acme").await.unwrap().unwrap();
    let (token, hash) = kairos_http::auth::new_token();
    app.store
        .create_token(tenant.id, Role::Agent, None, None, &hash, &Actor::System)
        .await
        .unwrap();
    let agent = crate::harness::Tenant {
        slug: acme.slug.clone(),
        email: acme.email.clone(),
        token,
    };
    let read = app
        .api(&agent, "GET", "/api/v1/widget", serde_json::Value::Null)
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&read.body).unwrap(),
        serde_json::json!({"allowed_origins": [], "prechat_form": false})
    );
    let refused = app
        .api(
            &agent,
            "PUT",
            "/api/v1/widget",
            serde_json::json!({"allowed_origins": ["https://evil.example"]}),
        )
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn the_conversation_page_has_a_place_for_the_customers_read_receipt() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let id = app.hostile_conversation(&t).await;
    let session = app.sign_in(&t).await;
    let page = app
        .get(&format!("/conversations/{id}?lang=en"), &session, &[])
        .await;
    assert!(
        page.body.contains(
            "<p id=\"receipt\" class=\"receipt muted\" role=\"status\" data-read=\"The customer has read the conversation.\" data-delivered=\"The newest reply has reached the customer.\" hidden>The customer has read the conversation.</p>"
        ),
        "{}",
        page.body
    );
}

/// The `#receipt` marker as rendered: `None` when hidden, else its `data-kind` and text.
fn receipt_marker(body: &str) -> Option<(String, String)> {
    let at = body.find("<p id=\"receipt\"").expect("the receipt marker");
    let tag = &body[at..at + body[at..].find('>').unwrap()];
    if tag.ends_with(" hidden") {
        return None;
    }
    let kind = tag.split("data-kind=\"").nth(1).unwrap();
    let text_at = at + body[at..].find('>').unwrap() + 1;
    let text = &body[text_at..text_at + body[text_at..].find("</p>").unwrap()];
    Some((kind[..kind.find('"').unwrap()].to_owned(), text.to_owned()))
}

#[tokio::test]
async fn the_customers_stored_receipt_is_marked_when_the_page_loads() {
    use kairos_core::receipt::SeenKind;
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let id = app.hostile_conversation(&t).await;
    let session = app.sign_in(&t).await;
    let tenant = app.store.tenant_by_slug("acme").await.unwrap().unwrap().id;
    let conversation: kairos_core::ids::ConversationId = id.parse().unwrap();
    let customer = app
        .store
        .conversation(tenant, conversation)
        .await
        .unwrap()
        .unwrap()
        .customer_id;
    let (app, t, id) = (&app, &t, id.as_str());
    let session = session.as_str();
    let page = || async move {
        let p = app
            .get(&format!("/conversations/{id}?lang=en"), session, &[])
            .await;
        assert_eq!(p.status, 200);
        receipt_marker(&p.body)
    };
    let reply = |text: &'static str| async move {
        let r = app
            .api(
                t,
                "POST",
                &format!("/api/v1/conversations/{id}/messages"),
                serde_json::json!({ "body": text }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        app.store
            .messages(tenant, conversation, true, 0, 100)
            .await
            .unwrap()
            .last()
            .unwrap()
            .seq
    };
    let seen = |kind, up_to| {
        let store = app.store.clone();
        async move {
            store
                .mark_seen(
                    tenant,
                    conversation,
                    Some(customer),
                    kind,
                    up_to,
                    &Actor::Customer { id: customer },
                )
                .await
                .unwrap();
        }
    };
    assert_eq!(page().await, None, "no receipt yet");
    let first = reply("Wir schauen nach.").await;
    // A colleague's own reading is no receipt of the customer's.
    app.store
        .mark_seen(
            tenant,
            conversation,
            None,
            SeenKind::Read,
            first,
            &Actor::Party {
                id: None,
                role: Role::Agent,
            },
        )
        .await
        .unwrap();
    assert_eq!(page().await, None);
    seen(SeenKind::Delivered, first).await;
    assert_eq!(
        page().await,
        Some((
            "delivered".into(),
            "The newest reply has reached the customer.".into()
        ))
    );
    seen(SeenKind::Read, first).await;
    let read = Some((
        "read".into(),
        "The customer has read the conversation.".into(),
    ));
    assert_eq!(page().await, read, "a reload keeps the marker");
    // A later "delivered" does not take back "read".
    seen(SeenKind::Delivered, first).await;
    assert_eq!(page().await, read);
    // A new reply hides it, as the live script does, until the customer reads that too.
    let second = reply("Erledigt.").await;
    assert_eq!(page().await, None);
    seen(SeenKind::Read, second).await;
    assert_eq!(page().await, read);
}
