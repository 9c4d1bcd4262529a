//! The dashboard, the inbox's "SLA due soon" and "by tier" views, and the assignee picker.

use crate::harness::{App, Tenant, XSS};
use kairos_core::event::Actor;
use kairos_core::ids::{ConversationId, TenantId};
use kairos_core::party::Role;
use kairos_core::sla::SlaSettings;

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap()
}

async fn tenant_id(app: &App, t: &Tenant) -> TenantId {
    app.store.tenant_by_slug(&t.slug).await.unwrap().unwrap().id
}

/// The section of `body` with element id `id` (up to the next `</section>`).
fn section<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &body[start..];
    &rest[..rest.find("</section>").unwrap()]
}

/// The dashboard's numbers come from the store (a seeded conversation per channel, an
/// assignment); every chart is an SVG without script, handler or inline style (B05),
/// labelled, with a table of the same numbers; an agent's hostile name is text (B03).
#[tokio::test]
async fn the_dashboard_charts_and_tables_show_the_stores_numbers() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let tid = tenant_id(&app, &t).await;
    let email = app.hostile_conversation(&t).await;
    let chat = app
        .api(
            &t,
            "POST",
            "/api/v1/inbound",
            serde_json::json!({"channel": "chat",
                "from": {"kind": "email", "value": "anna@example.org"}, "body": "Hallo"}),
        )
        .await;
    assert_eq!(chat.status, 201, "{}", chat.body);
    let hostile_agent = app
        .store
        .create_party(
            tid,
            Role::Agent,
            Some("eve@acme.example"),
            XSS,
            None,
            &Actor::System,
        )
        .await
        .unwrap();
    let assigned = app
        .api(
            &t,
            "PATCH",
            &format!("/api/v1/conversations/{email}"),
            serde_json::json!({"assignee": hostile_agent.to_string()}),
        )
        .await;
    assert_eq!(assigned.status, 200, "{}", assigned.body);
    let session = app.sign_in(&t).await;

    let page = app.get("/dashboard", &session, &[]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.header("content-security-policy")
            .contains("style-src 'self'")
    );
    let today = kairos_store::now().to_rfc3339()[..10].to_owned();
    let volume = section(&page.body, "volume");
    assert!(volume.contains("<svg viewBox"), "{volume}");
    assert!(volume.contains("<title id=\"volume-title\">New conversations by channel</title>"));
    assert!(volume.contains("<th scope=\"col\">E-mail</th><th scope=\"col\">Chat</th>"));
    assert!(
        volume.contains(&format!(
            "<tr><th scope=\"row\">{today}</th><td>1</td><td>1</td><td>2</td></tr>"
        )),
        "{volume}"
    );
    let backlog = section(&page.body, "backlog");
    assert!(backlog.contains(&format!(
        "<tr><th scope=\"row\">{today}</th><td>2</td></tr>"
    )));
    let load = section(&page.body, "load");
    assert!(load.contains("<td>1</td><td>0</td>"), "{load}");
    for id in ["volume", "first-response", "resolution", "backlog", "load"] {
        let s = section(&page.body, id);
        assert!(
            s.contains(&format!("aria-labelledby=\"{id}-title {id}-desc\"")),
            "{id}"
        );
        assert!(
            s.contains("<table>") && s.contains("<th scope=\"row\""),
            "{id}"
        );
    }
    let lower = page.body.to_lowercase();
    assert!(!lower.contains(" style="), "no inline style");
    assert_eq!(
        lower.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(!page.body.contains(XSS), "the agent's name is text");
    assert!(!lower.contains("<img"));
    assert!(
        page.body.matches("onerror=alert(1)").count() >= 2,
        "name in chart and table"
    );
    assert_eq!(page.body.matches("<tbody>").count(), 5);

    let month = app.get("/dashboard?days=30", &session, &[]).await;
    assert_eq!(
        section(&month.body, "backlog")
            .matches("<th scope=\"row\"")
            .count(),
        30
    );
    assert!(
        month
            .body
            .contains("href=\"/dashboard?days=30\" aria-current=\"page\"")
    );
    let bad = app.get("/dashboard?days=5", &session, &[]).await;
    assert_eq!(bad.status, 422);
    let de = app.get("/dashboard?lang=de", &session, &[]).await;
    assert!(de.body.contains("Neue Gespräche nach Kanal"));
    let out = app.get("/dashboard", "", &[]).await;
    assert_eq!(out.status, 303);
}

/// "SLA due soon" lists conversations whose running clock is due within the hour, the
/// earliest first; "by tier" those of customers in the tier; a hostile tier is text.
#[tokio::test]
async fn the_sla_and_tier_views_filter_the_inbox() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let tid = tenant_id(&app, &t).await;
    let settings = serde_json::json!({"policies": [
        {"name": "Gold", "tier": "gold", "targets": {"normal": {"first_response": 1800}}},
        {"name": "Standard", "targets": {"normal": {"first_response": 7200}}}]});
    let put = app.api(&t, "PUT", "/api/v1/sla", settings.clone()).await;
    assert_eq!(put.status, 200, "{}", put.body);
    let gold = app.hostile_conversation(&t).await;
    let gold_conv = app
        .api(
            &t,
            "GET",
            &format!("/api/v1/conversations/{gold}"),
            serde_json::Value::Null,
        )
        .await;
    let customer = json(&gold_conv.body)["customer_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let tier = app
        .api(
            &t,
            "PUT",
            &format!("/api/v1/customers/{customer}/tier"),
            serde_json::json!({"tier": "gold"}),
        )
        .await;
    assert_eq!(tier.status, 200, "{}", tier.body);
    // A second customer, standard tier: first response due in two hours.
    let other = app
        .api(
            &t,
            "POST",
            "/api/v1/inbound",
            serde_json::json!({"channel": "chat",
                "from": {"kind": "email", "value": "bob@example.org"}, "body": "Frage"}),
        )
        .await;
    let other = json(&other.body)["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Run the SLA worker's step by hand: clocks for everything since the settings.
    let cfg = serde_json::from_value::<SlaSettings>(settings)
        .unwrap()
        .validate()
        .unwrap();
    let after = app
        .store
        .consumer_cursor(tid, "sla")
        .await
        .unwrap()
        .unwrap();
    let events = app.store.events(tid, after, 1000).await.unwrap();
    app.store
        .sla_follow(tid, "sla", after, events, cfg)
        .await
        .unwrap();
    let session = app.sign_in(&t).await;

    let sla = app.get("/inbox?view=sla", &session, &[]).await;
    assert_eq!(sla.status, 200);
    assert!(
        sla.body
            .contains(&format!("href=\"/conversations/{gold}\"")),
        "{}",
        sla.body
    );
    assert!(!sla.body.contains(&other), "due in two hours: not soon");
    assert!(sla.body.contains(">due <time"));
    assert!(sla.body.contains(
        "href=\"/inbox?view=sla&amp;status=open&amp;channel=&amp;tier=\" aria-current=\"page\""
    ));

    let by_tier = app
        .get("/inbox?view=tier&tier=gold&status=any", &session, &[])
        .await;
    assert!(by_tier.body.contains(&gold));
    assert!(!by_tier.body.contains(&other));
    assert!(
        by_tier.body.contains("<option value=\"gold\">"),
        "tiers of the policies"
    );
    let silver = app.get("/inbox?view=tier&tier=silver", &session, &[]).await;
    assert!(!silver.body.contains(&gold));
    let empty = app.get("/inbox?view=tier", &session, &[]).await;
    assert!(empty.body.contains("Enter a service tier"));
    let hostile = app
        .get(
            "/inbox?view=tier&tier=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
            &session,
            &[],
        )
        .await;
    assert_eq!(hostile.status, 200);
    assert!(!hostile.body.contains(XSS));
    assert!(
        hostile.body.contains("tier=%3Cimg"),
        "the tier is URL-encoded in links"
    );
}

/// The picker assigns to any staff member of the tenant or unassigns, through the API's
/// use case: another tenant's agent is refused and nothing changes (A01); a post without
/// the session's CSRF token changes nothing (F08).
#[tokio::test]
async fn the_assignee_picker_assigns_unassigns_and_refuses_other_tenants_agents() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let other = app.tenant("globex").await;
    let tid = tenant_id(&app, &t).await;
    let colleague = app
        .store
        .create_party(
            tid,
            Role::Agent,
            Some("carl@acme.example"),
            "Carl Colleague",
            None,
            &Actor::System,
        )
        .await
        .unwrap();
    let foreign = app
        .store
        .party_by_email(tenant_id(&app, &other).await, &other.email)
        .await
        .unwrap()
        .unwrap()
        .id;
    let id = app.hostile_conversation(&t).await;
    let cid: ConversationId = id.parse().unwrap();
    let session = app.sign_in(&t).await;
    let page = app
        .get(&format!("/conversations/{id}"), &session, &[])
        .await;
    assert!(
        page.body
            .contains("<select id=\"assignee\" name=\"assignee\">")
    );
    assert!(page.body.contains(&format!(
        "<option value=\"{colleague}\">Carl Colleague</option>"
    )));
    assert!(!page.body.contains(&foreign.to_string()));
    let csrf = page.csrf();
    let path = format!("/conversations/{id}/assign");
    let assignee = |app: &App| {
        let store = app.store.clone();
        async move {
            store
                .conversation(tid, cid)
                .await
                .unwrap()
                .unwrap()
                .assignee
        }
    };

    let refused = app
        .post(
            &path,
            &session,
            &[("csrf", &csrf), ("assignee", &foreign.to_string())],
            &[],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(assignee(&app).await, None);
    let forged = app
        .post(
            &path,
            &session,
            &[("csrf", "forged"), ("assignee", &colleague.to_string())],
            &[],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(assignee(&app).await, None);

    let ok = app
        .post(
            &path,
            &session,
            &[("csrf", &csrf), ("assignee", &colleague.to_string())],
            &[],
        )
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(assignee(&app).await, Some(colleague));
    let page = app
        .get(&format!("/conversations/{id}"), &session, &[])
        .await;
    assert!(
        page.body
            .contains(&format!("<option value=\"{colleague}\" selected>"))
    );
    let none = app
        .post(&path, &session, &[("csrf", &csrf), ("assignee", "")], &[])
        .await;
    assert_eq!(none.status, 303);
    assert_eq!(assignee(&app).await, None);
    // Without a search index there are no suggestions, and the page still works.
    assert!(!page.body.contains("Suggested articles"));
}

/// The conversation page suggests articles its customer may read (never an internal one),
/// each with its public link and an "insert link" button the script reveals.
#[tokio::test]
async fn the_conversation_page_suggests_articles_with_links_to_insert() {
    let app = App::with_search().await;
    let t = app.tenant("acme").await;
    let tid = tenant_id(&app, &t).await;
    let cat = app
        .api(
            &t,
            "POST",
            "/api/v1/kb/categories",
            serde_json::json!({"slug": "vertrag", "name": "Vertrag"}),
        )
        .await;
    assert_eq!(cat.status, 201, "{}", cat.body);
    let cat = json(&cat.body)["id"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for (vis, title) in [
        ("public", "Vertrag kündigen"),
        ("internal", "Interne Kündigungsregeln"),
    ] {
        let a = app
            .api(
                &t,
                "POST",
                "/api/v1/kb/articles",
                serde_json::json!({"category_id": cat, "language": "de", "visibility": vis,
                    "title": title, "body": "Kündigungen sind schriftlich möglich. Die Kündigungsfrist beträgt drei Monate."}),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        let id = json(&a.body)["id"].as_str().unwrap().to_owned();
        let p = app
            .api(
                &t,
                "PATCH",
                &format!("/api/v1/kb/articles/{id}"),
                serde_json::json!({"state": "published"}),
            )
            .await;
        assert_eq!(p.status, 200, "{}", p.body);
        ids.push(id);
    }
    let index = app.search.clone().unwrap();
    kairos_workflow::kb_index::catch_up(&app.store, &index, tid, 0, true)
        .await
        .unwrap();
    let mail = app
        .api(
            &t,
            "POST",
            "/api/v1/inbound",
            serde_json::json!({"channel": "email", "from": {"kind": "email", "value": "berta@example.org"},
                "subject": "Frage", "body": "Guten Tag, wie kündige ich meinen Vertrag?"}),
        )
        .await;
    let conv = json(&mail.body)["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let session = app.sign_in(&t).await;
    let page = app
        .get(&format!("/conversations/{conv}"), &session, &[])
        .await;
    assert_eq!(page.status, 200);
    let link = format!(
        "http://kairos.test/api/v1/kb/articles/{}?tenant=acme",
        ids[0]
    );
    assert!(page.body.contains("Suggested articles"), "{}", page.body);
    assert!(
        page.body.contains(&format!("<a href=\"{link}\"")),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("data-insert=\"{link}\" hidden"))
    );
    assert!(page.body.contains("Vertrag kündigen"));
    assert!(!page.body.contains(&ids[1]), "never the internal article");
}
