//! The customer portal: sign-in by a link sent by mail (read back from the outbox),
//! requests, replies, the help centre with deflection, and "my data".

use crate::harness::{App, Tenant};
use crate::portal_support::portal_cookie;
use serde_json::Value;

#[tokio::test]
async fn a_customer_signs_in_by_a_link_once_and_sees_their_requests_across_channels() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    app.mail_in(&t, "anna@example.org", "Lieferung 4711", "Wo bleibt sie?")
        .await;
    let asked = app.ask_link("acme", "Anna@Example.org").await;
    assert_eq!(asked.status, 200);
    assert!(asked.body.contains("Check your mail"), "{}", asked.body);

    // A normal mail from the support address, with a link to this portal.
    let token = app.link_token("anna@example.org", 1).await;
    assert!(token.len() >= 43, "a long random token: {token}");
    let raw = app.mails_to("anna@example.org").await.remove(0);
    let mail = kairos_mail::parse::parse(raw.as_bytes()).unwrap();
    assert_eq!(mail.subject.as_deref(), Some("Your sign-in link for acme"));
    assert!(raw.contains("support@acme.example"));
    assert!(!raw.contains("Auto-Submitted"));
    assert!(
        mail.text.contains(&format!(
            "https://help.example/portal/acme/link?token={token}"
        )),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("15 minutes"));
    // Only the token's hash is stored.
    let stored = app.store.portal_session(token.as_bytes()).await.unwrap();
    assert!(stored.is_none());

    // Fetching the link (a mail scanner) changes nothing: the page only offers a button.
    for _ in 0..2 {
        let page = app
            .get(&format!("/portal/acme/link?token={token}"), "", &[])
            .await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("action=\"/portal/acme/link\""));
        assert!(page.cookies().iter().all(|c| !c.contains("kairos_portal")));
    }
    let used = app.use_link("acme", &token).await;
    assert_eq!(used.status, 303, "{}", used.body);
    assert_eq!(used.header("location"), "/portal/acme");
    let set = used
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("kairos_portal="))
        .unwrap();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=86400"] {
        assert!(set.contains(flag), "{set}");
    }
    let session = portal_cookie(&used);

    // Their requests from every channel; a chat arrives under the same address later.
    let home = app.get("/portal/acme", &session, &[]).await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Lieferung 4711"), "{}", home.body);
    assert!(home.body.contains("E-mail"));

    // Used once: the same link again signs nobody in.
    let again = app.use_link("acme", &token).await;
    assert_eq!(again.status, 410);
    assert!(again.body.contains("no longer works"));
    assert!(
        again
            .cookies()
            .iter()
            .all(|c| !c.contains("kairos_portal="))
    );
}

/// The mail speaks the language of the page it was asked for from.
#[tokio::test]
async fn the_sign_in_mail_speaks_the_readers_language() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    let form = app.get("/portal/acme/login?lang=de", "", &[]).await;
    assert!(form.body.contains("Anmeldelink senden"));
    let cookies = form.cookies().join("; ");
    let csrf = form.csrf();
    let sent = app
        .post(
            "/portal/acme/login",
            &cookies,
            &[("email", "jonas@example.de"), ("csrf", &csrf)],
            &[],
        )
        .await;
    assert!(
        sent.body.contains("Sehen Sie in Ihr Postfach"),
        "{}",
        sent.body
    );
    let token = app.link_token("jonas@example.de", 1).await;
    let raw = app.mails_to("jonas@example.de").await.remove(0);
    let mail = kairos_mail::parse::parse(raw.as_bytes()).unwrap();
    assert_eq!(mail.subject.as_deref(), Some("Ihr Anmeldelink für acme"));
    assert!(mail.text.contains("15 Minuten lang"), "{}", mail.text);
    assert!(mail.text.contains(&format!("link?token={token}&lang=de")));
}

#[tokio::test]
async fn a_first_sign_in_creates_the_customer_and_signing_out_ends_the_session() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    let session = app.portal_sign_in(&t, "neu@example.de").await;
    let tenant = app.store.tenant_by_slug("acme").await.unwrap().unwrap();
    let identity = kairos_core::identity::Identity::email("neu@example.de").unwrap();
    assert!(
        app.store
            .customer_by_identity(tenant.id, &identity)
            .await
            .unwrap()
            .is_some()
    );
    let home = app.get("/portal/acme?lang=de", &session, &[]).await;
    assert!(home.body.contains("Sie haben noch keine Anfragen"));
    let csrf = home.csrf();
    let out = app
        .post("/portal/acme/logout", &session, &[("csrf", &csrf)], &[])
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location"), "/portal/acme/login");
    assert!(out.cookies().iter().any(|c| c == "kairos_portal="));
    let after = app.get("/portal/acme", &session, &[]).await;
    assert_eq!(after.status, 303);
    assert_eq!(after.header("location"), "/portal/acme/login");
}

#[tokio::test]
async fn expired_and_other_tenants_links_do_not_sign_in() {
    let app = App::new().await;
    let acme = app.tenant("acme").await;
    app.tenant("globex").await;
    app.mail_from(&acme).await;
    // A link whose quarter of an hour has passed (issued with a one-microsecond window).
    let tenant = app.store.tenant_by_slug("acme").await.unwrap().unwrap();
    let (old, hash) = kairos_http::auth::new_secret("");
    let window = kairos_store::portal::LinkLimits {
        per_address: 3,
        per_client: 10,
        window_micros: 1,
    };
    app.store
        .portal_issue_link(tenant.id, &hash, "anna@example.org", "test", window)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let expired = app.use_link("acme", &old).await;
    assert_eq!(expired.status, 410);
    assert!(expired.body.contains("no longer works"));

    // acme's link at globex's portal: unknown there, and not used up by the attempt.
    app.ask_link("acme", "anna@example.org").await;
    let token = app.link_token("anna@example.org", 1).await;
    let foreign = app.use_link("globex", &token).await;
    assert_eq!(foreign.status, 410);
    assert!(
        foreign
            .cookies()
            .iter()
            .all(|c| !c.contains("kairos_portal="))
    );
    let own = app.use_link("acme", &token).await;
    assert_eq!(own.status, 303);
    // And acme's session is nobody at globex.
    let session = portal_cookie(&own);
    let there = app.get("/portal/globex", &session, &[]).await;
    assert_eq!(there.status, 303);
    assert_eq!(there.header("location"), "/portal/globex/login");
    assert_eq!(app.get("/portal/nope/login", "", &[]).await.status, 404);
}

#[tokio::test]
async fn the_customer_replies_and_a_new_request_offers_articles_first() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    let conversation = app
        .mail_in(&t, "anna@example.org", "Rechnung", "Wo ist meine Rechnung?")
        .await;
    let article = app
        .article(
            &t,
            "Cancelling your contract",
            "To cancel your contract, write to us one month ahead.",
            "public",
        )
        .await;
    let session = app.portal_sign_in(&t, "anna@example.org").await;

    // A reply to their own conversation, stored as theirs on the portal channel.
    let page = app
        .get(
            &format!("/portal/acme/conversations/{conversation}"),
            &session,
            &[],
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Wo ist meine Rechnung?"));
    let csrf = page.csrf();
    let sent = app
        .post(
            &format!("/portal/acme/conversations/{conversation}/messages"),
            &session,
            &[("csrf", &csrf), ("body", "Danke, gefunden.")],
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let messages = app
        .api(
            &t,
            "GET",
            &format!("/api/v1/conversations/{conversation}/messages"),
            Value::Null,
        )
        .await;
    let v: Value = serde_json::from_str(&messages.body).unwrap();
    let last = v["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["body"], "Danke, gefunden.");
    assert_eq!(last["direction"], "inbound");
    assert_eq!(last["channel"], "portal");
    // An empty reply is refused with the form shown again.
    let empty = app
        .post(
            &format!("/portal/acme/conversations/{conversation}/messages"),
            &session,
            &[("csrf", &csrf), ("body", "   ")],
            &[],
        )
        .await;
    assert_eq!(empty.status, 422);

    // While the customer types, the same suggestions come as a fragment for the script.
    let live = app
        .get(
            "/portal/acme/new/suggestions?q=cancel%20my%20contract",
            &session,
            &[],
        )
        .await;
    assert_eq!(live.status, 200);
    assert!(live.body.starts_with("<div id=\"live-suggestions\">"));
    assert!(live.body.contains("Cancelling your contract"));
    let short = app
        .get("/portal/acme/new/suggestions?q=ca", &session, &[])
        .await;
    assert_eq!(short.body.trim(), "<div id=\"live-suggestions\"></div>");
    let signed_out = app
        .get("/portal/acme/new/suggestions?q=cancel", "", &[])
        .await;
    assert_eq!(signed_out.status, 303);

    // A new request: first the articles that may answer it.
    let new = app.get("/portal/acme/new", &session, &[]).await;
    let csrf = new.csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("subject", "Cancel contract"),
        ("body", "How do I cancel my contract?"),
    ];
    let offered = app.post("/portal/acme/new", &session, &fields, &[]).await;
    assert_eq!(offered.status, 200);
    assert!(
        offered.body.contains("Cancelling your contract"),
        "{}",
        offered.body
    );
    assert!(
        offered
            .body
            .contains(&format!("/portal/acme/kb/{article}/answered"))
    );
    assert!(offered.body.contains("name=\"step\" value=\"send\""));

    // "This answered my question" counts a deflection, once.
    for _ in 0..2 {
        let answered = app
            .post(
                &format!("/portal/acme/kb/{article}/answered"),
                &session,
                &[("csrf", &csrf)],
                &[],
            )
            .await;
        assert_eq!(answered.status, 303);
    }
    let a = app
        .api(
            &t,
            "GET",
            &format!("/api/v1/kb/articles/{article}"),
            Value::Null,
        )
        .await;
    assert_eq!(
        serde_json::from_str::<Value>(&a.body).unwrap()["deflections"],
        1
    );

    // Sent anyway: a new conversation on the portal channel, even though one is open.
    let mut fields = fields.to_vec();
    fields.push(("step", "send"));
    let created = app.post("/portal/acme/new", &session, &fields, &[]).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let location = created.header("location").to_owned();
    assert!(location.starts_with("/portal/acme/conversations/"));
    assert!(!location.ends_with(&conversation));
    let home = app.get("/portal/acme", &session, &[]).await;
    assert!(home.body.contains("Cancel contract") && home.body.contains("Rechnung"));
    // Without a subject it is refused, and nothing is opened.
    let bad = app
        .post(
            "/portal/acme/new",
            &session,
            &[("csrf", &csrf), ("body", "x")],
            &[],
        )
        .await;
    assert_eq!(bad.status, 422);
}

#[tokio::test]
async fn the_help_centre_shows_each_reader_what_they_may_read_and_cleans_article_html() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    let public = app
        .article(
            &t,
            "Opening hours",
            "We are open **9 to 5**.\n\n<img src=x onerror=alert(1)><script>alert(2)</script>[x](javascript:alert(3))",
            "public",
        )
        .await;
    let members = app
        .article(
            &t,
            "Members discount",
            "Customers get 10 percent off.",
            "customers",
        )
        .await;
    let internal = app
        .article(&t, "Escalation matrix", "Internal only.", "internal")
        .await;

    let visitor = app.get("/portal/acme/kb", "", &[]).await;
    assert_eq!(visitor.status, 200);
    assert!(visitor.body.contains("Opening hours"));
    assert!(!visitor.body.contains("Members discount"));
    assert!(!visitor.body.contains("Escalation matrix"));
    let page = app.get(&format!("/portal/acme/kb/{public}"), "", &[]).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<strong>9 to 5</strong>"),
        "{}",
        page.body
    );
    let at = page.body.find("id=\"article-body\"").unwrap();
    let body = &page.body[at..at + page.body[at..].find("</div>").unwrap()];
    for bad in ["onerror", "<script", "javascript:", "alert(2)"] {
        assert!(!body.contains(bad), "{bad} survived: {body}");
    }
    assert_eq!(
        app.get(&format!("/portal/acme/kb/{members}"), "", &[])
            .await
            .status,
        404
    );

    let session = app.portal_sign_in(&t, "anna@example.org").await;
    let signed_in = app.get("/portal/acme/kb", &session, &[]).await;
    assert!(signed_in.body.contains("Members discount"));
    assert!(!signed_in.body.contains("Escalation matrix"));
    assert_eq!(
        app.get(&format!("/portal/acme/kb/{members}"), &session, &[])
            .await
            .status,
        200
    );
    let hidden = app
        .get(&format!("/portal/acme/kb/{internal}"), &session, &[])
        .await;
    let missing = app
        .get(
            "/portal/acme/kb/01a23606-9ceb-7477-aede-1f450ddc5093",
            &session,
            &[],
        )
        .await;
    assert_eq!(
        (hidden.status.as_u16(), missing.status.as_u16()),
        (404, 404)
    );
    assert_eq!(hidden.body, missing.body, "A01: no difference that tells");

    // Files on articles follow the article: a visitor gets the public one's, a customer
    // the members' one too, nobody an unknown one (A01, E01 headers as for every file).
    let hours = attach_pdf(&app, &t, &public, "hours.pdf").await;
    let discount = attach_pdf(&app, &t, &members, "discount.pdf").await;
    let page = app.get(&format!("/portal/acme/kb/{public}"), "", &[]).await;
    let public_file = format!("/portal/acme/kb/{public}/files/{hours}");
    assert!(page.body.contains(&public_file), "the page links the file");
    let got = app.get(&public_file, "", &[]).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.header("content-type"), "application/pdf");
    assert!(got.header("content-disposition").starts_with("attachment;"));
    assert_eq!(got.header("cache-control"), "public, max-age=300");
    let members_file = format!("/portal/acme/kb/{members}/files/{discount}");
    assert_eq!(app.get(&members_file, "", &[]).await.status, 404);
    let got = app.get(&members_file, &session, &[]).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("cache-control"), "private, no-store");
    let crossed = format!("/portal/acme/kb/{public}/files/{discount}");
    assert_eq!(app.get(&crossed, &session, &[]).await.status, 404);

    let found = app.get("/portal/acme/kb?q=discount", &session, &[]).await;
    assert!(found.body.contains("One article found"), "{}", found.body);
    let none = app.get("/portal/acme/kb?q=escalation", &session, &[]).await;
    assert!(!none.body.contains(&internal));
}

#[tokio::test]
async fn my_data_shows_the_profile_and_manages_consents_restrictions_export_and_erasure() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    app.mail_in(&t, "anna@example.org", "Hallo", "Guten Tag")
        .await;
    let session = app.portal_sign_in(&t, "anna@example.org").await;
    let page = app.get("/portal/acme/data", &session, &[]).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("anna@example.org"));
    assert!(page.body.contains("Location"));
    let csrf = page.csrf();

    // Consent: given and withdrawn in one step each, each with its receipt.
    for action in ["grant", "withdraw"] {
        let r = app
            .post(
                "/portal/acme/data/consents",
                &session,
                &[("csrf", &csrf), ("purpose", "location"), ("action", action)],
                &[],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let tenant = app.store.tenant_by_slug("acme").await.unwrap().unwrap();
    let identity = kairos_core::identity::Identity::email("anna@example.org").unwrap();
    let anna = app
        .store
        .customer_by_identity(tenant.id, &identity)
        .await
        .unwrap()
        .unwrap();
    let records = app.store.consents(tenant.id, anna).await.unwrap();
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r.command.method == "portal"));
    let page = app
        .get("/portal/acme/data?saved=consent", &session, &[])
        .await;
    assert!(page.body.contains("Saved."));
    let receipt_path = format!("/portal/acme/data/consents/{}/receipt", records[0].id);
    assert!(page.body.contains(&receipt_path));
    let receipt = app.get(&receipt_path, &session, &[]).await;
    assert_eq!(receipt.status, 200);
    assert!(
        receipt
            .header("content-disposition")
            .starts_with("attachment")
    );
    let v: Value = serde_json::from_str(&receipt.body).unwrap();
    assert_eq!(v["consentReceiptID"], records[0].id.to_string());
    assert_eq!(v["collectionMethod"], "portal");
    // An unknown purpose is refused.
    let bad = app
        .post(
            "/portal/acme/data/consents",
            &session,
            &[
                ("csrf", &csrf),
                ("purpose", "mind-reading"),
                ("action", "grant"),
            ],
            &[],
        )
        .await;
    assert_eq!(bad.status, 422);

    // Restriction and objection.
    let r = app
        .post(
            "/portal/acme/data/restrictions",
            &session,
            &[("csrf", &csrf), ("proactive", "on")],
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    let set = app.store.restrictions(tenant.id, anna).await.unwrap();
    assert!(set.proactive && !set.profiling && !set.automation);

    // The export: the privacy archive.
    let zip = app.get("/portal/acme/data/export", &session, &[]).await;
    assert_eq!(zip.status, 200);
    assert_eq!(zip.header("content-type"), "application/zip");
    assert_eq!(zip.header("cache-control"), "no-store");
    assert!(zip.body.as_bytes().starts_with(b"PK"));

    // Erasure is asked for as a request the company answers.
    let asked = app
        .post(
            "/portal/acme/data/erasure",
            &session,
            &[("csrf", &csrf)],
            &[],
        )
        .await;
    assert_eq!(asked.status, 303);
    let home = app.get("/portal/acme", &session, &[]).await;
    assert!(home.body.contains("Request for erasure of my data"));
}

/// Attaches a small PDF named `name` to `article` as staff; the attachment's id.
async fn attach_pdf(app: &App, t: &Tenant, article: &str, name: &str) -> String {
    let req = http::Request::builder()
        .method("POST")
        .uri(format!(
            "/api/v1/kb/articles/{article}/attachments?filename={name}"
        ))
        .header("authorization", format!("Bearer {}", t.token))
        .header("content-type", "application/pdf")
        .body(axum::body::Body::from(b"%PDF-1.4\n%%EOF\n".to_vec()))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, 201, "{}", r.body);
    serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
