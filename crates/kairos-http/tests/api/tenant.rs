//! The organisation's name: staff read it, admins rename it (`tenant.renamed` on the log,
//! with who did it), the slug never changes, bad names are refused as problem documents and
//! change nothing. On SQLite, and on PostgreSQL when `KAIROS_TEST_PG_URL` is set.

use crate::helpers::{Backend, spawn_on};
use kairos_core::event::{Actor, EventData};
use kairos_core::party::Role;
use serde_json::json;

#[tokio::test]
async fn admins_rename_the_organisation_and_the_slug_stays() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = spawn_on(backend).await else {
            continue;
        };
        let a = app.tenant("acme").await;
        let b = app.tenant("other").await;
        let admin = app.token(a, Role::Admin, None).await;
        let agent = app.token(a, Role::Agent, None).await;

        let read = app.call("GET", "/api/v1/tenant", Some(&agent), None).await;
        assert_eq!(read.status, 200, "{}", read.text());
        assert_eq!(read.json()["slug"], "acme");
        assert_eq!(read.json()["id"], a.0.to_string());

        let before = app.log_len(a).await;
        let refused = app
            .call(
                "PATCH",
                "/api/v1/tenant",
                Some(&agent),
                Some(json!({"name": "Agent Corp"})),
            )
            .await;
        assert_eq!(refused.status, 403);
        for (body, status) in [
            (json!({"name": "   "}), 422),
            (json!({"name": "x".repeat(201)}), 422),
            (json!({"name": "Bell\u{7}Corp"}), 422),
            (json!({"name": "Acme", "slug": "evil"}), 400),
            (json!({}), 400),
        ] {
            let r = app
                .call("PATCH", "/api/v1/tenant", Some(&admin), Some(body.clone()))
                .await;
            assert_eq!(r.status, status, "{body}: {}", r.text());
            let ct = r.headers.get(http::header::CONTENT_TYPE).unwrap();
            assert!(ct.to_str().unwrap().starts_with("application/problem+json"));
            if status == 422 {
                assert_eq!(r.json()["field"], "name", "{}", r.text());
            }
        }
        assert_eq!(app.log_len(a).await, before, "refusals change nothing");

        let renamed = app
            .call(
                "PATCH",
                "/api/v1/tenant",
                Some(&admin),
                Some(json!({"name": "  Acme Europe GmbH "})),
            )
            .await;
        assert_eq!(renamed.status, 200, "{}", renamed.text());
        assert_eq!(renamed.json()["name"], "Acme Europe GmbH");
        assert_eq!(renamed.json()["slug"], "acme");
        let stored = app.store.tenant_by_id(a).await.unwrap().unwrap();
        assert_eq!(
            (stored.name.as_str(), stored.slug.as_str()),
            ("Acme Europe GmbH", "acme")
        );
        assert!(app.store.tenant_by_slug("acme").await.unwrap().is_some());
        let log = app.store.events(a, 0, 100_000).await.unwrap();
        let last = log.last().unwrap();
        assert_eq!(
            last.data,
            EventData::TenantRenamed {
                name: "Acme Europe GmbH".into()
            }
        );
        assert!(
            matches!(
                last.actor,
                Actor::Party {
                    role: Role::Admin,
                    ..
                }
            ),
            "{:?}",
            last.actor
        );
        let other = app.store.tenant_by_id(b).await.unwrap().unwrap();
        assert_eq!(other.name, "other", "another tenant keeps its name");
    }
}
