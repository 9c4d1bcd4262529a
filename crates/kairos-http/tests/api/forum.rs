//! Forums over HTTP (docs/forum.md), each on SQLite and PostgreSQL: a customer opens a
//! thread and others reply; visitors read public threads only; staff hide, lock and move;
//! the author or staff mark the solution; staff turn a thread into a conversation with its
//! author. Tenant isolation and hostile input: `forum_guard.rs`.

use crate::helpers::{Backend, TestApp, spawn_on};
use http::StatusCode;
use kairos_core::ids::CustomerId;
use kairos_core::party::Role;
use serde_json::{Value, json};

/// Runs `$body(app)` on SQLite and, when configured, on PostgreSQL.
macro_rules! on_both {
    ($sqlite:ident, $postgres:ident, $body:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            $body(spawn_on(Backend::Sqlite).await.unwrap()).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $postgres() {
            let Some(app) = spawn_on(Backend::Postgres).await else {
                return;
            };
            $body(app).await;
        }
    };
}

/// Tenant `acme` with an admin, customers Anna and Ben, and a category.
pub(crate) struct Forum {
    pub(crate) kb: crate::knowledge::Kb,
    pub(crate) ben: String,
    pub(crate) anna_id: CustomerId,
}

pub(crate) async fn setup(app: &TestApp) -> Forum {
    let kb = crate::knowledge::setup(app).await;
    let me = app
        .call("GET", "/api/v1/auth/me", Some(&kb.customer), None)
        .await;
    let anna_id: CustomerId = me.json()["customer_id"].as_str().unwrap().parse().unwrap();
    let c = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&kb.admin),
            Some(json!({"display_name": "Ben"})),
        )
        .await;
    let ben = CustomerId(c.json()["id"].as_str().unwrap().parse().unwrap());
    let ben = app.token(kb.tenant, Role::Customer, Some(ben)).await;
    Forum { kb, ben, anna_id }
}

/// Starts a thread; returns its view.
pub(crate) async fn thread(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app
        .call("POST", "/api/v1/forum/threads", Some(token), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

/// Replies; returns the reply's id.
pub(crate) async fn reply(app: &TestApp, token: &str, thread: &str, text: &str) -> String {
    let r = app
        .call(
            "POST",
            &format!("/api/v1/forum/threads/{thread}/replies"),
            Some(token),
            Some(json!({"body": text})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    let list = v["reply_list"].as_array().unwrap();
    list.last().unwrap()["id"].as_str().unwrap().to_owned()
}

/// Sends a moderation step as `token`.
pub(crate) async fn moderate(app: &TestApp, token: &str, thread: &str, body: Value) -> StatusCode {
    let r = app
        .call(
            "POST",
            &format!("/api/v1/forum/threads/{thread}/moderation"),
            Some(token),
            Some(body),
        )
        .await;
    r.status
}

/// The thread ids a caller lists (`None`: a visitor of `acme`).
pub(crate) async fn listed(app: &TestApp, token: Option<&str>, query: &str) -> Vec<String> {
    let path = match token {
        Some(_) => format!("/api/v1/forum/threads?{query}"),
        None => format!("/api/v1/forum/threads?tenant=acme&{query}"),
    };
    let r = app.call("GET", &path, token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

/// GET of one thread: status and body.
pub(crate) async fn get(app: &TestApp, token: Option<&str>, id: &str) -> (StatusCode, Value) {
    let path = match token {
        Some(_) => format!("/api/v1/forum/threads/{id}"),
        None => format!("/api/v1/forum/threads/{id}?tenant=acme"),
    };
    let r = app.call("GET", &path, token, None).await;
    let v = if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    };
    (r.status, v)
}

async fn customers_post_and_visitors_read_public_threads(app: TestApp) {
    let f = setup(&app).await;
    let (admin, anna, ben, cat) = (&f.kb.admin, &f.kb.customer, &f.ben, &f.kb.category);
    let open = thread(&app, anna, json!({"category_id": cat, "title": "Router blinkt rot", "body": "Seit heute **blinkt** mein Router.", "author_name": "Anna R."})).await;
    let id = open["id"].as_str().unwrap().to_owned();
    assert_eq!(open["author_name"], "Anna R.");
    assert_eq!(open["mine"], true);
    assert_eq!(open["state"], "open");
    assert_eq!(open["visibility"], "public");
    assert!(
        open["html"]
            .as_str()
            .unwrap()
            .contains("<strong>blinkt</strong>")
    );
    // No customer id in any view (A04, A07): posts show the name the author chose.
    assert!(!open.to_string().contains(&f.anna_id.to_string()));
    reply(&app, ben, &id, "Neustart hilft meistens.").await;
    reply(&app, admin, &id, "Bitte einmal neu starten.").await;
    let members = thread(&app, ben, json!({"category_id": cat, "title": "Nur für Kunden", "body": "Tarifdetails", "visibility": "customers"})).await;
    let members = members["id"].as_str().unwrap().to_owned();

    // Visitors: public threads only, in the list and one by one.
    assert_eq!(listed(&app, None, "").await, vec![id.clone()]);
    let (s, v) = get(&app, None, &id).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["reply_list"].as_array().unwrap().len(), 2);
    assert_eq!(v["mine"], false);
    assert_eq!(get(&app, None, &members).await.0, StatusCode::NOT_FOUND);
    // Visitors post nothing: no credentials, no write.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/forum/threads/{id}/replies"),
            None,
            Some(json!({"body": "anonym"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Without a tenant a visitor reads nothing.
    let r = app.call("GET", "/api/v1/forum/threads", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // Customers see both, newest activity first; the thread's own author sees `mine`.
    assert_eq!(
        listed(&app, Some(anna), "").await,
        [members.clone(), id.clone()]
    );
    let (_, v) = get(&app, Some(ben), &id).await;
    let replies = v["reply_list"].as_array().unwrap();
    assert_eq!(replies[0]["mine"], true);
    assert_eq!(replies[0]["author_name"], "Customer");
    assert_eq!(v["mine"], false);
    // Paging counts what the caller sees.
    assert_eq!(
        listed(&app, Some(anna), "limit=1&offset=1").await,
        vec![id.clone()]
    );
    assert_eq!(
        listed(&app, None, "limit=1&offset=1").await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(&app, Some(anna), &format!("category={cat}"))
            .await
            .len(),
        2
    );

    // Partners draft articles; they have no part in forums (403).
    let partner = app.token(f.kb.tenant, Role::Partner, None).await;
    let r = app
        .call("GET", "/api/v1/forum/threads", Some(&partner), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // An unknown category is refused, nothing is written.
    let r = app
        .call(
            "POST",
            "/api/v1/forum/threads",
            Some(anna),
            Some(json!({"category_id": uuid::Uuid::now_v7(), "title": "x", "body": "y"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
}

on_both!(
    customers_post_and_visitors_read_public_threads_on_sqlite,
    customers_post_and_visitors_read_public_threads_on_postgres,
    customers_post_and_visitors_read_public_threads
);

async fn staff_hide_lock_and_move(app: TestApp) {
    let f = setup(&app).await;
    let (admin, anna, ben, cat) = (&f.kb.admin, &f.kb.customer, &f.ben, &f.kb.category);
    let agent = app.token(f.kb.tenant, Role::Agent, None).await;
    let t = thread(
        &app,
        anna,
        json!({"category_id": cat, "title": "Spam?", "body": "Text"}),
    )
    .await;
    let id = t["id"].as_str().unwrap().to_owned();
    let bad = reply(&app, ben, &id, "Kauft billige Uhren").await;
    let good = reply(&app, ben, &id, "Ernsthafte Antwort").await;

    // Customers do not moderate (403), and nothing changes.
    assert_eq!(
        moderate(&app, anna, &id, json!({"action": "lock"})).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(get(&app, Some(anna), &id).await.1["state"], "open");

    // A hidden reply: gone for customers and visitors, still there for staff.
    assert_eq!(
        moderate(
            &app,
            &agent,
            &id,
            json!({"action": "hide", "reply_id": bad})
        )
        .await,
        StatusCode::OK
    );
    for token in [Some(anna.as_str()), Some(ben.as_str()), None] {
        let (_, v) = get(&app, token, &id).await;
        let ids: Vec<&str> = v["reply_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [good.as_str()], "{token:?}");
        assert!(!v.to_string().contains("billige Uhren"));
    }
    let (_, v) = get(&app, Some(admin), &id).await;
    assert_eq!(v["reply_list"].as_array().unwrap().len(), 2);
    assert_eq!(v["reply_list"][0]["hidden"], true);

    // Lock: a reply is refused with a problem that says why, for staff too.
    assert_eq!(
        moderate(&app, admin, &id, json!({"action": "lock"})).await,
        StatusCode::OK
    );
    for token in [anna, admin] {
        let r = app
            .call(
                "POST",
                &format!("/api/v1/forum/threads/{id}/replies"),
                Some(token),
                Some(json!({"body": "noch was"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/problem+json")
        );
        assert!(
            r.json()["detail"].as_str().unwrap().contains("locked"),
            "{}",
            r.text()
        );
    }
    assert_eq!(get(&app, Some(anna), &id).await.1["state"], "locked");
    assert_eq!(
        moderate(&app, admin, &id, json!({"action": "unlock"})).await,
        StatusCode::OK
    );
    reply(&app, anna, &id, "Danke!").await;

    // Move to another category.
    let other = app
        .call(
            "POST",
            "/api/v1/kb/categories",
            Some(admin),
            Some(json!({"slug": "technik", "name": "Technik"})),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        moderate(
            &app,
            &agent,
            &id,
            json!({"action": "move", "category_id": other})
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(get(&app, None, &id).await.1["category_id"], other.as_str());
    assert!(
        listed(&app, Some(anna), &format!("category={cat}"))
            .await
            .is_empty()
    );
    assert_eq!(
        listed(&app, Some(anna), &format!("category={other}")).await,
        vec![id.clone()]
    );
    // Moving needs a category of this tenant; an unknown action is refused (B13).
    assert_eq!(
        moderate(
            &app,
            admin,
            &id,
            json!({"action": "move", "category_id": uuid::Uuid::now_v7()})
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        moderate(&app, admin, &id, json!({"action": "delete"})).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        moderate(
            &app,
            admin,
            &id,
            json!({"action": "lock", "reply_id": good})
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // A hidden thread: invisible to customers (its author too) and visitors in every read
    // path, still listed and readable for staff.
    assert_eq!(
        moderate(&app, admin, &id, json!({"action": "hide"})).await,
        StatusCode::OK
    );
    for token in [Some(anna.as_str()), Some(ben.as_str()), None] {
        assert!(listed(&app, token, "").await.is_empty(), "{token:?}");
        assert_eq!(
            get(&app, token, &id).await.0,
            StatusCode::NOT_FOUND,
            "{token:?}"
        );
    }
    let r = app
        .call(
            "POST",
            &format!("/api/v1/forum/threads/{id}/replies"),
            Some(ben),
            Some(json!({"body": "hallo?"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(listed(&app, Some(&agent), "").await, vec![id.clone()]);
    assert_eq!(get(&app, Some(admin), &id).await.1["state"], "hidden");
    // The log says what happened.
    let events = app.store.events(f.kb.tenant, 0, 1000).await.unwrap();
    let moderated = events
        .iter()
        .filter(|e| e.data.name() == "forum.moderated")
        .count();
    assert_eq!(moderated, 5);
}

on_both!(
    staff_hide_lock_and_move_on_sqlite,
    staff_hide_lock_and_move_on_postgres,
    staff_hide_lock_and_move
);

async fn the_author_or_staff_mark_the_solution(app: TestApp) {
    let f = setup(&app).await;
    let (admin, anna, ben, cat) = (&f.kb.admin, &f.kb.customer, &f.ben, &f.kb.category);
    let t = thread(
        &app,
        anna,
        json!({"category_id": cat, "title": "WLAN", "body": "Kein WLAN"}),
    )
    .await;
    let id = t["id"].as_str().unwrap().to_owned();
    let r1 = reply(&app, ben, &id, "Router neu starten").await;
    let r2 = reply(&app, admin, &id, "Kanal wechseln").await;
    let mark = |token: String, reply: Value| {
        let app = &app;
        let id = id.clone();
        async move {
            app.call(
                "PUT",
                &format!("/api/v1/forum/threads/{id}/solution"),
                Some(&token),
                Some(json!({"reply_id": reply})),
            )
            .await
        }
    };
    // Ben replied but did not ask: he may not mark (403), nothing changes.
    let before = app.log_len(f.kb.tenant).await;
    let r = mark(ben.clone(), json!(r1)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(app.log_len(f.kb.tenant).await, before);
    // Anna asked: she may.
    let r = mark(anna.clone(), json!(r1)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["solution"], r1.as_str());
    assert_eq!(v["solved"], true);
    assert_eq!(v["reply_list"][0]["solution"], true);
    // Staff may change it; the same mark again writes nothing.
    assert_eq!(mark(admin.clone(), json!(r2)).await.status, StatusCode::OK);
    let before = app.log_len(f.kb.tenant).await;
    assert_eq!(mark(admin.clone(), json!(r2)).await.status, StatusCode::OK);
    assert_eq!(app.log_len(f.kb.tenant).await, before);
    // Not a reply of this thread: 422; a hidden reply: 409.
    assert_eq!(
        mark(anna.clone(), json!(uuid::Uuid::now_v7())).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        moderate(&app, admin, &id, json!({"action": "hide", "reply_id": r1})).await,
        StatusCode::OK
    );
    assert_eq!(
        mark(anna.clone(), json!(r1)).await.status,
        StatusCode::CONFLICT
    );
    // Hiding the marked reply takes the mark away.
    assert_eq!(
        moderate(&app, admin, &id, json!({"action": "hide", "reply_id": r2})).await,
        StatusCode::OK
    );
    assert_eq!(get(&app, Some(anna), &id).await.1["solved"], false);
    // The author takes a mark away with null.
    assert_eq!(
        moderate(
            &app,
            admin,
            &id,
            json!({"action": "unhide", "reply_id": r2})
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(mark(anna.clone(), json!(r2)).await.status, StatusCode::OK);
    let r = mark(anna.clone(), Value::Null).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["solution"], Value::Null);
    // A staff thread: only staff mark (no customer is its author).
    let staff = thread(
        &app,
        admin,
        json!({"category_id": cat, "title": "Wartung", "body": "Heute Nacht"}),
    )
    .await;
    let sid = staff["id"].as_str().unwrap();
    assert_eq!(staff["author_name"], "Support");
    let sr = reply(&app, anna, sid, "Wie lange?").await;
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/forum/threads/{sid}/solution"),
            Some(anna),
            Some(json!({"reply_id": sr})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

on_both!(
    the_author_or_staff_mark_the_solution_on_sqlite,
    the_author_or_staff_mark_the_solution_on_postgres,
    the_author_or_staff_mark_the_solution
);

async fn staff_turn_a_thread_into_a_conversation(app: TestApp) {
    let f = setup(&app).await;
    let (admin, anna, cat) = (&f.kb.admin, &f.kb.customer, &f.kb.category);
    let t = thread(&app, anna, json!({"category_id": cat, "title": "Rechnung doppelt", "body": "Mir wurde zweimal abgebucht."})).await;
    let id = t["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/forum/threads/{id}/conversation");
    // Customers cannot.
    let r = app.call("POST", &path, Some(anna), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.call("POST", &path, Some(admin), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    let conversation = v["conversation_id"].as_str().unwrap().to_owned();
    assert_eq!(v["thread"]["conversation_id"], conversation.as_str());
    // It belongs to the thread's author, carries the text and links back.
    let c = app
        .call(
            "GET",
            &format!("/api/v1/conversations/{conversation}"),
            Some(admin),
            None,
        )
        .await
        .json();
    assert_eq!(c["customer_id"], f.anna_id.to_string().as_str());
    assert_eq!(c["subject"], "Rechnung doppelt");
    let m = app
        .call(
            "GET",
            &format!("/api/v1/conversations/{conversation}/messages"),
            Some(admin),
            None,
        )
        .await
        .json();
    let body = m["items"][0]["body"].as_str().unwrap();
    assert!(body.contains("Mir wurde zweimal abgebucht."), "{body}");
    assert!(
        body.contains(&format!("/api/v1/forum/threads/{id}")),
        "{body}"
    );
    // Anna finds it among her conversations; the thread records it for staff.
    let mine = app
        .call(
            "GET",
            &format!("/api/v1/conversations/{conversation}"),
            Some(anna),
            None,
        )
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(
        get(&app, Some(admin), &id).await.1["conversation_id"],
        conversation.as_str()
    );
    assert!(
        get(&app, Some(anna), &id)
            .await
            .1
            .get("conversation_id")
            .is_none()
    );
    // Again: the same conversation, nothing new on the log.
    let before = app.log_len(f.kb.tenant).await;
    let again = app.call("POST", &path, Some(admin), None).await;
    assert_eq!(again.json()["conversation_id"], conversation.as_str());
    assert_eq!(app.log_len(f.kb.tenant).await, before);
    // A thread staff started has no customer to talk to: 409.
    let staff = thread(
        &app,
        admin,
        json!({"category_id": cat, "title": "Info", "body": "Neu"}),
    )
    .await;
    let r = app
        .call(
            "POST",
            &format!(
                "/api/v1/forum/threads/{}/conversation",
                staff["id"].as_str().unwrap()
            ),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
}

on_both!(
    staff_turn_a_thread_into_a_conversation_on_sqlite,
    staff_turn_a_thread_into_a_conversation_on_postgres,
    staff_turn_a_thread_into_a_conversation
);
