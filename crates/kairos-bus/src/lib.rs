//! Context events from message brokers: MQTT (IoT devices, Wi-Fi controllers) and NATS
//! JetStream (the bus between Kairos instances). This crate only talks to brokers: each
//! message's events go to a [`ContextSink`], the same door as HTTP (consent check, store,
//! engine), and the message is acknowledged once the sink has answered for good.
//!
//! Delivery is at least once: a message is acknowledged only after the sink answered `Ok`
//! or [`SinkError::Permanent`]; on [`SinkError::Transient`] it is tried again later, so the
//! sink sees redeliveries (the store answers `duplicate` for a known event id).

mod config;
mod mqtt;
mod nats;
mod payload;

pub use config::{
    BrokerUrl, BusConfig, ConfigError, DEFAULT_CONSUMER, DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX,
    MAX_PAYLOAD_LIMIT, MqttConfig, MqttSubscription, NatsConfig, parse_mqtt_url,
};
pub use mqtt::tenant_of_topic;
pub use nats::{PublishError, ensure_stream, publish_events};
pub use payload::{DEFAULT_MAX_PAYLOAD_BYTES, PayloadError, is_tenant_name, parse_payload};

use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Where bus messages go: the same door as HTTP (consent check, store, engine).
pub trait ContextSink: Send + Sync + 'static {
    /// Ingests the events of one message for the tenant named by `tenant` (slug or UUID, as
    /// configured or taken from the topic/subject).
    fn ingest(
        &self,
        tenant: &str,
        events: Vec<Value>,
    ) -> Pin<Box<dyn Future<Output = Result<SinkReport, SinkError>> + Send + '_>>;
}

/// What became of a message's events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SinkReport {
    /// Events stored now.
    pub accepted: usize,
    /// Events stored before (redeliveries).
    pub duplicates: usize,
    /// Events refused (no consent, invalid, …).
    pub refused: usize,
}

/// Why the sink did not take a message. The text is logged: keep personal data out of it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SinkError {
    /// Retry later (store down).
    #[error("transient: {0}")]
    Transient(String),
    /// Never retry (unknown tenant, body not acceptable).
    #[error("permanent: {0}")]
    Permanent(String),
}

/// Starts one task per configured source on the current Tokio runtime; each runs until
/// `stop` turns `true` (or its sender is dropped), reconnecting with backoff meanwhile, and
/// finishes the message in hand first. Nothing is started if the configuration has a problem.
pub fn spawn(
    config: &BusConfig,
    sink: Arc<dyn ContextSink>,
    stop: watch::Receiver<bool>,
) -> Result<Vec<JoinHandle<()>>, Vec<ConfigError>> {
    let errors = config.validate();
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut tasks = Vec::new();
    if let Some(m) = config.mqtt.clone() {
        tasks.push(tokio::spawn(mqtt::run(m, sink.clone(), stop.clone())));
    }
    if let Some(n) = config.nats.clone() {
        tasks.push(tokio::spawn(nats::run(n, sink, stop)));
    }
    Ok(tasks)
}

/// What became of one message, for `kairos_bus_messages_total{source,outcome}`.
#[derive(Clone, Copy, Debug)]
enum Outcome {
    /// The sink took it (events accepted, duplicate or refused one by one).
    Ingested,
    /// The sink refused it for good.
    Rejected,
    /// Refused here: payload or tenant not acceptable.
    Invalid,
    /// The sink asked to retry later (counted per try).
    Retry,
    /// An at-most-once (QoS 0) message dropped because the source was busy.
    Dropped,
}

fn count(source: &'static str, outcome: Outcome) {
    let outcome = match outcome {
        Outcome::Ingested => "ingested",
        Outcome::Rejected => "rejected",
        Outcome::Invalid => "invalid",
        Outcome::Retry => "retry",
        Outcome::Dropped => "dropped",
    };
    metrics::counter!("kairos_bus_messages_total", "source" => source, "outcome" => outcome)
        .increment(1);
}

/// Resolves when `stop` is `true` or its sender is gone.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Sleeps `d` unless stopped first; `false` if stopped.
async fn pause(stop: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        () = stopped(stop) => false,
        () = tokio::time::sleep(d) => true,
    }
}

/// Doubling delays from `min` to `max`.
struct Backoff {
    next: Duration,
    min: Duration,
    max: Duration,
}

impl Backoff {
    fn new(min: Duration, max: Duration) -> Self {
        Self {
            next: min,
            min,
            max,
        }
    }
    fn next(&mut self) -> Duration {
        let d = self.next;
        self.next = (d * 2).min(self.max);
        d
    }
    fn reset(&mut self) {
        self.next = self.min;
    }
}

/// How long the sink may take for one message before it counts as "retry later".
const SINK_TIMEOUT: Duration = Duration::from_secs(30);

/// The sink's answer, counted and logged (sizes and reasons only, never the payload).
enum Verdict {
    /// Answered for good: acknowledge.
    Done,
    /// Try again later: do not acknowledge.
    Later,
}

async fn offer(
    source: &'static str,
    sink: &dyn ContextSink,
    tenant: &str,
    events: Vec<Value>,
) -> Verdict {
    let n = events.len();
    let answer = tokio::time::timeout(SINK_TIMEOUT, sink.ingest(tenant, events))
        .await
        .unwrap_or_else(|_| {
            Err(SinkError::Transient(
                "the sink did not answer in time".into(),
            ))
        });
    match answer {
        Ok(r) => {
            count(source, Outcome::Ingested);
            tracing::debug!(
                source,
                tenant,
                events = n,
                accepted = r.accepted,
                duplicates = r.duplicates,
                refused = r.refused,
                "context events ingested"
            );
            Verdict::Done
        }
        Err(SinkError::Permanent(why)) => {
            count(source, Outcome::Rejected);
            tracing::warn!(source, tenant, events = n, reason = %why, "context events rejected for good");
            Verdict::Done
        }
        Err(SinkError::Transient(why)) => {
            count(source, Outcome::Retry);
            tracing::warn!(source, tenant, events = n, reason = %why, "context events not taken now; retrying later");
            Verdict::Later
        }
    }
}

/// A name from a topic or subject, fit for a log line: escaped and cut (checklist B14).
fn shown(s: &str) -> String {
    let mut out: String = format!("{s:?}");
    if out.len() > 200 {
        let mut cut = 200;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}
