//! The web UI in a real browser: the `kairos` binary on a fresh data directory, headless
//! Chromium driven over WebDriver (Debian's `chromium` and `chromium-driver`, which
//! `.ci/run` installs). An agent signs in through the form, sees the inbox, opens a
//! conversation whose customer wrote `<img src=x onerror=alert(1)>`, answers it; each page
//! is checked with axe-core and photographed at desktop and phone width into
//! `target/screenshots/`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod admin;
mod portal;
mod stack;
mod webdriver;
mod widget;

use stack::{PASSWORD, Stack, assert_no_csp_refusals, inbound, photograph, screenshot_dir};
use webdriver::Browser;

const XSS: &str = "<img src=x onerror=alert(1)>";

#[tokio::test]
async fn an_agent_signs_in_reads_and_answers_in_headless_chromium() {
    let Some(stack) = Stack::start(&["agent@acme.example"]).await else {
        return;
    };
    let (base, http, token) = (&stack.base, &stack.http, &stack.token);
    let sla = serde_json::json!({"policies": [{"name": "Standard",
        "targets": {"normal": {"first_response": 7200, "resolution": 86400}}}]});
    let put = http
        .put(format!("{base}/api/v1/sla"))
        .bearer_auth(token)
        .json(&sla)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200, "{}", put.text().await.unwrap());
    let first = http
        .post(format!("{base}/api/v1/inbound"))
        .bearer_auth(token)
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
        http,
        base,
        token,
        "chat",
        "jonas@example.de",
        "Jonas Weber",
        chat,
    )
    .await;
    let browser = Browser::open(&stack.driver).await;
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
        http,
        base,
        token,
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

    // The conversation, reached by keyboard only: j moves down the list, Enter opens.
    let target = format!("/conversations/{conversation}");
    let focused = "return document.activeElement.getAttribute('href');";
    for _ in 0..5 {
        browser.press("j").await;
        if browser.js(focused).await == target.as_str() {
            break;
        }
    }
    assert_eq!(
        browser.js(focused).await,
        target.as_str(),
        "j did not reach the row"
    );
    browser.press("\u{E007}").await;
    assert!(browser.wait_for(&conversation).await);
    // The payload is text, no element, no alert.
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
        http,
        base,
        token,
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
    // r jumps to the composer.
    browser.press("r").await;
    let active = browser.js("return document.activeElement.id;").await;
    assert_eq!(active, "body", "r focuses the composer");
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
    assert!(
        browser.wait_js("document.querySelector('.sla-met')").await,
        "the first response is not shown as met"
    );

    // The customer's profile, from the conversation's sidebar.
    let profile = browser.find("a[href^='/customers/']").await;
    browser.click(&profile).await;
    assert!(
        browser
            .wait_js("document.getElementById('customer-name')")
            .await
    );
    let touchpoints = browser
        .js("return document.querySelectorAll('#timeline li').length;")
        .await;
    assert_eq!(touchpoints, 3, "e-mail, follow-up and reply");
    photograph(&browser, &shots, "customer").await;

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

    assert_no_csp_refusals(&browser).await;

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

/// Collision indicator: when a second agent opens the same conversation, the first sees a
/// note saying so, live; it goes away when the second leaves.
#[tokio::test]
async fn two_agents_on_one_conversation_see_each_other() {
    let Some(stack) = Stack::start(&["agent@acme.example", "agent2@acme.example"]).await else {
        return;
    };
    let (base, http, token) = (&stack.base, &stack.http, &stack.token);
    let text = "Wo bleibt mein Paket?";
    let id = inbound(http, base, token, "email", "anna@example.org", "Anna", text).await;
    let ada = Browser::open(&stack.driver).await;
    let bo = Browser::open(&stack.driver).await;
    stack.sign_in(&ada, "agent@acme.example").await;
    stack.sign_in(&bo, "agent2@acme.example").await;

    let page = format!("{base}/conversations/{id}");
    ada.goto(&page).await;
    let live = "document.documentElement.getAttribute('data-live-state') === 'open'";
    assert!(ada.wait_js(live).await);
    let alone = ada
        .js("return document.getElementById('viewers').hidden;")
        .await;
    assert_eq!(alone, true, "nobody else is here yet");

    bo.goto(&page).await;
    assert!(bo.wait_js(live).await);
    assert!(
        ada.wait_js("!document.getElementById('viewers').hidden")
            .await,
        "Ada is not told that Bo opened the conversation"
    );
    assert!(
        bo.wait_js("!document.getElementById('viewers').hidden")
            .await,
        "Bo is not told that Ada has it open"
    );
    // Bo types a note: Ada sees a colleague typing, and that it stopped.
    let note = bo.find("input[name=kind][value=note]").await;
    bo.click(&note).await;
    let body = bo.find("#body").await;
    bo.type_into(&body, "Ich übernehme").await;
    assert!(
        ada.wait_js("!document.getElementById('typing').hidden")
            .await,
        "Ada does not see Bo typing"
    );
    let says = ada
        .js("return document.getElementById('typing').innerText;")
        .await;
    assert_eq!(says, "A colleague is typing…");
    let shots = screenshot_dir();
    photograph(&ada, &shots, "conversation-collision").await;
    assert!(
        ada.wait_js("document.getElementById('typing').hidden")
            .await,
        "the typing notice stays after Bo stopped"
    );

    bo.goto(&format!("{base}/inbox")).await;
    assert!(
        ada.wait_js("document.getElementById('viewers').hidden")
            .await,
        "the note stays after Bo left"
    );
    ada.close().await;
    bo.close().await;
}

/// Dark mode: with the system in dark mode the pages switch palettes, and axe finds no
/// serious contrast problem in the dark one either.
#[tokio::test]
async fn the_dark_palette_is_used_and_accessible() {
    let Some(stack) = Stack::start(&["agent@acme.example"]).await else {
        return;
    };
    let (base, http, token) = (&stack.base, &stack.http, &stack.token);
    let id = inbound(
        http,
        base,
        token,
        "chat",
        "sam@example.org",
        "Sam",
        "Hallo!",
    )
    .await;
    let browser = Browser::open_with(&stack.driver, &["--force-dark-mode"]).await;
    let shots = screenshot_dir();
    browser.goto(&format!("{base}/login?lang=en")).await;
    let dark = browser
        .js("return matchMedia('(prefers-color-scheme: dark)').matches;")
        .await;
    assert_eq!(dark, true, "the browser is in dark mode");
    let background = browser
        .js("return getComputedStyle(document.documentElement).backgroundColor;")
        .await;
    assert_eq!(background, "rgb(17, 19, 24)", "the dark palette applies");
    photograph(&browser, &shots, "login-dark").await;
    stack.sign_in(&browser, "agent@acme.example").await;
    photograph(&browser, &shots, "inbox-dark").await;
    browser.goto(&format!("{base}/conversations/{id}")).await;
    let title = browser
        .js("return document.querySelector('h1').innerText;")
        .await;
    assert_eq!(title, "Hallo!", "a chat is named by its first message");
    photograph(&browser, &shots, "conversation-dark").await;
    browser.close().await;
}

/// The dashboard and the inbox's SLA and tier views: charts are inline SVG with a table of
/// the same numbers, and each page passes axe at desktop and phone width.
#[tokio::test]
async fn the_dashboard_and_the_sla_and_tier_views_are_accessible() {
    let Some(stack) = Stack::start(&["agent@acme.example"]).await else {
        return;
    };
    let (base, http, token) = (&stack.base, &stack.http, &stack.token);
    let sla = serde_json::json!({"policies": [{"name": "Gold", "tier": "gold",
        "targets": {"normal": {"first_response": 900}}},
        {"name": "Standard", "targets": {"normal": {"first_response": 1800, "resolution": 86400}}}]});
    let put = http
        .put(format!("{base}/api/v1/sla"))
        .bearer_auth(token)
        .json(&sla)
        .send()
        .await;
    assert_eq!(put.unwrap().status(), 200);
    let id = inbound(
        http,
        base,
        token,
        "chat",
        "sam@example.org",
        XSS,
        "Wo ist mein Paket?",
    )
    .await;
    inbound(
        http,
        base,
        token,
        "email",
        "ida@example.org",
        "Ida",
        "Rechnung",
    )
    .await;
    let browser = Browser::open(&stack.driver).await;
    let shots = screenshot_dir();
    stack.sign_in(&browser, "agent@acme.example").await;

    browser.goto(&format!("{base}/dashboard?days=30")).await;
    let charts = browser
        .js("return document.querySelectorAll('svg.chart-svg').length;")
        .await;
    assert_eq!(charts, 5);
    let scripts = browser
        .js("return document.querySelectorAll('svg script, svg [style]').length;")
        .await;
    assert_eq!(scripts, 0, "no script or inline style in the charts");
    browser
        .js("document.querySelector('#volume details').open = true; return 0;")
        .await;
    photograph(&browser, &shots, "dashboard").await;

    // The SLA worker starts the first-response clock (due in 30 minutes): due soon.
    let mut listed = false;
    for _ in 0..20 {
        browser.goto(&format!("{base}/inbox?view=sla")).await;
        listed = browser
            .js(&format!(
                "return !!document.querySelector(\"a[href='/conversations/{id}']\");"
            ))
            .await
            == true;
        if listed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(listed, "the conversation is in the SLA view");
    photograph(&browser, &shots, "inbox-sla").await;
    browser
        .goto(&format!("{base}/inbox?view=tier&tier=gold"))
        .await;
    photograph(&browser, &shots, "inbox-tier").await;
    browser.goto(&format!("{base}/conversations/{id}")).await;
    let customer = browser
        .js("return document.querySelector(\"a[href^='/customers/']\").getAttribute('href');")
        .await;
    browser
        .goto(&format!(
            "{base}{}/merge?q=example",
            customer.as_str().unwrap()
        ))
        .await;
    photograph(&browser, &shots, "customer-merge").await;
    browser.close().await;
}
