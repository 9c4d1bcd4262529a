//! `kill -9` during a burst of inbound posts: after a restart, every post that was answered
//! 2xx is present (checklist J01, J04). Runs the real binary on SQLite, and on PostgreSQL
//! when `KAIROS_TEST_PG_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kairos");

fn kairos(data_dir: &Path, db: Option<&str>, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(data_dir);
    if let Some(url) = db {
        cmd.arg("--database-url").arg(url);
    }
    cmd.args(args)
        .env_remove("KAIROS_DATABASE_URL")
        .env_remove("KAIROS_LISTEN")
        .env_remove("KAIROS_DATA_DIR");
    cmd
}

fn run_ok(mut cmd: Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(data_dir: &Path, db: Option<&str>, port: u16) -> Child {
    let mut child = kairos(
        data_dir,
        db,
        &["serve", "--listen", &format!("127.0.0.1:{port}")],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let client = http_client();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            && r.status() == 200
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not come up on port {port}");
}

/// All message ids on the tenant's log, read through the restarted server.
async fn stored_messages(port: u16, token: &str) -> HashSet<String> {
    let client = http_client();
    let mut after = 0i64;
    let mut ids = HashSet::new();
    loop {
        let page: serde_json::Value = client
            .get(format!(
                "http://127.0.0.1:{port}/api/v1/events?after={after}&limit=1000"
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = page["items"].as_array().unwrap();
        if items.is_empty() {
            return ids;
        }
        for e in items {
            after = e["seq"].as_i64().unwrap();
            if e["type"] == "message.appended" {
                ids.insert(e["data"]["message_id"].as_str().unwrap().to_owned());
            }
        }
    }
}

async fn burst_then_kill(
    data_dir: &Path,
    db: Option<&str>,
    token: &str,
    round: usize,
) -> Vec<String> {
    let port = free_port();
    let mut server = start(data_dir, db, port).await;
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..16 {
        let (acked, stop, token) = (acked.clone(), stop.clone(), token.to_owned());
        workers.push(tokio::spawn(async move {
            let client = http_client();
            let mut k = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                k += 1;
                let body = serde_json::json!({
                    "channel": "email",
                    "from": {"kind": "email", "value": format!("c{}@example.org", k % 50)},
                    "body": format!("round {round} worker {w} message {k}"),
                    "external_id": format!("r{round}-w{w}-k{k}"),
                });
                let sent = client
                    .post(format!("http://127.0.0.1:{port}/api/v1/inbound"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => {
                        if let Ok(v) = r.json::<serde_json::Value>().await {
                            acked
                                .lock()
                                .unwrap()
                                .push(v["message_id"].as_str().unwrap().to_owned());
                        }
                    }
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => break, // the server is gone
                }
            }
        }));
    }
    // Let the burst run (at least 0.7 s and 40 acknowledgements, however busy the machine
    // is), then pull the plug mid-flight.
    tokio::time::sleep(Duration::from_millis(700)).await;
    for _ in 0..100 {
        if acked.lock().unwrap().len() >= 40 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    Arc::try_unwrap(acked).unwrap().into_inner().unwrap()
}

async fn every_acknowledged_post_survives_kill_9(db: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    run_ok(kairos(data, db, &["tenant", "create", "acme"]));
    let token = run_ok(kairos(
        data,
        db,
        &["token", "create", "--tenant", "acme", "--role", "admin"],
    ))
    .trim()
    .to_owned();
    let mut acked_total = 0;
    for round in 0..3 {
        let acked = burst_then_kill(data, db, &token, round).await;
        // J01: the database is consistent after the crash, before anything repairs it.
        assert_eq!(
            run_ok(kairos(data, db, &["check"])).trim(),
            "ok",
            "round {round}"
        );
        assert!(
            acked.len() > 20,
            "the burst got going before the kill ({} acks)",
            acked.len()
        );
        acked_total += acked.len();
        let port = free_port();
        let mut server = start(data, db, port).await;
        let stored = stored_messages(port, &token).await;
        let lost: Vec<_> = acked.iter().filter(|id| !stored.contains(*id)).collect();
        assert!(
            lost.is_empty(),
            "round {round}: {} of {} acknowledged posts lost, e.g. {:?}",
            lost.len(),
            acked.len(),
            lost.first()
        );
        server.kill().unwrap();
        server.wait().unwrap();
    }
    eprintln!("durability: {acked_total} acknowledged posts over 3 kill -9 rounds, none lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_acknowledged_post_across_kill_9() {
    every_acknowledged_post_survives_kill_9(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_every_acknowledged_post_across_kill_9() {
    let Ok(url) = std::env::var("KAIROS_TEST_PG_URL") else {
        eprintln!(
            "\n*** NOTICE: KAIROS_TEST_PG_URL is not set: the PostgreSQL kill -9 test did NOT run ***\n"
        );
        return;
    };
    let name = format!("kairos_t_{}", uuid::Uuid::new_v4().simple());
    let out = Command::new("psql")
        .arg(&url)
        .arg("-qc")
        .arg(format!("CREATE DATABASE {name}"))
        .output();
    let (base, _) = url.rsplit_once('/').unwrap();
    let db_url = format!("{base}/{name}");
    match out {
        Ok(o) if o.status.success() => every_acknowledged_post_survives_kill_9(Some(&db_url)).await,
        _ => panic!("KAIROS_TEST_PG_URL is set but `psql` could not create a database"),
    }
}

/// A plain-HTTP client; reqwest is built with rustls (for provider APIs), which needs the
/// process's crypto provider chosen first, as `main` does.
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::new()
}
