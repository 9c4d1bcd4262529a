//! The admin pages in a real browser: an admin signs in, visits every admin page (each
//! checked with axe-core and photographed at desktop and phone width: settings, staff,
//! channels, SLA, routing, canned replies, privacy and retention), creates a canned
//! reply through the form; an agent then picks it in a conversation's composer, where the
//! script inserts it filled in for that conversation, and sends it.

use crate::stack::{PASSWORD, Stack, assert_no_csp_refusals, photograph, screenshot_dir};
use crate::webdriver::Browser;

#[tokio::test]
async fn an_admin_sets_up_a_canned_reply_and_an_agent_uses_it() {
    let Some(stack) = Stack::start(&["agent@acme.example"]).await else {
        return;
    };
    let (base, http, token) = (&stack.base, &stack.http, &stack.token);
    let admin = http
        .post(format!("{base}/api/v1/staff"))
        .bearer_auth(token)
        .json(
            &serde_json::json!({"email": "admin@acme.example", "display_name": "Ann Admin",
            "role": "admin", "password": PASSWORD}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), 201);
    let sla = serde_json::json!({"business_hours": {"time_zone": "Europe/Berlin",
        "week": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"]}, "holidays": ["2026-12-24"]},
        "policies": [{"name": "Standard", "targets": {"normal": {"first_response": 7200}}}]});
    let put = http
        .put(format!("{base}/api/v1/sla"))
        .bearer_auth(token)
        .json(&sla)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let routing = serde_json::json!({"enabled": true, "queues": [
        {"name": "Rechnungen", "tags": ["invoice"], "skills": ["billing"]},
        {"name": "Telefon", "channels": ["voice"], "skills": ["de"]}]});
    let put = http
        .put(format!("{base}/api/v1/routing"))
        .bearer_auth(token)
        .json(&routing)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let first = http
        .post(format!("{base}/api/v1/inbound"))
        .bearer_auth(token)
        .json(&serde_json::json!({"channel": "email",
            "from": {"kind": "email", "value": "grace@example.org"},
            "display_name": "Grace Hopper", "subject": "Invoice 42", "body": "Where is my invoice?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let conversation = first.json::<serde_json::Value>().await.unwrap()["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let shots = screenshot_dir();
    let browser = Browser::open(&stack.driver).await;
    stack.sign_in(&browser, "admin@acme.example").await;
    assert!(
        browser
            .js("return !!document.querySelector('.nav a[href=\"/admin\"]');")
            .await
            .as_bool()
            .unwrap(),
        "admins see the admin entry"
    );
    for (path, name) in [
        ("/admin", "admin-settings"),
        ("/admin/staff", "admin-staff"),
        ("/admin/channels", "admin-channels"),
        ("/admin/sla", "admin-sla"),
        ("/admin/routing", "admin-routing"),
        ("/admin/canned-replies", "admin-canned"),
        ("/admin/privacy", "admin-privacy"),
    ] {
        browser.goto(&format!("{base}{path}")).await;
        let current = browser
            .js("return document.querySelector('[aria-current=page]').getAttribute('href');")
            .await;
        assert_eq!(current, path, "{path}: the admin navigation marks it");
        photograph(&browser, &shots, name).await;
    }

    // A refused save first (an unknown placeholder): the reason beside the field.
    browser.goto(&format!("{base}/admin/canned-replies")).await;
    let title = browser.find("#canned-title").await;
    browser.type_into(&title, "Invoice").await;
    let body = browser.find("#canned-body").await;
    browser
        .type_into(&body, "Hello {{customer.first_name}}, {{customer.email}}")
        .await;
    let save = browser.find("#canned-form button[type=submit]").await;
    browser.click(&save).await;
    assert!(
        browser
            .wait_js("document.getElementById('canned-body-error')")
            .await
    );
    let error = browser
        .js("return document.getElementById('canned-body-error').innerText;")
        .await;
    assert!(
        error.as_str().unwrap().contains("{{customer.email}}"),
        "{error}"
    );
    photograph(&browser, &shots, "admin-canned-refused").await;
    browser
        .js("document.getElementById('canned-body').value = ''; return null;")
        .await;
    let body = browser.find("#canned-body").await;
    browser
        .type_into(
            &body,
            "Hello {{customer.first_name}}, your invoice for {{conversation.subject}} is attached. {{agent.name}}",
        )
        .await;
    let save = browser.find("#canned-form button[type=submit]").await;
    browser.click(&save).await;
    assert!(browser.wait_for("/admin/canned-replies?saved=1").await);
    let listed = browser
        .js("return document.querySelector('.admin-row .row-title').innerText;")
        .await;
    assert_eq!(listed, "Invoice");
    photograph(&browser, &shots, "admin-canned-saved").await;
    assert_no_csp_refusals(&browser).await;
    browser.close().await;

    // The agent picks it: the script inserts it, filled in, into the composer.
    let browser = Browser::open(&stack.driver).await;
    stack.sign_in(&browser, "agent@acme.example").await;
    assert_eq!(
        browser
            .js("return document.querySelectorAll('.nav a[href=\"/admin\"]').length;")
            .await,
        0,
        "agents see no admin entry"
    );
    browser
        .goto(&format!("{base}/conversations/{conversation}"))
        .await;
    let insert = browser.find("#canned-picker button[type=submit]").await;
    browser.click(&insert).await;
    let expected = "Hello Grace, your invoice for Invoice 42 is attached. Ada Agent";
    assert!(
        browser
            .wait_js(&format!(
                "document.getElementById('body').value === '{expected}'"
            ))
            .await,
        "the reply was not inserted: {}",
        browser
            .js("return document.getElementById('body').value;")
            .await
    );
    assert!(
        browser.url().await.ends_with(&conversation),
        "inserted without a reload"
    );
    photograph(&browser, &shots, "conversation-canned").await;
    let send = browser.find("#composer button[type=submit]").await;
    browser.click(&send).await;
    let sent = format!(
        "(function () {{ var m = document.querySelectorAll('.msg-body'); \
         return m.length && m[m.length - 1].innerText === '{expected}'; }})()"
    );
    assert!(browser.wait_js(&sent).await, "the reply was not sent");
    assert_no_csp_refusals(&browser).await;
    browser.close().await;
}
