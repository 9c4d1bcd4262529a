//! The customer portal in headless Chromium: a customer asks for a sign-in link, the test
//! reads the mail from a real SMTP peer (Kairos' own listener, as the relay the server
//! sends through), opens the link, sees their requests across channels — the XSS payload
//! as text, never the internal note — replies, reads an article, is offered it for a new
//! request, and opens "my data". Every page: axe-core and screenshots at both widths.

use crate::XSS;
use crate::stack::{Stack, assert_no_csp_refusals, free_port, inbound, photograph, screenshot_dir};
use crate::webdriver::Browser;
use kairos_mail::smtp::session::{Envelope, Reply};
use kairos_mail::smtp::{Delivery, SmtpConfig, SmtpServer};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the relay was given: envelope and message.
type Received = Vec<(Envelope, Vec<u8>)>;

/// The relay: records every mail it is given.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Received>>);

impl Delivery for Sink {
    async fn accepts(&self, _address: &str) -> Result<bool, String> {
        Ok(true)
    }
    async fn deliver(&self, envelope: Envelope, raw: Vec<u8>) -> Reply {
        self.0.lock().unwrap().push((envelope, raw));
        Reply::new(250, "2.0.0 queued")
    }
}

impl Sink {
    /// Waits for a mail to `to` with `subject`; the mail.
    async fn mail_to(&self, to: &str, subject: &str) -> kairos_mail::parse::InboundMail {
        for _ in 0..300 {
            let found = self
                .0
                .lock()
                .unwrap()
                .iter()
                .filter(|(e, _)| e.recipients.iter().any(|r| r == to))
                .map(|(_, raw)| kairos_mail::parse::parse(raw).unwrap())
                .find(|m| m.subject.as_deref() == Some(subject));
            if let Some(mail) = found {
                return mail;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no mail reached the relay for {to}");
    }
}

async fn api(
    stack: &Stack,
    method: reqwest::Method,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let answer = stack
        .http
        .request(method, format!("{}{path}", stack.base))
        .bearer_auth(&stack.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{path}: {}", answer.status());
    answer.json().await.unwrap_or_default()
}

#[tokio::test]
async fn a_customer_signs_in_by_mail_and_uses_the_portal_in_headless_chromium() {
    let relay_addr = format!("127.0.0.1:{}", free_port());
    let sink = Sink::default();
    let config = SmtpConfig {
        greet_delay: Duration::from_millis(1),
        ..SmtpConfig::default()
    };
    let server = SmtpServer::bind(relay_addr.parse().unwrap(), config, sink.clone())
        .await
        .unwrap();
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(server.run(stopped));
    let serve = ["--smtp-relay".to_owned(), format!("smtp://{relay_addr}")];
    let Some(stack) = Stack::start_with(&["agent@acme.example"], &serve).await else {
        return;
    };
    let (base, http, token) = (&stack.base, &stack.http, &stack.token);
    let post = reqwest::Method::POST;
    api(
        &stack,
        post.clone(),
        "/api/v1/mail/addresses",
        serde_json::json!({"address": "support@acme.example"}),
    )
    .await;

    // Lena wrote by mail (the payload as subject) and by chat; staff replied and noted.
    let first = http
        .post(format!("{base}/api/v1/inbound"))
        .bearer_auth(token)
        .json(&serde_json::json!({"channel": "email",
            "from": {"kind": "email", "value": "lena@example.de"},
            "display_name": "Lena Krüger", "subject": XSS, "body": XSS}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let conversation = first.json::<serde_json::Value>().await.unwrap()["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/conversations/{conversation}/messages");
    api(
        &stack,
        post.clone(),
        &path,
        serde_json::json!({"direction": "note", "body": "INTERNAL NOTE"}),
    )
    .await;
    api(
        &stack,
        post.clone(),
        &path,
        serde_json::json!({"body": "Wir kümmern uns darum.", "channel": "email"}),
    )
    .await;
    api(
        &stack,
        reqwest::Method::PATCH,
        &format!("/api/v1/conversations/{conversation}"),
        serde_json::json!({"status": "pending"}),
    )
    .await;
    let category = api(
        &stack,
        post.clone(),
        "/api/v1/kb/categories",
        serde_json::json!({"slug": "contract", "name": "Contract"}),
    )
    .await;
    let article = api(
        &stack,
        post.clone(),
        "/api/v1/kb/articles",
        serde_json::json!({"category_id": category["id"], "language": "en", "visibility": "public",
            "title": "Cancelling your contract",
            "body": "To **cancel** your contract, write to us one month before it ends.\n\n- by mail\n- in this portal"}),
    )
    .await;
    let article_id = article["id"].as_str().unwrap().to_owned();
    api(
        &stack,
        reqwest::Method::PATCH,
        &format!("/api/v1/kb/articles/{article_id}"),
        serde_json::json!({"state": "published"}),
    )
    .await;

    let browser = Browser::open(&stack.driver).await;
    let shots = screenshot_dir();

    // Ask for a link.
    browser
        .goto(&format!("{base}/portal/acme/login?lang=en"))
        .await;
    photograph(&browser, &shots, "portal-login").await;
    let email = browser.find("#email").await;
    browser.type_into(&email, "lena@example.de").await;
    let submit = browser.find("#login-form button[type=submit]").await;
    browser.click(&submit).await;
    assert!(browser.wait_js("document.getElementById('sent')").await);
    photograph(&browser, &shots, "portal-sent").await;

    // The mail, as the relay received it.
    let mail = sink
        .mail_to("lena@example.de", "Your sign-in link for acme")
        .await;
    let at = mail.text.find("http://").expect("a link");
    let link: String = mail.text[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert!(
        link.starts_with(&format!("{base}/portal/acme/link?token=")),
        "{link}"
    );

    browser.goto(&link).await;
    photograph(&browser, &shots, "portal-link").await;
    let go = browser.find("#link-form button[type=submit]").await;
    browser.click(&go).await;
    assert!(
        browser.wait_js("document.getElementById('requests')").await,
        "{}",
        browser.url().await
    );
    assert!(browser.url().await.ends_with("/portal/acme"));
    inbound(
        http,
        base,
        token,
        "chat",
        "lena@example.de",
        "Lena Krüger",
        "Und per Chat: ist das Paket schon unterwegs?",
    )
    .await;
    browser.goto(&format!("{base}/portal/acme")).await;
    let rows = browser
        .js("return document.querySelectorAll('#requests .row').length;")
        .await;
    assert_eq!(rows, 1, "mail and chat continue one conversation");
    let channels = browser
        .js("return document.querySelector('#requests .row-meta').innerText;")
        .await;
    let channels = channels.as_str().unwrap();
    assert!(
        channels.contains("E-mail") && channels.contains("Chat"),
        "{channels}"
    );
    photograph(&browser, &shots, "portal-home").await;

    // The conversation: the payload is text, the note is not there, the answer is.
    let row = browser.find("#requests .row").await;
    browser.click(&row).await;
    assert!(browser.wait_for(&conversation).await);
    let text = browser
        .js("return document.querySelector('.msg-body').innerText;")
        .await;
    assert_eq!(text, XSS);
    assert_eq!(
        browser
            .js("return document.querySelectorAll('main img').length;")
            .await,
        0
    );
    assert!(!browser.alert_open().await, "a script of the payload ran");
    let all = browser
        .js("return document.getElementById('messages').innerText;")
        .await;
    let all = all.as_str().unwrap();
    assert!(
        all.contains("Wir kümmern uns darum.") && !all.contains("INTERNAL NOTE"),
        "{all}"
    );
    photograph(&browser, &shots, "portal-conversation").await;
    let body = browser.find("#body").await;
    browser.type_into(&body, "Danke! Ich warte.").await;
    let send = browser.find("#reply button[type=submit]").await;
    browser.click(&send).await;
    let arrived = "(function () { var m = document.querySelectorAll('.msg-body'); \
         return m.length && m[m.length - 1].innerText === 'Danke! Ich warte.'; })()";
    assert!(browser.wait_js(arrived).await, "the reply did not show");

    // The help centre and an article.
    browser.goto(&format!("{base}/portal/acme/kb")).await;
    photograph(&browser, &shots, "portal-kb").await;
    let a = browser.find(".kb-sections a").await;
    browser.click(&a).await;
    assert!(browser.wait_for(&article_id).await);
    let strong = browser
        .js("return document.querySelector('#article-body strong').innerText;")
        .await;
    assert_eq!(strong, "cancel");
    photograph(&browser, &shots, "portal-article").await;

    // A new request is offered the article first.
    browser.goto(&format!("{base}/portal/acme/new")).await;
    photograph(&browser, &shots, "portal-new").await;
    let subject = browser.find("#subject").await;
    browser.type_into(&subject, "Cancel my contract").await;
    let body = browser.find("#body").await;
    browser
        .type_into(&body, "How can I cancel my contract?")
        .await;
    // Suggested while typing (the portal's script fetches them from the server).
    assert!(
        browser
            .wait_js("document.querySelector('#live-suggestions .suggestion a')")
            .await,
        "no suggestion while typing"
    );
    photograph(&browser, &shots, "portal-new-typing").await;
    let submit = browser.find("#new-form button[type=submit]").await;
    browser.click(&submit).await;
    assert!(
        browser
            .wait_js("document.getElementById('suggestions')")
            .await
    );
    photograph(&browser, &shots, "portal-suggestions").await;

    // My data, in both languages.
    browser.goto(&format!("{base}/portal/acme/data")).await;
    let identities = browser
        .js("return document.getElementById('identities').innerText;")
        .await;
    assert!(identities.as_str().unwrap().contains("lena@example.de"));
    photograph(&browser, &shots, "portal-data").await;
    let grant = browser.find("#purposes button[value=grant]").await;
    browser.click(&grant).await;
    assert!(
        browser
            .wait_js("document.getElementById('consent-records')")
            .await
    );
    browser
        .goto(&format!("{base}/portal/acme/data?lang=de"))
        .await;
    let heading = browser
        .js("return document.querySelector('h1').innerText;")
        .await;
    assert_eq!(heading, "Meine Daten");
    photograph(&browser, &shots, "portal-data-de").await;

    assert_no_csp_refusals(&browser).await;
    eprintln!("portal screenshots in {}", shots.display());
    browser.close().await;
}
