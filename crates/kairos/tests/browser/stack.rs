//! What the browser tests stand on: the `kairos` binary with a tenant and agents, a
//! chromedriver, and the checks every page gets (axe-core, screenshots).

use crate::webdriver::Browser;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Every agent's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// A child process killed when the test ends, however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn installed(path: &str) -> bool {
    let found = Path::new(path).exists();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{path} is missing; .ci/run installs chromium and chromium-driver"
        );
        eprintln!(
            "\n*** NOTICE: {path} not installed (apt-get install chromium chromium-driver): the browser test is SKIPPED ***\n"
        );
    }
    found
}

pub fn kairos(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kairos"));
    for (key, _) in std::env::vars() {
        if key.starts_with("KAIROS_") {
            cmd.env_remove(key);
        }
    }
    cmd.arg("--data-dir").arg(dir).args(["--log-level", "warn"]);
    cmd
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Where the screenshots go: `target/screenshots` (beside cargo's own `target/tmp`).
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// axe-core's browser bundle (`npm install axe-core`, which `.ci/run` does): the path in
/// `KAIROS_AXE_CORE`, else `target/axe/node_modules/axe-core/axe.min.js`. Missing: a loud
/// notice and no accessibility check (under `CI` the test fails instead).
fn axe_source() -> Option<String> {
    let path = std::env::var_os("KAIROS_AXE_CORE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_TARGET_TMPDIR"))
                .parent()
                .unwrap()
                .join("axe/node_modules/axe-core/axe.min.js")
        });
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{} is missing; .ci/run installs axe-core",
                path.display()
            );
            eprintln!(
                "\n*** NOTICE: {} not found (npm install --prefix target/axe axe-core): the accessibility check is SKIPPED ***\n",
                path.display()
            );
            None
        }
    }
}

/// Runs axe-core on the current page: no serious or critical violation.
async fn accessible(browser: &Browser, axe: Option<&str>, name: &str) {
    let Some(axe) = axe else { return };
    // WebDriver's scripts run outside the page's CSP, so the page needs no exception.
    browser.js(&format!("{axe}\n;return true;")).await;
    let found = browser
        .js_async(
            "var done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(function (r) {
               done(r.violations
                 .filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
                 .map(function (v) {
                   return v.id + ' (' + v.impact + '): ' + v.help + ' at ' +
                     v.nodes.map(function (n) { return n.target.join(' '); }).join(', ');
                 }));
             }).catch(function (e) { done(['axe failed: ' + e]); });",
        )
        .await;
    let found = found.as_array().expect("a list of violations");
    assert!(
        found.is_empty(),
        "{name}: accessibility violations: {found:#?}"
    );
}

/// Checks the current page with axe, then photographs it at desktop and phone width as
/// `name-desktop.png` and `name-phone.png`, then returns to desktop width.
pub async fn photograph(browser: &Browser, dir: &Path, name: &str) {
    static AXE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    accessible(browser, AXE.get_or_init(axe_source).as_deref(), name).await;
    for (label, width, height) in [("desktop", 1280, 900), ("phone", 390, 844)] {
        browser.resize(width, height).await;
        let png = browser.screenshot().await;
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        std::fs::write(dir.join(format!("{name}-{label}.png")), png).unwrap();
        if label == "phone" {
            let wider = browser
                .js("return document.documentElement.scrollWidth > window.innerWidth + 1;")
                .await;
            assert_eq!(
                wider, false,
                "{name}: the page scrolls sideways at phone width"
            );
        }
    }
    browser.resize(1280, 900).await;
}

/// A customer message through the API; the conversation it landed in.
pub async fn inbound(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    channel: &str,
    from: &str,
    name: &str,
    text: &str,
) -> String {
    let kind = if from.starts_with('+') {
        "phone"
    } else {
        "email"
    };
    let answer = http
        .post(format!("{base}/api/v1/inbound"))
        .bearer_auth(token)
        .json(
            &serde_json::json!({"channel": channel, "from": {"kind": kind, "value": from},
            "display_name": name, "body": text}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    let v: serde_json::Value = answer.json().await.unwrap();
    v["conversation_id"].as_str().unwrap().to_owned()
}

pub async fn wait_until_up(http: &reqwest::Client, url: &str) -> bool {
    for _ in 0..300 {
        if http
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// The server (tenant `acme`, agents, an admin token) and a chromedriver, stopped when
/// dropped.
pub struct Stack {
    /// `http://127.0.0.1:port` of the server.
    pub base: String,
    /// A plain HTTP client.
    pub http: reqwest::Client,
    /// An admin token of `acme`.
    pub token: String,
    /// `http://127.0.0.1:port` of the chromedriver.
    pub driver: String,
    _server: Guard,
    _chromedriver: Guard,
    _dir: tempfile::TempDir,
}

impl Stack {
    /// Starts everything, with one agent per e-mail in `agents`; `None` (after a loud
    /// notice) when Chromium is not installed.
    pub async fn start(agents: &[&str]) -> Option<Stack> {
        Self::start_with(agents, &[]).await
    }

    /// Like [`Stack::start`], with more arguments for `kairos serve` (`--smtp-relay …`).
    pub async fn start_with(agents: &[&str], serve: &[String]) -> Option<Stack> {
        if !installed("/usr/bin/chromium") || !installed("/usr/bin/chromedriver") {
            return None;
        }
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        assert!(
            kairos(dir.path())
                .args(["tenant", "create", "acme"])
                .status()
                .unwrap()
                .success()
        );
        for (i, email) in agents.iter().enumerate() {
            let name = ["Ada Agent", "Bo Backup", "Cy Cover"][i % 3];
            let mut staff = kairos(dir.path())
                .args(["staff", "create", "--tenant", "acme", "--email", email])
                .args(["--name", name, "--role", "agent"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            writeln!(staff.stdin.take().unwrap(), "{PASSWORD}").unwrap();
            assert!(staff.wait().unwrap().success());
        }
        let token = kairos(dir.path())
            .args(["token", "create", "--tenant", "acme", "--role", "admin"])
            .output()
            .unwrap();
        let token = String::from_utf8_lossy(&token.stdout).trim().to_owned();
        let listen = format!("127.0.0.1:{}", free_port());
        let server = Guard(
            kairos(dir.path())
                .args(["serve", "--listen", &listen])
                .args(serve)
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let base = format!("http://{listen}");
        let http = reqwest::Client::new();
        assert!(
            wait_until_up(&http, &format!("{base}/readyz")).await,
            "kairos did not start"
        );
        let driver_port = free_port();
        let chromedriver = Guard(
            Command::new("/usr/bin/chromedriver")
                .arg(format!("--port={driver_port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let driver = format!("http://127.0.0.1:{driver_port}");
        assert!(
            wait_until_up(&http, &format!("{driver}/status")).await,
            "chromedriver did not start"
        );
        Some(Stack {
            base,
            http,
            token,
            driver,
            _server: server,
            _chromedriver: chromedriver,
            _dir: dir,
        })
    }

    /// Signs `email` in through the form in `browser` (English); lands on the inbox.
    pub async fn sign_in(&self, browser: &Browser, email: &str) {
        browser.goto(&format!("{}/login?lang=en", self.base)).await;
        for (css, text) in [
            ("#tenant", "acme"),
            ("#email", email),
            ("#password", PASSWORD),
        ] {
            let el = browser.find(css).await;
            browser.type_into(&el, text).await;
        }
        let submit = browser.find("#login-form button[type=submit]").await;
        browser.click(&submit).await;
        assert!(
            browser.wait_for("/inbox").await,
            "{email} did not get to the inbox"
        );
    }
}

/// Fails when the browser console shows a Content-Security-Policy refusal: every script,
/// style and connection a page uses must be allowed by its policy.
pub async fn assert_no_csp_refusals(browser: &Browser) {
    let refused: Vec<String> = browser
        .console()
        .await
        .into_iter()
        .filter(|m| m.contains("Content Security Policy") || m.contains("Refused"))
        .collect();
    assert!(
        refused.is_empty(),
        "the policy blocked something: {refused:#?}"
    );
}
