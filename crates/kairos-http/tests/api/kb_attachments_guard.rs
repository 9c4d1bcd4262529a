//! Hostile attachments (each on SQLite and PostgreSQL): oversize bodies (G06, 413 before the
//! store), types a browser would run (E01, D04: HTML, SVG, XML), content that is not what
//! its type says (E01: an HTML page sent as `image/png`), hostile file names (E04, B10:
//! paths, CR/LF, quotes, RTLO), empty files, too many files on one article (E05), and a large
//! upload retried with an `Idempotency-Key` (I02). Nothing refused leaves a file or an event.
//! The content-addressed file outlives whichever of message and article goes first (E07).

use crate::helpers::{Backend, TestApp, spawn_on};
use crate::kb_attachments::{PDF, PNG, article, fixture, href, id_of, upload, urlencode};
use axum::body::Body;
use http::{Request, StatusCode};
use kairos_core::files::MAX_BYTES;
use kairos_core::kb_attachment::MAX_PER_ARTICLE;
use serde_json::json;

async fn attachment_count(app: &TestApp, token: &str, id: &str) -> usize {
    app.call(
        "GET",
        &format!("/api/v1/kb/articles/{id}"),
        Some(token),
        None,
    )
    .await
    .json()["attachments"]
        .as_array()
        .unwrap()
        .len()
}

async fn hostile_uploads_are_refused(app: TestApp) {
    let a = fixture(&app).await;
    let partner = a.partner.as_str();
    let id = article(&app, partner, &a.kb.category, "public").await;
    let log_before = app.log_len(a.kb.tenant).await;

    // G06: over the cap, announced or not, is 413.
    let mut big = PDF.to_vec();
    big.resize(MAX_BYTES + 1, b' ');
    let r = upload(
        &app,
        Some(partner),
        &id,
        Some("application/pdf"),
        Some("big.pdf"),
        big.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    let announced = Request::builder()
        .method("POST")
        .uri(format!(
            "/api/v1/kb/articles/{id}/attachments?filename=big.pdf"
        ))
        .header("authorization", format!("Bearer {partner}"))
        .header("content-type", "application/pdf")
        .header("content-length", (MAX_BYTES + 1).to_string())
        .body(Body::from(PDF.to_vec()))
        .unwrap();
    assert_eq!(
        app.send(announced).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    // A video up to the cap is fine.
    let mut video = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    video.resize(MAX_BYTES, 0);
    let r = upload(
        &app,
        Some(partner),
        &id,
        Some("video/mp4"),
        Some("anleitung.mp4"),
        video,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let video_id = r.json()["id"].as_str().unwrap().to_owned();
    let r = app
        .call("GET", &href(&id, &video_id, None), Some(partner), None)
        .await;
    assert_eq!(r.body.len(), MAX_BYTES);
    assert!(
        r.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline;")
    );
    let after_video = app.log_len(a.kb.tenant).await;
    assert_eq!(after_video, log_before + 1);

    // E01, D04: types a browser would run are refused whatever their content (415) …
    let html = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec();
    for (ct, body) in [
        (Some("text/html"), html.clone()),
        (Some("image/svg+xml"), svg.clone()),
        (Some("application/xhtml+xml"), html.clone()),
        (Some("text/xml"), svg.clone()),
        (Some("application/octet-stream"), PNG.to_vec()),
        (
            Some("application/x-php"),
            b"<?php system($_GET['c']); ?>".to_vec(),
        ),
        (None, PNG.to_vec()),
    ] {
        let r = upload(&app, Some(partner), &id, ct, Some("x.png"), body).await;
        assert_eq!(
            r.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{ct:?}: {}",
            r.text()
        );
        assert_eq!(r.json()["code"], "unsupported_media_type");
    }
    // … and content that is not what its type says is refused (422): an HTML page or an SVG
    // as an image, markup as text, a PNG as a PDF, a polyglot that starts as HTML.
    for (ct, body) in [
        ("image/png", html.clone()),
        ("image/png", svg.clone()),
        ("image/jpeg", html.clone()),
        ("image/gif", svg.clone()),
        ("text/plain", html.clone()),
        ("text/plain", svg.clone()),
        ("text/plain", b"\xff\xd8\xff binary".to_vec()),
        ("application/pdf", PNG.to_vec()),
        ("video/mp4", html.clone()),
        ("image/png", [b"<html>".as_slice(), PNG].concat()),
    ] {
        let r = upload(&app, Some(partner), &id, Some(ct), Some("x"), body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{ct}: {}",
            r.text()
        );
        assert_eq!(r.json()["field"], "body");
    }
    // Empty files, missing and empty names.
    let r = upload(
        &app,
        Some(partner),
        &id,
        Some("text/plain"),
        Some("leer.txt"),
        Vec::new(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = upload(
        &app,
        Some(partner),
        &id,
        Some("image/png"),
        None,
        PNG.to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    for name in ["", "../", "..", "\r\n", "/etc/"] {
        let r = upload(
            &app,
            Some(partner),
            &id,
            Some("image/png"),
            Some(name),
            PNG.to_vec(),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?}: {}",
            r.text()
        );
        assert_eq!(r.json()["field"], "filename");
    }
    let smuggled = format!("/api/v1/kb/articles/{id}/attachments?filename=a.png&tenant_id=x");
    let r = app
        .send(
            Request::builder()
                .method("POST")
                .uri(smuggled)
                .header("authorization", format!("Bearer {partner}"))
                .header("content-type", "image/png")
                .body(Body::from(PNG.to_vec()))
                .unwrap(),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "A05: unknown query fields are refused"
    );
    assert_eq!(
        app.log_len(a.kb.tenant).await,
        after_video,
        "nothing refused reached the log"
    );
    assert_eq!(attachment_count(&app, &a.kb.admin, &id).await, 1);

    // E04, B10: hostile names are cleaned, never a path, and encoded on the way out.
    for (raw, kept) in [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Windows\\system32\\x.png", "x.png"),
        ("a\r\nSet-Cookie: x=1.png", "aSet-Cookie x=1.png"),
        ("\"quoted\"; evil=1.png", "quoted evil=1.png"),
        ("rech\u{202E}gnp.exe", "rechgnp.exe"),
        (".htaccess.png", "htaccess.png"),
    ] {
        let mut png = PNG.to_vec();
        png.extend_from_slice(raw.as_bytes()); // a distinct file per name
        let r = upload(&app, Some(partner), &id, Some("image/png"), Some(raw), png).await;
        assert_eq!(r.status, StatusCode::CREATED, "{raw:?}: {}", r.text());
        assert_eq!(r.json()["filename"], kept, "{raw:?}");
        let got = app
            .call(
                "GET",
                &href(&id, r.json()["id"].as_str().unwrap(), None),
                Some(partner),
                None,
            )
            .await;
        let cd = got.headers["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(cd.matches('"').count(), 2, "{cd}");
        assert!(
            !cd.contains('\r') && !cd.contains('\n') && !cd.contains("Set-Cookie:"),
            "{cd}"
        );
        assert!(
            cd.contains(&format!("filename*=UTF-8''{}", urlencode(kept))),
            "{cd}"
        );
    }
    let long = format!("{}.png", "x".repeat(1_000));
    let r = upload(
        &app,
        Some(partner),
        &id,
        Some("image/png"),
        Some(&long),
        PNG.to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json()["filename"].as_str().unwrap().chars().count(), 200);

    // Unknown and malformed attachment ids are plain 404s.
    for bad in [
        uuid::Uuid::nil().to_string(),
        "..%2F..%2Fetc".into(),
        "1".into(),
    ] {
        let r = app
            .call("GET", &href(&id, &bad, None), Some(partner), None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
        let r = app
            .call("DELETE", &href(&id, &bad, None), Some(partner), None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
    }
}

/// E05: an article holds a bounded number of files.
async fn an_article_holds_at_most_fifty_files(app: TestApp) {
    let a = fixture(&app).await;
    let id = article(&app, &a.kb.admin, &a.kb.category, "public").await;
    for i in 0..MAX_PER_ARTICLE {
        let r = upload(
            &app,
            Some(&a.kb.admin),
            &id,
            Some("text/plain"),
            Some(&format!("{i}.txt")),
            format!("{i}").into_bytes(),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{i}: {}", r.text());
    }
    let r = upload(
        &app,
        Some(&a.kb.admin),
        &id,
        Some("text/plain"),
        Some("51.txt"),
        b"51".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        attachment_count(&app, &a.kb.admin, &id).await,
        MAX_PER_ARTICLE
    );
}

/// I02: a retried upload larger than the usual 2 MiB body limit replays with its key.
async fn a_large_upload_replays_with_its_idempotency_key(app: TestApp) {
    let a = fixture(&app).await;
    let id = article(&app, &a.kb.admin, &a.kb.category, "public").await;
    let mut pdf = PDF.to_vec();
    pdf.resize(3 * 1024 * 1024, b' ');
    let send = |body: Vec<u8>| {
        Request::builder()
            .method("POST")
            .uri(format!(
                "/api/v1/kb/articles/{id}/attachments?filename=gross.pdf"
            ))
            .header("authorization", format!("Bearer {}", a.kb.admin))
            .header("content-type", "application/pdf")
            .header("idempotency-key", "upload-1")
            .body(Body::from(body))
            .unwrap()
    };
    let first = app.send(send(pdf.clone())).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let again = app.send(send(pdf)).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text());
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.json()["id"], first.json()["id"]);
    assert_eq!(attachment_count(&app, &a.kb.admin, &id).await, 1);
}

/// One content, two owners: a customer's message and an article. Removing the attachment
/// keeps the file the message names; erasing the customer keeps the file the article names.
async fn shared_files_outlive_either_owner(app: TestApp) {
    let a = fixture(&app).await;
    let admin = &a.kb.admin;
    let sha = app.blobs.put(PDF.to_vec()).await.unwrap();
    let inbound = app
        .call(
            "POST",
            "/api/v1/inbound",
            Some(admin),
            Some(json!({"channel": "email", "from": {"kind": "email", "value": "anna@example.org"},
                "subject": "Rechnung", "body": "anbei",
                "attachments": [{"filename": "rechnung.pdf", "content_type": "application/pdf", "size": PDF.len(), "sha256": sha}]})),
        )
        .await;
    assert_eq!(inbound.status, StatusCode::CREATED, "{}", inbound.text());
    let customer = inbound.json()["customer_id"].as_str().unwrap().to_owned();

    let first = article(&app, admin, &a.kb.category, "public").await;
    let up = upload(
        &app,
        Some(admin),
        &first,
        Some("application/pdf"),
        Some("a.pdf"),
        PDF.to_vec(),
    )
    .await;
    assert_eq!(up.status, StatusCode::CREATED);
    assert_eq!(
        up.json()["sha256"],
        sha.as_str(),
        "content-addressed: the same file"
    );
    let del = app
        .call(
            "DELETE",
            &href(&first, &id_of(&up), None),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    assert!(app.blobs.contains(&sha), "the message still names the file");

    let second = article(&app, admin, &a.other_category, "public").await;
    let up = upload(
        &app,
        Some(admin),
        &second,
        Some("application/pdf"),
        Some("b.pdf"),
        PDF.to_vec(),
    )
    .await;
    assert_eq!(up.status, StatusCode::CREATED);
    let erased = app
        .call(
            "POST",
            &format!("/api/v1/customers/{customer}/erase"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.text());
    assert_eq!(
        erased.json()["blobs_deleted"],
        0,
        "the article still names the file"
    );
    assert!(app.blobs.contains(&sha));
    let got = app
        .call("GET", &href(&second, &id_of(&up), None), Some(admin), None)
        .await;
    assert_eq!(got.body, PDF);

    let del = app
        .call(
            "DELETE",
            &href(&second, &id_of(&up), None),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    assert!(!app.blobs.contains(&sha), "nothing names it any more");
}

macro_rules! both {
    ($($name:ident),*) => {
        mod sqlite_backend { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::spawn_on(super::Backend::Sqlite).await.unwrap()).await; })* }
        mod postgres_backend { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { if let Some(app) = super::spawn_on(super::Backend::Postgres).await { super::$name(app).await; } })* }
    };
}

both!(
    hostile_uploads_are_refused,
    an_article_holds_at_most_fifty_files,
    a_large_upload_replays_with_its_idempotency_key,
    shared_files_outlive_either_owner
);
