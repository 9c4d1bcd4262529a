//! The profile's merge and consent forms.

use crate::harness::{App, Tenant, XSS};
use kairos_core::ids::CustomerId;

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap()
}

/// A customer from an inbound chat; returns their id.
async fn customer(app: &App, t: &Tenant, email: &str, name: &str) -> String {
    let reply = app
        .api(
            t,
            "POST",
            "/api/v1/inbound",
            serde_json::json!({"channel": "chat", "display_name": name,
                "from": {"kind": "email", "value": email}, "body": "Hallo"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    json(&reply.body)["customer_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Find, confirm, merge: the other customer's identities land here and the profile says
/// so; names stay text (B03); a post without the CSRF token merges nothing (F08); another
/// tenant's customer cannot be picked (A01).
#[tokio::test]
async fn merging_finds_confirms_and_moves_the_other_customer_here() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let keep = customer(&app, &t, "anna@example.org", "Anna Keep").await;
    let away = customer(&app, &t, "anna.b@example.org", &format!("Anna {XSS}")).await;
    let foreign = customer(&app, &globex, "anna@globex.example", "Anna Foreign").await;
    let session = app.sign_in(&t).await;

    let profile = app.get(&format!("/customers/{keep}"), &session, &[]).await;
    assert!(
        profile
            .body
            .contains(&format!("href=\"/customers/{keep}/merge\""))
    );
    let found = app
        .get(&format!("/customers/{keep}/merge?q=ANNA"), &session, &[])
        .await;
    assert_eq!(found.status, 200);
    assert!(
        found
            .body
            .contains(&format!("href=\"/customers/{keep}/merge/{away}\""))
    );
    assert!(
        !found.body.contains(&format!("/merge/{keep}\"")),
        "not itself"
    );
    assert!(!found.body.contains(&foreign), "not another tenant's");
    assert!(!found.body.contains(XSS));
    let by_mail = app
        .get(
            &format!("/customers/{keep}/merge?q=anna.b%40"),
            &session,
            &[],
        )
        .await;
    assert!(by_mail.body.contains(&away));
    let by_id = app
        .get(
            &format!("/customers/{keep}/merge?q={foreign}"),
            &session,
            &[],
        )
        .await;
    assert!(!by_id.body.contains(&format!("/merge/{foreign}")));
    let foreign_confirm = app
        .get(&format!("/customers/{keep}/merge/{foreign}"), &session, &[])
        .await;
    assert_eq!(foreign_confirm.status, 404);

    let confirm = app
        .get(&format!("/customers/{keep}/merge/{away}"), &session, &[])
        .await;
    assert_eq!(confirm.status, 200);
    assert!(
        confirm
            .body
            .contains(&format!("name=\"other\" value=\"{away}\""))
    );
    assert!(confirm.body.contains("anna.b@example.org"));
    assert!(!confirm.body.contains(XSS));
    let csrf = confirm.csrf();
    let path = format!("/customers/{keep}/merge");
    let forged = app
        .post(&path, &session, &[("csrf", "nope"), ("other", &away)], &[])
        .await;
    assert_eq!(forged.status, 403);
    let tid = app.store.tenant_by_slug("acme").await.unwrap().unwrap().id;
    let away_id: CustomerId = away.parse().unwrap();
    let stored = app.store.customer(tid, away_id).await.unwrap().unwrap();
    assert_eq!(stored.merged_into, None, "nothing merged");
    let cross = app
        .post(
            &path,
            &session,
            &[("csrf", &csrf), ("other", &foreign)],
            &[],
        )
        .await;
    assert_eq!(cross.status, 404, "another tenant's customer");

    let merged = app
        .post(&path, &session, &[("csrf", &csrf), ("other", &away)], &[])
        .await;
    assert_eq!(merged.status, 303, "{}", merged.body);
    assert_eq!(
        merged.header("location"),
        format!("/customers/{keep}?done=merged")
    );
    let stored = app.store.customer(tid, away_id).await.unwrap().unwrap();
    assert_eq!(stored.merged_into, Some(keep.parse().unwrap()));
    let after = app
        .get(&format!("/customers/{keep}?done=merged"), &session, &[])
        .await;
    assert!(after.body.contains("role=\"status\""));
    assert!(
        after.body.contains("anna.b@example.org"),
        "the identity moved here"
    );
    let old = app.get(&format!("/customers/{away}"), &session, &[]).await;
    assert!(old.body.contains(&format!("href=\"/customers/{keep}\"")));
    assert!(
        !old.body
            .contains(&format!("action=\"/customers/{away}/consents\""))
    );
}

/// Staff record a consent given by phone and withdraw it on the profile; each is a record
/// on the ledger with a receipt; a wrong purpose is refused with the reason; a post without
/// the CSRF token records nothing (F08).
#[tokio::test]
async fn consents_are_recorded_withdrawn_and_listed_with_receipts() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let id = customer(&app, &t, "anna@example.org", "Anna").await;
    let session = app.sign_in(&t).await;
    let profile = app.get(&format!("/customers/{id}"), &session, &[]).await;
    assert!(
        profile
            .body
            .contains("<option value=\"location\">location</option>")
    );
    let csrf = profile.csrf();
    let path = format!("/customers/{id}/consents");
    let grant = [
        ("csrf", csrf.as_str()),
        ("purpose", "location"),
        ("action", "grant"),
        ("method", "phone"),
        ("notice_version", "2026-01"),
        ("data_categories", "location, contact"),
    ];
    let forged = app
        .post(
            &path,
            &session,
            &[&grant[1..], &[("csrf", "x")]].concat(),
            &[],
        )
        .await;
    assert_eq!(forged.status, 403);
    let records = |app: &App| {
        let app_store = app.store.clone();
        let id: CustomerId = id.parse().unwrap();
        async move {
            let tid = app_store.tenant_by_slug("acme").await.unwrap().unwrap().id;
            app_store.consents(tid, id).await.unwrap()
        }
    };
    assert!(records(&app).await.is_empty());

    let ok = app.post(&path, &session, &grant, &[]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let saved = records(&app).await;
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].command.method, "phone");
    assert_eq!(saved[0].command.data_categories, ["contact", "location"]);
    let page = app
        .get(&format!("/customers/{id}?done=consent"), &session, &[])
        .await;
    assert!(page.body.contains(&format!(
        "href=\"/api/v1/consents/{}/receipt\"",
        saved[0].id
    )));
    assert!(page.body.contains("name=\"action\" value=\"withdraw\""));
    let receipt = app
        .get(
            &format!("/api/v1/consents/{}/receipt", saved[0].id),
            &session,
            &[],
        )
        .await;
    assert_eq!(
        receipt.status, 200,
        "staff download the receipt with their session"
    );

    let withdraw = app
        .post(
            &path,
            &session,
            &[
                ("csrf", &csrf),
                ("purpose", "location"),
                ("action", "withdraw"),
                ("method", "agent"),
                ("notice_version", "2026-01"),
            ],
            &[],
        )
        .await;
    assert_eq!(withdraw.status, 303);
    assert_eq!(records(&app).await.len(), 2);
    let page = app.get(&format!("/customers/{id}"), &session, &[]).await;
    assert!(page.body.contains("No consent is granted at present."));

    let wrong = app
        .post(
            &path,
            &session,
            &[
                ("csrf", &csrf),
                ("purpose", XSS),
                ("action", "grant"),
                ("notice_version", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("role=\"alert\""));
    assert!(!wrong.body.contains(XSS));
    assert_eq!(records(&app).await.len(), 2);
}
