//! The admin pages for routing, privacy and retention, and renaming the organisation: each
//! form saves what the API then shows, a refusal comes back (422) beside its field with
//! the input kept and nothing stored, and the overview no longer names them as API-only.

use crate::harness::{App, Tenant, XSS};

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap()
}

async fn api_get(app: &App, t: &Tenant, path: &str) -> serde_json::Value {
    let r = app.api(t, "GET", path, serde_json::Value::Null).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    json(&r.body)
}

/// Posts a form with the CSRF token; the reply.
async fn post(
    app: &App,
    admin: &str,
    csrf: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> crate::harness::Reply {
    let mut f = fields.to_vec();
    f.push(("csrf", csrf));
    app.post(path, admin, &f, &[]).await
}

#[tokio::test]
async fn routing_is_switched_on_and_its_queues_edited_ordered_and_deleted() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let admin = app.sign_in_admin(&t).await;
    let csrf = app.get("/admin/routing", &admin, &[]).await.csrf();

    let on = post(&app, &admin, &csrf, "/admin/routing", &[("enabled", "on")]).await;
    assert_eq!(
        (on.status.as_u16(), on.header("location")),
        (303, "/admin/routing?saved=1")
    );
    let first = post(
        &app,
        &admin,
        &csrf,
        "/admin/routing/queues",
        &[
            ("name", "Rechnungen"),
            ("tags", "Invoice, billing"),
            ("skills", "Billing"),
            ("channel_email", "on"),
        ],
    )
    .await;
    assert_eq!(first.status, 303, "{}", first.body);
    let second = post(
        &app,
        &admin,
        &csrf,
        "/admin/routing/queues",
        &[
            ("name", "Telefon"),
            ("channel_voice", "on"),
            ("skills", "de"),
        ],
    )
    .await;
    assert_eq!(second.status, 303, "{}", second.body);
    let saved = api_get(&app, &t, "/api/v1/routing").await;
    assert_eq!(saved["enabled"], true);
    assert_eq!(saved["queues"][0]["name"], "Rechnungen");
    assert_eq!(saved["queues"][0]["channels"], serde_json::json!(["email"]));
    assert_eq!(
        saved["queues"][0]["tags"],
        serde_json::json!(["billing", "invoice"]),
        "normalised as the API does"
    );
    assert_eq!(saved["queues"][0]["skills"], serde_json::json!(["billing"]));

    let page = app.get("/admin/routing?saved=1", &admin, &[]).await;
    assert!(page.body.contains("role=\"status\""), "the saved notice");
    assert!(page.body.contains("Rechnungen") && page.body.contains("Telefon"));
    let edit = app.get("/admin/routing?edit=1", &admin, &[]).await;
    assert!(edit.body.contains("value=\"Telefon\""));
    assert!(
        edit.body
            .contains("name=\"channel_voice\" value=\"on\" checked")
    );

    let up = post(&app, &admin, &csrf, "/admin/routing/queues/1/up", &[]).await;
    assert_eq!(up.status, 303);
    let moved = api_get(&app, &t, "/api/v1/routing").await;
    assert_eq!(moved["queues"][0]["name"], "Telefon");
    let replaced = post(
        &app,
        &admin,
        &csrf,
        "/admin/routing/queues",
        &[("index", "0"), ("name", "Phone"), ("channel_voice", "on")],
    )
    .await;
    assert_eq!(replaced.status, 303);
    let gone = post(&app, &admin, &csrf, "/admin/routing/queues/1/delete", &[]).await;
    assert_eq!(gone.status, 303);
    let after = api_get(&app, &t, "/api/v1/routing").await;
    assert_eq!(after["queues"].as_array().unwrap().len(), 1);
    assert_eq!(after["queues"][0]["name"], "Phone");
    let missing = post(&app, &admin, &csrf, "/admin/routing/queues/7/delete", &[]).await;
    assert_eq!(missing.status, 404);

    // Refusals: beside their field, the input kept, nothing stored.
    for (fields, id, words) in [
        (
            vec![("name", "Bad"), ("skills", "two words")],
            "queue-skills-error",
            "letters, digits",
        ),
        (vec![("name", "  ")], "queue-name-error", "1–100"),
        (
            vec![("name", "Bad"), ("tags", "a b")],
            "queue-tags-error",
            "tags",
        ),
    ] {
        let r = post(&app, &admin, &csrf, "/admin/routing/queues", &fields).await;
        assert_eq!(r.status, 422, "{fields:?}: {}", r.body);
        assert!(r.body.contains(&format!("id=\"{id}\"")), "{id}");
        assert!(r.body.contains(words), "{words}");
        assert!(r.body.contains("aria-invalid=\"true\""));
    }
    let kept = post(
        &app,
        &admin,
        &csrf,
        "/admin/routing/queues",
        &[
            ("name", XSS),
            ("skills", "two words"),
            ("channel_sms", "on"),
        ],
    )
    .await;
    assert!(!kept.body.contains(XSS), "B03: the kept input is text");
    assert!(
        kept.body
            .contains("name=\"channel_sms\" value=\"on\" checked")
    );
    assert_eq!(api_get(&app, &t, "/api/v1/routing").await, after);
}

#[tokio::test]
async fn privacy_and_retention_are_saved_and_refused_as_the_api_does() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let admin = app.sign_in_admin(&t).await;
    let page = app.get("/admin/privacy", &admin, &[]).await;
    assert!(
        page.body.contains("personalised-offers"),
        "default purposes"
    );
    assert!(page.body.contains("value=\"730\"") && page.body.contains("value=\"30\""));
    let csrf = page.csrf();

    let saved = post(
        &app,
        &admin,
        &csrf,
        "/admin/privacy",
        &[
            ("purposes", "service\nLocation\nservice"),
            ("controller.name", "Acme GmbH"),
            ("controller.contact_email", "privacy@acme.example"),
            ("controller.address", "Hauptstr. 1, Berlin"),
            ("controller.policy_url", "https://acme.example/privacy"),
            ("controller.jurisdiction", "DE"),
        ],
    )
    .await;
    assert_eq!(
        (saved.status.as_u16(), saved.header("location")),
        (303, "/admin/privacy?saved=1"),
        "{}",
        saved.body
    );
    let privacy = api_get(&app, &t, "/api/v1/privacy").await;
    assert_eq!(
        privacy["purposes"],
        serde_json::json!(["location", "service"])
    );
    assert_eq!(privacy["controller"]["name"], "Acme GmbH");
    let retention = post(
        &app,
        &admin,
        &csrf,
        "/admin/privacy/retention",
        &[
            ("closed_conversations_days", "365"),
            ("context_events_days", "14"),
            ("inactive_customers_days", ""),
        ],
    )
    .await;
    assert_eq!(retention.status, 303, "{}", retention.body);
    assert_eq!(
        api_get(&app, &t, "/api/v1/retention").await,
        serde_json::json!({"closed_conversations_days": 365, "context_events_days": 14,
            "inactive_customers_days": null})
    );
    // Clearing the controller names none.
    let cleared = post(
        &app,
        &admin,
        &csrf,
        "/admin/privacy",
        &[("purposes", "service")],
    )
    .await;
    assert_eq!(cleared.status, 303);
    assert!(api_get(&app, &t, "/api/v1/privacy").await["controller"].is_null());

    let before = (
        api_get(&app, &t, "/api/v1/privacy").await,
        api_get(&app, &t, "/api/v1/retention").await,
    );
    for (path, fields, id, words) in [
        (
            "/admin/privacy",
            vec![("purposes", "Not a slug!")],
            "purposes-error",
            "slugs",
        ),
        (
            "/admin/privacy",
            vec![
                ("purposes", "service"),
                ("controller.name", "Acme"),
                ("controller.contact_email", "p@acme.example"),
                ("controller.address", "Berlin"),
                ("controller.policy_url", "ftp://acme.example"),
                ("controller.jurisdiction", "DE"),
            ],
            "controller_policy_url-error",
            "http(s)",
        ),
        (
            "/admin/privacy",
            vec![("purposes", "service"), ("controller.name", "Only a name")],
            "controller_contact_email-error",
            "1–254",
        ),
        (
            "/admin/privacy/retention",
            vec![("context_events_days", "0")],
            "context_events_days-error",
            "36500",
        ),
        (
            "/admin/privacy/retention",
            vec![("closed_conversations_days", "two years")],
            "closed_conversations_days-error",
            "whole days",
        ),
    ] {
        let r = post(&app, &admin, &csrf, path, &fields).await;
        assert_eq!(r.status, 422, "{path} {fields:?}: {}", r.body);
        assert!(r.body.contains(&format!("id=\"{id}\"")), "{id}: {}", r.body);
        assert!(r.body.contains(words), "{words}");
        let (_, first) = fields[0];
        assert!(r.body.contains(first), "the input is kept");
    }
    let after = (
        api_get(&app, &t, "/api/v1/privacy").await,
        api_get(&app, &t, "/api/v1/retention").await,
    );
    assert_eq!(after, before, "refusals stored nothing");
}

#[tokio::test]
async fn the_organisation_is_renamed_on_the_overview_and_the_slug_stays() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let admin = app.sign_in_admin(&t).await;
    let page = app.get("/admin", &admin, &[]).await;
    assert!(page.body.contains("action=\"/admin/organisation\""));
    for gone in ["/api/v1/routing", "/api/v1/privacy", "/api/v1/retention"] {
        assert!(!page.body.contains(gone), "{gone} has a page now");
    }
    for kept in [
        "/api/v1/kb/settings",
        "/api/v1/context/settings",
        "/api/v1/anticipation/rules",
    ] {
        assert!(page.body.contains(kept), "{kept} is still API-only");
    }
    assert!(page.body.contains("href=\"/admin/routing\""));
    assert!(page.body.contains("href=\"/admin/privacy\""));
    let csrf = page.csrf();

    let refused = post(&app, &admin, &csrf, "/admin/organisation", &[("name", " ")]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("id=\"org-name-error\""));
    let long = "n".repeat(201);
    let too_long = post(
        &app,
        &admin,
        &csrf,
        "/admin/organisation",
        &[("name", &long)],
    )
    .await;
    assert_eq!(too_long.status, 422);
    assert!(too_long.body.contains(&format!("value=\"{long}\"")), "kept");
    assert_eq!(api_get(&app, &t, "/api/v1/tenant").await["name"], "acme");

    let renamed = post(
        &app,
        &admin,
        &csrf,
        "/admin/organisation",
        &[("name", "Acme <b>Europe</b>")],
    )
    .await;
    assert_eq!(
        (renamed.status.as_u16(), renamed.header("location")),
        (303, "/admin?saved=1")
    );
    let tenant = api_get(&app, &t, "/api/v1/tenant").await;
    assert_eq!(tenant["name"], "Acme <b>Europe</b>");
    assert_eq!(tenant["slug"], "acme");
    let shown = app.get("/admin?saved=1", &admin, &[]).await;
    assert!(
        shown
            .body
            .contains("value=\"Acme &lt;b&gt;Europe&lt;/b&gt;\"")
            || shown.body.contains("value=\"Acme &#60;b")
    );
    assert!(!shown.body.contains("<b>Europe"), "B03: the name is text");
    assert!(shown.body.contains("role=\"status\""));
    let id = app.store.tenant_by_slug("acme").await.unwrap().unwrap().id;
    let log = app.store.events(id, 0, 10_000).await.unwrap();
    assert_eq!(log.last().unwrap().data.name(), "tenant.renamed");
    // Signing in still uses the slug.
    let agent = app.sign_in(&t).await;
    assert_eq!(app.get("/inbox", &agent, &[]).await.status, 200);
    let german = app.get("/admin?lang=de", &admin, &[]).await;
    assert!(german.body.contains("Kurzname für die Anmeldung"));
}
