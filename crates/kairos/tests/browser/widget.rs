//! The chat widget's acceptance test: a company site on another origin carries only the one
//! `<script>` tag; a customer (one browser) chats through the widget with an agent (a second
//! browser) in the workspace, live both ways, with typing and read receipts; the XSS payload
//! stays text on both sides; a reload of the site resumes the conversation, and a photo the
//! customer sends reaches the agent, who downloads it and answers with a file of their own. axe checks the
//! site and the widget, and both are photographed at desktop and phone width.

use crate::stack::{Stack, assert_no_csp_refusals, free_port, photograph, screenshot_dir};
use crate::webdriver::Browser;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const XSS: &str = "<img src=x onerror=alert(1)>";
/// A one-pixel PNG.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A tiny company web site on `localhost:port` (another origin than Kairos on 127.0.0.1):
/// every path answers the same page, whose only script is the widget's tag.
async fn company_site(kairos: &str) -> String {
    let port = free_port();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Acme Shop</title></head><body><main><h1>Acme Shop</h1>\
         <p>Shoes, bags and everything else you need.</p></main>\
         <script src=\"{kairos}/widget.js\" data-tenant=\"acme\" async></script></body></html>"
    );
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let page = page.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n",
                    page.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(page.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://localhost:{port}")
}

/// Switches `browser` into the widget's frame.
async fn into_frame(browser: &Browser) {
    assert!(
        browser
            .wait_js("document.getElementById('kairos-chat') && getComputedStyle(document.getElementById('kairos-chat')).display === 'block'")
            .await,
        "the widget's frame did not open"
    );
    let frame = browser.find("#kairos-chat").await;
    browser
        .cmd(
            reqwest::Method::POST,
            "/frame",
            Some(json!({"id": {ELEMENT: frame}})),
        )
        .await;
    assert!(
        browser
            .wait_js("document.readyState === 'complete' && document.getElementById('widget')")
            .await,
        "the frame's page did not load"
    );
}

/// Back to the site's page.
async fn out_of_frame(browser: &Browser) {
    browser
        .cmd(reqwest::Method::POST, "/frame", Some(json!({"id": null})))
        .await;
}

/// The script for the text of the `n`-th-from-last message in the widget.
fn widget_message(from_end: usize) -> String {
    format!(
        "(function () {{ var m = document.querySelectorAll('#w-messages .w-body'); \
         return m.length >= {from_end} ? m[m.length - {from_end}].innerText : null; }})()"
    )
}

#[tokio::test]
async fn a_customer_chats_from_a_company_site_with_an_agent_live() {
    let Some(stack) = Stack::start(&["agent@acme.example"]).await else {
        return;
    };
    let (base, http, token) = (&stack.base, &stack.http, &stack.token);
    let site = company_site(base).await;
    let settings = http
        .put(format!("{base}/api/v1/widget"))
        .bearer_auth(token)
        .json(&json!({"allowed_origins": [site], "prechat_form": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(settings.status(), 200, "{}", settings.text().await.unwrap());
    let shots = screenshot_dir();

    // The agent waits in the inbox (browser context 2).
    let agent = Browser::open(&stack.driver).await;
    stack.sign_in(&agent, "agent@acme.example").await;
    let live = "document.documentElement.getAttribute('data-live-state') === 'open'";
    assert!(agent.wait_js(live).await, "the agent's inbox is not live");

    // The customer visits the company site (browser context 1): one launcher button.
    let customer = Browser::open(&stack.driver).await;
    customer.goto(&format!("{site}/")).await;
    assert!(
        customer
            .wait_js("document.getElementById('kairos-launcher')")
            .await,
        "the loader added no launcher"
    );
    photograph(&customer, &shots, "widget-site").await;
    let launcher = customer.find("#kairos-launcher").await;
    customer.click(&launcher).await;
    into_frame(&customer).await;

    // The pre-chat form, then the first message with the payload in it.
    assert!(
        customer
            .wait_js("!document.getElementById('w-prechat').hidden")
            .await,
        "no pre-chat form"
    );
    assert!(
        customer
            .wait_js("document.getElementById('w-presence').innerText.length > 0")
            .await
    );
    let presence = customer
        .js("return document.getElementById('w-presence').innerText;")
        .await;
    assert_eq!(presence, "We are online and answer right away.");
    photograph(&customer, &shots, "widget-prechat").await;
    let name = customer.find("#w-name").await;
    customer.type_into(&name, "Jonas Weber").await;
    let email = customer.find("#w-email").await;
    customer.type_into(&email, "jonas@example.de").await;
    let start = customer.find("#w-prechat button[type=submit]").await;
    customer.click(&start).await;
    assert!(
        customer
            .wait_js("!document.getElementById('w-chat').hidden")
            .await
    );
    let first = format!("Hallo! Mein Paket 4711 fehlt. {XSS}");
    let text = customer.find("#w-text").await;
    customer.type_into(&text, &first).await;
    let send = customer.find("#w-composer button[type=submit]").await;
    customer.click(&send).await;
    assert!(
        customer
            .wait_js(&format!("{} === {}", widget_message(1), json!(first)))
            .await,
        "the customer's message did not show in the widget"
    );
    assert_eq!(
        customer
            .js("return document.querySelectorAll('#widget img').length;")
            .await,
        0,
        "the payload became an element in the widget"
    );
    assert!(!customer.alert_open().await, "a script ran in the widget");
    customer.js("window.kairosMarker = 11; return null;").await;

    // The agent sees the chat arrive live, opens it, and the payload is text there too.
    assert!(
        agent
            .wait_js("document.querySelectorAll('.list .row').length === 1")
            .await,
        "the chat did not arrive in the inbox live"
    );
    let row = agent.find(".list .row").await;
    agent.click(&row).await;
    assert!(agent.wait_js("document.querySelector('.msg-body')").await);
    let shown = agent
        .js("return document.querySelector('.msg-body').innerText;")
        .await;
    assert_eq!(shown, first.as_str());
    assert_eq!(
        agent
            .js("return document.querySelectorAll('main img').length;")
            .await,
        0
    );
    assert!(!agent.alert_open().await, "a script ran in the workspace");
    let who = agent
        .js("return document.querySelector('.msg-head strong').innerText;")
        .await;
    assert_eq!(who, "Jonas Weber", "the pre-chat name names the customer");
    assert!(agent.wait_js(live).await);

    // The agent opened it: the customer's message shows as read in the widget.
    assert!(
        customer
            .wait_js("document.querySelector('.w-mine .w-receipt') && document.querySelector('.w-mine .w-receipt').innerText === 'Read'")
            .await,
        "the customer sees no read receipt"
    );

    // Typing both ways.
    let more = customer.find("#w-text").await;
    customer.type_into(&more, "Ach ja").await;
    assert!(
        agent
            .wait_js("!document.getElementById('typing').hidden")
            .await,
        "the agent does not see the customer typing"
    );
    assert_eq!(
        agent
            .js("return document.getElementById('typing').innerText;")
            .await,
        "The customer is typing…"
    );
    let answer = "Hallo Jonas, das Paket ist unterwegs und kommt morgen.";
    let body = agent.find("#body").await;
    agent.type_into(&body, answer).await;
    assert!(
        customer
            .wait_js("!document.getElementById('w-typing').hidden")
            .await,
        "the customer does not see the agent typing"
    );
    photograph(&customer, &shots, "widget").await;
    let reply = agent.find("#composer button[type=submit]").await;
    agent.click(&reply).await;

    // The customer sees the answer live, without a reload, and reads it; the agent sees
    // that it was read.
    assert!(
        customer
            .wait_js(&format!("{} === {}", widget_message(1), json!(answer)))
            .await,
        "the answer did not reach the widget live"
    );
    assert_eq!(
        customer.js("return window.kairosMarker;").await,
        11,
        "no reload"
    );
    assert!(
        agent
            .wait_js(
                "document.getElementById('receipt') && !document.getElementById('receipt').hidden"
            )
            .await,
        "the agent does not see the customer's read receipt"
    );
    photograph(&agent, &shots, "conversation-widget-chat").await;
    photograph(&customer, &shots, "widget-answered").await;
    assert_no_csp_refusals(&customer).await;

    // The next visit: the site again; the widget resumes the conversation.
    out_of_frame(&customer).await;
    customer.goto(&format!("{site}/?again")).await;
    assert!(
        customer
            .wait_js("document.getElementById('kairos-launcher')")
            .await
    );
    let launcher = customer.find("#kairos-launcher").await;
    customer.click(&launcher).await;
    into_frame(&customer).await;
    assert!(
        customer
            .wait_js(&format!(
                "document.querySelectorAll('#w-messages .w-msg').length === 2 && {} === {}",
                widget_message(1),
                json!(answer)
            ))
            .await,
        "the conversation did not resume"
    );
    assert_eq!(
        customer.js(&format!("return {};", widget_message(2))).await,
        first.as_str()
    );
    assert_eq!(
        customer
            .js("return document.getElementById('w-prechat').hidden;")
            .await,
        true,
        "a returning customer is not asked again"
    );

    // Files: the customer picks a photo and sends it alone; the agent sees it live on the
    // conversation and downloads it as the PNG it is.
    let photo = std::env::temp_dir().join(format!("kairos-foto-{}.png", std::process::id()));
    std::fs::write(&photo, PNG).unwrap();
    let picker = customer.find("#w-file").await;
    customer.type_into(&picker, photo.to_str().unwrap()).await;
    assert!(
        customer
            .wait_js("document.querySelectorAll('#w-pending li').length === 1")
            .await,
        "the picked file is not listed"
    );
    let send = customer.find("#w-composer button[type=submit]").await;
    customer.click(&send).await;
    let file_name = photo.file_name().unwrap().to_str().unwrap().to_owned();
    assert!(
        customer
            .wait_js(&format!(
                "(function () {{ var b = document.querySelectorAll('#w-messages .w-file-link'); \
                 return b.length === 1 && b[0].innerText.indexOf({}) >= 0; }})()",
                json!(file_name)
            ))
            .await,
        "the sent file does not show in the widget"
    );
    assert!(
        customer
            .wait_js("document.getElementById('w-pending').hidden")
            .await
    );
    photograph(&customer, &shots, "widget-file").await;
    assert!(
        agent
            .wait_js(&format!(
                "(function () {{ var a = document.querySelector('.msg-files a'); \
                 return !!a && a.innerText === {}; }})()",
                json!(file_name)
            ))
            .await,
        "the file did not reach the agent live"
    );
    let fetched = agent
        .js_async(
            "var done = arguments[arguments.length - 1]; \
             var a = document.querySelector('.msg-files a'); \
             fetch(a.href).then(function (r) { return r.arrayBuffer().then(function (b) { \
               done([r.status, r.headers.get('content-type'), b.byteLength]); }); }) \
             .catch(function (e) { done(String(e)); });",
        )
        .await;
    assert_eq!(fetched, json!([200, "image/png", PNG.len()]));
    photograph(&agent, &shots, "conversation-file").await;
    let _ = std::fs::remove_file(&photo);

    // The agent answers with a PDF from the composer; it reaches the widget live.
    let manual = std::env::temp_dir().join(format!("anleitung-{}.pdf", std::process::id()));
    std::fs::write(&manual, b"%PDF-1.4\n%%EOF\n").unwrap();
    let picker = agent.find("#compose-files").await;
    agent.type_into(&picker, manual.to_str().unwrap()).await;
    let body = agent.find("#body").await;
    agent.type_into(&body, "Hier die Anleitung.").await;
    let reply = agent.find("#composer button[type=submit]").await;
    agent.click(&reply).await;
    let manual_name = manual.file_name().unwrap().to_str().unwrap().to_owned();
    assert!(
        customer
            .wait_js(&format!(
                "(function () {{ var b = document.querySelectorAll('#w-messages .w-file-link'); \
                 return b.length === 2 && b[1].innerText.indexOf({}) >= 0; }})()",
                json!(manual_name)
            ))
            .await,
        "the agent's file did not reach the widget"
    );
    assert_eq!(
        customer.js(&format!("return {};", widget_message(1))).await,
        "Hier die Anleitung."
    );
    let _ = std::fs::remove_file(&manual);
    assert_no_csp_refusals(&customer).await;
    assert!(!customer.alert_open().await);
    customer.close().await;
    agent.close().await;
    eprintln!("widget screenshots: {}", shots.display());
}
