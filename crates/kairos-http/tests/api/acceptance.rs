//! The acceptance walk-through, on both stores.

use crate::helpers::{Backend, spawn_on};
use kairos_core::party::Role;
use serde_json::json;

async fn anna_is_one_customer_across_email_and_chat(backend: Backend) {
    let Some(app) = spawn_on(backend).await else {
        return;
    };
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let mail = app
        .inbound(
            &admin,
            "email",
            "email",
            "anna@example.org",
            "Mein Router blinkt rot.",
            Some("<a1@example.org>"),
        )
        .await;
    assert_eq!(mail.status, 201, "{}", mail.text());
    let customer = mail.json()["customer_id"].as_str().unwrap().to_owned();
    let added = app
        .call(
            "POST",
            &format!("/api/v1/customers/{customer}/identities"),
            Some(&admin),
            Some(json!({"kind": "phone", "value": "+49 170 1234567"})),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text());
    assert_eq!(added.json()["identities"][1]["value"], "+491701234567");
    let chat = app
        .inbound(
            &admin,
            "chat",
            "phone",
            "+491701234567",
            "Ist das schon angekommen?",
            None,
        )
        .await;
    assert_eq!(chat.status, 201);
    assert_eq!(
        chat.json()["customer_id"].as_str().unwrap(),
        customer,
        "one customer"
    );
    let timeline = app
        .call(
            "GET",
            &format!("/api/v1/customers/{customer}/timeline"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(timeline.status, 200);
    let items = timeline.json()["items"].as_array().unwrap().clone();
    let channels: Vec<&str> = items
        .iter()
        .map(|m| m["channel"].as_str().unwrap())
        .collect();
    assert_eq!(
        channels,
        ["email", "chat"],
        "both touchpoints, in order, with their channels"
    );
    assert!(items[0]["seq"].as_i64() < items[1]["seq"].as_i64());
    let conversation = app
        .call(
            "GET",
            &format!(
                "/api/v1/conversations/{}",
                chat.json()["conversation_id"].as_str().unwrap()
            ),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(conversation.json()["channels"], json!(["email", "chat"]));
}

async fn same_external_id_posted_concurrently_is_one_message(backend: Backend) {
    let Some(app) = spawn_on(backend).await else {
        return;
    };
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let (app, admin) = (app.clone(), admin.clone());
        tasks.push(tokio::spawn(async move {
            app.inbound(
                &admin,
                "sms",
                "phone",
                "+4915112345678",
                "Paket?",
                Some("SM123"),
            )
            .await
        }));
    }
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.unwrap());
    }
    assert_eq!(
        replies.iter().filter(|r| r.status == 201).count(),
        1,
        "exactly one 201"
    );
    assert_eq!(
        replies.iter().filter(|r| r.status == 200).count(),
        11,
        "the rest 200"
    );
    let ids: Vec<String> = replies
        .iter()
        .map(|r| r.json()["message_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "the same ids every time");
    let conversation = replies[0].json()["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let messages = app
        .call(
            "GET",
            &format!("/api/v1/conversations/{conversation}/messages"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(messages.json()["items"].as_array().unwrap().len(), 1);
}

async fn agents_reply_note_and_work_the_inbox(backend: Backend) {
    let Some(app) = spawn_on(backend).await else {
        return;
    };
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let staff = app.call("POST", "/api/v1/staff", Some(&admin), Some(json!({"email": "Max@Acme.example", "display_name": "Max", "role": "agent", "password": "a long enough password"}))).await;
    assert_eq!(staff.status, 201, "{}", staff.text());
    assert_eq!(staff.json()["email"], "max@acme.example");
    let max = staff.json()["id"].as_str().unwrap().to_owned();
    let first = app
        .inbound(
            &admin,
            "email",
            "email",
            "bob@example.com",
            "Invoice copy please",
            None,
        )
        .await
        .json();
    let conv = first["conversation_id"].as_str().unwrap().to_owned();
    let patched = app.call("PATCH", &format!("/api/v1/conversations/{conv}"), Some(&admin), Some(json!({"assignee": max, "priority": "high", "tags": ["Billing"], "status": "pending"}))).await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(
        (
            patched.json()["priority"].as_str(),
            patched.json()["status"].as_str()
        ),
        (Some("high"), Some("pending"))
    );
    let mine = app
        .call(
            "GET",
            &format!("/api/v1/conversations?assignee={max}&status=pending&channel=email"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(mine.json()["items"].as_array().unwrap().len(), 1);
    let unassign = app
        .call(
            "PATCH",
            &format!("/api/v1/conversations/{conv}"),
            Some(&admin),
            Some(json!({"assignee": null})),
        )
        .await;
    assert_eq!(unassign.json()["assignee"], serde_json::Value::Null);
    let note = app
        .call(
            "POST",
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(&admin),
            Some(json!({"direction": "note", "body": "Customer since 2019"})),
        )
        .await;
    assert_eq!(note.status, 201);
    let reply = app.call("POST", &format!("/api/v1/conversations/{conv}/messages"), Some(&admin), Some(json!({"body": "Here you go", "html": "<p>Here <script>alert(1)</script>you go</p>"}))).await;
    assert_eq!(reply.status, 201);
    assert_eq!(
        reply.json()["channel"],
        "email",
        "the reply goes out on the conversation's channel"
    );
    assert_eq!(reply.json()["direction"], "outbound");
    assert!(!reply.json()["html"].as_str().unwrap().contains("script"));
    // The customer's own token sees the reply but not the note.
    let customer = app
        .token(
            t,
            Role::Customer,
            Some(first["customer_id"].as_str().unwrap().parse().unwrap()),
        )
        .await;
    let seen = app
        .call(
            "GET",
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(&customer),
            None,
        )
        .await
        .json();
    let directions: Vec<&str> = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["direction"].as_str().unwrap())
        .collect();
    assert_eq!(directions, ["inbound", "outbound"]);
    let follow_up = app
        .call(
            "POST",
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(&customer),
            Some(json!({"body": "Thanks!"})),
        )
        .await;
    assert_eq!(follow_up.status, 201);
    assert_eq!(follow_up.json()["channel"], "portal");
    let sneaky = app
        .call(
            "POST",
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(&customer),
            Some(json!({"direction": "note", "body": "x"})),
        )
        .await;
    assert_eq!(sneaky.status, 422);
}

async fn merge_joins_timelines_over_http(backend: Backend) {
    let Some(app) = spawn_on(backend).await else {
        return;
    };
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let a = app
        .inbound(&admin, "email", "email", "anna@example.org", "one", None)
        .await
        .json();
    let b = app
        .inbound(&admin, "social", "social", "@anna", "two", None)
        .await;
    assert_eq!(b.status, 422, "a social identity needs its network");
    let b = app
        .call("POST", "/api/v1/inbound", Some(&admin), Some(json!({"channel": "social", "from": {"kind": "social", "value": "@Anna", "network": "mastodon"}, "body": "two"})))
        .await
        .json();
    let (ca, cb) = (
        a["customer_id"].as_str().unwrap(),
        b["customer_id"].as_str().unwrap(),
    );
    let merged = app
        .call(
            "POST",
            &format!("/api/v1/customers/{ca}/merge"),
            Some(&admin),
            Some(json!({"other": cb})),
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.text());
    assert_eq!(merged.json()["identities"].as_array().unwrap().len(), 2);
    let timeline = app
        .call(
            "GET",
            &format!("/api/v1/customers/{ca}/timeline"),
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(timeline["items"].as_array().unwrap().len(), 2);
    let old = app
        .call(
            "GET",
            &format!("/api/v1/customers/{cb}"),
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(old["merged_into"].as_str(), Some(ca));
    let events = app
        .call(
            "GET",
            "/api/v1/events?after=0&limit=1000",
            Some(&admin),
            None,
        )
        .await
        .json();
    assert!(
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "customer.merged" && e["data"]["from"] == cb)
    );
}

macro_rules! on_both {
    ($($name:ident),*) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(crate::helpers::Backend::Sqlite).await } )* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(crate::helpers::Backend::Postgres).await } )* }
    };
}

on_both!(
    anna_is_one_customer_across_email_and_chat,
    same_external_id_posted_concurrently_is_one_message,
    agents_reply_note_and_work_the_inbox,
    merge_joins_timelines_over_http
);
