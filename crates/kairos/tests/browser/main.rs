//! The web UI in a real browser: the `kairos` binary on a fresh data directory, headless
//! Chromium driven over WebDriver (Debian's `chromium` and `chromium-driver`, which
//! `.ci/run` installs). An agent signs in through the form, sees the inbox, opens a
//! conversation whose customer wrote `<img src=x onerror=alert(1)>`, answers it; each page
//! is photographed at desktop and phone width into `target/screenshots/`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod webdriver;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use webdriver::Browser;

const PASSWORD: &str = "correct horse battery staple";
const XSS: &str = "<img src=x onerror=alert(1)>";

/// A child process killed when the test ends, however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn installed(path: &str) -> bool {
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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Where the screenshots go: `target/screenshots` (beside cargo's own `target/tmp`).
fn screenshot_dir() -> PathBuf {
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
async fn photograph(browser: &Browser, dir: &Path, name: &str) {
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
async fn inbound(
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

async fn wait_until_up(http: &reqwest::Client, url: &str) -> bool {
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

#[tokio::test]
async fn an_agent_signs_in_reads_and_answers_in_headless_chromium() {
    if !installed("/usr/bin/chromium") || !installed("/usr/bin/chromedriver") {
        return;
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
    let mut staff = kairos(dir.path())
        .args([
            "staff",
            "create",
            "--tenant",
            "acme",
            "--email",
            "agent@acme.example",
        ])
        .args(["--name", "Ada Agent", "--role", "agent"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(staff.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(staff.wait().unwrap().success());
    let token = kairos(dir.path())
        .args(["token", "create", "--tenant", "acme", "--role", "admin"])
        .output()
        .unwrap();
    let token = String::from_utf8_lossy(&token.stdout).trim().to_owned();

    let listen = format!("127.0.0.1:{}", free_port());
    let _server = Guard(
        kairos(dir.path())
            .args(["serve", "--listen", &listen])
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
    let first = http
        .post(format!("{base}/api/v1/inbound"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"channel": "email",
            "from": {"kind": "email", "value": "eve@example.org"},
            "display_name": "Eve Example", "subject": XSS, "body": XSS}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let conversation = first.json::<serde_json::Value>().await.unwrap()["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let chat = "Hallo, ist jemand da? Meine Bestellung 4711 ist nicht angekommen.";
    inbound(
        &http,
        &base,
        &token,
        "chat",
        "jonas@example.de",
        "Jonas Weber",
        chat,
    )
    .await;

    let driver_port = free_port();
    let _driver = Guard(
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
    let browser = Browser::open(&driver).await;
    let shots = screenshot_dir();

    // `/` leads to the sign-in page; styles and script load under the strict CSP.
    browser.goto(&format!("{base}/?lang=en")).await;
    assert!(browser.url().await.ends_with("/login"));
    let styled = browser
        .js("return getComputedStyle(document.querySelector('.bar')).display;")
        .await;
    assert_eq!(styled, "flex", "the stylesheet applies");
    photograph(&browser, &shots, "login").await;

    // A wrong password first: a clear message, no session.
    let form = [("#tenant", "acme"), ("#email", "agent@acme.example")];
    for (css, text) in form {
        let el = browser.find(css).await;
        browser.type_into(&el, text).await;
    }
    let password = browser.find("#password").await;
    browser.type_into(&password, "not the password").await;
    let submit = browser.find("#login-form button[type=submit]").await;
    browser.click(&submit).await;
    assert!(
        browser
            .wait_js("document.getElementById('login-error')")
            .await
    );
    let error = browser
        .js("return document.getElementById('login-error').innerText;")
        .await;
    assert!(error.as_str().unwrap().contains("do not match"), "{error}");
    photograph(&browser, &shots, "login-failed").await;

    // The form kept tenant and e-mail; now the right password.
    let password = browser.find("#password").await;
    browser.type_into(&password, PASSWORD).await;
    let submit = browser.find("#login-form button[type=submit]").await;
    browser.click(&submit).await;
    assert!(browser.wait_for("/inbox").await, "{}", browser.url().await);
    let rows = browser
        .js("return document.querySelectorAll('.list .row').length;")
        .await;
    assert_eq!(rows, 2);
    let localised = browser
        .js("return document.querySelector('time').title;")
        .await;
    assert!(
        localised.as_str().unwrap().ends_with("UTC"),
        "the script re-rendered the time"
    );
    photograph(&browser, &shots, "inbox").await;

    // Live: a new conversation appears in the open inbox without a reload.
    assert!(
        browser
            .wait_js("document.documentElement.getAttribute('data-live-state') === 'open'")
            .await
    );
    browser.js("window.kairosMarker = 7; return null;").await;
    inbound(
        &http,
        &base,
        &token,
        "sms",
        "+491709876543",
        "Lena Krüger",
        "Rückruf bitte.",
    )
    .await;
    assert!(
        browser
            .wait_js("document.querySelectorAll('.list .row').length === 3")
            .await,
        "the new conversation did not show live"
    );
    assert_eq!(
        browser.js("return window.kairosMarker;").await,
        7,
        "no reload"
    );

    // The conversation: the payload is text, no element, no alert.
    let row = browser
        .find(&format!("a[href='/conversations/{conversation}']"))
        .await;
    browser.click(&row).await;
    assert!(browser.wait_for(&conversation).await);
    let text = browser
        .js("return document.querySelector('.msg-body').innerText;")
        .await;
    assert_eq!(text, XSS);
    let images = browser
        .js("return document.querySelectorAll('main img').length;")
        .await;
    assert_eq!(images, 0);
    assert!(
        !browser.alert_open().await,
        "a script of the customer's ran"
    );
    photograph(&browser, &shots, "conversation").await;

    // Live: the customer writes again; the message appears without a reload.
    assert!(
        browser
            .wait_js("document.documentElement.getAttribute('data-live-state') === 'open'")
            .await,
        "the staff socket opened"
    );
    browser.js("window.kairosMarker = 42; return null;").await;
    let follow_up = "Noch eine Frage: kommt die Rechnung per Post?";
    inbound(
        &http,
        &base,
        &token,
        "chat",
        "eve@example.org",
        "Eve Example",
        follow_up,
    )
    .await;
    let arrived = format!(
        "(function () {{ var m = document.querySelectorAll('.msg-body'); \
         return m.length && m[m.length - 1].innerText === '{follow_up}'; }})()"
    );
    assert!(
        browser.wait_js(&arrived).await,
        "the follow-up did not show live"
    );
    assert_eq!(
        browser.js("return window.kairosMarker;").await,
        42,
        "no reload"
    );

    // Answer through the composer.
    let body = browser.find("#body").await;
    browser
        .type_into(&body, "Danke, Eve! Wir kümmern uns.")
        .await;
    let send = browser.find("#composer button[type=submit]").await;
    browser.click(&send).await;
    assert!(browser.wait_for("#composer").await);
    let last = browser
        .js("var m = document.querySelectorAll('.msg-body'); return m[m.length - 1].innerText;")
        .await;
    assert_eq!(last, "Danke, Eve! Wir kümmern uns.");

    // Switch to German: the same inbox, in German.
    browser.goto(&format!("{base}/inbox")).await;
    let deutsch = browser.find("a[hreflang=de]").await;
    browser.click(&deutsch).await;
    assert!(browser.wait_for("?lang=de").await);
    let lang = browser.js("return document.documentElement.lang;").await;
    assert_eq!(lang, "de");
    let heading = browser
        .js("return document.querySelector('h1').innerText;")
        .await;
    assert_eq!(heading, "Posteingang");
    photograph(&browser, &shots, "inbox-de").await;

    let blocked: Vec<String> = browser
        .console()
        .await
        .into_iter()
        .filter(|m| m.contains("Content Security Policy") || m.contains("Refused"))
        .collect();
    assert!(
        blocked.is_empty(),
        "the policy blocked something: {blocked:?}"
    );

    // Sign out: back to the sign-in page, the inbox is closed.
    let out = browser.find("form[action='/logout'] button").await;
    browser.click(&out).await;
    assert!(browser.wait_for("/login").await);
    browser.goto(&format!("{base}/inbox")).await;
    assert!(browser.url().await.ends_with("/login"));
    browser.close().await;
    eprintln!(
        "screenshots of every page at desktop and phone width: {}",
        shots.display()
    );
}
