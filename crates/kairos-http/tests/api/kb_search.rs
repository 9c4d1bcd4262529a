//! Knowledge-base search and suggestions over HTTP, fed from the event log: German compound
//! parts, stems and typos find the cancellation article; an internal article (and a draft)
//! never appears for a customer or visitor on any path (nor in staff suggestions for a
//! customer's conversation); a lagging index catches up from its checkpoint.

use crate::helpers::{Backend, TestApp, spawn_with_search};
use http::StatusCode;
use kairos_core::ids::TenantId;
use kairos_core::party::Role;
use kairos_search::SearchIndex;
use serde_json::{Value, json};
use std::sync::Arc;

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn post_article(
    app: &TestApp,
    admin: &str,
    category: &str,
    vis: &str,
    title: &str,
    body: &str,
    publish: bool,
) -> String {
    let r = app
        .call("POST", "/api/v1/kb/articles", Some(admin), Some(json!({"category_id": category, "language": "de", "visibility": vis, "title": title, "body": body})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    if publish {
        let p = app
            .call(
                "PATCH",
                &format!("/api/v1/kb/articles/{id}"),
                Some(admin),
                Some(json!({"state": "published"})),
            )
            .await;
        assert_eq!(p.status, StatusCode::OK);
    }
    id
}

async fn feed(app: &TestApp, index: &Arc<SearchIndex>, t: TenantId) {
    kairos_workflow::kb_index::catch_up(&app.store, index, t, 0, true)
        .await
        .unwrap();
}

/// The article ids a path answers for a caller (`None`: a visitor of `acme`).
async fn ids(app: &TestApp, path: &str, token: Option<&str>) -> Vec<String> {
    let path = match token {
        Some(_) => path.to_owned(),
        None => format!("{path}&tenant=acme"),
    };
    let r = app.call("GET", &path, token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|h: &Value| h["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn german_search_and_suggestions_respect_visibility(app: TestApp, index: Arc<SearchIndex>) {
    let kb = crate::knowledge::setup(&app).await;
    let (t, admin, customer, cat) = (kb.tenant, kb.admin, kb.customer, kb.category);
    let cancel = post_article(
        &app,
        &admin,
        &cat,
        "public",
        "Vertrag kündigen",
        "Kündigungen sind schriftlich möglich. Die Kündigungsfrist beträgt drei Monate.",
        true,
    )
    .await;
    let internal = post_article(
        &app,
        &admin,
        &cat,
        "internal",
        "Interne Kulanzregeln",
        "Kündigungen: Kündigungsfrist intern bis 14 Tage verkürzen. Vertrag kündigen ohne Frist.",
        true,
    )
    .await;
    let draft = post_article(
        &app,
        &admin,
        &cat,
        "public",
        "Entwurf Vertrag kündigen",
        "Kündigungen und Kündigungsfrist, noch nicht fertig.",
        false,
    )
    .await;
    feed(&app, &index, t).await;

    let searches = [
        "Frist",
        "kündigung",
        "Kündigng",
        "Kündigungsfrist",
        "\"Kündigungsfrist beträgt\"",
        "Vertrag",
    ];
    for q in searches {
        let path = format!("/api/v1/kb/search?q={}", enc(q));
        for (who, token) in [("customer", Some(customer.as_str())), ("visitor", None)] {
            let found = ids(&app, &path, token).await;
            assert!(
                found.contains(&cancel),
                "{who} searching {q} finds the cancellation article: {found:?}"
            );
            assert!(
                !found.contains(&internal) && !found.contains(&draft),
                "{who} searching {q}: {found:?}"
            );
        }
        let staff = ids(&app, &path, Some(&admin)).await;
        assert!(staff.contains(&cancel), "staff {q}");
    }
    let staff = ids(
        &app,
        &format!("/api/v1/kb/search?q={}", enc("Kulanzregeln")),
        Some(&admin),
    )
    .await;
    assert_eq!(
        staff,
        std::slice::from_ref(&internal),
        "staff find internal articles"
    );
    for q in [
        "Wie kündige ich meinen Vertrag",
        "Kündig",
        "Kulanz",
        "Frist",
    ] {
        let path = format!("/api/v1/kb/suggest?q={}", enc(q));
        for (who, token) in [("customer", Some(customer.as_str())), ("visitor", None)] {
            let found = ids(&app, &path, token).await;
            assert!(
                !found.contains(&internal) && !found.contains(&draft),
                "{who} suggest {q}: {found:?}"
            );
            if q.starts_with("Wie") {
                assert_eq!(
                    found.first(),
                    Some(&cancel),
                    "{who}: the cancellation article first"
                );
            }
        }
    }
    // Staff see suggestions for a conversation's latest customer message: only articles its
    // customer may read (never the internal one), each with a link to insert into a reply.
    let mail = app
        .inbound(
            &admin,
            "email",
            "email",
            "berta@example.org",
            "Guten Tag, wie kündige ich meinen Vertrag?",
            None,
        )
        .await;
    assert_eq!(mail.status, StatusCode::CREATED, "{}", mail.text());
    let conv = mail.json()["conversation_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/conversations/{conv}/suggestions");
    let r = app.call("GET", &path, Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let hits = r.json();
    assert_eq!(hits[0]["id"], cancel.as_str(), "{hits}");
    assert!(hits[0]["title_html"].as_str().unwrap().contains("<mark>"));
    assert_eq!(
        hits[0]["link"],
        format!("http://kairos.test/api/v1/kb/articles/{cancel}?tenant=acme").as_str()
    );
    let suggested: Vec<&str> = hits
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["id"].as_str())
        .collect();
    assert!(!suggested.contains(&internal.as_str()) && !suggested.contains(&draft.as_str()));
    assert_eq!(
        app.call("GET", &path, Some(&customer), None).await.status,
        StatusCode::FORBIDDEN,
        "suggestions are for staff"
    );
    let other = app.tenant("other").await;
    let other_admin = app.token(other, Role::Admin, None).await;
    assert_eq!(
        app.call("GET", &path, Some(&other_admin), None)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "A01: another tenant's conversation does not exist"
    );

    let filtered = ids(&app, "/api/v1/kb/search?q=Frist&lang=en", Some(&customer)).await;
    assert!(
        filtered.is_empty(),
        "a German article is not found with lang=en"
    );
    let bad = app
        .call(
            "GET",
            "/api/v1/kb/search?q=Frist&lang=xx",
            Some(&customer),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.call("GET", "/api/v1/kb/search?q=Frist", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    for role in [Role::Expert, Role::Concierge] {
        let token = app.token(t, role, None).await;
        for path in ["/api/v1/kb/search?q=Frist", "/api/v1/kb/suggest?q=Frist"] {
            let r = app.call("GET", path, Some(&token), None).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?} {path}");
        }
    }

    // A partner without grants finds nothing, not even public articles.
    let p = app
        .call(
            "POST",
            "/api/v1/kb/partners",
            Some(&admin),
            Some(json!({"display_name": "P"})),
        )
        .await;
    let partner = p.json()["token"].as_str().unwrap().to_owned();
    assert!(
        ids(&app, "/api/v1/kb/search?q=Frist", Some(&partner))
            .await
            .is_empty()
    );

    // The index lags: the internal article is made public; after the feeder catches up
    // from its checkpoint, customers find it; when archived, no more.
    feed(&app, &index, t).await;
    let before = index.last_indexed_seq(t);
    assert_eq!(before as usize, app.log_len(t).await);
    let path = format!("/api/v1/kb/articles/{internal}");
    app.call(
        "PATCH",
        &path,
        Some(&admin),
        Some(json!({"visibility": "public"})),
    )
    .await;
    feed(&app, &index, t).await;
    assert!(index.last_indexed_seq(t) > before);
    assert!(
        ids(&app, "/api/v1/kb/search?q=Kulanzregeln", Some(&customer))
            .await
            .contains(&internal)
    );
    app.call(
        "PATCH",
        &path,
        Some(&admin),
        Some(json!({"state": "archived"})),
    )
    .await;
    feed(&app, &index, t).await;
    assert!(
        ids(&app, "/api/v1/kb/search?q=Kulanzregeln", Some(&customer))
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn german_search_and_suggestions_respect_visibility_on_sqlite() {
    let (app, index) = spawn_with_search(Backend::Sqlite).await.unwrap();
    german_search_and_suggestions_respect_visibility(app, index).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn german_search_and_suggestions_respect_visibility_on_postgres() {
    let Some((app, index)) = spawn_with_search(Backend::Postgres).await else {
        return;
    };
    german_search_and_suggestions_respect_visibility(app, index).await;
}
