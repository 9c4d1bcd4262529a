//! Files in chats (docs/live-chat.md#files), each on SQLite and PostgreSQL: a widget visitor
//! uploads a file and sends it, the agent downloads it (audited) and answers with one of
//! their own; nobody else gets either (A01, A03, E02: upload ids and message files are the
//! uploader's and the conversation's only); a note's file never reaches the customer.
//! Hostile uploads store nothing (E01, E04, E05, G06), and an e-mail's HTML attachment
//! comes back as a download, never as a page (E01).

use crate::helpers::{Backend, TestApp, spawn_on};
use crate::kb_attachments::{PDF, PNG};
use crate::live::{Client, visitor};
use axum::body::Body;
use http::{Request, StatusCode};
use kairos_core::event::Actor;
use kairos_core::party::Role;
use kairos_http::auth;
use serde_json::{Value, json};

/// Uploads `bytes` as `filename` of type `ct` with bearer `token`.
async fn upload(
    app: &TestApp,
    token: Option<&str>,
    ct: &str,
    filename: &str,
    bytes: Vec<u8>,
) -> crate::helpers::Reply {
    let mut req = Request::builder()
        .method("POST")
        .uri(format!(
            "/api/v1/chat/uploads?filename={}",
            crate::kb_attachments::urlencode(filename)
        ))
        .header("content-type", ct);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    app.send(req.body(Body::from(bytes)).unwrap()).await
}

async fn upload_id(app: &TestApp, token: &str, ct: &str, filename: &str, bytes: &[u8]) -> String {
    let r = upload(app, Some(token), ct, filename, bytes.to_vec()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_owned()
}

/// The next `message` frame (live or replayed).
async fn message(c: &mut Client) -> Value {
    c.next_of("message").await["message"].clone()
}

async fn round_trip(app: TestApp) {
    let addr = app.serve().await;
    let acme = app.tenant("acme").await;
    let anna = app
        .store
        .create_party(
            acme,
            Role::Agent,
            Some("anna@acme.example"),
            "Anna",
            None,
            &Actor::System,
        )
        .await
        .unwrap();
    let (agent, hash) = auth::new_token();
    app.store
        .create_token(acme, Role::Agent, Some(anna), None, &hash, &Actor::System)
        .await
        .unwrap();
    let (mut staff, _) = Client::authed(addr, "/api/v1/staff/socket", &agent).await;
    let token = visitor(&app, "acme").await;
    let (mut customer, _) = Client::authed(addr, "/api/v1/chat/socket", &token).await;

    // A new visitor uploads before their first message and sends the file alone.
    let photo = upload_id(&app, &token, "image/png", "../../Zähler\r\n.png", PNG).await;
    customer
        .send(json!({"type": "send", "text": "", "attachments": [photo], "client_id": "c1"}))
        .await;
    let sent = customer.next_of("sent").await;
    let conversation = sent["conversation_id"].as_str().unwrap().to_owned();
    let m = message(&mut customer).await;
    assert_eq!(
        m["body"], "Zähler.png",
        "a message of files reads as their names"
    );
    let file = &m["attachments"][0];
    assert_eq!(file["filename"], "Zähler.png", "E04: no path, no CR/LF");
    assert_eq!(file["content_type"], "image/png");
    let href = file["href"].as_str().unwrap().to_owned();

    // The visitor and the agent download it; the agent's read is audited.
    for who in [&token, &agent] {
        let r = app.call("GET", &href, Some(who), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.body, PNG);
        assert_eq!(r.headers["content-type"], "image/png");
        assert_eq!(r.headers["x-content-type-options"], "nosniff");
        assert!(
            r.headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("sandbox")
        );
        assert!(
            r.headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("inline;")
        );
    }
    let audit = app.store.audit_entries(acme, None, 0, 100).await.unwrap();
    assert!(
        audit.iter().any(|e| e.entry.action
            == "GET /api/v1/messages/{message_id}/attachments/{index}"
            && e.entry.customer_id.map(|c| c.0.to_string())
                == sent["customer_id"].as_str().map(String::from)),
        "P03: the agent's download names whose file it was"
    );

    // A01, A03, E02: another visitor gets neither the file nor the upload.
    let other = visitor(&app, "acme").await;
    let (mut stranger, _) = Client::authed(addr, "/api/v1/chat/socket", &other).await;
    stranger
        .send(json!({"type": "send", "text": "Hallo", "client_id": "s1"}))
        .await;
    stranger.next_of("sent").await;
    assert_eq!(app.call("GET", &href, Some(&other), None).await.status, 404);
    assert_eq!(app.call("GET", &href, None, None).await.status, 401);
    let mine = upload_id(&app, &token, "application/pdf", "rechnung.pdf", PDF).await;
    stranger
        .send(json!({"type": "send", "text": "meins", "attachments": [mine], "client_id": "s2"}))
        .await;
    let refused = stranger.next_of("error").await;
    assert_eq!(refused["code"], "invalid_input", "{refused}");
    assert_eq!(refused["client_id"], "s2");
    // Another tenant's agent gets a 404, not the file.
    let globex = app.tenant("globex").await;
    let foreign = app.token(globex, Role::Admin, None).await;
    assert_eq!(
        app.call("GET", &href, Some(&foreign), None).await.status,
        404
    );

    // The agent answers with a file and writes a note with another; the customer sees the
    // answer's file and can fetch it, never the note's.
    let manual = upload_id(&app, &agent, "application/pdf", "anleitung.pdf", PDF).await;
    staff
        .send(
            json!({"type": "send", "conversation_id": conversation, "text": "Hier die Anleitung",
                     "attachments": [manual]}),
        )
        .await;
    staff.next_of("sent").await;
    let answer = message(&mut customer).await;
    assert_eq!(answer["attachments"][0]["filename"], "anleitung.pdf");
    let answer_href = answer["attachments"][0]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app.call("GET", &answer_href, Some(&token), None).await;
    assert_eq!(r.status, 200);
    assert!(
        r.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;"),
        "E01: a PDF is downloaded, not shown"
    );
    let secret = upload_id(&app, &agent, "text/plain", "intern.txt", b"nur intern").await;
    staff
        .send(
            json!({"type": "send", "conversation_id": conversation, "text": "Notiz",
                     "note": true, "attachments": [secret]}),
        )
        .await;
    let note = staff.next_of("sent").await;
    let note_href = format!(
        "/api/v1/messages/{}/attachments/0",
        note["message_id"].as_str().unwrap()
    );
    assert_eq!(
        app.call("GET", &note_href, Some(&agent), None).await.status,
        200
    );
    assert_eq!(
        app.call("GET", &note_href, Some(&token), None).await.status,
        404
    );
    // Past the end, or not a number: the same 404.
    let past = href.replace("/attachments/0", "/attachments/1");
    assert_eq!(app.call("GET", &past, Some(&agent), None).await.status, 404);
    let nan = href.replace("/attachments/0", "/attachments/x");
    assert_eq!(app.call("GET", &nan, Some(&agent), None).await.status, 404);
}

async fn hostile(app: TestApp) {
    let addr = app.serve().await;
    let acme = app.tenant("acme").await;
    let token = visitor(&app, "acme").await;
    let files_before = count_files(&app);

    // E01, D04: types a browser would run, and content that is not what it says.
    for (ct, name, bytes, status) in [
        (
            "text/html",
            "a.html",
            b"<script>alert(1)</script>".to_vec(),
            415,
        ),
        (
            "image/svg+xml",
            "a.svg",
            b"<svg onload=alert(1)/>".to_vec(),
            415,
        ),
        (
            "application/octet-stream",
            "a.exe",
            b"MZ\x90\0".to_vec(),
            415,
        ),
        (
            "image/png",
            "a.png",
            b"<html><script>alert(1)</script>".to_vec(),
            422,
        ),
        (
            "text/plain",
            "a.txt",
            b"<svg onload=alert(1)>".to_vec(),
            422,
        ),
        ("application/pdf", "leer.pdf", Vec::new(), 422),
        ("application/pdf", "", PDF.to_vec(), 422),
        ("application/pdf", "../", PDF.to_vec(), 422),
    ] {
        let r = upload(&app, Some(&token), ct, name, bytes).await;
        assert_eq!(r.status.as_u16(), status, "{ct} {name}: {}", r.text());
    }
    // G06: over 25 MiB, announced or not.
    let mut big = PDF.to_vec();
    big.resize(kairos_core::files::MAX_BYTES + 1, b' ');
    let r = upload(&app, Some(&token), "application/pdf", "big.pdf", big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Without a credential, or with a forged one.
    let r = upload(&app, None, "application/pdf", "a.pdf", PDF.to_vec()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let forged = format!("{}x", &token[..token.len() - 1]);
    let r = upload(
        &app,
        Some(&forged),
        "application/pdf",
        "a.pdf",
        PDF.to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // A token bound to no staff member or customer has nobody to upload as.
    let unbound = app.token(acme, Role::Agent, None).await;
    let r = upload(
        &app,
        Some(&unbound),
        "application/pdf",
        "a.pdf",
        PDF.to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        count_files(&app),
        files_before,
        "a refused upload left a file"
    );

    // A send naming unknown uploads, or too many, is refused whole.
    let (mut customer, _) = Client::authed(addr, "/api/v1/chat/socket", &token).await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let eleven: Vec<String> = (0..11).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    for (i, ids) in [vec![unknown], eleven, vec!["not-a-uuid".to_owned()]]
        .into_iter()
        .enumerate()
    {
        customer
            .send(json!({"type": "send", "text": "x", "attachments": ids, "client_id": format!("h{i}")}))
            .await;
        let e = customer.next_of("error").await;
        assert_eq!(e["code"], "invalid_input", "{e}");
    }
    assert!(
        app.store
            .events(acme, 0, 100)
            .await
            .unwrap()
            .iter()
            .all(|e| e.data.name() != "message.appended"),
        "a refused send stored a message"
    );

    // E05: 30 uploads an hour per sender; the 31st is 429 with Retry-After and keeps nothing.
    for i in 0..30 {
        let body = format!("Zeile {i}\n").into_bytes();
        let r = upload(&app, Some(&token), "text/plain", "z.txt", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{i}: {}", r.text());
    }
    let files_at_limit = count_files(&app);
    let r = upload(
        &app,
        Some(&token),
        "text/plain",
        "z.txt",
        b"one too many".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert!(r.headers.contains_key("retry-after"));
    assert_eq!(count_files(&app), files_at_limit);
    // Another visitor is not held back by the first.
    let other = visitor(&app, "acme").await;
    let r = upload(&app, Some(&other), "text/plain", "z.txt", b"mine".to_vec()).await;
    assert_eq!(r.status, StatusCode::CREATED);
}

/// An e-mail's attachments are whatever the sender declared: served as downloads of
/// `application/octet-stream` unless type and content agree (E01).
async fn mail_attachments_are_never_pages(app: TestApp) {
    let acme = app.tenant("acme").await;
    let agent = app.token(acme, Role::Agent, None).await;
    let integration = app.token(acme, Role::Admin, None).await;
    let page = app
        .blobs
        .put(b"<html><script>alert(1)</script>".to_vec())
        .await
        .unwrap();
    let png = app.blobs.put(PNG.to_vec()).await.unwrap();
    let r = app
        .call("POST", "/api/v1/inbound", Some(&integration), Some(json!({
            "channel": "email", "from": {"kind": "email", "value": "eve@example.org"},
            "body": "see attached",
            "attachments": [
                {"filename": "invoice.html", "content_type": "text/html", "size": 32, "sha256": page},
                {"filename": "fake.png", "content_type": "image/png", "size": 32, "sha256": page},
                {"filename": "real.png", "content_type": "image/png", "size": PNG.len(), "sha256": png}
            ]})))
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let message = r.json()["message_id"].as_str().unwrap().to_owned();
    for (i, ct, inline) in [
        (0, "application/octet-stream", false),
        (1, "application/octet-stream", false),
        (2, "image/png", true),
    ] {
        let r = app
            .call(
                "GET",
                &format!("/api/v1/messages/{message}/attachments/{i}"),
                Some(&agent),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.headers["content-type"], ct, "{i}");
        let disposition = r.headers["content-disposition"].to_str().unwrap();
        assert_eq!(
            disposition.starts_with("inline;"),
            inline,
            "{i}: {disposition}"
        );
    }
}

/// Files in the blob store (all shards, not the staging directory).
fn count_files(app: &TestApp) -> usize {
    walk(app.blobs.root())
}

fn walk(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "tmp") {
                    0
                } else {
                    walk(&p)
                }
            } else {
                1
            }
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_files_round_trip_sqlite() {
    round_trip(spawn_on(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_files_round_trip_postgres() {
    if let Some(app) = spawn_on(Backend::Postgres).await {
        round_trip(app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_chat_uploads_store_nothing_sqlite() {
    hostile(spawn_on(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_chat_uploads_store_nothing_postgres() {
    if let Some(app) = spawn_on(Backend::Postgres).await {
        hostile(app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_attachments_are_never_pages_sqlite() {
    mail_attachments_are_never_pages(spawn_on(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_attachments_are_never_pages_postgres() {
    if let Some(app) = spawn_on(Backend::Postgres).await {
        mail_attachments_are_never_pages(app).await;
    }
}
