//! Just enough of the W3C WebDriver protocol (JSON over HTTP) to drive Debian's
//! chromedriver: sessions, navigation, elements, scripts, window size, screenshots.

use base64::Engine;
use serde_json::{Value, json};

/// The key W3C WebDriver returns element references under.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A browser session.
pub struct Browser {
    http: reqwest::Client,
    session: String,
}

impl Browser {
    /// Opens headless Chromium through the chromedriver at `driver` (`http://host:port`).
    pub async fn open(driver: &str) -> Browser {
        Browser::open_with(driver, &[]).await
    }

    /// Opens headless Chromium with extra command-line `args` (e.g. `--force-dark-mode`).
    pub async fn open_with(driver: &str, args: &[&str]) -> Browser {
        let http = reqwest::Client::new();
        let mut all = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            "--lang=en-GB",
        ];
        all.extend_from_slice(args);
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                // Root in a container has no user namespace for the sandbox.
                "args": all,
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let answer: Value = http
            .post(format!("{driver}/session"))
            .json(&caps)
            .send()
            .await
            .expect("chromedriver answers")
            .json()
            .await
            .expect("a JSON answer");
        let id = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {answer}"));
        Browser {
            session: format!("{driver}/session/{id}"),
            http,
        }
    }

    /// One command; the answer's `value`. A WebDriver error fails the test with its message.
    pub async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.session));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let answer: Value = req.send().await.unwrap().json().await.unwrap();
        if answer["value"].get("error").is_some() {
            panic!("WebDriver {method} {path}: {}", answer["value"]);
        }
        answer["value"].clone()
    }

    /// Opens `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        let v = self.cmd(reqwest::Method::GET, "/url", None).await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Waits (up to 10 s) until the URL ends with `suffix` and the page has loaded; whether
    /// it did. A click returns when the browser has taken it, not when the next page is in.
    pub async fn wait_for(&self, suffix: &str) -> bool {
        for _ in 0..200 {
            if self.url().await.ends_with(suffix)
                && self.js("return document.readyState;").await == "complete"
            {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    }

    /// Waits (up to 10 s) until `condition` (a script expression) is true; whether it was.
    pub async fn wait_js(&self, condition: &str) -> bool {
        for _ in 0..200 {
            if self.js(&format!("return !!({condition});")).await == true {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    }

    /// The first element matching `css`.
    pub async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_owned()
    }

    /// Types `text` into element `el`.
    pub async fn type_into(&self, el: &str, text: &str) {
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Clicks element `el` (waits for a navigation it starts).
    pub async fn click(&self, el: &str) {
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Runs `script` (a function body) in the page; its return value.
    pub async fn js(&self, script: &str) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Runs `script` (a function body that calls its last argument with the result) in the
    /// page and waits for that result.
    pub async fn js_async(&self, script: &str) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Presses and releases `key` on the keyboard (WebDriver key codes: Enter is `\u{E007}`),
    /// as a person would: to whatever has the focus.
    pub async fn press(&self, key: &str) {
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}]});
        self.cmd(reqwest::Method::POST, "/actions", Some(actions))
            .await;
    }

    /// Sets the window's size in CSS pixels.
    pub async fn resize(&self, width: u32, height: u32) {
        self.cmd(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap()
    }

    /// Whether an alert dialog is open (a script the page should never run opened one).
    pub async fn alert_open(&self) -> bool {
        let answer: Value = self
            .http
            .get(format!("{}/alert/text", self.session))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["value"].get("error").is_none()
    }

    /// The browser console's messages so far (chromedriver's log endpoint).
    pub async fn console(&self) -> Vec<String> {
        let answer: Value = self
            .http
            .post(format!("{}/se/log", self.session))
            .json(&json!({"type": "browser"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["value"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Ends the session (closes the browser).
    pub async fn close(self) {
        let _ = self.http.delete(&self.session).send().await;
    }
}
