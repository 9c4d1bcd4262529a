//! Delivering `webhook "URL" signed with "NAME"` firings: once the firing is recorded
//! (executed once per key), a spawned task POSTs a signed JSON summary to the URL, so the
//! engine loop never waits on a receiver.
//!
//! **Privacy by default** (checklist N16): the payload names the firing, its rule, customer id
//! and explanation lines — no message bodies, no contact data. **Signature** (Stripe-style):
//! `Kairos-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, keyed
//! with the tenant's named secret (its base64url text); `Kairos-Delivery` is the firing key,
//! for the receiver to de-duplicate retries (H02). **SSRF** (D01–D03): only http and https;
//! every address the host resolves to must be public unless the server runs with
//! `allow_private_hosts`; the request goes to the checked addresses (no second lookup a DNS
//! rebind could change); redirects are not followed. **Timeout** (D05): 10 s, the answer's
//! body is never read. **Retries**: network errors, 5xx and 429 after the configured delays;
//! other answers are final. Not durable: a delivery pending at a restart is lost (a durable
//! outbox with dead letters, H09, is a follow-up).

use hmac::{Hmac, Mac};
use kairos_anticipation::Firing;
use kairos_core::ids::{CustomerId, TenantId};
use kairos_store::Store;
use serde::Serialize;
use sha2::Sha256;
use std::net::SocketAddr;
use std::time::Duration;

/// How long one delivery attempt may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The JSON a receiver gets (no message bodies, no contact data).
#[derive(Debug, Serialize)]
pub(crate) struct Payload {
    /// The firing key (also `Kairos-Delivery`: the receiver's idempotency key).
    id: String,
    tenant: TenantId,
    rule: String,
    rule_version: u32,
    action: &'static str,
    customer_id: CustomerId,
    matched_at: kairos_core::Timestamp,
    explanation: Vec<String>,
}

impl Payload {
    pub(crate) fn new(tenant: TenantId, customer: CustomerId, f: &Firing) -> Self {
        Self {
            id: f.key.clone(),
            tenant,
            rule: f.rule.clone(),
            rule_version: f.rule_version,
            action: "webhook",
            customer_id: customer,
            matched_at: f.matched_at,
            explanation: f.explanation.clone(),
        }
    }
}

/// The `Kairos-Signature` value of `body` sent at unix second `t`.
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    #[allow(clippy::expect_used)] // HMAC takes a key of any length
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// What became of one attempt (also the metrics label of the last one).
#[derive(Debug, PartialEq, Eq)]
enum Attempt {
    /// The receiver answered 2xx.
    Delivered,
    /// Worth another try (network error, 5xx, 429).
    Retry(String),
    /// The receiver refused it for good (other 4xx, 3xx).
    Rejected(String),
    /// Kairos refused to send (scheme, non-public address).
    Refused(String),
}

/// Delivers webhook firings.
#[derive(Clone)]
pub(crate) struct Webhooks {
    store: Store,
    allow_private_hosts: bool,
    retry_delays: Vec<Duration>,
}

fn count(outcome: &'static str) {
    metrics::counter!("kairos_anticipation_webhooks_total", "outcome" => outcome).increment(1);
}

impl Webhooks {
    pub(crate) fn new(
        store: Store,
        allow_private_hosts: bool,
        retry_delays: Vec<Duration>,
    ) -> Self {
        Self {
            store,
            allow_private_hosts,
            retry_delays,
        }
    }

    /// Starts delivering in a task of its own.
    pub(crate) fn spawn(&self, tenant: TenantId, url: String, secret: String, payload: Payload) {
        let this = self.clone();
        tokio::spawn(async move { this.deliver(tenant, url, secret, payload).await });
    }

    async fn deliver(&self, tenant: TenantId, url: String, secret_name: String, payload: Payload) {
        let key = payload.id.clone();
        let secret = match self.store.webhook_secret(tenant, &secret_name).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                tracing::warn!(%tenant, firing = %key, secret = %secret_name, "anticipation webhook: unknown secret; not delivered");
                return count("no_secret");
            }
            Err(e) => {
                tracing::warn!(%tenant, firing = %key, error = %e, "anticipation webhook: secret not read; not delivered");
                return count("failed");
            }
        };
        let body = match serde_json::to_vec(&payload) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "anticipation webhook: payload not encoded");
                return count("failed");
            }
        };
        let mut delays = self.retry_delays.iter();
        loop {
            let outcome = self.attempt(&url, &secret, &key, &body).await;
            let (label, reason) = match outcome {
                Attempt::Delivered => return count("delivered"),
                Attempt::Refused(r) => ("refused", r),
                Attempt::Rejected(r) => ("rejected", r),
                Attempt::Retry(r) => match delays.next() {
                    Some(d) => {
                        tracing::info!(%tenant, firing = %key, reason = %r, retry_in = ?d, "anticipation webhook: retrying");
                        count("retry");
                        tokio::time::sleep(*d).await;
                        continue;
                    }
                    None => ("failed", r),
                },
            };
            tracing::warn!(%tenant, firing = %key, outcome = label, reason = %reason, "anticipation webhook: not delivered");
            return count(label);
        }
    }

    async fn attempt(&self, url: &str, secret: &str, key: &str, body: &[u8]) -> Attempt {
        let (url, host, addrs) = match target(url, self.allow_private_hosts).await {
            Ok(t) => t,
            Err(a) => return a,
        };
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            // Connect to the addresses just checked, not to a second lookup's.
            .resolve_to_addrs(&host, &addrs)
            .build();
        let client = match client {
            Ok(c) => c,
            Err(e) => return Attempt::Retry(format!("client: {e}")),
        };
        let t = i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs(),
        )
        .unwrap_or(i64::MAX);
        let sent = client
            .post(url)
            .header("content-type", "application/json")
            .header("kairos-signature", signature(secret, t, body))
            .header("kairos-delivery", key)
            .body(body.to_vec())
            .send()
            .await;
        match sent {
            Err(e) => Attempt::Retry(e.to_string()),
            Ok(r) if r.status().is_success() => Attempt::Delivered,
            Ok(r) if r.status().is_server_error() || r.status().as_u16() == 429 => {
                Attempt::Retry(r.status().to_string())
            }
            Ok(r) => Attempt::Rejected(r.status().to_string()),
        }
    }
}

/// The URL, its host and the addresses to connect to — or why not (checklist SSRF).
async fn target(
    url: &str,
    allow_private_hosts: bool,
) -> Result<(reqwest::Url, String, Vec<SocketAddr>), Attempt> {
    let url = reqwest::Url::parse(url).map_err(|e| Attempt::Refused(format!("url: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Attempt::Refused("only http and https".into()));
    }
    let host = url
        .host_str()
        .ok_or_else(|| Attempt::Refused("no host".into()))?
        .to_owned();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| Attempt::Refused("no port".into()))?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
        .await
        .map_err(|e| Attempt::Retry(format!("resolve {host}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(Attempt::Retry(format!("{host} resolves to nothing")));
    }
    if !allow_private_hosts
        && !addrs
            .iter()
            .all(|a| kairos_core::netpolicy::is_public(a.ip()))
    {
        return Err(Attempt::Refused(format!("{host} is not a public address")));
    }
    Ok((url, host, addrs))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checklist D01: loopback, private, link-local, shared, unspecified and mapped addresses
    /// in their odd spellings, and other schemes, are refused before any connection.
    #[tokio::test]
    async fn non_public_targets_are_refused() {
        for url in [
            "http://127.0.0.1/hook",
            "http://127.1/hook",
            "http://0x7f000001/hook",
            "http://2130706433/hook",
            "http://[::1]/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://0.0.0.0/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://10.1.2.3/hook",
            "http://192.168.0.1:8443/hook",
            "http://100.64.0.1/hook",
            "http://[fc00::1]/hook",
            "http://[fe80::1]/hook",
            "http://localhost:9/hook",
            "file:///etc/passwd",
            "gopher://example.com/",
            "not a url",
        ] {
            let refused = target(url, false).await;
            assert!(
                matches!(refused, Err(Attempt::Refused(_))),
                "{url}: {refused:?}"
            );
        }
        assert!(target("http://127.0.0.1:9/hook", true).await.is_ok());
        assert!(matches!(
            target("file:///etc/passwd", true).await,
            Err(Attempt::Refused(_))
        ));
    }

    #[test]
    fn signature_is_hmac_of_time_dot_body() {
        // Known answer: HMAC-SHA256("secret", "1700000000.{}").
        let s = signature("secret", 1_700_000_000, b"{}");
        assert!(s.starts_with("t=1700000000,v1="), "{s}");
        assert_eq!(s.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(s, signature("secret", 1_700_000_001, b"{}"));
        assert_ne!(s, signature("other", 1_700_000_000, b"{}"));
    }
}
