//! The outbox worker. It follows every tenant's log and turns each outbound e-mail message
//! into a mail in the outbox (idempotent per message, so following again after a crash
//! queues nothing twice), and it sends due mail through the relay, retrying with backoff: a
//! relay that is down delays mail, never loses it.

use super::compose::{self, Draft};
use super::relay::{Relay, SendError};
use crate::thread_token::ThreadTokens;
use kairos_core::Timestamp;
use kairos_core::event::EventData;
use kairos_core::identity::IdentityKind;
use kairos_core::ids::{ConversationId, MessageId, TenantId};
use kairos_core::mail::{MailSettings, SETTINGS_KEY};
use kairos_core::message::{Body, Channel, Direction};
use kairos_store::log_watch::{LogWatch, Wake};
use kairos_store::mail::{OutboxMail, OutboxState};
use kairos_store::{Store, StoreError};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The consumer name the follower's cursor is stored under.
pub const CONSUMER: &str = kairos_store::mail::OUTBOX_CONSUMER;
/// Events read per step.
const BATCH: u32 = 500;
/// The follower's stored position may lag this long behind (see `follow`).
const CURSOR_EVERY: Duration = Duration::from_secs(10);
/// A claimed mail is not picked up by another sender for this long.
const LEASE: Duration = Duration::from_secs(300);

/// Outbox settings.
#[derive(Clone, Debug)]
pub struct OutboxConfig {
    /// The domain of outbound Message-IDs.
    pub hostname: String,
    /// How often due mail is looked for.
    pub tick: Duration,
    /// Waits after the 1st, 2nd, … failed attempt (the last repeats).
    pub backoff: Vec<Duration>,
    /// Attempts before a mail is given up as failed.
    pub max_attempts: u32,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        let m = |n: u64| Duration::from_secs(60 * n);
        Self {
            hostname: "localhost".into(),
            tick: Duration::from_secs(1),
            // 30 s, 2 m, 10 m, 30 m, 1 h, 2 h, then every 4 h: about three days in 24 tries
            // (the retry window of the big providers, and of checklist H09).
            backoff: vec![
                Duration::from_secs(30),
                m(2),
                m(10),
                m(30),
                m(60),
                m(120),
                m(240),
            ],
            max_attempts: 24,
        }
    }
}

/// What [`run`] needs, assembled at start-up.
pub struct Outbound {
    /// Signs outbound Message-IDs.
    pub tokens: ThreadTokens,
    /// The relay; `None`: mail waits in the outbox.
    pub relay: Option<Relay>,
    /// Settings.
    pub config: OutboxConfig,
}

/// Runs until `stop` turns true. Without a relay, mail is queued and waits for one.
pub async fn run(
    store: Store,
    tokens: ThreadTokens,
    relay: Option<Relay>,
    config: OutboxConfig,
    mut stop: watch::Receiver<bool>,
) {
    let mut log = LogWatch::new(&store).await;
    let mut tick = tokio::time::interval(config.tick);
    let outbox = Outbox {
        store: store.clone(),
        tokens,
        config: config.clone(),
        progress: tokio::sync::Mutex::new(HashMap::new()),
    };
    loop {
        for tenant in log.take() {
            if let Err(e) = outbox.follow(tenant).await {
                tracing::warn!(error = %e, %tenant, "outbox: following the log failed; retrying");
                log.again(tenant);
            }
        }
        if let Some(relay) = &relay
            && let Err(e) = outbox.send_due(relay, &stop).await
        {
            tracing::warn!(error = %e, "outbox: reading due mail failed");
        }
        if log.wait(&mut tick, &mut stop).await == Wake::Stop {
            return;
        }
    }
}

struct Outbox {
    store: Store,
    tokens: ThreadTokens,
    config: OutboxConfig,
    /// Where each tenant's following is, and when that was last stored.
    progress: tokio::sync::Mutex<HashMap<TenantId, (i64, Instant)>>,
}

impl Outbox {
    /// Queues the tenant's new outbound e-mail messages.
    async fn follow(&self, tenant: TenantId) -> Result<(), StoreError> {
        let stored = match self.store.consumer_cursor(tenant, CONSUMER).await? {
            Some(c) => c,
            // No support address was ever added (that creates the cursor): this tenant
            // does not use mail, and what it wrote before setting mail up stays unsent.
            None => return Ok(()),
        };
        let mut progress = self.progress.lock().await;
        let entry = progress.entry(tenant).or_insert((stored, Instant::now()));
        // Another instance may have moved the stored cursor further.
        let mut cursor = entry.0.max(stored);
        loop {
            let events = self.store.events(tenant, cursor, BATCH).await?;
            let Some(last) = events.last().map(|e| e.seq) else {
                break;
            };
            let mut queued = false;
            for event in events {
                if let EventData::MessageAppended {
                    message_id,
                    conversation_id,
                    direction: Direction::Outbound,
                    channel: Channel::Email,
                    subject,
                    body,
                    ..
                } = event.data
                {
                    self.queue_reply(tenant, conversation_id, message_id, subject, body)
                        .await?;
                    queued = true;
                }
            }
            cursor = last;
            // Queuing is idempotent per message, so the stored cursor may lag: it is written
            // when mail was queued or every few seconds, not on every commit of the tenant
            // (that would double the writes of a busy tenant that uses chat).
            if queued || entry.1.elapsed() >= CURSOR_EVERY {
                self.store
                    .set_consumer_cursor(tenant, CONSUMER, cursor)
                    .await?;
                entry.1 = Instant::now();
            }
        }
        entry.0 = cursor;
        Ok(())
    }

    async fn queue_reply(
        &self,
        tenant: TenantId,
        conversation_id: ConversationId,
        message_id: MessageId,
        subject: Option<String>,
        body: Body,
    ) -> Result<(), StoreError> {
        let now = kairos_store::now();
        let Some(conversation) = self.store.conversation(tenant, conversation_id).await? else {
            return Ok(());
        };
        let to = self
            .store
            .customer(tenant, conversation.customer_id)
            .await?
            .and_then(|c| {
                c.identities
                    .into_iter()
                    .find(|i| i.kind == IdentityKind::Email)
                    .map(|i| i.value)
            });
        // A chat visitor without an e-mail identity who left an address for answers while
        // away (`conversation.follow_up`) gets them there, for this conversation only.
        let to = match to {
            Some(to) => Some(to),
            None => self.store.follow_up_email(tenant, conversation_id).await?,
        };
        let (from, from_name) = sender(&self.store, tenant).await?;
        let rfc_id =
            self.tokens
                .message_id(tenant, conversation_id, message_id, &self.config.hostname);
        let thread = self.store.mail_ids(tenant, conversation_id, 20).await?;
        let problem = match (&from, &to) {
            (None, _) => Some("no support address is configured to send from".to_owned()),
            (_, None) => Some("the customer has no e-mail address".to_owned()),
            _ => None,
        };
        let draft = Draft {
            from: from.clone().unwrap_or_default(),
            from_name,
            to: to.clone().unwrap_or_default(),
            subject: compose::reply_subject(subject.as_deref().or(conversation.subject.as_deref())),
            text: body.text,
            html: body.html,
            message_id: rfc_id.clone(),
            thread,
            automatic: false,
        };
        let (raw, problem) = match problem {
            Some(p) => (Vec::new(), Some(p)),
            None => match compose::render(&draft) {
                Ok(raw) => (raw, None),
                Err(e) => (Vec::new(), Some(e.to_string())),
            },
        };
        let mail = OutboxMail {
            id: uuid::Uuid::now_v7(),
            tenant_id: tenant,
            message_id: Some(message_id),
            mail_from: draft.from,
            recipient: draft.to,
            raw,
            attempts: 0,
        };
        if self.store.outbox_enqueue(&mail, now).await? {
            if let Some(problem) = problem {
                // Visible in the outbox, so the agent learns why the reply did not leave.
                self.store
                    .outbox_attempted(mail.id, OutboxState::Failed, now, Some(&problem), now)
                    .await?;
            } else {
                self.store
                    .record_mail_id(tenant, conversation_id, message_id, &rfc_id)
                    .await?;
            }
        }
        Ok(())
    }

    /// Sends what is due.
    async fn send_due(
        &self,
        relay: &Relay,
        stop: &watch::Receiver<bool>,
    ) -> Result<(), StoreError> {
        let now = kairos_store::now();
        for mail in self.store.outbox_due(now, 50).await? {
            if *stop.borrow() {
                break; // what is left stays queued for the next start
            }
            let lease = plus(now, LEASE);
            if !self.store.outbox_claim(mail.id, now, lease).await? {
                continue; // another instance took it
            }
            let outcome = relay
                .send(&mail.mail_from, &mail.recipient, &mail.raw)
                .await;
            let done = kairos_store::now();
            let (state, next, error) = match outcome {
                Ok(()) => (OutboxState::Sent, done, None),
                Err(SendError::Permanent(e)) => (OutboxState::Failed, done, Some(e)),
                Err(SendError::Transient(e)) if mail.attempts + 1 >= self.config.max_attempts => {
                    (OutboxState::Failed, done, Some(format!("gave up: {e}")))
                }
                Err(SendError::Transient(e)) => {
                    let wait = self.backoff(mail.attempts);
                    (OutboxState::Queued, plus(done, wait), Some(e))
                }
            };
            match state {
                OutboxState::Sent => metrics::counter!("kairos_mail_sent_total").increment(1),
                OutboxState::Failed => {
                    metrics::counter!("kairos_mail_failed_total").increment(1);
                    tracing::warn!(id = %mail.id, error = ?error, "outbox: mail failed for good");
                }
                OutboxState::Queued => {
                    tracing::info!(id = %mail.id, error = ?error, "outbox: relay failed; will retry");
                }
            }
            self.store
                .outbox_attempted(mail.id, state, next, error.as_deref(), done)
                .await?;
        }
        Ok(())
    }

    fn backoff(&self, attempts: u32) -> Duration {
        let steps = &self.config.backoff;
        steps
            .get(attempts as usize)
            .or(steps.last())
            .copied()
            .unwrap_or(Duration::from_secs(60))
    }
}

/// The tenant's sender: the configured address if it is one of its support addresses, else
/// the first support address; `None` without any. A tenant can never send as an address it
/// does not receive mail for (another tenant's, or anyone's).
pub async fn sender(
    store: &Store,
    tenant: TenantId,
) -> Result<(Option<String>, Option<String>), StoreError> {
    let settings = settings(store, tenant).await?;
    let addresses = store.mail_addresses(tenant).await?;
    let from = settings
        .from_address
        .filter(|a| addresses.contains(a))
        .or_else(|| addresses.first().cloned());
    Ok((from, settings.from_name))
}

/// The tenant's mail settings (defaults when none are stored or they no longer validate).
pub async fn settings(store: &Store, tenant: TenantId) -> Result<MailSettings, StoreError> {
    Ok(store
        .setting(tenant, SETTINGS_KEY)
        .await?
        .and_then(|v| serde_json::from_value::<MailSettings>(v).ok())
        .and_then(|s| s.validate().ok())
        .unwrap_or_default())
}

fn plus(t: Timestamp, d: Duration) -> Timestamp {
    Timestamp::from_micros(t.as_micros().saturating_add(d.as_micros() as i64))
}
