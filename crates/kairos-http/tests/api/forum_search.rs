//! Forum search over HTTP, fed from the event log like articles: threads and replies are
//! found by compound parts and stems; a hidden thread or reply never shows in a customer's
//! or visitor's search, neither once indexed as hidden nor while the index still lags behind
//! the hiding (A02: the same rule on the search path as on the reads); customers-only
//! threads stay out of visitors' searches; an erased author's posts leave the index.

use crate::forum::{moderate, reply, setup, thread};
use crate::helpers::{Backend, TestApp, spawn_with_search};
use http::StatusCode;
use kairos_core::ids::TenantId;
use kairos_search::{Asker, Scope, SearchIndex, SearchRequest};
use serde_json::{Value, json};
use std::sync::Arc;

async fn feed(app: &TestApp, index: &Arc<SearchIndex>, t: TenantId) {
    kairos_workflow::kb_index::catch_up(&app.store, index, t, 0, true)
        .await
        .unwrap();
}

/// `(thread, reply)` of every hit for a caller (`None`: a visitor of `acme`).
async fn hits(app: &TestApp, q: &str, token: Option<&str>) -> Vec<(String, Option<String>)> {
    let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let path = match token {
        Some(_) => format!("/api/v1/forum/search?q={q}"),
        None => format!("/api/v1/forum/search?q={q}&tenant=acme"),
    };
    let r = app.call("GET", &path, token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    let found: Vec<(String, Option<String>)> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|h: &Value| {
            (
                h["thread_id"].as_str().unwrap().to_owned(),
                h["reply_id"].as_str().map(str::to_owned),
            )
        })
        .collect();
    // The one search over everything finds the same threads (it lists every matching post,
    // not one per thread).
    let all = path.replace(
        "/api/v1/forum/search?",
        "/api/v1/search?kind=forum_thread,forum_post&limit=50&",
    );
    let r = app.call("GET", &all, token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{all}: {}", r.text());
    let mut same: Vec<String> = r.json()["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            h["parent_id"]
                .as_str()
                .or(h["id"].as_str())
                .unwrap()
                .to_owned()
        })
        .collect();
    same.sort_unstable();
    same.dedup();
    assert_eq!(threads(&found), same, "{all}");
    found
}

fn threads(h: &[(String, Option<String>)]) -> Vec<&str> {
    let mut v: Vec<&str> = h.iter().map(|(t, _)| t.as_str()).collect();
    v.sort_unstable();
    v
}

async fn hidden_forum_content_never_reaches_customers_or_visitors(
    app: TestApp,
    index: Arc<SearchIndex>,
) {
    let f = setup(&app).await;
    let (t, admin, anna, ben, cat) = (
        f.kb.tenant,
        &f.kb.admin,
        &f.kb.customer,
        &f.ben,
        &f.kb.category,
    );
    let id = |v: Value| v["id"].as_str().unwrap().to_owned();
    let public = id(thread(&app, anna, json!({"category_id": cat, "language": "de", "title": "Vertrag kündigen", "body": "Wie lang ist die Kündigungsfrist bei meinem Vertrag?"})).await);
    let answer = reply(&app, admin, &public, "Die Frist beträgt drei Monate.").await;
    let spam = reply(
        &app,
        ben,
        &public,
        "Fristverlängerung gegen Gebühr, Zaubertrank kaufen",
    )
    .await;
    let members = id(thread(&app, ben, json!({"category_id": cat, "language": "de", "visibility": "customers", "title": "Tarif", "body": "Sonderkündigung beim Tarifwechsel?"})).await);
    let hidden = id(thread(&app, ben, json!({"category_id": cat, "language": "de", "title": "Geheim", "body": "Kündigungsfrist umgehen, Zaubertrank"})).await);
    assert_eq!(
        moderate(&app, admin, &hidden, json!({"action": "hide"})).await,
        StatusCode::OK
    );
    assert_eq!(
        moderate(
            &app,
            admin,
            &public,
            json!({"action": "hide", "reply_id": spam})
        )
        .await,
        StatusCode::OK
    );
    feed(&app, &index, t).await;

    // A compound part finds the thread (its opening post says "Kündigungsfrist").
    let staff = hits(&app, "Frist", Some(admin)).await;
    assert_eq!(threads(&staff), {
        let mut v = vec![public.as_str(), hidden.as_str()];
        v.sort_unstable();
        v
    });
    assert_eq!(
        threads(&hits(&app, "Frist", Some(anna)).await),
        [public.as_str()]
    );
    assert_eq!(threads(&hits(&app, "Frist", None).await), [public.as_str()]);
    // A reply's words find its thread, naming the reply.
    assert_eq!(
        hits(&app, "drei Monate", None).await,
        [(public.clone(), Some(answer.clone()))]
    );
    // The hidden reply and the hidden thread: staff only, whatever the words.
    assert_eq!(hits(&app, "Zaubertrank", Some(admin)).await.len(), 2);
    for token in [Some(anna.as_str()), Some(ben.as_str()), None] {
        assert!(
            hits(&app, "Zaubertrank", token).await.is_empty(),
            "{token:?}"
        );
        assert!(hits(&app, "Geheim", token).await.is_empty(), "{token:?}");
    }
    // Customers-only: customers find it, visitors do not.
    assert_eq!(
        threads(&hits(&app, "Sonderkündigung", Some(anna)).await),
        [members.as_str()]
    );
    assert!(hits(&app, "Sonderkündigung", None).await.is_empty());

    // Hidden after indexing: the store's rule already hides it while the index lags ...
    assert_eq!(
        moderate(&app, admin, &public, json!({"action": "hide"})).await,
        StatusCode::OK
    );
    for token in [Some(anna.as_str()), None] {
        assert!(hits(&app, "Frist", token).await.is_empty(), "{token:?}");
    }
    // ... and once fed, the index itself keeps it from them; staff still find it.
    feed(&app, &index, t).await;
    let anon = Scope::new(t, Asker::Anonymous);
    let raw = index.search(&SearchRequest::new("Frist"), &anon).unwrap();
    assert_eq!(raw.total, 0, "the index gives visitors nothing hidden");
    assert!(threads(&hits(&app, "Frist", Some(admin)).await).contains(&public.as_str()));
    // Shown again: found again.
    assert_eq!(
        moderate(&app, admin, &public, json!({"action": "unhide"})).await,
        StatusCode::OK
    );
    feed(&app, &index, t).await;
    assert_eq!(threads(&hits(&app, "Frist", None).await), [public.as_str()]);

    // Erasure of Anna: her opening post leaves the index, others' replies stay.
    let staff = Scope::new(t, Asker::Staff);
    let opening = |index: &SearchIndex| {
        index
            .search(&SearchRequest::new("Kündigungsfrist Vertrag"), &staff)
            .unwrap()
            .hits
            .iter()
            .any(|h| h.id.to_string() == public)
    };
    assert!(opening(&index), "the test would prove nothing");
    let r = app
        .call(
            "POST",
            &format!("/api/v1/customers/{}/erase", f.anna_id),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    feed(&app, &index, t).await;
    assert!(
        !opening(&index),
        "the erased author's opening post is still indexed"
    );
    assert_eq!(
        hits(&app, "drei Monate", Some(admin)).await,
        [(public.clone(), Some(answer))]
    );
    // A forum search needs no index to refuse what it may not: other tenants see nothing.
    let b = app.tenant("globex").await;
    let admin_b = app.token(b, kairos_core::party::Role::Admin, None).await;
    assert!(hits(&app, "Frist", Some(&admin_b)).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hidden_forum_content_never_reaches_customers_or_visitors_on_sqlite() {
    let (app, index) = spawn_with_search(Backend::Sqlite).await.unwrap();
    hidden_forum_content_never_reaches_customers_or_visitors(app, index).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hidden_forum_content_never_reaches_customers_or_visitors_on_postgres() {
    let Some((app, index)) = spawn_with_search(Backend::Postgres).await else {
        return;
    };
    hidden_forum_content_never_reaches_customers_or_visitors(app, index).await;
}
