//! Privacy operations through the `kairos` binary: the audit trail's tamper evidence.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use kairos_core::event::Actor;
use kairos_core::tenant::TenantSlug;
use kairos_store::Store;
use kairos_store::audit::AuditEntry;
use std::path::Path;
use std::process::{Command, Output};

fn kairos(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kairos"));
    for (key, _) in std::env::vars() {
        if key.starts_with("KAIROS_") {
            cmd.env_remove(key);
        }
    }
    cmd.arg("--data-dir").arg(dir).args(["--log-level", "warn"]);
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the kairos binary runs")
}

#[tokio::test]
async fn p03_editing_one_audit_row_in_the_database_makes_verify_fail_and_name_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    for slug in ["acme", "globex"] {
        let tenant = store
            .create_tenant(&TenantSlug::parse(slug).unwrap(), slug)
            .await
            .unwrap();
        for i in 0..5 {
            let entry = AuditEntry {
                actor: Actor::System,
                action: format!("GET /api/v1/customers/{{id}} #{i}"),
                target: Some(format!("target-{i}")),
                customer_id: None,
                source: Some("198.51.100.1".into()),
                status: 200,
            };
            store.audit(tenant.id, entry).await.unwrap();
        }
    }
    let acme = store.tenant_by_slug("acme").await.unwrap().unwrap().id;
    store.close().await;

    let clean = run(kairos(dir.path()).args(["audit", "verify"]));
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&clean.stdout).trim(),
        "ok: 10 entries in 2 chains verified"
    );

    // Someone with the database file hides a failed access: the triggers stop a casual
    // UPDATE, so they drop them first.
    let db = rusqlite::Connection::open(dir.path().join("kairos.db")).unwrap();
    let refused = db.execute("UPDATE audit_log SET status = 403 WHERE seq = 3", []);
    assert!(refused.is_err(), "the append-only trigger refuses edits");
    db.execute_batch("DROP TRIGGER audit_log_no_update")
        .unwrap();
    let changed = db
        .execute(
            "UPDATE audit_log SET source = '10.0.0.1' WHERE tenant_id = ?1 AND seq = 3",
            [acme.0],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(db);

    let tampered = run(kairos(dir.path()).args(["audit", "verify"]));
    assert!(!tampered.status.success());
    let stderr = String::from_utf8_lossy(&tampered.stderr);
    assert!(
        stderr.contains(&format!("tenant {} audit entry 3:", acme.0))
            && stderr.contains("was changed"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("tampered:").count(),
        1,
        "globex's chain is intact: {stderr}"
    );
}
