//! The provider outbound worker: sends staff replies to customers who wrote through a
//! provider channel, through that provider's API.
//!
//! Two steps. Following each tenant's log, an outbound message on the SMS or social channel
//! in a conversation that came through a provider channel is queued in the provider outbox
//! (keyed by message, so following the same events twice queues once), and the consumer's
//! cursor moves on. Then queued sends are made: a 2xx marks the send done with the
//! provider's message id; a network error, 408, 429 or 5xx is retried with backoff (a
//! provider that is down delays a reply, never loses it); another 4xx, or a request the
//! provider code refuses to build, fails the send for operators. A crash between the
//! provider's answer and recording it sends that reply again on restart (at least once).
//!
//! The HTTP client has no TLS: real providers are reached through `api_base_url` over an
//! egress proxy or a TLS-capable build (see docs/channels.md).

use crate::Clock;
use kairos_channels::config::ChannelConfig;
use kairos_channels::{OutboundRequest, Provider, meta, telegram, twilio};
use kairos_core::Timestamp;
use kairos_core::event::EventData;
use kairos_core::ids::TenantId;
use kairos_core::message::{Channel, Direction};
use kairos_store::hooks::{OUTBOUND_CONSUMER, ProviderChannel, ProviderSend, SendOutcome};
use kairos_store::log_watch::{LogWatch, Wake};
use kairos_store::{Store, StoreError};
use std::time::Duration;
use tokio::sync::watch;

/// Events read per page.
const PAGE: u32 = 500;
/// Sends made per round.
const SENDS: u32 = 50;

/// Retry and timeout settings.
#[derive(Clone, Debug)]
pub struct Options {
    /// The first retry's delay; each next one doubles it.
    pub retry_base: Duration,
    /// The longest delay between attempts.
    pub retry_max: Duration,
    /// Attempts before a send is given up.
    pub max_attempts: u32,
    /// How long one request may take.
    pub timeout: Duration,
    /// How often queued sends are looked at.
    pub tick: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(15 * 60),
            // 2 s doubling to 15 min, then every 15 min: about 24 h in all.
            max_attempts: 110,
            timeout: Duration::from_secs(15),
            tick: Duration::from_millis(500),
        }
    }
}

impl Options {
    fn delay(&self, attempts: u32) -> Duration {
        self.retry_base
            .saturating_mul(1u32 << attempts.min(20))
            .min(self.retry_max)
    }
}

/// The HTTPS client for provider APIs: rustls with its aws-lc-rs provider named explicitly
/// (not a process-wide default) and the Mozilla roots from webpki-roots.
fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .https_only(false) // tests and egress proxies on loopback speak plain HTTP
        .timeout(timeout)
        .build()
        .map_err(|e| e.to_string())
}

/// Follows every tenant's log and sends due replies until `stop` turns true.
pub async fn run(store: Store, clock: Clock, opts: Options, mut stop: watch::Receiver<bool>) {
    let client = match http_client(opts.timeout) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "provider outbound: cannot build the HTTP client; not sending");
            return;
        }
    };
    let mut log = LogWatch::new(&store).await;
    let mut tick = tokio::time::interval(opts.tick);
    loop {
        for tenant in log.take() {
            if let Err(e) = follow(&store, tenant).await {
                tracing::warn!(error = %e, "provider outbound: following the log failed; retrying");
                log.again(tenant);
            }
        }
        if let Err(e) = send_due(&store, &client, &opts, clock()).await {
            tracing::warn!(error = %e, "provider outbound: sending failed; retrying");
        }
        if log.wait(&mut tick, &mut stop).await == Wake::Stop {
            return;
        }
    }
}

/// Queues the tenant's new provider replies; returns how many were queued. A tenant without a
/// provider channel has no cursor and is skipped.
pub async fn follow(store: &Store, tenant: TenantId) -> Result<usize, StoreError> {
    let Some(mut cursor) = store.consumer_cursor(tenant, OUTBOUND_CONSUMER).await? else {
        return Ok(0);
    };
    let mut queued = 0;
    loop {
        let events = store.events(tenant, cursor, PAGE).await?;
        let Some(last) = events.last().map(|e| e.seq) else {
            return Ok(queued);
        };
        for event in &events {
            let EventData::MessageAppended {
                message_id,
                conversation_id,
                direction: Direction::Outbound,
                channel: Channel::Sms | Channel::Social,
                body,
                ..
            } = &event.data
            else {
                continue;
            };
            let Some((channel, recipient)) = store.provider_route(tenant, *conversation_id).await?
            else {
                continue;
            };
            let send = ProviderSend {
                message_id: *message_id,
                tenant_id: tenant,
                provider_channel_id: channel,
                recipient,
                text: body.text.clone(),
                attempts: 0,
            };
            if store.provider_send_enqueue(&send).await? {
                queued += 1;
            }
        }
        store
            .set_consumer_cursor(tenant, OUTBOUND_CONSUMER, last)
            .await?;
        cursor = last;
    }
}

/// Makes the sends due by `now`; returns how many were attempted.
pub async fn send_due(
    store: &Store,
    client: &reqwest::Client,
    opts: &Options,
    now: Timestamp,
) -> Result<usize, StoreError> {
    let due = store.provider_send_due(now, SENDS).await?;
    for send in &due {
        let outcome = match store.provider_channel(send.provider_channel_id).await? {
            Some(ch) if ch.tenant_id == send.tenant_id => attempt(client, &ch, send).await,
            _ => SendOutcome::Failed("the provider channel was deleted".into()),
        };
        let outcome = match outcome {
            SendOutcome::Retry(_, e) if send.attempts + 1 >= opts.max_attempts => {
                SendOutcome::Failed(format!("gave up after {} attempts: {e}", send.attempts + 1))
            }
            SendOutcome::Retry(_, e) => {
                let wait = i64::try_from(opts.delay(send.attempts).as_micros()).unwrap_or(i64::MAX);
                SendOutcome::Retry(
                    Timestamp::from_micros(now.as_micros().saturating_add(wait)),
                    e,
                )
            }
            other => other,
        };
        match &outcome {
            SendOutcome::Sent(_) => {
                metrics::counter!("kairos_provider_sends_total", "outcome" => "sent").increment(1)
            }
            SendOutcome::Retry(_, e) => {
                tracing::info!(message = %send.message_id, error = %e, "provider send will be retried");
            }
            SendOutcome::Failed(e) => {
                metrics::counter!("kairos_provider_sends_total", "outcome" => "failed")
                    .increment(1);
                tracing::warn!(message = %send.message_id, error = %e, "provider send failed");
            }
        }
        store
            .provider_send_attempted(send.message_id, &outcome)
            .await?;
    }
    Ok(due.len())
}

/// The provider request for a send, or why there is none.
fn request(cfg: &ChannelConfig, send: &ProviderSend) -> Result<OutboundRequest, String> {
    let built = match cfg {
        ChannelConfig::Twilio(c) => twilio::send_sms(
            &c.account_sid,
            &c.auth_token,
            &c.phone_number,
            &send.recipient,
            &send.text,
        ),
        ChannelConfig::Telegram(c) => {
            let chat: i64 = send
                .recipient
                .parse()
                .map_err(|_| "the Telegram chat id is not a number".to_owned())?;
            telegram::send_message(&c.bot_token, chat, &send.text)
        }
        ChannelConfig::Meta(c) if send.recipient.starts_with('+') => meta::send_text(
            &c.phone_number_id,
            &c.access_token,
            &send.recipient,
            &send.text,
        ),
        ChannelConfig::Meta(c) => {
            meta::send_messenger(&c.access_token, &send.recipient, &send.text)
        }
    };
    built.map_err(|e| e.to_string())
}

/// The provider's id of the sent message, from its documented answer.
fn sent_id(provider: Provider, body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let id = match provider {
        Provider::Twilio => v.get("sid")?.clone(),
        Provider::Telegram => v.get("result")?.get("message_id")?.clone(),
        // WhatsApp answers `messages[0].id`, Messenger `message_id`.
        Provider::Meta => match v.get("messages") {
            Some(m) => m.get(0)?.get("id")?.clone(),
            None => v.get("message_id")?.clone(),
        },
    };
    match id {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

async fn attempt(
    client: &reqwest::Client,
    ch: &ProviderChannel,
    send: &ProviderSend,
) -> SendOutcome {
    let cfg = match Provider::parse(&ch.provider).and_then(|p| {
        let json = serde_json::from_str(&ch.config)
            .map_err(|e| kairos_channels::ProviderError::Malformed(e.to_string()))?;
        ChannelConfig::parse(p, json)
    }) {
        Ok(c) => c,
        Err(e) => return SendOutcome::Failed(format!("channel settings: {e}")),
    };
    let req = match request(&cfg, send) {
        Ok(r) => r,
        Err(e) => return SendOutcome::Failed(e),
    };
    let method = match reqwest::Method::from_bytes(req.method.as_bytes()) {
        Ok(m) => m,
        Err(e) => return SendOutcome::Failed(e.to_string()),
    };
    let mut builder = client
        .request(method, format!("{}{}", cfg.api_base_url(), req.path))
        .header(reqwest::header::CONTENT_TYPE, req.content_type)
        .body(req.body);
    for (k, v) in &req.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let now = kairos_store::now();
    let response = match builder.send().await {
        Ok(r) => r,
        // The URL may carry a secret (Telegram's bot token): never in a log line.
        Err(e) => return SendOutcome::Retry(now, e.without_url().to_string()),
    };
    let status = response.status();
    let body = response.bytes().await.unwrap_or_default();
    if status.is_success() {
        return SendOutcome::Sent(sent_id(cfg.provider(), &body));
    }
    let detail: String = String::from_utf8_lossy(&body).chars().take(300).collect();
    let error = format!("HTTP {}: {detail}", status.as_u16());
    if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
        SendOutcome::Retry(now, error)
    } else {
        SendOutcome::Failed(error)
    }
}
