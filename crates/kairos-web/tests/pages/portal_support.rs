//! What the portal's page tests share: a tenant that sends mail, asking for and using
//! sign-in links (the mail read back from the outbox), conversations and articles.

use crate::harness::{App, Reply, Tenant};
use serde_json::{Value, json};

impl App {
    /// Gives the tenant a support address, which the portal's mail is sent from.
    pub async fn mail_from(&self, t: &Tenant) {
        let address = format!("support@{}.example", t.slug);
        let reply = self
            .api(
                t,
                "POST",
                "/api/v1/mail/addresses",
                json!({"address": address}),
            )
            .await;
        assert!(reply.status.is_success(), "{}", reply.body);
    }

    /// Asks for a sign-in link through the portal's form.
    pub async fn ask_link(&self, slug: &str, email: &str) -> Reply {
        let form = self.get(&format!("/portal/{slug}/login"), "", &[]).await;
        assert_eq!(form.status, 200, "{}", form.body);
        let pre = form.cookies().join("; ");
        let csrf = form.csrf();
        self.post(
            &format!("/portal/{slug}/login"),
            &pre,
            &[("email", email), ("csrf", &csrf)],
            &[],
        )
        .await
    }

    /// The texts of the mails queued for `to` (the outbox as the relay would get it).
    pub async fn mails_to(&self, to: &str) -> Vec<String> {
        let far = kairos_core::Timestamp::from_micros(i64::MAX / 2);
        self.store
            .outbox_due(far, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.recipient == to)
            .map(|m| String::from_utf8_lossy(&m.raw).into_owned())
            .collect()
    }

    /// Waits (the mail is queued in the background) until `n` mails for `to` are queued;
    /// returns the newest one's token.
    pub async fn link_token(&self, to: &str, n: usize) -> String {
        for _ in 0..200 {
            let mails = self.mails_to(to).await;
            if mails.len() >= n {
                return token_in(mails.last().unwrap());
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("no sign-in mail for {to}");
    }

    /// Opens a link's page and presses "continue"; the answer to that post.
    pub async fn use_link(&self, slug: &str, token: &str) -> Reply {
        let page = self
            .get(&format!("/portal/{slug}/link?token={token}"), "", &[])
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        let pre = page.cookies().join("; ");
        let csrf = page.csrf();
        self.post(
            &format!("/portal/{slug}/link"),
            &pre,
            &[("token", token), ("csrf", &csrf)],
            &[],
        )
        .await
    }

    /// Signs `email` in to the portal of `t` (mail from the outbox); the cookie to send.
    pub async fn portal_sign_in(&self, t: &Tenant, email: &str) -> String {
        let before = self.mails_to(email).await.len();
        let asked = self.ask_link(&t.slug, email).await;
        assert_eq!(asked.status, 200, "{}", asked.body);
        let token = self.link_token(email, before + 1).await;
        let used = self.use_link(&t.slug, &token).await;
        assert_eq!(used.status, 303, "{}", used.body);
        assert_eq!(used.header("location"), format!("/portal/{}", t.slug));
        portal_cookie(&used)
    }

    /// A customer's e-mail through the API; the conversation id.
    pub async fn mail_in(&self, t: &Tenant, from: &str, subject: &str, body: &str) -> String {
        let reply = self
            .api(
                t,
                "POST",
                "/api/v1/inbound",
                json!({"channel": "email", "from": {"kind": "email", "value": from},
                    "subject": subject, "body": body}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let v: Value = serde_json::from_str(&reply.body).unwrap();
        v["conversation_id"].as_str().unwrap().to_owned()
    }

    /// A published article (category `help`) as staff; its id.
    pub async fn article(&self, t: &Tenant, title: &str, body: &str, visibility: &str) -> String {
        let cats = self
            .api(t, "GET", "/api/v1/kb/categories", Value::Null)
            .await;
        let cats: Value = serde_json::from_str(&cats.body).unwrap();
        let category = match cats.as_array().and_then(|a| a.first()) {
            Some(c) => c["id"].as_str().unwrap().to_owned(),
            None => {
                let c = self
                    .api(
                        t,
                        "POST",
                        "/api/v1/kb/categories",
                        json!({"slug": "help", "name": "Help"}),
                    )
                    .await;
                let v: Value = serde_json::from_str(&c.body).unwrap();
                v["id"].as_str().unwrap().to_owned()
            }
        };
        let created = self
            .api(
                t,
                "POST",
                "/api/v1/kb/articles",
                json!({"category_id": category, "language": "en", "visibility": visibility,
                    "title": title, "body": body}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let id = serde_json::from_str::<Value>(&created.body).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let published = self
            .api(
                t,
                "PATCH",
                &format!("/api/v1/kb/articles/{id}"),
                json!({"state": "published"}),
            )
            .await;
        assert_eq!(published.status, 200, "{}", published.body);
        id
    }
}

/// The `token=` of the link in a sign-in mail.
pub fn token_in(raw: &str) -> String {
    let parsed = kairos_mail::parse::parse(raw.as_bytes()).unwrap();
    let at = parsed.text.find("token=").expect("a link in the mail") + 6;
    parsed.text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// The portal session cookie (`name=value`) a reply sets.
pub fn portal_cookie(reply: &Reply) -> String {
    reply
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("kairos_portal=") || c.starts_with("__Host-kairos_portal="))
        .filter(|c| !c.ends_with('='))
        .expect("a portal session cookie")
}
