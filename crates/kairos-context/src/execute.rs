//! Executing what the engine decided: each firing becomes a store command (a message on the
//! customer's preferred channel, a note, a conversation, or just the record), executed at
//! most once per firing key, with the rule, its version and the reasons on the log.

use crate::webhook::{Payload, Webhooks};
use kairos_anticipation::{Action, Attributes, ContextEvent, Firing};
use kairos_core::anticipation::{Effect, FiringCommand, choose_channel};
use kairos_core::coupon::{NewCoupon, redemption_path};
use kairos_core::ids::{CustomerId, TenantId};
use kairos_store::Store;
use kairos_store::anticipation::FiringOutcome;
use kairos_store::context::{ContextEventRecord, ReferenceEventRecord};

/// What became of a firing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Executed now.
    Executed,
    /// Executed before (same key).
    Duplicate,
    /// Due too long ago (the engine was catching up): skipped.
    Stale,
    /// Its customer is gone, or its subject is not a customer.
    NoCustomer,
    /// The customer's restrictions exclude it.
    Restricted,
    /// The store failed; logged.
    Failed,
}

impl Verdict {
    /// The metrics label.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Executed => "executed",
            Verdict::Duplicate => "duplicate",
            Verdict::Stale => "stale",
            Verdict::NoCustomer => "no_customer",
            Verdict::Restricted => "restricted",
            Verdict::Failed => "failed",
        }
    }
}

/// Turns firings into store commands.
pub(crate) struct Executor {
    store: Store,
    /// The server's public base URL, prefixed to coupon links (relative links without it).
    public_url: Option<String>,
    /// Delivers `webhook` firings once they are recorded.
    webhooks: Webhooks,
}

impl Executor {
    pub(crate) fn new(store: Store, public_url: Option<String>, webhooks: Webhooks) -> Self {
        Self {
            store,
            public_url,
            webhooks,
        }
    }

    /// Executes one firing of `tenant`.
    pub(crate) async fn execute(&self, tenant: TenantId, f: &Firing) -> Verdict {
        match self.try_execute(tenant, f).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(%tenant, rule = %f.rule, error = %e, "anticipation: firing not executed");
                Verdict::Failed
            }
        }
    }

    async fn try_execute(
        &self,
        tenant: TenantId,
        f: &Firing,
    ) -> Result<Verdict, kairos_store::StoreError> {
        let Ok(customer) = f.subject.parse::<uuid::Uuid>().map(CustomerId) else {
            return Ok(Verdict::NoCustomer);
        };
        let (text, effect) = match &f.action {
            Action::Notify { channels, text, .. } => {
                let channel = self.channel(tenant, customer, channels).await?;
                let effect = Effect::Message {
                    channel,
                    body: text.clone(),
                };
                (Some(text.clone()), effect)
            }
            Action::Coupon {
                offer,
                value_minor,
                currency,
                expires_at,
                channels,
                text,
                ..
            } => {
                // No coupon for someone who objected to proactive offers (the store checks
                // again when the message is written).
                let probe = Effect::Message {
                    channel: kairos_core::message::Channel::Portal,
                    body: String::new(),
                };
                if !self
                    .store
                    .restrictions(tenant, customer)
                    .await?
                    .allows(&probe)
                {
                    return Ok(Verdict::Restricted);
                }
                // Issued before the message, idempotently by the firing key: a retry after a
                // crash finds the same coupon and sends the same link.
                let new = NewCoupon {
                    customer_id: customer,
                    offer: offer.clone(),
                    value_minor: *value_minor,
                    currency: currency.clone(),
                    expires_at: *expires_at,
                    firing_key: f.key.clone(),
                };
                let issued = self
                    .store
                    .issue_coupon(tenant, new, &kairos_core::event::Actor::System)
                    .await?;
                let link = format!(
                    "{}{}",
                    self.public_url.as_deref().unwrap_or(""),
                    redemption_path(&issued.token)
                );
                let channel = self.channel(tenant, customer, channels).await?;
                let body = format!("{text}\n\n{link}");
                (Some(text.clone()), Effect::Message { channel, body })
            }
            Action::OpenConversation { subject } => (
                Some(subject.clone()),
                Effect::OpenConversation {
                    subject: subject.clone(),
                },
            ),
            Action::Touchpoint { text } => {
                (Some(text.clone()), Effect::Note { body: text.clone() })
            }
            Action::Webhook { url, .. } => (Some(url.clone()), Effect::Record),
            Action::Emit { event } => (Some(event.event_type.clone()), Effect::Record),
        };
        let match_key = f
            .key
            .rsplit_once('/')
            .map_or(f.key.as_str(), |(m, _)| m)
            .to_owned();
        let cmd = FiringCommand {
            key: f.key.clone(),
            match_key,
            customer_id: customer,
            rule: f.rule.clone(),
            rule_version: f.rule_version,
            action: f.action.kind().to_owned(),
            text,
            explanation: f.explanation.clone(),
            effect,
        };
        Ok(match self.store.execute_firing(tenant, cmd).await? {
            FiringOutcome::Executed(_) => {
                // Delivered only after the record commits, so once per firing key (a replay
                // finds it executed); the delivery itself is not durable (docs).
                if let Action::Webhook { url, secret } = &f.action {
                    let payload = Payload::new(tenant, customer, f);
                    self.webhooks
                        .spawn(tenant, url.clone(), secret.clone(), payload);
                }
                Verdict::Executed
            }
            FiringOutcome::AlreadyExecuted => Verdict::Duplicate,
            FiringOutcome::NoCustomer => Verdict::NoCustomer,
            FiringOutcome::Restricted => Verdict::Restricted,
        })
    }

    /// The channel a message to `customer` goes out on, after the rule's wishes.
    async fn channel(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        wishes: &[String],
    ) -> Result<kairos_core::message::Channel, kairos_store::StoreError> {
        let kinds: Vec<_> = self
            .store
            .customer(tenant, customer)
            .await?
            .map(|c| c.identities.iter().map(|i| i.kind).collect())
            .unwrap_or_default();
        Ok(choose_channel(wishes, None, &kinds))
    }
}

fn attributes(v: serde_json::Value) -> Option<Attributes> {
    serde_json::from_value(v).ok()
}

/// The engine's form of a stored customer event.
pub(crate) fn from_record(tenant: TenantId, r: ContextEventRecord) -> Option<ContextEvent> {
    Some(ContextEvent {
        id: r.event_id,
        tenant,
        subject: r.customer_id.0.to_string(),
        event_type: r.event_type,
        time: r.time,
        place: r.place,
        attributes: attributes(r.attributes)?,
    })
}

/// The engine's form of a stored feed event.
pub(crate) fn from_reference(tenant: TenantId, r: ReferenceEventRecord) -> Option<ContextEvent> {
    Some(ContextEvent {
        id: r.event_id,
        tenant,
        subject: format!("feed:{}", r.feed),
        event_type: r.event_type,
        time: r.time,
        place: r.place,
        attributes: attributes(r.attributes)?,
    })
}
