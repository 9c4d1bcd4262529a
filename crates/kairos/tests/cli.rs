//! The `kairos` binary end to end (temp dirs, real processes), plus the server built in
//! process through `Application::build`.
// Helpers outside #[test] functions may fail loudly too: this is test code.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use futures::{SinkExt, StreamExt};
use kairos::config::Config;
use kairos::startup::Application;
use kairos_store::{ConversationFilter, Store};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// `kairos --data-dir DIR …` with no `KAIROS_*` variables leaking in from the caller.
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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(out.status.success(), "{cmd:?} failed: {}", stderr(&out));
    out
}

/// Runs a command that must fail within `limit`; returns its stderr.
fn fails_within(cmd: &mut Command, limit: Duration) -> String {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let out = child.wait_with_output().expect("output");
            assert!(!status.success(), "{cmd:?} should have failed");
            return stderr(&out);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("{cmd:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn assert_one_error_line(err: &str) {
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

#[test]
fn a_token_is_the_only_line_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    ok(kairos(dir.path()).args(["tenant", "create", "acme", "--name", "ACME Corp"]));
    let out =
        ok(kairos(dir.path()).args(["token", "create", "--tenant", "acme", "--role", "agent"]));
    let text = stdout(&out);
    assert!(text.ends_with('\n'));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text:?}");
    assert!(lines[0].starts_with("kairos_"), "{text:?}");

    let err = stderr(&run(kairos(dir.path()).args(["tenant", "create", "acme"])));
    assert!(err.contains("already exists"), "{err}");
    let err =
        stderr(&run(kairos(dir.path()).args([
            "token", "create", "--tenant", "nope", "--role", "agent",
        ])));
    assert!(err.contains("tenant nope not found"), "{err}");
}

#[test]
fn bad_input_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(kairos(dir.path()).args(["tenant", "create", "Bad Slug"]));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("invalid value 'Bad Slug'") && stderr(&out).contains("a-z"),
        "{}",
        stderr(&out)
    );

    let out =
        run(kairos(dir.path()).args(["token", "create", "--tenant", "acme", "--role", "root"]));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("role"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn staff_passwords_come_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    ok(kairos(dir.path()).args(["tenant", "create", "acme"]));
    let mut child = kairos(dir.path())
        .args([
            "staff",
            "create",
            "--tenant",
            "acme",
            "--email",
            "Ann@Example.org",
            "--name",
            "Ann",
            "--role",
            "agent",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery staple\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "the given password is not echoed");
    assert!(stderr(&out).contains("ann@example.org"));

    let out = run(kairos(dir.path())
        .args([
            "staff",
            "create",
            "--tenant",
            "acme",
            "--email",
            "ann@example.org",
            "--name",
            "Ann",
            "--role",
            "agent",
        ])
        .stdin(Stdio::null()));
    assert!(
        stderr(&out).contains("already has an account"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn serve_fails_fast_when_the_port_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let err = fails_within(
        kairos(dir.path()).args(["serve", "--listen", &addr]),
        Duration::from_secs(15),
    );
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
    assert_one_error_line(&err);
}

#[test]
fn serve_fails_fast_when_the_data_dir_is_not_writable() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file.txt");
    std::fs::write(&file, "not a directory").unwrap();
    let err = fails_within(
        kairos(&file.join("data")).args(["serve", "--listen", "127.0.0.1:0"]),
        Duration::from_secs(15),
    );
    assert!(
        err.contains("data directory") && err.contains("file.txt/data"),
        "{err}"
    );
    assert_one_error_line(&err);
}

#[test]
fn an_unreachable_database_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = fails_within(
        kairos(dir.path()).args([
            "--database-url",
            "postgres://postgres:hunter2@127.0.0.1:1/x",
            "serve",
            "--listen",
            "127.0.0.1:0",
        ]),
        Duration::from_secs(30),
    );
    assert!(err.contains("cannot open the database"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    assert_one_error_line(&err);
}

#[test]
fn flags_beat_environment_beat_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("kairos.toml");
    std::fs::write(
        &toml,
        "listen = \"127.0.0.1:1111\"\ndatabase_url = \"postgres://kairos:hunter2@db/kairos\"\n",
    )
    .unwrap();
    let show = |env: Option<&str>, flag: Option<&str>| {
        let mut cmd = kairos(dir.path());
        cmd.arg("--config").arg(&toml).args(["config", "show"]);
        if let Some(v) = env {
            cmd.env("KAIROS_LISTEN", v);
        }
        if let Some(v) = flag {
            cmd.args(["--listen", v]);
        }
        stdout(&ok(&mut cmd))
    };
    let from_file = show(None, None);
    assert!(
        from_file.contains("listen = \"127.0.0.1:1111\""),
        "{from_file}"
    );
    assert!(
        from_file.contains("postgres://kairos:***@db/kairos") && !from_file.contains("hunter2"),
        "{from_file}"
    );
    assert!(show(Some("127.0.0.1:2222"), None).contains("listen = \"127.0.0.1:2222\""));
    assert!(
        show(Some("127.0.0.1:2222"), Some("127.0.0.1:3333"))
            .contains("listen = \"127.0.0.1:3333\"")
    );

    std::fs::write(
        &toml,
        "listen = \"127.0.0.1:1111\"\nlisten_adress = \"x\"\n",
    )
    .unwrap();
    let out = run(kairos(dir.path())
        .arg("--config")
        .arg(&toml)
        .args(["config", "show"]));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("listen_adress"), "{}", stderr(&out));

    let example = stdout(&ok(kairos(dir.path()).args(["config", "example"])));
    assert!(example.contains("# listen = \"127.0.0.1:8080\""));
}

#[test]
fn trusted_proxies_are_read_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let shown = stdout(&ok(kairos(dir.path())
        .env("KAIROS_TRUSTED_PROXIES", "10.0.0.0/8, ::1")
        .args(["config", "show"])));
    assert!(
        shown.contains("trusted_proxies = [\"10.0.0.0/8\", \"::1\"]"),
        "{shown}"
    );
    let out = run(kairos(dir.path()).args([
        "config",
        "show",
        "--trusted-proxies",
        "10.0.0.0/8,proxy.local",
    ]));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("proxy.local"), "{}", stderr(&out));
}

#[tokio::test]
async fn demo_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let first = ok(kairos(dir.path()).arg("demo"));
    assert!(stdout(&first).trim().starts_with("kairos_") && stdout(&first).lines().count() == 1);
    let count = || async {
        let store = Store::open_sqlite(dir.path()).await.unwrap();
        let tenant = store.tenant_by_slug("demo").await.unwrap().unwrap();
        let n = store
            .conversations(
                tenant.id,
                &ConversationFilter {
                    limit: 1000,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .len();
        store.close().await;
        n
    };
    assert_eq!(count().await, 15);
    let second = ok(kairos(dir.path()).arg("demo"));
    assert!(
        stderr(&second).contains("0 conversations added, 15 already present"),
        "{}",
        stderr(&second)
    );
    assert_ne!(stdout(&first), stdout(&second), "a new token each time");
    assert_eq!(count().await, 15);
}

#[test]
fn bench_seed_writes_one_id_per_conversation() {
    let dir = tempfile::tempdir().unwrap();
    ok(kairos(dir.path()).args(["tenant", "create", "bench"]));
    let out =
        ok(kairos(dir.path()).args(["bench-seed", "--tenant", "bench", "--conversations", "200"]));
    let path = stdout(&out).trim().to_owned();
    assert!(path.ends_with("seed-ids.txt"), "{path}");
    let ids = std::fs::read_to_string(&path).unwrap();
    let mut ids: Vec<&str> = ids.lines().collect();
    assert_eq!(ids.len(), 200);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 200, "distinct conversations");
    assert!(
        stderr(&out).contains("seeded 200/200 (100%)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn openapi_is_printed() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(kairos(dir.path()).arg("openapi"));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
}

#[tokio::test]
async fn the_app_serves_refuses_huge_heads_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::with_data_dir(dir.path());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.smtp_listen = Some("127.0.0.1:0".parse().unwrap());
    let app = Application::build(config.clone()).await.unwrap();
    let smtp_addr = app.smtp_addr().expect("SMTP is on");
    let app_store = app.store().clone();
    let base = format!("http://{}", app.local_addr());
    // A second instance in the same process (shared metrics recorder) must build too.
    let mut other = config;
    other.data_dir = dir.path().join("other");
    other.smtp_listen = None;
    let second = Application::build(other).await.unwrap();
    second.store().close().await;
    drop(second);

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let client = http_client();
    let res = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);

    // The live-chat door upgrades on the real server (not only on axum::serve in tests).
    app_store
        .create_tenant(
            &kairos_core::tenant::TenantSlug::parse("acme").unwrap(),
            "Acme",
        )
        .await
        .unwrap();
    let visitor: serde_json::Value = client
        .post(format!("{base}/api/v1/chat/visitors"))
        .json(&serde_json::json!({"tenant": "acme"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ws_url = format!("{}/api/v1/chat/socket", base.replace("http://", "ws://"));
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();
    let auth = serde_json::json!({"type": "auth", "token": visitor["visitor_token"]});
    socket.send(Message::text(auth.to_string())).await.unwrap();
    let ready = socket.next().await.unwrap().unwrap();
    assert!(ready.to_text().unwrap().contains("\"ready\""), "{ready:?}");

    // Mail by SMTP on the real server lands on the tenant's log before the 250.
    let acme = app_store.tenant_by_slug("acme").await.unwrap().unwrap().id;
    app_store
        .add_mail_address(acme, "support@acme.test")
        .await
        .unwrap();
    let head = app_store.log_head(acme).await.unwrap();
    let smtp = tokio::net::TcpStream::connect(smtp_addr).await.unwrap();
    let mut smtp = tokio::io::BufReader::new(smtp);
    let mut exchange = async |line: &str| {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
        if !line.is_empty() {
            smtp.get_mut().write_all(line.as_bytes()).await.unwrap();
        }
        let mut reply = String::new();
        loop {
            let mut l = String::new();
            smtp.read_line(&mut l).await.unwrap();
            reply.push_str(&l);
            if l.as_bytes().get(3) != Some(&b'-') {
                return reply;
            }
        }
    };
    assert!(exchange("").await.starts_with("220"));
    assert!(exchange("EHLO client.test\r\n").await.starts_with("250"));
    assert!(
        exchange("MAIL FROM:<anna@example.org>\r\n")
            .await
            .starts_with("250")
    );
    assert!(
        exchange("RCPT TO:<support@acme.test>\r\n")
            .await
            .starts_with("250")
    );
    assert!(exchange("DATA\r\n").await.starts_with("354"));
    let stored = exchange("From: anna@example.org\r\nSubject: Hi\r\n\r\nHello\r\n.\r\n").await;
    assert!(stored.starts_with("250"), "{stored}");
    assert!(app_store.log_head(acme).await.unwrap() > head);

    let huge = "x".repeat(100 * 1024);
    // 431, or hyper may simply close the connection.
    if let Ok(res) = client
        .get(format!("{base}/healthz"))
        .header("x-huge", huge)
        .send()
        .await
    {
        assert_eq!(res.status(), 431);
    }

    stop.send(()).unwrap();
    // Open sockets are told to reconnect elsewhere, so draining does not wait for them.
    let closing = loop {
        match socket.next().await {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(closing.map(|f| u16::from(f.code)), Some(1012));
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("stops in time")
        .unwrap()
        .unwrap();
    assert!(
        client.get(format!("{base}/healthz")).send().await.is_err(),
        "no longer accepting"
    );
    assert!(
        tokio::net::TcpStream::connect(smtp_addr).await.is_err(),
        "no longer accepting mail"
    );
}

/// A plain-HTTP client; reqwest is built with rustls (for provider APIs), which needs the
/// process's crypto provider chosen first, as `main` does.
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::new()
}

/// `kairos search reindex`: rebuilds the knowledge-base index from the log and swaps it in;
/// the rebuilt index finds what the articles say, scoped.
#[tokio::test]
async fn reindex_rebuilds_the_index_from_the_log_and_swaps_it_in() {
    use kairos_core::event::Actor;
    use kairos_core::knowledge::{ArticleState, ArticleVisibility, Editor, Reader};
    use kairos_core::tenant::TenantSlug;
    use kairos_search::{Asker, Scope, SearchIndex, SearchRequest};
    use kairos_store::knowledge::{ArticleChange, NewArticle};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    let t = store
        .create_tenant(&TenantSlug::parse("acme").unwrap(), "Acme")
        .await
        .unwrap()
        .id;
    let cat = store
        .kb_create_category(t, "vertrag".into(), "Vertrag".into(), &Actor::System)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (title, visibility) in [
        ("Vertrag kündigen", ArticleVisibility::Public),
        ("Kulanz intern", ArticleVisibility::Internal),
    ] {
        let new = NewArticle {
            category_id: Some(cat.id),
            translation_of: None,
            language: "de".into(),
            visibility,
            title: title.into(),
            body: "Die Kündigungsfrist beträgt drei Monate.".into(),
        };
        let a = store
            .kb_create_article(t, new, Reader::Staff, None, &Actor::System)
            .await
            .unwrap();
        let publish = ArticleChange {
            state: Some(ArticleState::Published),
            ..ArticleChange::default()
        };
        store
            .kb_change_article(
                t,
                a.id,
                publish,
                Editor::Staff,
                Reader::Staff,
                &Actor::System,
            )
            .await
            .unwrap();
        ids.push(a.id.0);
    }
    // Forum threads are indexed too: one with a reply, and one hidden by staff.
    let mut threads = Vec::new();
    for title in ["Frist verpasst", "Frist geheim"] {
        let new = kairos_store::forum::NewThread {
            category_id: cat.id,
            visibility: ArticleVisibility::Public,
            language: "de".into(),
            title: title.into(),
            body: "Was tun nach der Kündigungsfrist?".into(),
        };
        let poster = kairos_store::forum::Poster {
            customer_id: None,
            name: "Support".into(),
        };
        let th = store
            .forum_create_thread(t, new, poster.clone(), &Actor::System)
            .await
            .unwrap();
        threads.push(th.id);
    }
    store
        .forum_reply(
            t,
            threads[0],
            "Widerspruch einlegen.".into(),
            kairos_store::forum::Poster {
                customer_id: None,
                name: "Support".into(),
            },
            Reader::Staff,
            &Actor::System,
        )
        .await
        .unwrap();
    store
        .forum_moderate(
            t,
            threads[1],
            None,
            kairos_core::forum::Moderation::Hide,
            &Actor::System,
        )
        .await
        .unwrap();
    store.close().await;
    // A stale directory from an interrupted run is replaced.
    std::fs::create_dir_all(dir.path().join("search.new")).unwrap();
    std::fs::write(dir.path().join("search.new/junk"), "x").unwrap();

    for _ in 0..2 {
        let out = kairos(dir.path())
            .args(["search", "reindex"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        // 2 articles, 2 threads, 1 reply.
        assert!(stdout.starts_with("reindexed 5 documents"), "{stdout}");
    }
    assert!(!dir.path().join("search.new").exists());
    let index = SearchIndex::open(&dir.path().join("search")).unwrap();
    let customer = Scope::new(t, Asker::Anonymous);
    let hits = index
        .search(&SearchRequest::new("Frist"), &customer)
        .unwrap()
        .hits;
    let mut found: Vec<_> = hits.iter().map(|h| h.id).collect();
    found.sort_unstable();
    assert_eq!(
        found,
        [ids[0], threads[0].0],
        "the hidden thread stays hidden"
    );
    let staff = Scope::new(t, Asker::Staff);
    assert_eq!(
        index
            .search(&SearchRequest::new("Frist"), &staff)
            .unwrap()
            .total,
        4
    );
    let reply = index
        .search(&SearchRequest::new("Widerspruch"), &customer)
        .unwrap()
        .hits;
    assert_eq!(reply.len(), 1);
    assert_eq!(reply[0].parent, Some(threads[0].0));
}
