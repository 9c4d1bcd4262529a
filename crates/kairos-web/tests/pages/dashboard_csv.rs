//! The dashboard's tables as CSV: one download per chart, linked from the page with its
//! period, the same numbers as the page's tables, served as an attachment, and a hostile
//! agent name defused so a spreadsheet never runs it as a formula (checklist B09).

use crate::harness::App;
use kairos_core::event::Actor;
use kairos_core::party::Role;

#[tokio::test]
async fn b09_each_chart_downloads_as_csv_with_formulas_defused() {
    let app = App::new().await;
    let t = app.tenant("acme").await;
    let tid = app.store.tenant_by_slug("acme").await.unwrap().unwrap().id;
    let conversation = app.hostile_conversation(&t).await;
    let formula = "=HYPERLINK(\"https://evil.example\",\"Click\")";
    let agent = app
        .store
        .create_party(
            tid,
            Role::Agent,
            Some("eve@acme.example"),
            formula,
            None,
            &Actor::System,
        )
        .await
        .unwrap();
    let assigned = app
        .api(
            &t,
            "PATCH",
            &format!("/api/v1/conversations/{conversation}"),
            serde_json::json!({"assignee": agent.to_string()}),
        )
        .await;
    assert_eq!(assigned.status, 200, "{}", assigned.body);
    let session = app.sign_in(&t).await;

    let page = app.get("/dashboard?days=30", &session, &[]).await;
    for id in ["volume", "first-response", "resolution", "backlog", "load"] {
        assert!(
            page.body
                .contains(&format!("href=\"/dashboard/{id}.csv?days=30\" download")),
            "{id}: the link keeps the period"
        );
    }

    let today = kairos_store::now().to_rfc3339()[..10].to_owned();
    let volume = app
        .get("/dashboard/volume.csv?days=30", &session, &[])
        .await;
    assert_eq!(volume.status, 200, "{}", volume.body);
    assert_eq!(volume.header("content-type"), "text/csv; charset=utf-8");
    let disposition = volume.header("content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"kairos-volume-")
            && disposition.ends_with(&format!("{today}.csv\"")),
        "{disposition}"
    );
    assert_eq!(volume.header("cache-control"), "no-store");
    let lines: Vec<&str> = volume.body.split("\r\n").collect();
    assert_eq!(lines[0], "Day,E-mail,Total");
    assert_eq!(lines.len(), 1 + 30 + 1, "heading, 30 days, final CRLF");
    assert_eq!(lines[30], format!("{today},1,1"));

    let load = app.get("/dashboard/load.csv?days=30", &session, &[]).await;
    assert_eq!(load.status, 200);
    assert!(
        load.body
            .contains("\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"Click\"\")\",1,0\r\n"),
        "the name is quoted and defused: {}",
        load.body
    );
    let backlog = app.get("/dashboard/backlog.csv", &session, &[]).await;
    assert_eq!(
        backlog.body.split("\r\n").count(),
        1 + 7 + 1,
        "the page's default period"
    );
    let sla = app
        .get("/dashboard/first-response.csv?lang=de", &session, &[])
        .await;
    assert!(
        sla.body
            .starts_with("Tag,Eingehalten,Überschritten,Medianzeit (Minuten)\r\n"),
        "{}",
        sla.body
    );

    assert_eq!(
        app.get("/dashboard/secrets.csv", &session, &[])
            .await
            .status,
        404
    );
    assert_eq!(
        app.get("/dashboard/volume", &session, &[]).await.status,
        404
    );
    assert_eq!(
        app.get("/dashboard/volume.csv?days=5", &session, &[])
            .await
            .status,
        422
    );
    let anonymous = app.get("/dashboard/volume.csv", "", &[]).await;
    assert_eq!(
        (anonymous.status.as_u16(), anonymous.header("location")),
        (303, "/login")
    );
}
