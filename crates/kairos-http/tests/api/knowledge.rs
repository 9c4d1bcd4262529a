//! The knowledge base over HTTP: who reads what (visitors, customers, partners, staff),
//! sanitised HTML, revisions with diff and restore, feedback bounds, and the partner
//! acceptance: a partner's draft stays invisible until staff publish it, and a partner
//! never reads an internal article.

use crate::helpers::{Backend, TestApp, spawn_on};
use http::StatusCode;
use kairos_core::ids::CustomerId;
use kairos_core::party::Role;
use serde_json::{Value, json};

/// A tenant `acme` with an admin, a customer and a category `vertrag`.
pub(crate) struct Kb {
    pub(crate) tenant: kairos_core::ids::TenantId,
    pub(crate) admin: String,
    pub(crate) customer: String,
    pub(crate) category: String,
}

pub(crate) async fn setup(app: &TestApp) -> Kb {
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let c = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&admin),
            Some(json!({"display_name": "Anna"})),
        )
        .await;
    let anna = CustomerId(c.json()["id"].as_str().unwrap().parse().unwrap());
    let customer = app.token(t, Role::Customer, Some(anna)).await;
    let cat = app
        .call(
            "POST",
            "/api/v1/kb/categories",
            Some(&admin),
            Some(json!({"slug": "vertrag", "name": "Vertrag"})),
        )
        .await;
    assert_eq!(cat.status, StatusCode::CREATED, "{}", cat.text());
    Kb {
        tenant: t,
        admin,
        customer,
        category: cat.json()["id"].as_str().unwrap().to_owned(),
    }
}

async fn article(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app
        .call("POST", "/api/v1/kb/articles", Some(token), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

async fn set_state(app: &TestApp, token: &str, id: &str, state: &str) -> StatusCode {
    app.call(
        "PATCH",
        &format!("/api/v1/kb/articles/{id}"),
        Some(token),
        Some(json!({"state": state})),
    )
    .await
    .status
}

/// The ids a caller finds in the list.
async fn listed(app: &TestApp, token: Option<&str>) -> Vec<String> {
    let path = if token.is_some() {
        "/api/v1/kb/articles"
    } else {
        "/api/v1/kb/articles?tenant=acme"
    };
    let r = app.call("GET", path, token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn readers_and_revisions(app: TestApp) {
    let kb = setup(&app).await;
    let mk = |vis: &str, title: &str| {
        json!({"category_id": kb.category, "language": "de", "visibility": vis, "title": title,
            "body": "# Kündigung\n\n<img src=x onerror=alert(1)>\n\n[hier](javascript:alert(1))"})
    };
    let public = article(&app, &kb.admin, mk("public", "Öffentlich")).await;
    let customers = article(&app, &kb.admin, mk("customers", "Kunden")).await;
    let internal = article(&app, &kb.admin, mk("internal", "Intern")).await;
    let (p, c, i) = (
        public["id"].as_str().unwrap(),
        customers["id"].as_str().unwrap(),
        internal["id"].as_str().unwrap(),
    );
    assert!(
        listed(&app, None).await.is_empty(),
        "drafts are nobody's but staff's"
    );
    assert!(listed(&app, Some(&kb.customer)).await.is_empty());
    for id in [p, c, i] {
        assert_eq!(
            set_state(&app, &kb.admin, id, "published").await,
            StatusCode::OK
        );
    }
    assert_eq!(listed(&app, None).await, [p]);
    let mut mine = listed(&app, Some(&kb.customer)).await;
    mine.sort();
    let mut want = vec![p.to_owned(), c.to_owned()];
    want.sort();
    assert_eq!(
        mine, want,
        "customers: public and customers-only, never internal (A04)"
    );
    assert_eq!(listed(&app, Some(&kb.admin)).await.len(), 3);
    for (who, token) in [("visitor", None), ("customer", Some(kb.customer.as_str()))] {
        let q = if token.is_none() { "?tenant=acme" } else { "" };
        let r = app
            .call("GET", &format!("/api/v1/kb/articles/{i}{q}"), token, None)
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{who} reads the internal article"
        );
    }
    let r = app
        .call(
            "GET",
            &format!("/api/v1/kb/articles/{c}?tenant=acme"),
            None,
            None,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "visitors do not read customers-only"
    );
    assert_eq!(
        app.call("GET", "/api/v1/kb/articles", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.call("GET", "/api/v1/kb/articles?tenant=nope", None, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let cats = app
        .call("GET", "/api/v1/kb/categories?tenant=acme", None, None)
        .await;
    assert_eq!(cats.json().as_array().unwrap().len(), 1);
    // A visitor's cookies that are not a session (the UI's language, the portal's) leave
    // them a visitor; a session cookie that is not valid is refused.
    for (cookie, status) in [
        ("kairos_lang=de; kairos_portal=abc", StatusCode::OK),
        ("kairos_session=forged", StatusCode::UNAUTHORIZED),
    ] {
        let req = http::Request::builder()
            .uri(format!("/api/v1/kb/articles/{p}?tenant=acme"))
            .header("cookie", cookie)
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(app.send(req).await.status, status, "{cookie}");
    }

    // Rendered HTML is sanitised (checklist B01, B06).
    let r = app
        .call(
            "GET",
            &format!("/api/v1/kb/articles/{p}?tenant=acme"),
            None,
            None,
        )
        .await;
    let html = r.json()["html"].as_str().unwrap().to_owned();
    assert!(html.contains("<h1>Kündigung</h1>"), "{html}");
    assert!(
        !html.contains("onerror") && !html.contains("javascript:"),
        "{html}"
    );

    // Revisions, diff, restore.
    let path = format!("/api/v1/kb/articles/{p}");
    let e = app
        .call(
            "PATCH",
            &path,
            Some(&kb.admin),
            Some(json!({"body": "Drei Monate."})),
        )
        .await;
    assert_eq!(e.json()["revision"], 2);
    let d = app
        .call(
            "GET",
            &format!("{path}/diff?from=1&to=2"),
            Some(&kb.admin),
            None,
        )
        .await;
    let diff = d.json()["diff"].as_str().unwrap().to_owned();
    assert!(
        diff.contains("--- revision 1") && diff.contains("+Drei Monate."),
        "{diff}"
    );
    let r = app
        .call(
            "POST",
            &format!("{path}/revisions/1/restore"),
            Some(&kb.admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["revision"], 3);
    let revs = app
        .call("GET", &format!("{path}/revisions"), Some(&kb.admin), None)
        .await;
    assert_eq!(revs.json().as_array().unwrap().len(), 3);
    assert_eq!(revs.json()[2]["restored_from"], 1);
    assert_eq!(
        app.call(
            "GET",
            &format!("{path}/revisions"),
            Some(&kb.customer),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        set_state(&app, &kb.admin, p, "in_review").await,
        StatusCode::CONFLICT
    );

    // Translations: a language of the tenant, linked both ways.
    let en = article(
        &app,
        &kb.admin,
        json!({"translation_of": p, "language": "EN", "title": "Cancellation", "body": "x"}),
    )
    .await;
    assert_eq!(en["language"], "en");
    assert_eq!(en["translations"][0]["id"], p);
    let fr = app
        .call(
            "POST",
            "/api/v1/kb/articles",
            Some(&kb.admin),
            Some(json!({"translation_of": p, "language": "fr", "title": "x", "body": "x"})),
        )
        .await;
    assert_eq!(fr.status, StatusCode::UNPROCESSABLE_ENTITY);
    let s = app
        .call(
            "PUT",
            "/api/v1/kb/settings",
            Some(&kb.admin),
            Some(json!({"languages": ["de", "en", "FR"]})),
        )
        .await;
    assert_eq!(s.json()["languages"], json!(["de", "en", "fr"]));
    let bad = app
        .call(
            "PUT",
            "/api/v1/kb/settings",
            Some(&kb.admin),
            Some(json!({"languages": ["<x>"]})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Feedback: once per customer; visitors once per address and day.
    let fb = format!("{path}/feedback");
    let anon_fb = format!("{fb}?tenant=acme");
    let vote = async |path: &str, token: Option<&str>, helpful: bool| {
        let r = app
            .call("POST", path, token, Some(json!({"helpful": helpful})))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        r.json()
    };
    let counts = |yes: u64, no: u64| json!({"counted": true, "helpful_yes": yes, "helpful_no": no});
    assert_eq!(vote(&fb, Some(&kb.customer), true).await, counts(1, 0));
    assert_eq!(vote(&fb, Some(&kb.customer), false).await["counted"], false);
    assert_eq!(vote(&anon_fb, None, false).await, counts(1, 1));
    assert_eq!(vote(&anon_fb, None, false).await["counted"], false);
    let staff = app
        .call("POST", &fb, Some(&kb.admin), Some(json!({"helpful": true})))
        .await;
    assert_eq!(staff.status, StatusCode::FORBIDDEN);
    let internal_fb = app
        .call(
            "POST",
            &format!("/api/v1/kb/articles/{i}/feedback"),
            Some(&kb.customer),
            Some(json!({"helpful": true})),
        )
        .await;
    assert_eq!(internal_fb.status, StatusCode::NOT_FOUND);

    // Deflection: counted apart from votes, once per customer, once per visitor and day; the
    // article shows the total; an internal article cannot be "deflected" by a customer.
    let dfl = format!("{path}/deflected");
    let anon_dfl = format!("{dfl}?tenant=acme");
    let deflect = async |path: &str, token: Option<&str>| {
        let r = app.call("POST", path, token, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        r.json()
    };
    let total = |n: u64| json!({"counted": true, "deflections": n});
    assert_eq!(deflect(&dfl, Some(&kb.customer)).await, total(1));
    assert_eq!(
        deflect(&dfl, Some(&kb.customer)).await,
        json!({"counted": false, "deflections": 1})
    );
    assert_eq!(deflect(&anon_dfl, None).await, total(2));
    assert_eq!(deflect(&anon_dfl, None).await["counted"], false);
    let shown = app.call("GET", &path, Some(&kb.admin), None).await.json();
    assert_eq!(shown["deflections"], 2, "{shown}");
    assert_eq!(
        app.call("POST", &dfl, Some(&kb.admin), None).await.status,
        StatusCode::FORBIDDEN
    );
    let internal = format!("/api/v1/kb/articles/{i}/deflected");
    assert_eq!(
        app.call("POST", &internal, Some(&kb.customer), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let log = app.store.events(kb.tenant, 0, 10_000).await.unwrap();
    assert_eq!(
        log.iter()
            .filter(|e| e.data.name() == "kb.deflected")
            .count(),
        2
    );
}

async fn partner_drafts_until_staff_publish(app: TestApp) {
    let kb = setup(&app).await;
    let other = app
        .call(
            "POST",
            "/api/v1/kb/categories",
            Some(&kb.admin),
            Some(json!({"slug": "intern", "name": "Intern"})),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = app
        .call(
            "POST",
            "/api/v1/kb/partners",
            Some(&kb.admin),
            Some(json!({"display_name": "Stadtwerke"})),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text());
    let (party, partner) = (
        p.json()["party_id"].as_str().unwrap().to_owned(),
        p.json()["token"].as_str().unwrap().to_owned(),
    );
    let grant = format!("/api/v1/kb/partners/{party}/categories/{}", kb.category);
    let draft = json!({"category_id": kb.category, "language": "de", "title": "Zählerstand", "body": "So melden Sie ihn."});
    let refused = app
        .call(
            "POST",
            "/api/v1/kb/articles",
            Some(&partner),
            Some(draft.clone()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "no grant yet");
    assert_eq!(
        app.call("PUT", &grant, Some(&partner), None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call("PUT", &grant, Some(&kb.admin), None).await.status,
        StatusCode::NO_CONTENT
    );

    // Staff's internal article in the granted category, and a public one elsewhere.
    let internal = article(&app, &kb.admin, json!({"category_id": kb.category, "language": "de", "visibility": "internal", "title": "Intern", "body": "geheim"})).await;
    let elsewhere = article(
        &app,
        &kb.admin,
        json!({"category_id": other, "language": "de", "title": "Anderswo", "body": "x"}),
    )
    .await;
    let (internal, elsewhere) = (
        internal["id"].as_str().unwrap(),
        elsewhere["id"].as_str().unwrap(),
    );
    set_state(&app, &kb.admin, internal, "published").await;
    set_state(&app, &kb.admin, elsewhere, "published").await;

    let d = article(&app, &partner, draft).await;
    let id = d["id"].as_str().unwrap();
    let path = format!("/api/v1/kb/articles/{id}");
    let as_internal = app.call("POST", "/api/v1/kb/articles", Some(&partner), Some(json!({"category_id": kb.category, "language": "de", "visibility": "internal", "title": "x", "body": "x"}))).await;
    assert_eq!(as_internal.status, StatusCode::FORBIDDEN);
    let edited = app
        .call(
            "PATCH",
            &path,
            Some(&partner),
            Some(json!({"body": "Neu."})),
        )
        .await;
    assert_eq!(edited.json()["revision"], 2);
    assert_eq!(
        set_state(&app, &partner, id, "published").await,
        StatusCode::FORBIDDEN,
        "partners never publish"
    );
    assert_eq!(
        set_state(&app, &partner, id, "in_review").await,
        StatusCode::OK
    );
    let locked = app
        .call(
            "PATCH",
            &path,
            Some(&partner),
            Some(json!({"body": "Noch mal."})),
        )
        .await;
    assert_eq!(
        locked.status,
        StatusCode::FORBIDDEN,
        "a draft in review is the company's"
    );
    let hide = app
        .call(
            "PATCH",
            &path,
            Some(&partner),
            Some(json!({"visibility": "customers"})),
        )
        .await;
    assert_eq!(hide.status, StatusCode::FORBIDDEN, "nor its visibility");

    // Invisible to customers and visitors until staff publish.
    assert!(
        !listed(&app, Some(&kb.customer))
            .await
            .contains(&id.to_owned())
    );
    assert!(!listed(&app, None).await.contains(&id.to_owned()));
    assert_eq!(
        app.call("GET", &path, Some(&kb.customer), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        set_state(&app, &kb.admin, id, "published").await,
        StatusCode::OK
    );
    assert!(
        listed(&app, Some(&kb.customer))
            .await
            .contains(&id.to_owned())
    );
    assert!(listed(&app, None).await.contains(&id.to_owned()));

    // The partner never reads the internal article, nor outside its categories.
    let seen = listed(&app, Some(&partner)).await;
    assert_eq!(seen, [id]);
    for hidden in [internal, elsewhere] {
        let r = app
            .call(
                "GET",
                &format!("/api/v1/kb/articles/{hidden}"),
                Some(&partner),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .call(
                "GET",
                &format!("/api/v1/kb/articles/{hidden}/revisions"),
                Some(&partner),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    let cats = app
        .call("GET", "/api/v1/kb/categories", Some(&partner), None)
        .await;
    assert_eq!(cats.json().as_array().unwrap().len(), 1);
    assert_eq!(
        app.call("DELETE", &grant, Some(&kb.admin), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert!(
        listed(&app, Some(&partner)).await.is_empty() || listed(&app, Some(&partner)).await == [id]
    );
}

macro_rules! both {
    ($($name:ident),*) => {
        mod sqlite_backend { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::spawn_on(super::Backend::Sqlite).await.unwrap()).await; })* }
        mod postgres_backend { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { if let Some(app) = super::spawn_on(super::Backend::Postgres).await { super::$name(app).await; } })* }
    };
}

both!(readers_and_revisions, partner_drafts_until_staff_publish);
