//! `GET /api/v1/search` over conversations and messages, fed from the event log: staff find
//! every conversation and message of the tenant, internal notes included; a customer finds
//! only their own and never a note (checklist A01); another tenant finds nothing; facets
//! count inside the caller's scope; filters and hostile parameters; after erasure the index
//! holds nothing of the person (N04), and the feeder reading `customer.erased` later changes
//! nothing.

use crate::helpers::{Backend, TestApp, spawn_with_search};
use http::StatusCode;
use kairos_core::ids::{CustomerId, TenantId};
use kairos_core::party::Role;
use kairos_search::SearchIndex;
use serde_json::{Value, json};
use std::sync::Arc;

async fn feed(app: &TestApp, index: &Arc<SearchIndex>, t: TenantId) {
    kairos_workflow::kb_index::catch_up(&app.store, index, t, 0, true)
        .await
        .unwrap();
}

async fn search(app: &TestApp, query: &str, token: &str) -> Value {
    let r = app
        .call("GET", &format!("/api/v1/search?{query}"), Some(token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text());
    r.json()
}

fn kinds(v: &Value) -> Vec<(String, String)> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["kind"].as_str().unwrap().to_owned(),
                h["snippet_html"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Opens a conversation by e-mail; returns (customer, conversation).
async fn mail(app: &TestApp, admin: &str, from: &str, body: &str) -> (String, String) {
    let r = app.inbound(admin, "email", "email", from, body, None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    (
        v["customer_id"].as_str().unwrap().to_owned(),
        v["conversation_id"].as_str().unwrap().to_owned(),
    )
}

async fn conversations_and_messages(app: TestApp, index: Arc<SearchIndex>) {
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let (anna, anna_conv) = mail(
        &app,
        &admin,
        "anna@example.org",
        "Mein Router blinkt seit gestern rot.",
    )
    .await;
    let (berta, _) = mail(
        &app,
        &admin,
        "berta@example.org",
        "Meine Rechnung ist falsch, der Router wurde doppelt berechnet.",
    )
    .await;
    let note = app
        .call(
            "POST",
            &format!("/api/v1/conversations/{anna_conv}/messages"),
            Some(&admin),
            Some(json!({"direction": "note", "body": "Der Router wird intern auf Kulanz getauscht."})),
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{}", note.text());
    feed(&app, &index, t).await;
    let anna_token = app
        .token(t, Role::Customer, Some(CustomerId(anna.parse().unwrap())))
        .await;
    let berta_token = app
        .token(t, Role::Customer, Some(CustomerId(berta.parse().unwrap())))
        .await;

    // Staff: both customers' messages and the note; facets by kind and channel.
    let staff = search(&app, "q=Router&kind=message", &admin).await;
    let found = kinds(&staff);
    assert_eq!(found.len(), 3, "{staff}");
    assert!(found.iter().any(|(_, s)| s.contains("Kulanz")));
    assert!(found.iter().all(|(k, _)| k == "message"));
    let note_hit = staff["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["snippet_html"].as_str().unwrap().contains("Kulanz"))
        .unwrap();
    assert_eq!(note_hit["parent_id"], anna_conv.as_str());
    let everything = search(&app, "q=Router", &admin).await;
    let channel = &everything["facets"]["channel"];
    assert!(
        channel
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["value"] == "email" && f["count"].as_u64().unwrap() >= 3),
        "{everything}"
    );
    assert!(
        search(&app, "q=Router&channel=email&state=open&lang=de", &admin).await["total"]
            .as_u64()
            .unwrap()
            >= 2
    );
    assert_eq!(
        search(&app, "q=Router&channel=sms", &admin).await["total"],
        0
    );

    // A customer: only their own, never the note; facets count only that.
    let own = search(&app, "q=Router", &anna_token).await;
    let found = kinds(&own);
    assert!(!found.is_empty(), "{own}");
    assert!(
        found
            .iter()
            .all(|(_, s)| !s.contains("Kulanz") && !s.contains("Rechnung")),
        "{own}"
    );
    assert!(
        !own.to_string().contains("Kulanz"),
        "not even in facets: {own}"
    );
    let hers = search(&app, "q=Rechnung", &anna_token).await;
    assert_eq!(hers["total"], 0, "Berta's mail is not Anna's: {hers}");
    assert_eq!(search(&app, "q=Kulanz", &berta_token).await["total"], 0);

    // Another tenant's staff find nothing of acme.
    let other = app.tenant("other").await;
    let other_admin = app.token(other, Role::Admin, None).await;
    assert_eq!(search(&app, "q=Router", &other_admin).await["total"], 0);

    // Hostile parameters are refused with a problem, not a 500.
    for bad in [
        "q=x&kind=bogus",
        "q=x&state=weird",
        "q=x&channel=pigeon",
        "q=x&lang=fr",
        "q=x&offset=5000",
        "q=x&limit=0",
        "q=x&unknown=1",
    ] {
        let r = app
            .call("GET", &format!("/api/v1/search?{bad}"), Some(&admin), None)
            .await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.status);
    }
    let long = format!("q={}", "Router%20".repeat(2000));
    assert_eq!(
        app.call("GET", &format!("/api/v1/search?{long}"), Some(&admin), None)
            .await
            .status,
        StatusCode::OK
    );
    for role in [Role::Expert, Role::Concierge] {
        let token = app.token(t, role, None).await;
        let r = app
            .call("GET", "/api/v1/search?q=Router", Some(&token), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?}");
    }

    // Erasure: when the route answers, the index finds nothing of Anna, staff included; the
    // feeder reading `customer.erased` afterwards changes nothing.
    let erased = app
        .call(
            "POST",
            &format!("/api/v1/customers/{anna}/erase"),
            Some(&admin),
            Some(json!({})),
        )
        .await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.text());
    for _ in 0..2 {
        let left = search(&app, "q=Router", &admin).await;
        assert!(!left.to_string().contains("blinkt"), "{left}");
        assert!(!left.to_string().contains("Kulanz"), "{left}");
        assert!(left.to_string().contains("doppelt"), "Berta stays: {left}");
        feed(&app, &index, t).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_and_messages_on_sqlite() {
    let (app, index) = spawn_with_search(Backend::Sqlite).await.unwrap();
    conversations_and_messages(app, index).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_and_messages_on_postgres() {
    let Some((app, index)) = spawn_with_search(Backend::Postgres).await else {
        return;
    };
    conversations_and_messages(app, index).await;
}
