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

const EMAIL: &str = "greta.grep-91c2@example.org";
const PHONE: &str = "+4917098765432";
const NAME: &str = "Greta Grepmann-Qoph";

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    kairos_store::testing::files_containing(dir, needle).unwrap()
}

/// The acceptance of the erasure, against the real server: after `POST …/erase`, the
/// person's e-mail, phone and name are in no file of the data directory (database, WAL,
/// attachments) and in no line the server logged, even at debug level.
#[tokio::test]
async fn n04_after_erasure_the_data_dir_and_the_server_log_hold_nothing_of_the_person() {
    // reqwest is built without a default TLS provider (the binary installs one).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let admin = {
        assert!(
            run(kairos(dir.path()).args(["tenant", "create", "acme"]))
                .status
                .success()
        );
        let out = run(
            kairos(dir.path()).args(["token", "create", "--tenant", "acme", "--role", "admin"])
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log_file = std::fs::File::create(logs.path().join("kairos.log")).unwrap();
    // Not `kairos()`: that one logs at `warn`, and this test wants every line there is.
    let mut server = Command::new(env!("CARGO_BIN_EXE_kairos"));
    for (key, _) in std::env::vars() {
        if key.starts_with("KAIROS_") {
            server.env_remove(key);
        }
    }
    let listen = format!("127.0.0.1:{port}");
    let mut server = server
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--log-level", "debug", "serve", "--listen", &listen])
        .stdout(std::process::Stdio::null())
        .stderr(log_file)
        .spawn()
        .unwrap();
    let base = format!("http://{listen}");
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..300 {
        let answer = http.get(format!("{base}/readyz")).send().await;
        if answer.is_ok_and(|r| r.status().is_success()) {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let log_path = logs.path().join("kairos.log");
    let log_now = || std::fs::read_to_string(&log_path).unwrap();
    assert!(ready, "the server did not start: {}", log_now());
    let post = |path: &str, body: serde_json::Value| {
        http.post(format!("{base}{path}"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    let inbound = post(
        "/api/v1/inbound",
        serde_json::json!({"channel": "email", "from": {"kind": "email", "value": EMAIL},
            "display_name": NAME, "subject": format!("Anfrage von {NAME}"),
            "body": format!("Bitte rufen Sie {NAME} unter {PHONE} zurück.")}),
    )
    .await
    .unwrap();
    assert_eq!(inbound.status(), 201);
    let customer = inbound.json::<serde_json::Value>().await.unwrap()["customer_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let phone = post(
        &format!("/api/v1/customers/{customer}/identities"),
        serde_json::json!({"kind": "phone", "value": PHONE}),
    )
    .await
    .unwrap();
    assert_eq!(phone.status(), 201);
    let read = http
        .get(format!("{base}/api/v1/customers/{customer}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert!(read.text().await.unwrap().contains(NAME));
    assert!(
        !files_containing(dir.path(), EMAIL).is_empty(),
        "the test would prove nothing"
    );

    let erased = post(
        &format!("/api/v1/customers/{customer}/erase"),
        serde_json::json!({}),
    )
    .await
    .unwrap();
    assert_eq!(erased.status(), 200, "{}", erased.text().await.unwrap());
    let gone = http
        .get(format!("{base}/api/v1/customers/{customer}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);

    // A graceful stop, so that everything the server would write is written.
    assert!(
        Command::new("kill")
            .arg(server.id().to_string())
            .status()
            .unwrap()
            .success()
    );
    assert!(server.wait().unwrap().success());
    let log = log_now();
    assert!(
        log.contains("person erased"),
        "the log is the server's: {log}"
    );
    for needle in [EMAIL, PHONE, "4917098765432", NAME, "Grepmann"] {
        assert_eq!(
            files_containing(dir.path(), needle),
            Vec::<String>::new(),
            "{needle} in the data dir"
        );
        assert!(!log.contains(needle), "{needle} in the server log");
    }
}
