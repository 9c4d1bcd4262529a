//! The portal under hostile use: enumeration (F06), throttling (F05), another customer's
//! conversation (A01), internal notes (A04), the XSS payload (B03), CSRF (F08), cookies
//! and headers (F09, B05, F07), staff and customer sessions kept apart.

use crate::harness::{App, XSS};
use crate::portal_support::portal_cookie;
use serde_json::{Value, json};

/// Form fields or request headers.
type Fields<'a> = [(&'a str, &'a str)];

/// F06: a customer's address, a staff member's, an unknown one: the same status and page,
/// no cookie but the form's, and a link mailed to each (nobody can tell them apart).
#[tokio::test]
async fn f06_every_address_gets_the_same_answer() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    app.mail_in(&t, "known@example.org", "Hi", "Hello").await;
    let mut pages = Vec::new();
    for email in ["known@example.org", "nobody@example.org", t.email.as_str()] {
        let reply = app.ask_link("acme", email).await;
        assert_eq!(reply.status, 200);
        assert!(
            reply
                .cookies()
                .iter()
                .all(|c| !c.contains("kairos_portal="))
        );
        pages.push(reply.body);
    }
    assert!(pages.iter().all(|p| *p == pages[0]), "the answers differ");
    for email in ["known@example.org", "nobody@example.org"] {
        app.link_token(email, 1).await;
    }
    // A malformed address says so (that tells nothing about anyone).
    let bad = app.ask_link("acme", "not-an-address").await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("valid e-mail address"));
}

/// F05: three links per address in 15 minutes (then the same answer, nothing sent), ten
/// requests per client (then 429).
#[tokio::test]
async fn f05_links_are_limited_per_address_and_per_client() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    let first = app.ask_link("acme", "anna@example.org").await;
    for _ in 0..3 {
        let again = app.ask_link("acme", "anna@example.org").await;
        assert_eq!((again.status.as_u16(), &again.body), (200, &first.body));
    }
    app.link_token("anna@example.org", 3).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(app.mails_to("anna@example.org").await.len(), 3);
    for i in 0..7 {
        let r = app.ask_link("acme", &format!("p{i}@example.org")).await;
        assert_eq!(r.status, 200);
    }
    let limited = app.ask_link("acme", "late@example.org").await;
    assert_eq!(limited.status, 429);
    assert!(limited.body.contains("Too many requests"));
}

/// A01, A04: only their own conversations, never a note; another customer's conversation
/// is not found exactly like one that does not exist, and a reply to it stores nothing.
#[tokio::test]
async fn a01_a04_a_customer_sees_their_own_conversations_and_never_notes() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    let annas = app
        .mail_in(&t, "anna@example.org", "Annas Frage", "Frage von Anna")
        .await;
    let bobs = app
        .mail_in(&t, "bob@example.org", "Bobs Frage", "Frage von Bob")
        .await;
    let path = format!("/api/v1/conversations/{annas}/messages");
    let note = json!({"direction": "note", "body": "INTERNAL: customer is difficult"});
    assert_eq!(app.api(&t, "POST", &path, note).await.status, 201);
    let reply = json!({"body": "Our answer to Anna", "channel": "email"});
    assert_eq!(app.api(&t, "POST", &path, reply).await.status, 201);

    let anna = app.portal_sign_in(&t, "anna@example.org").await;
    let home = app.get("/portal/acme", &anna, &[]).await;
    assert!(home.body.contains("Annas Frage"));
    assert!(!home.body.contains("Bobs Frage"));
    let page = app
        .get(&format!("/portal/acme/conversations/{annas}"), &anna, &[])
        .await;
    assert!(page.body.contains("Our answer to Anna"));
    assert!(
        !page.body.contains("INTERNAL"),
        "A04: a note reached the customer"
    );
    assert!(!page.body.contains("msg-note"));

    let foreign = app
        .get(&format!("/portal/acme/conversations/{bobs}"), &anna, &[])
        .await;
    let missing = app
        .get(
            "/portal/acme/conversations/01a23606-9ceb-7477-aede-1f450ddc5093",
            &anna,
            &[],
        )
        .await;
    assert_eq!(
        (foreign.status.as_u16(), missing.status.as_u16()),
        (404, 404)
    );
    assert_eq!(foreign.body, missing.body);
    assert!(!foreign.body.contains("Frage von Bob"));
    let csrf = home.csrf();
    let sneaky = app
        .post(
            &format!("/portal/acme/conversations/{bobs}/messages"),
            &anna,
            &[("csrf", &csrf), ("body", "from Anna")],
            &[],
        )
        .await;
    assert_eq!(sneaky.status, 404);
    let v: Value = serde_json::from_str(
        &app.api(
            &t,
            "GET",
            &format!("/api/v1/conversations/{bobs}/messages"),
            Value::Null,
        )
        .await
        .body,
    )
    .unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "nothing was added");
}

/// B03: the payload as name, subject and text shows as text on every portal page.
#[tokio::test]
async fn b03_the_payload_is_text_on_every_portal_page() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    let id = app.hostile_conversation(&t).await;
    let eve = app.portal_sign_in(&t, "eve@example.org").await;
    for path in [
        "/portal/acme".to_owned(),
        format!("/portal/acme/conversations/{id}"),
        "/portal/acme/data".to_owned(),
    ] {
        let page = app.get(&path, &eve, &[]).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(!page.body.contains(XSS), "{path}: the payload is markup");
        assert!(
            page.body.contains("&lt;img src=x onerror=alert(1)&gt;")
                || page.body.contains("&#60;img src=x onerror=alert(1)&#62;"),
            "{path}: the payload is not shown as text"
        );
    }
}

/// F08: every portal form refuses a post without the session's token, with a wrong one,
/// or from another site — and changes nothing; the sign-in forms need their pre-session
/// cookie, and a refused "continue" does not use the link up.
#[tokio::test]
async fn f08_portal_forms_refuse_posts_without_their_token_or_from_other_sites() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    let id = app.mail_in(&t, "anna@example.org", "Hallo", "Text").await;
    let anna = app.portal_sign_in(&t, "anna@example.org").await;
    let csrf = app.get("/portal/acme", &anna, &[]).await.csrf();
    let reply = format!("/portal/acme/conversations/{id}/messages");
    let attempts: [(&Fields, &Fields); 3] = [
        (&[("body", "no token")], &[]),
        (&[("body", "wrong token"), ("csrf", "x")], &[]),
        (
            &[("body", "cross site"), ("csrf", csrf.as_str())],
            &[("sec-fetch-site", "cross-site")],
        ),
    ];
    for (fields, headers) in attempts {
        for path in [
            reply.as_str(),
            "/portal/acme/data/consents",
            "/portal/acme/logout",
        ] {
            let r = app.post(path, &anna, fields, headers).await;
            assert_eq!(r.status, 403, "{path} {fields:?}");
            assert!(r.body.contains("form has expired"));
        }
    }
    let v: Value = serde_json::from_str(
        &app.api(
            &t,
            "GET",
            &format!("/api/v1/conversations/{id}/messages"),
            Value::Null,
        )
        .await
        .body,
    )
    .unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/portal/acme", &anna, &[]).await.status,
        200,
        "still signed in"
    );

    // The sign-in forms: without the pre-session cookie, refused.
    let form = app.get("/portal/acme/login", "", &[]).await;
    let token = form.csrf();
    let r = app
        .post(
            "/portal/acme/login",
            "",
            &[("email", "anna@example.org"), ("csrf", &token)],
            &[],
        )
        .await;
    assert_eq!(r.status, 403);
    app.ask_link("acme", "anna@example.org").await;
    let link = app.link_token("anna@example.org", 2).await;
    let page = app
        .get(&format!("/portal/acme/link?token={link}"), "", &[])
        .await;
    let r = app
        .post(
            "/portal/acme/link",
            "",
            &[("token", &link), ("csrf", &page.csrf())],
            &[],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(app.use_link("acme", &link).await.status, 303, "not used up");
}

/// F09, B05, F07: on HTTPS the portal cookie is `__Host-`, Secure, HttpOnly, SameSite=Lax,
/// Path=/ without Domain; portal pages carry the strict policy and are never cached.
#[tokio::test]
async fn f09_b05_the_portal_cookie_and_headers() {
    let app = App::with_cookies(true).await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    app.ask_link("acme", "anna@example.org").await;
    let token = app.link_token("anna@example.org", 1).await;
    let used = app.use_link("acme", &token).await;
    assert_eq!(used.status, 303);
    let set = used
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Host-kairos_portal="))
        .expect("a __Host- cookie");
    for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set.contains(flag), "{set}");
    }
    assert!(!set.contains("Domain"));
    let session = portal_cookie(&used);
    for path in [
        "/portal/acme",
        "/portal/acme/data",
        "/portal/acme/kb",
        "/portal/acme/login",
    ] {
        let r = app.get(path, &session, &[]).await;
        let csp = r.header("content-security-policy");
        assert!(csp.contains("script-src 'self'") && csp.contains("object-src 'none'"));
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(r.header("cache-control"), "no-store", "{path}");
        assert_eq!(r.header("referrer-policy"), "no-referrer");
        assert!(
            !r.body.contains("<script>") && !r.body.contains("style="),
            "{path}"
        );
    }
}

/// Staff and customer sessions are apart: a portal cookie is nobody in the agent UI or
/// the API, a staff cookie nobody in the portal.
#[tokio::test]
async fn portal_and_staff_sessions_do_not_stand_in_for_each_other() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    let customer = app.portal_sign_in(&t, "anna@example.org").await;
    let inbox = app.get("/inbox", &customer, &[]).await;
    assert_eq!(
        (inbox.status.as_u16(), inbox.header("location")),
        (303, "/login")
    );
    assert_eq!(
        app.get("/api/v1/conversations", &customer, &[])
            .await
            .status,
        401
    );
    let staff = app.sign_in(&t).await;
    let portal = app.get("/portal/acme", &staff, &[]).await;
    assert_eq!(
        (portal.status.as_u16(), portal.header("location")),
        (303, "/portal/acme/login")
    );
}

/// A01, A04, E01: the portal serves a customer the files of their own conversations, as
/// downloads with the sandbox headers, and neither another customer's nor a note's.
#[tokio::test]
async fn a01_a04_portal_files_are_the_customers_own() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    let blobs = app.blobs.as_ref().unwrap();
    let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
    let sha = blobs.put(pdf.clone()).await.unwrap();
    let file = |name: &str| json!([{"filename": name, "content_type": "application/pdf", "size": pdf.len(), "sha256": sha}]);
    let mail = |from: &str, name: &str| {
        json!({"channel": "email", "from": {"kind": "email", "value": from},
            "subject": "Rechnung", "body": "anbei", "attachments": file(name)})
    };
    let annas = app
        .api(
            &t,
            "POST",
            "/api/v1/inbound",
            mail("anna@example.org", "annas.pdf"),
        )
        .await;
    let annas: Value = serde_json::from_str(&annas.body).unwrap();
    let bobs = app
        .api(
            &t,
            "POST",
            "/api/v1/inbound",
            mail("bob@example.org", "bobs.pdf"),
        )
        .await;
    let bobs: Value = serde_json::from_str(&bobs.body).unwrap();
    let conversation = annas["conversation_id"].as_str().unwrap();
    let note = app
        .api(
            &t,
            "POST",
            &format!("/api/v1/conversations/{conversation}/messages"),
            json!({"direction": "note", "body": "intern", "attachments": file("intern.pdf")}),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.body);
    let note: Value = serde_json::from_str(&note.body).unwrap();

    let anna = app.portal_sign_in(&t, "anna@example.org").await;
    let page = app
        .get(
            &format!("/portal/acme/conversations/{conversation}"),
            &anna,
            &[],
        )
        .await;
    let own = format!(
        "/portal/acme/messages/{}/files/0",
        annas["message_id"].as_str().unwrap()
    );
    assert!(page.body.contains(&own), "the page links the file");
    assert!(
        !page.body.contains("intern.pdf"),
        "A04: a note's file is listed"
    );
    let got = app.get(&own, &anna, &[]).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body.as_bytes(), pdf.as_slice());
    assert_eq!(got.header("content-type"), "application/pdf");
    assert!(got.header("content-disposition").starts_with("attachment;"));
    assert_eq!(got.header("x-content-type-options"), "nosniff");

    let message_id = |v: &Value| v["message_id"].as_str().unwrap().to_owned();
    for (what, path) in [
        (
            "another customer's",
            format!("/portal/acme/messages/{}/files/0", message_id(&bobs)),
        ),
        (
            "a note's",
            format!(
                "/portal/acme/messages/{}/files/0",
                note["id"].as_str().unwrap()
            ),
        ),
        ("past the end", own.replace("/files/0", "/files/1")),
        (
            "not a message",
            "/portal/acme/messages/x/files/0".to_owned(),
        ),
    ] {
        let r = app.get(&path, &anna, &[]).await;
        assert_eq!(r.status, 404, "{what}: {}", r.body);
    }
    let anonymous = app.get(&own, "", &[]).await;
    assert_ne!(anonymous.status, 200, "a file without a session");
}
