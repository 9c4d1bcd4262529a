//! Attachments of knowledge-base articles over HTTP (each test on SQLite and PostgreSQL): a
//! partner attaches files to its draft, nobody outside the team reads them until staff
//! publish; who may download and change them, by role and tenant (A01, A03, E02: a refused
//! reader gets the same 404 as for an id that does not exist); the download headers (E01,
//! E04). Hostile input and shared files: `kb_attachments_guard.rs`.

use crate::helpers::{Backend, Reply, TestApp, spawn_on};
use crate::knowledge::{Kb, setup};
use axum::body::Body;
use http::{Request, StatusCode};
use kairos_core::event::EventData;
use kairos_core::ids::TenantId;
use kairos_core::party::Role;
use serde_json::{Value, json};

pub(crate) const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
pub(crate) const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n";

/// The knowledge-base fixture plus a partner granted `vertrag` and a second category.
pub(crate) struct Att {
    pub(crate) kb: Kb,
    pub(crate) partner: String,
    pub(crate) other_category: String,
}

pub(crate) async fn fixture(app: &TestApp) -> Att {
    let kb = setup(app).await;
    let other = app
        .call(
            "POST",
            "/api/v1/kb/categories",
            Some(&kb.admin),
            Some(json!({"slug": "technik", "name": "Technik"})),
        )
        .await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.text());
    let p = app
        .call(
            "POST",
            "/api/v1/kb/partners",
            Some(&kb.admin),
            Some(json!({"display_name": "Stadtwerke"})),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text());
    let party = p.json()["party_id"].as_str().unwrap().to_owned();
    let grant = format!("/api/v1/kb/partners/{party}/categories/{}", kb.category);
    let g = app.call("PUT", &grant, Some(&kb.admin), None).await;
    assert_eq!(g.status, StatusCode::NO_CONTENT);
    Att {
        partner: p.json()["token"].as_str().unwrap().to_owned(),
        other_category: other.json()["id"].as_str().unwrap().to_owned(),
        kb,
    }
}

/// Creates an article as `token` and answers its id.
pub(crate) async fn article(app: &TestApp, token: &str, category: &str, vis: &str) -> String {
    let r = app
        .call(
            "POST",
            "/api/v1/kb/articles",
            Some(token),
            Some(json!({"category_id": category, "language": "de", "visibility": vis, "title": "Zählerstand", "body": "So geht es."})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn set_state(app: &TestApp, token: &str, id: &str, state: &str) -> StatusCode {
    app.call(
        "PATCH",
        &format!("/api/v1/kb/articles/{id}"),
        Some(token),
        Some(json!({"state": state})),
    )
    .await
    .status
}

/// Posts `body` as an attachment: `content_type` and `filename` as given (`None`: left out).
pub(crate) async fn upload(
    app: &TestApp,
    token: Option<&str>,
    article: &str,
    content_type: Option<&str>,
    filename: Option<&str>,
    body: Vec<u8>,
) -> Reply {
    let mut uri = format!("/api/v1/kb/articles/{article}/attachments");
    if let Some(f) = filename {
        uri.push_str("?filename=");
        uri.push_str(&urlencode(f));
    }
    let mut req = Request::builder().method("POST").uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    app.send(req.body(Body::from(body)).unwrap()).await
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The download address of an attachment (visitors: `tenant` set).
pub(crate) fn href(article: &str, attachment: &str, tenant: Option<&str>) -> String {
    let base = format!("/api/v1/kb/articles/{article}/attachments/{attachment}");
    match tenant {
        Some(t) => format!("{base}?tenant={t}"),
        None => base,
    }
}

pub(crate) fn id_of(r: &Reply) -> String {
    r.json()["id"].as_str().unwrap().to_owned()
}

/// The `kb.article.attachment` events on the tenant's log, as (change, filename).
async fn attachment_events(app: &TestApp, tenant: TenantId) -> Vec<(String, String)> {
    let events = app.store.events(tenant, 0, 100_000).await.unwrap();
    events
        .iter()
        .filter_map(|e| match &e.data {
            EventData::KbArticleAttachment {
                change, filename, ..
            } => Some((
                serde_json::to_value(change)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned(),
                filename.clone(),
            )),
            _ => None,
        })
        .collect()
}

async fn partner_attaches_until_staff_publish(app: TestApp) {
    let a = fixture(&app).await;
    let (admin, customer, partner) = (&a.kb.admin, &a.kb.customer, &a.partner);
    let draft = article(&app, partner, &a.kb.category, "public").await;

    let png = upload(
        &app,
        Some(partner),
        &draft,
        Some("image/png"),
        Some("zähler.png"),
        PNG.to_vec(),
    )
    .await;
    assert_eq!(png.status, StatusCode::CREATED, "{}", png.text());
    let v = png.json();
    assert_eq!(v["filename"], "zähler.png");
    assert_eq!(v["content_type"], "image/png");
    assert_eq!(v["size"], PNG.len());
    assert_eq!(v["sha256"].as_str().unwrap().len(), 64);
    assert!(
        v.get("added_by").is_none(),
        "who attached is for staff: {v}"
    );
    let pdf = upload(
        &app,
        Some(partner),
        &draft,
        Some("application/pdf"),
        Some("Anleitung.pdf"),
        PDF.to_vec(),
    )
    .await;
    assert_eq!(pdf.status, StatusCode::CREATED, "{}", pdf.text());
    let (png_id, pdf_id) = (id_of(&png), id_of(&pdf));
    assert_eq!(v["href"], href(&draft, &png_id, None));

    // The same file under the same name again is the same attachment, not a second one.
    let again = upload(
        &app,
        Some(partner),
        &draft,
        Some("image/png"),
        Some("zähler.png"),
        PNG.to_vec(),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(id_of(&again), png_id);

    let staff_view = app
        .call(
            "GET",
            &format!("/api/v1/kb/articles/{draft}"),
            Some(admin),
            None,
        )
        .await
        .json();
    let listed = staff_view["attachments"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["added_by"]["role"], "partner", "{staff_view}");
    assert_eq!(
        attachment_events(&app, a.kb.tenant).await,
        vec![
            ("added".to_owned(), "zähler.png".to_owned()),
            ("added".to_owned(), "Anleitung.pdf".to_owned())
        ],
        "the company's review sees every partner change on the log"
    );

    // Until the company publishes, only the team and the partner read the files.
    let got = app
        .call("GET", &href(&draft, &png_id, None), Some(partner), None)
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, PNG);
    let missing = app
        .call(
            "GET",
            &href(&draft, &uuid::Uuid::nil().to_string(), None),
            Some(customer),
            None,
        )
        .await;
    for (token, tenant) in [(Some(customer.as_str()), None), (None, Some("acme"))] {
        let r = app
            .call("GET", &href(&draft, &png_id, tenant), token, None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{token:?}");
        if token.is_some() {
            assert_eq!(r.body, missing.body, "same 404 as for nothing at all (E02)");
        }
    }

    // A partner takes back what it attached to its draft.
    let tmp = upload(
        &app,
        Some(partner),
        &draft,
        Some("text/plain"),
        Some("tmp.txt"),
        b"tmp".to_vec(),
    )
    .await;
    assert_eq!(tmp.status, StatusCode::CREATED, "{}", tmp.text());
    let del = app
        .call(
            "DELETE",
            &href(&draft, &id_of(&tmp), None),
            Some(partner),
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT, "{}", del.text());

    // Submitted for review, the draft is the company's: the partner neither adds nor removes.
    assert_eq!(
        set_state(&app, partner, &draft, "in_review").await,
        StatusCode::OK
    );
    let late = upload(
        &app,
        Some(partner),
        &draft,
        Some("application/pdf"),
        Some("b.pdf"),
        PDF.to_vec(),
    )
    .await;
    assert_eq!(late.status, StatusCode::FORBIDDEN, "{}", late.text());
    let del = app
        .call("DELETE", &href(&draft, &pdf_id, None), Some(partner), None)
        .await;
    assert_eq!(del.status, StatusCode::FORBIDDEN);
    assert_eq!(
        set_state(&app, admin, &draft, "published").await,
        StatusCode::OK
    );
    let late = upload(
        &app,
        Some(partner),
        &draft,
        Some("application/pdf"),
        Some("b.pdf"),
        PDF.to_vec(),
    )
    .await;
    assert_eq!(
        late.status,
        StatusCode::FORBIDDEN,
        "published: through the company only"
    );

    // Published and public: visitors and customers read it, with safe headers.
    let img = app
        .call("GET", &href(&draft, &png_id, Some("acme")), None, None)
        .await;
    assert_eq!(img.status, StatusCode::OK, "{}", img.text());
    assert_eq!(img.body, PNG);
    let h = |r: &Reply, name: &str| {
        r.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(h(&img, "content-type"), "image/png");
    assert_eq!(h(&img, "x-content-type-options"), "nosniff");
    let csp = h(&img, "content-security-policy");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("sandbox"),
        "{csp}"
    );
    assert!(
        h(&img, "content-disposition").starts_with("inline;"),
        "images show in place"
    );
    assert!(h(&img, "content-disposition").contains("filename*=UTF-8''z%C3%A4hler.png"));
    assert_eq!(h(&img, "cache-control"), "public, max-age=300");
    let doc = app
        .call("GET", &href(&draft, &pdf_id, None), Some(customer), None)
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.body, PDF);
    assert_eq!(h(&doc, "content-type"), "application/pdf");
    assert_eq!(
        h(&doc, "content-disposition"),
        "attachment; filename=\"Anleitung.pdf\"; filename*=UTF-8''Anleitung.pdf",
        "documents are downloaded, never shown in place (E01)"
    );

    // Staff remove one: gone for everyone, and its file with it (no message names it).
    let sha = listed.iter().find(|x| x["id"] == pdf_id.as_str()).unwrap()["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(app.blobs.contains(&sha));
    let del = app
        .call("DELETE", &href(&draft, &pdf_id, None), Some(admin), None)
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT, "{}", del.text());
    assert!(
        !app.blobs.contains(&sha),
        "the file went with its only attachment (E07)"
    );
    let gone = app
        .call("GET", &href(&draft, &pdf_id, None), Some(customer), None)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let again = app
        .call("DELETE", &href(&draft, &pdf_id, None), Some(admin), None)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let events = attachment_events(&app, a.kb.tenant).await;
    let tail: Vec<(&str, &str)> = events
        .iter()
        .rev()
        .take(3)
        .map(|(c, f)| (c.as_str(), f.as_str()))
        .collect();
    assert_eq!(
        tail,
        [
            ("removed", "Anleitung.pdf"),
            ("removed", "tmp.txt"),
            ("added", "tmp.txt")
        ]
    );
}

/// Who may download, add and remove, by role and tenant, for each kind of article.
async fn readers_by_role_and_tenant(app: TestApp) {
    let a = fixture(&app).await;
    let admin = a.kb.admin.clone();
    let t = a.kb.tenant;
    let agent = app.token(t, Role::Agent, None).await;
    let expert = app.token(t, Role::Expert, None).await;
    let concierge = app.token(t, Role::Concierge, None).await;
    let beta = app.tenant("beta").await;
    let beta_admin = app.token(beta, Role::Admin, None).await;

    // (visibility, state, category) → may the customer, the visitor, the partner read?
    let cases: [(&str, &str, &str, [bool; 3]); 5] = [
        ("public", "published", "granted", [true, true, true]),
        ("customers", "published", "granted", [true, false, true]),
        ("internal", "published", "granted", [false, false, false]),
        ("public", "draft", "granted", [false, false, true]),
        ("public", "published", "other", [true, true, false]),
    ];
    for (vis, state, cat, [customer_reads, visitor_reads, partner_reads]) in cases {
        let category = if cat == "granted" {
            &a.kb.category
        } else {
            &a.other_category
        };
        let id = article(&app, &admin, category, vis).await;
        let up = upload(
            &app,
            Some(&admin),
            &id,
            Some("text/plain"),
            Some("notiz.txt"),
            format!("{vis} {state} {cat}").into_bytes(),
        )
        .await;
        assert_eq!(up.status, StatusCode::CREATED, "{}", up.text());
        let x = id_of(&up);
        if state == "published" {
            assert_eq!(
                set_state(&app, &admin, &id, "published").await,
                StatusCode::OK
            );
        }
        let case = format!("{vis}/{state}/{cat}");
        let status = |ok: bool| {
            if ok {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            }
        };
        for (who, token, tenant, expected) in [
            ("admin", Some(admin.as_str()), None, StatusCode::OK),
            ("agent", Some(agent.as_str()), None, StatusCode::OK),
            (
                "customer",
                Some(a.kb.customer.as_str()),
                None,
                status(customer_reads),
            ),
            ("visitor", None, Some("acme"), status(visitor_reads)),
            (
                "partner",
                Some(a.partner.as_str()),
                None,
                status(partner_reads),
            ),
            ("expert", Some(expert.as_str()), None, StatusCode::FORBIDDEN),
            (
                "concierge",
                Some(concierge.as_str()),
                None,
                StatusCode::FORBIDDEN,
            ),
            (
                "visitor without tenant",
                None,
                None,
                StatusCode::UNAUTHORIZED,
            ),
            (
                "other tenant's admin",
                Some(beta_admin.as_str()),
                None,
                StatusCode::NOT_FOUND,
            ),
            (
                "other tenant's visitor",
                None,
                Some("beta"),
                StatusCode::NOT_FOUND,
            ),
        ] {
            let r = app.call("GET", &href(&id, &x, tenant), token, None).await;
            assert_eq!(r.status, expected, "{who} reading {case}: {}", r.text());
            if expected == StatusCode::OK {
                assert_eq!(r.text(), format!("{vis} {state} {cat}"));
                assert_eq!(r.headers["content-type"], "text/plain; charset=utf-8");
                assert!(
                    r.headers["content-disposition"]
                        .to_str()
                        .unwrap()
                        .starts_with("attachment;")
                );
                let cache = r.headers["cache-control"].to_str().unwrap();
                let public = vis == "public" && state == "published";
                assert_eq!(
                    cache,
                    if public {
                        "public, max-age=300"
                    } else {
                        "private, no-store"
                    },
                    "{case}"
                );
            }
        }
        // Changes: staff of the tenant only, and the partner on a draft of its category.
        let partner_edits = state == "draft" && cat == "granted" && vis != "internal";
        let partner_change = if partner_edits {
            StatusCode::CREATED
        } else if partner_reads {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::NOT_FOUND
        };
        for (who, token, expected) in [
            (
                "customer",
                Some(a.kb.customer.as_str()),
                StatusCode::FORBIDDEN,
            ),
            ("expert", Some(expert.as_str()), StatusCode::FORBIDDEN),
            ("concierge", Some(concierge.as_str()), StatusCode::FORBIDDEN),
            ("visitor", None, StatusCode::UNAUTHORIZED),
            (
                "other tenant's admin",
                Some(beta_admin.as_str()),
                StatusCode::NOT_FOUND,
            ),
            ("partner", Some(a.partner.as_str()), partner_change),
            ("agent", Some(agent.as_str()), StatusCode::CREATED),
        ] {
            let r = upload(
                &app,
                token,
                &id,
                Some("application/pdf"),
                Some(&format!("{who}.pdf")),
                PDF.to_vec(),
            )
            .await;
            assert_eq!(
                r.status,
                expected,
                "{who} attaching to {case}: {}",
                r.text()
            );
            if expected != StatusCode::CREATED {
                // Nor may it remove the team's file (A03).
                let del = app.call("DELETE", &href(&id, &x, None), token, None).await;
                assert_eq!(del.status, expected, "{who} removing from {case}");
            }
        }
        // A refused change left nothing behind: only what the allowed callers added.
        let files: Vec<Value> = app
            .call(
                "GET",
                &format!("/api/v1/kb/articles/{id}"),
                Some(&admin),
                None,
            )
            .await
            .json()["attachments"]
            .as_array()
            .unwrap()
            .clone();
        let names: Vec<&str> = files
            .iter()
            .map(|f| f["filename"].as_str().unwrap())
            .collect();
        let mut expected = vec!["notiz.txt"];
        if partner_edits {
            expected.push("partner.pdf");
        }
        expected.push("agent.pdf");
        assert_eq!(names, expected, "{case}");
    }
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
    partner_attaches_until_staff_publish,
    readers_by_role_and_tenant
);

#[tokio::test]
async fn openapi_names_the_attachment_routes() {
    let app = spawn_on(Backend::Sqlite).await.unwrap();
    let doc = app
        .call("GET", "/api/openapi.json", None, None)
        .await
        .json();
    let paths = &doc["paths"];
    let upload = &paths["/api/v1/kb/articles/{id}/attachments"]["post"];
    assert_eq!(upload["tags"][0], "knowledge");
    assert!(upload["responses"]["413"].is_object() && upload["responses"]["415"].is_object());
    let one = &paths["/api/v1/kb/articles/{id}/attachments/{attachment_id}"];
    assert!(one["get"].is_object() && one["delete"].is_object(), "{one}");
    assert!(
        doc["components"]["schemas"]["ArticleView"]["properties"]["attachments"].is_object()
            || doc["components"]["schemas"]["ArticleView"]
                .to_string()
                .contains("attachments")
    );
}
