//! The NATS JetStream source: one durable pull consumer shared by every Kairos instance, so
//! each message is handled once; a message is acked after the sink answered `Ok`, terminated
//! (`Term`, never redelivered) when refused for good, and nak'ed with a growing delay when the
//! sink asks to retry, so JetStream redelivers it (up to `max_deliver` times).

use crate::config::NatsConfig;
use crate::payload::{is_tenant_name, parse_payload};
use crate::{Backoff, ContextSink, Outcome, Verdict, count, offer, pause, shown, stopped};
use async_nats::jetstream::{self, AckKind, consumer::pull, stream};
use futures::StreamExt;
use kairos_core::context::MAX_BATCH;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const SOURCE: &str = "nats";

/// Why events were not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The tenant is no slug or UUID.
    #[error("the tenant is not a tenant slug or UUID")]
    BadTenant,
    /// Not 1 to `MAX_BATCH` events.
    #[error("1 to {MAX_BATCH} events per message")]
    BatchSize,
    /// The server did not store the message (no stream for the subject, over its limits, …).
    #[error("not published: {0}")]
    Nats(String),
}

/// Publishes `events` for `tenant` as one `{"events": [...]}` message on
/// `<subject_prefix>.<tenant>` and waits for the stream to store it.
pub async fn publish_events(
    js: &jetstream::Context,
    subject_prefix: &str,
    tenant: &str,
    events: &[Value],
) -> Result<(), PublishError> {
    if !is_tenant_name(tenant) {
        return Err(PublishError::BadTenant);
    }
    if !(1..=MAX_BATCH).contains(&events.len()) {
        return Err(PublishError::BatchSize);
    }
    let body = serde_json::to_vec(&serde_json::json!({ "events": events }))
        .map_err(|e| PublishError::Nats(e.to_string()))?;
    js.publish(format!("{subject_prefix}.{tenant}"), body.into())
        .await
        .map_err(|e| PublishError::Nats(e.to_string()))?
        .await
        .map_err(|e| PublishError::Nats(e.to_string()))?;
    Ok(())
}

/// The configured stream, created if missing: subjects `<prefix>.>`, work-queue retention
/// (a message is deleted once acked: no copy of personal data stays in the bus), unconsumed
/// messages kept `retention_days`, at most `max_stream_bytes` (new messages refused beyond),
/// messages up to `max_payload_bytes`. An existing stream is used as it is.
pub async fn ensure_stream(
    js: &jetstream::Context,
    cfg: &NatsConfig,
) -> Result<stream::Stream, String> {
    js.get_or_create_stream(stream::Config {
        name: cfg.stream.clone(),
        subjects: vec![format!("{}.>", cfg.subject_prefix)],
        retention: stream::RetentionPolicy::WorkQueue,
        max_age: Duration::from_secs(u64::from(cfg.retention_days) * 86_400),
        max_bytes: cfg.max_stream_bytes,
        max_message_size: i32::try_from(cfg.max_payload_bytes).unwrap_or(i32::MAX),
        discard: stream::DiscardPolicy::New,
        storage: stream::StorageType::File,
        ..Default::default()
    })
    .await
    .map_err(|e| format!("stream {}: {e}", cfg.stream))
}

pub(crate) async fn run(
    cfg: NatsConfig,
    sink: Arc<dyn ContextSink>,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
    tracing::info!(stream = %cfg.stream, consumer = %cfg.consumer, "NATS source starting");
    loop {
        match session(&cfg, sink.as_ref(), &mut stop, &mut backoff).await {
            Ok(()) => break,
            Err(e) => {
                let wait = backoff.next();
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "NATS source interrupted");
                if !pause(&mut stop, wait).await {
                    break;
                }
            }
        }
    }
    tracing::info!("NATS source stopped");
}

/// One connection: `Ok` when stopped, `Err` when it must start over.
async fn session(
    cfg: &NatsConfig,
    sink: &dyn ContextSink,
    stop: &mut watch::Receiver<bool>,
    backoff: &mut Backoff,
) -> Result<(), String> {
    let setup = async {
        let client = async_nats::ConnectOptions::new()
            .name("kairos")
            .connection_timeout(Duration::from_secs(10))
            .connect(cfg.url.as_str())
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let js = jetstream::new(client.clone());
        let stream = ensure_stream(&js, cfg).await?;
        let consumer: jetstream::consumer::PullConsumer = stream
            .get_or_create_consumer(
                &cfg.consumer,
                pull::Config {
                    durable_name: Some(cfg.consumer.clone()),
                    ack_policy: jetstream::consumer::AckPolicy::Explicit,
                    ack_wait: Duration::from_secs(cfg.ack_wait_secs),
                    max_deliver: cfg.max_deliver,
                    max_ack_pending: 256,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| format!("consumer {}: {e}", cfg.consumer))?;
        let messages = consumer
            .stream()
            .max_messages_per_batch(16)
            .messages()
            .await
            .map_err(|e| format!("pull: {e}"))?;
        Ok::<_, String>((client, messages))
    };
    let (client, messages) = tokio::select! {
        () = stopped(stop) => return Ok(()),
        m = setup => m?,
    };
    tracing::info!("NATS source connected");
    backoff.reset();
    let result = consume(cfg, sink, stop, messages).await;
    // Close the connection now, not when the last handle is gone: messages the server
    // hands to a lingering pull request wait `ack_wait` before anyone else gets them.
    let _ = tokio::time::timeout(Duration::from_secs(2), client.drain()).await;
    result
}

/// Handles messages until stopped (`Ok`) or the pull fails (`Err`).
async fn consume(
    cfg: &NatsConfig,
    sink: &dyn ContextSink,
    stop: &mut watch::Receiver<bool>,
    mut messages: pull::Stream,
) -> Result<(), String> {
    let prefix = format!("{}.", cfg.subject_prefix);
    loop {
        let msg = tokio::select! {
            () = stopped(stop) => return Ok(()),
            m = messages.next() => match m {
                Some(Ok(m)) => m,
                Some(Err(e)) => return Err(format!("pull: {e}")),
                None => return Err("the consumer's message stream ended".into()),
            },
        };
        let subject = msg.subject.as_str();
        let prepared = subject
            .strip_prefix(&prefix)
            .filter(|t| is_tenant_name(t))
            .ok_or_else(|| format!("subject {} does not name a tenant", shown(subject)))
            .and_then(|tenant: &str| {
                parse_payload(&msg.payload, cfg.max_payload_bytes)
                    .map(|events| (tenant.to_owned(), events))
                    .map_err(|e| e.to_string())
            });
        let ack = match prepared {
            Err(why) => {
                count(SOURCE, Outcome::Invalid);
                tracing::warn!(subject = %shown(subject), bytes = msg.payload.len(), reason = %why, "NATS message refused");
                AckKind::Term
            }
            Ok((tenant, events)) => match offer(SOURCE, sink, &tenant, events).await {
                Verdict::Done => AckKind::Ack,
                Verdict::Later => {
                    let delivered = msg.info().map(|i| i.delivered).unwrap_or(1);
                    let secs = 1u64 << delivered.clamp(1, 7).saturating_sub(1);
                    AckKind::Nak(Some(Duration::from_secs(secs.min(60))))
                }
            },
        };
        if let Err(e) = msg.ack_with(ack).await {
            tracing::warn!(error = %e, "NATS ack not sent; JetStream will redeliver");
        }
    }
}
