//! Staff invitations by e-mail: the admin invites on the staff page, the mail (read back
//! from the outbox) carries a single-use link, the invitee chooses a password on
//! `/invite/{secret}` and is signed in; used, revoked, expired and unknown links say so;
//! hostile input is refused before anything is stored or mailed (checklist B10); guessing
//! links is throttled (F05).

use crate::harness::{App, PASSWORD, Reply, Tenant, XSS};
use serde_json::json;

impl App {
    /// The admin's staff page and its CSRF token.
    async fn staff_page(&self, admin: &str) -> Reply {
        let page = self.get("/admin/staff?lang=en", admin, &[]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        page
    }

    /// Invites through the staff page's form; the answer.
    async fn invite(&self, admin: &str, name: &str, email: &str, role: &str) -> Reply {
        let csrf = self.staff_page(admin).await.csrf();
        self.post(
            "/admin/staff/invitations?lang=en",
            admin,
            &[
                ("display_name", name),
                ("email", email),
                ("role", role),
                ("csrf", &csrf),
            ],
            &[],
        )
        .await
    }

    /// The secret in the newest invitation mail to `to`.
    async fn invitation_secret(&self, to: &str) -> String {
        let mails = self.mails_to(to).await;
        let raw = mails.last().expect("an invitation mail");
        let parsed = kairos_mail::parse::parse(raw.as_bytes()).unwrap();
        let at = parsed.text.find("/invite/").expect("a link in the mail") + 8;
        parsed.text[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }

    /// Opens the link and posts `password`; the answer to the post.
    async fn accept(&self, secret: &str, password: &str) -> Reply {
        let page = self
            .get(&format!("/invite/{secret}?lang=en"), "", &[])
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        let pre = page.cookies().join("; ");
        let csrf = page.csrf();
        self.post(
            &format!("/invite/{secret}?lang=en"),
            &pre,
            &[("password", password), ("csrf", &csrf)],
            &[],
        )
        .await
    }

    async fn tenant_id(&self, t: &Tenant) -> kairos_core::ids::TenantId {
        self.store
            .tenant_by_slug(&t.slug)
            .await
            .unwrap()
            .unwrap()
            .id
    }
}

fn why(reply: &Reply) -> &str {
    let at = reply.body.find("data-why=\"").expect("the reason") + 10;
    &reply.body[at..at + reply.body[at..].find('"').unwrap()]
}

#[tokio::test]
async fn an_invitation_is_mailed_accepted_once_and_signs_the_person_in() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    let admin = app.sign_in_admin(&t).await;
    let sent = app
        .invite(&admin, "Bea Beispiel", " Bea@Example.ORG ", "agent")
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(sent.header("location"), "/admin/staff?invited=1");
    let page = app.get("/admin/staff?invited=1&lang=en", &admin, &[]).await;
    assert!(page.body.contains("Invitation sent."));
    assert!(page.body.contains("bea@example.org") && page.body.contains("id=\"invitations\""));
    // The mail: from the support address, in the admin's language, with the link.
    let mails = app.mails_to("bea@example.org").await;
    assert_eq!(mails.len(), 1);
    let parsed = kairos_mail::parse::parse(mails[0].as_bytes()).unwrap();
    assert_eq!(parsed.subject.as_deref(), Some("Your invitation to acme"));
    assert!(
        parsed.text.contains("Hello Bea Beispiel,"),
        "{}",
        parsed.text
    );
    assert!(parsed.text.contains("https://help.example/invite/"));
    assert!(parsed.text.contains("72 hours"));
    assert!(mails[0].contains("support@acme.example"));
    let secret = app.invitation_secret("bea@example.org").await;
    assert!(secret.len() >= 43, "{secret}");
    // Only the hash is stored.
    let tenant = app.tenant_id(&t).await;
    let stored = app.store.invitations(tenant).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(
        app.store
            .invitation_by_secret(secret.as_bytes())
            .await
            .unwrap()
            .is_none()
    );

    // The page says who is invited where; a password the policy refuses is said so (422).
    let form = app.get(&format!("/invite/{secret}?lang=en"), "", &[]).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Join acme") && form.body.contains("bea@example.org"));
    assert!(form.body.contains("autocomplete=\"new-password\""));
    let short = app.accept(&secret, "too short").await;
    assert_eq!(short.status, 422, "{}", short.body);
    assert!(short.body.contains("id=\"invite-error\""));
    // A good one: the account exists, the person is signed in.
    let done = app.accept(&secret, PASSWORD).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.header("location"), "/inbox");
    let session = done
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("kairos_session=") && !c.ends_with('='))
        .expect("a session");
    assert_eq!(app.get("/inbox", &session, &[]).await.status, 200);
    let party = app
        .store
        .party_by_email(tenant, "bea@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(party.display_name, "Bea Beispiel");
    assert_eq!(party.role, kairos_core::party::Role::Agent);
    // She signs in with it later, too.
    let bea = Tenant {
        slug: t.slug.clone(),
        email: "bea@example.org".into(),
        token: t.token.clone(),
    };
    app.sign_in(&bea).await;
    // The link is used up: a page that says so (410), and no second account.
    let again = app.get(&format!("/invite/{secret}?lang=en"), "", &[]).await;
    assert_eq!(again.status, 410);
    assert_eq!(why(&again), "used");
    assert!(again.body.contains("accepted already"));
    assert!(app.store.invitations(tenant).await.unwrap().is_empty());
    assert!(
        !app.staff_page(&admin)
            .await
            .body
            .contains("id=\"invitations\"")
    );
}

#[tokio::test]
async fn expired_revoked_resent_and_unknown_links_say_what_happened() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    let admin = app.sign_in_admin(&t).await;
    let tenant = app.tenant_id(&t).await;
    assert_eq!(
        app.invite(&admin, "Carl", "carl@example.org", "admin")
            .await
            .status,
        303
    );
    let first = app.invitation_secret("carl@example.org").await;
    kairos_store::testing::expire_invitations(&app.store, tenant)
        .await
        .unwrap();
    let expired = app.get(&format!("/invite/{first}?lang=en"), "", &[]).await;
    assert_eq!(expired.status, 410);
    assert_eq!(why(&expired), "expired");
    assert!(app.staff_page(&admin).await.body.contains("Expired"));
    // Sent again: a new mail and link; the old link is nothing now.
    let id = app.store.invitations(tenant).await.unwrap()[0].id;
    let csrf = app.staff_page(&admin).await.csrf();
    let resent = app
        .post(
            &format!("/admin/staff/invitations/{id}/resend"),
            &admin,
            &[("csrf", &csrf)],
            &[],
        )
        .await;
    assert_eq!(resent.status, 303, "{}", resent.body);
    assert_eq!(app.mails_to("carl@example.org").await.len(), 2);
    let second = app.invitation_secret("carl@example.org").await;
    assert_ne!(first, second);
    assert_eq!(
        why(&app.get(&format!("/invite/{first}"), "", &[]).await),
        "unknown"
    );
    assert_eq!(
        app.get(&format!("/invite/{second}"), "", &[]).await.status,
        200
    );
    // Revoked: the link says so, and nothing can be accepted with it.
    let revoked = app
        .post(
            &format!("/admin/staff/invitations/{id}/revoke"),
            &admin,
            &[("csrf", &csrf)],
            &[],
        )
        .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    let page = app.get(&format!("/invite/{second}?lang=en"), "", &[]).await;
    assert_eq!(page.status, 410);
    assert_eq!(why(&page), "revoked");
    assert!(page.body.contains("withdrawn"));
    let unknown = app
        .get(
            "/invite/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "",
            &[],
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(why(&unknown), "unknown");
    // A form posted to a revoked link creates nothing.
    // (with a pre-session token from the sign-in form: the refusal page offers no form)
    let form = app.get("/login", "", &[]).await;
    let cookies = form.cookies().join("; ");
    let post = app
        .post(
            &format!("/invite/{second}"),
            &cookies,
            &[("password", PASSWORD), ("csrf", &form.csrf())],
            &[],
        )
        .await;
    assert_eq!(post.status, 410, "{}", post.body);
    assert!(
        app.store
            .party_by_email(tenant, "carl@example.org")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn b10_hostile_invitations_are_refused_before_anything_is_stored_or_mailed() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let tenant = app.tenant_id(&t).await;
    let invite = |email: &'static str, name: &'static str| {
        app.api(
            &t,
            "POST",
            "/api/v1/staff/invitations",
            json!({"email": email, "display_name": name, "role": "agent"}),
        )
    };
    // Without a support address no mail can leave: refused, nothing stored.
    let no_sender = invite("dora@example.org", "Dora").await;
    assert_eq!(no_sender.status, 409, "{}", no_sender.body);
    assert!(app.store.invitations(tenant).await.unwrap().is_empty());
    app.mail_from(&t).await;
    for (email, name, field) in [
        ("not an address", "Dora", "email"),
        ("dora@example.org\r\nBcc: evil@example.org", "Dora", "email"),
        ("dora@example.org>, evil@example.org", "Dora", "email"),
        (
            "dora@example.org",
            "Dora\r\nBcc: evil@example.org",
            "display_name",
        ),
        ("dora@example.org", "Dora\nSubject: hi", "display_name"),
        ("dora@example.org", "   ", "display_name"),
    ] {
        let r = invite(email, name).await;
        assert_eq!(r.status, 422, "{email:?} {name:?}: {}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["field"], field, "{}", r.body);
    }
    for (body, status) in [
        (
            json!({"email": "dora@example.org", "display_name": "Dora", "role": "customer"}),
            422,
        ),
        (
            json!({"email": "dora@example.org", "display_name": "Dora", "role": "agent", "language": "fr"}),
            422,
        ),
        (
            json!({"email": "dora@example.org", "display_name": "Dora", "role": "agent", "password": "x"}),
            400,
        ),
    ] {
        let r = app.api(&t, "POST", "/api/v1/staff/invitations", body).await;
        assert_eq!(r.status, status, "{}", r.body);
    }
    assert!(app.store.invitations(tenant).await.unwrap().is_empty());
    assert!(app.mails_to("evil@example.org").await.is_empty());
    // A name that is markup is only ever text; the staff member's address is taken.
    let ok = app
        .api(
            &t,
            "POST",
            "/api/v1/staff/invitations",
            json!({"email": "dora@example.org", "display_name": XSS, "role": "agent", "language": "de"}),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    let v: serde_json::Value = serde_json::from_str(&ok.body).unwrap();
    assert_eq!(v["state"], "pending");
    assert!(v.get("secret").is_none() && !ok.body.contains("/invite/"));
    let admin = app.sign_in_admin(&t).await;
    let page = app.staff_page(&admin).await;
    assert!(!page.body.contains(XSS));
    assert!(
        page.body.contains("&lt;img src=x onerror=alert(1)&gt;") || page.body.contains("&#60;img")
    );
    let mails = app.mails_to("dora@example.org").await;
    assert_eq!(mails.len(), 1);
    let head = &mails[0][..mails[0].find("\r\n\r\n").unwrap()];
    assert!(!head.to_ascii_lowercase().contains("bcc"), "{head}");
    let parsed = kairos_mail::parse::parse(mails[0].as_bytes()).unwrap();
    assert_eq!(parsed.subject.as_deref(), Some("Ihre Einladung zu acme"));
    for (email, status) in [("dora@example.org", 409), ("agent@acme.example", 409)] {
        let r = app
            .api(
                &t,
                "POST",
                "/api/v1/staff/invitations",
                json!({"email": email, "display_name": "Twice", "role": "agent"}),
            )
            .await;
        assert_eq!(r.status, status, "{email}: {}", r.body);
    }
    // The API lists, sends again and revokes.
    let list = app
        .api(
            &t,
            "GET",
            "/api/v1/staff/invitations",
            serde_json::Value::Null,
        )
        .await;
    assert_eq!(list.status, 200);
    let items: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    let id = items["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(items["items"][0]["email"], "dora@example.org");
    let resent = app
        .api(
            &t,
            "POST",
            &format!("/api/v1/staff/invitations/{id}/resend"),
            serde_json::Value::Null,
        )
        .await;
    assert_eq!(resent.status, 200, "{}", resent.body);
    assert_eq!(app.mails_to("dora@example.org").await.len(), 2);
    for _ in 0..2 {
        let gone = app
            .api(
                &t,
                "DELETE",
                &format!("/api/v1/staff/invitations/{id}"),
                serde_json::Value::Null,
            )
            .await;
        assert_eq!(gone.status, 204, "{}", gone.body);
    }
    assert!(app.store.invitations(tenant).await.unwrap().is_empty());
}

#[tokio::test]
async fn f05_guessing_invitation_links_is_throttled() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    app.mail_from(&t).await;
    let admin = app.sign_in_admin(&t).await;
    assert_eq!(
        app.invite(&admin, "Eve", "eve@example.org", "agent")
            .await
            .status,
        303
    );
    let secret = app.invitation_secret("eve@example.org").await;
    for i in 0..5 {
        let guess = app.get(&format!("/invite/guess{i}"), "", &[]).await;
        assert_eq!(guess.status, 404);
    }
    // Now even the right link waits, before it is looked at.
    let blocked = app.get(&format!("/invite/{secret}?lang=en"), "", &[]).await;
    assert_eq!(blocked.status, 429, "{}", blocked.body);
    assert_eq!(why(&blocked), "throttled");
    assert!(blocked.header("retry-after").parse::<u32>().unwrap() > 0);
}
