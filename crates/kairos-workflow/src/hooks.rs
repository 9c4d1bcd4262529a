//! The hooks worker: turns queued provider events (the webhook inbox) into touchpoints.
//!
//! A message becomes an inbound touchpoint on the sender's timeline (found by phone number or
//! social id), and the conversation remembers the channel and address so replies can go back
//! the same way. A finished call and a transcription become voice touchpoints. A delivery
//! status is recorded as a receipt whose best status wins, so receipts arriving out of order,
//! or before Kairos knows the message, converge (H03). The touchpoint's external id is
//! `<provider>:<provider event id>`, so processing an event twice (a crash between the write
//! and marking it done) still gives one message (H02). A store failure is retried with
//! backoff; an event the core refuses is marked failed for operators.

use crate::Clock;
use kairos_channels::{ProviderEvent, ProviderEventKind};
use kairos_core::Timestamp;
use kairos_core::event::Actor;
use kairos_core::identity::Identity;
use kairos_core::inbound::InboundCommand;
use kairos_core::message::{Body, Channel};
use kairos_store::hooks::{INBOX_RETENTION_MICROS, InboxItem};
use kairos_store::{Store, StoreError};
use std::time::Duration;
use tokio::sync::watch;

/// Events taken per round.
const BATCH: u32 = 100;
/// How often the inbox is looked at.
const TICK: Duration = Duration::from_millis(200);
/// Attempts before an event is given up (the backoff then waits about a day in total).
pub const MAX_ATTEMPTS: u32 = 16;
/// How often done events past their retention are purged.
const PURGE_EVERY_MICROS: i64 = 3600 * 1_000_000;
/// Call statuses that end a call; earlier ones (ringing, in-progress) make no touchpoint.
const CALL_ENDED: [&str; 5] = ["completed", "busy", "no-answer", "failed", "canceled"];

/// Processes the inbox until `stop` turns true; purges done events older than
/// [`INBOX_RETENTION_MICROS`] once an hour (H05).
pub async fn run(store: Store, clock: Clock, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(TICK);
    let mut last_purge = i64::MIN;
    loop {
        let now = clock();
        if let Err(e) = process_due(&store, now).await {
            tracing::warn!(error = %e, "hooks worker: reading the inbox failed; retrying");
        }
        if now.as_micros().saturating_sub(last_purge) >= PURGE_EVERY_MICROS {
            let before = Timestamp::from_micros(now.as_micros() - INBOX_RETENTION_MICROS);
            match store.webhook_purge(before).await {
                Ok(n) => {
                    last_purge = now.as_micros();
                    if n > 0 {
                        tracing::info!(purged = n, "hooks worker: purged old inbox rows");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "hooks worker: purge failed"),
            }
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tick.tick() => {}
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// Processes the events due by `now`; returns how many were looked at.
pub async fn process_due(store: &Store, now: Timestamp) -> Result<usize, StoreError> {
    let items = store.webhook_due(now, BATCH).await?;
    for item in &items {
        process(store, item, now).await?;
    }
    Ok(items.len())
}

/// The delay before attempt `attempts + 1`: 1 s doubling, at most an hour.
pub fn backoff(attempts: u32) -> Duration {
    Duration::from_secs(1u64 << attempts.min(12)).min(Duration::from_secs(3600))
}

async fn process(store: &Store, item: &InboxItem, now: Timestamp) -> Result<(), StoreError> {
    let (ch, id) = (item.provider_channel_id, item.provider_event_id.as_str());
    let event: ProviderEvent = match serde_json::from_slice(&item.payload) {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(channel = %ch, event = id, error = %e, "hooks worker: undecodable inbox row");
            return store
                .webhook_failed(ch, id, &format!("undecodable: {e}"), None)
                .await;
        }
    };
    match apply(store, item, event).await {
        Ok(()) => store.webhook_done(ch, id).await,
        Err(StoreError::Domain(e)) => {
            tracing::warn!(channel = %ch, event = id, error = %e, "hooks worker: event refused");
            store.webhook_failed(ch, id, &e.to_string(), None).await
        }
        Err(e) => {
            let attempts = item.attempts + 1;
            let retry = (attempts < MAX_ATTEMPTS).then(|| {
                let wait = i64::try_from(backoff(item.attempts).as_micros()).unwrap_or(i64::MAX);
                Timestamp::from_micros(now.as_micros().saturating_add(wait))
            });
            tracing::warn!(channel = %ch, event = id, attempts, error = %e, "hooks worker: processing failed");
            store.webhook_failed(ch, id, &e.to_string(), retry).await
        }
    }
}

async fn apply(store: &Store, item: &InboxItem, event: ProviderEvent) -> Result<(), StoreError> {
    let external_id = format!("{}:{}", item.provider, event.provider_event_id);
    match event.kind {
        ProviderEventKind::Message {
            channel,
            from,
            display_name,
            text,
            media_urls,
        } => {
            let body = message_text(&text, &media_urls);
            let (ids, _) = store
                .inbound(
                    item.tenant_id,
                    command(channel, from.clone(), display_name, &body, external_id)?,
                    &Actor::System,
                )
                .await?;
            store
                .provider_route_set(
                    item.tenant_id,
                    ids.conversation_id,
                    item.provider_channel_id,
                    &from.value,
                )
                .await
        }
        ProviderEventKind::Call {
            from,
            call_id,
            status,
            duration_secs,
            recording_url,
            transcription,
        } => {
            if transcription.is_none() && !CALL_ENDED.contains(&status.as_str()) {
                return Ok(());
            }
            let body = call_text(
                &call_id,
                &status,
                duration_secs,
                recording_url.as_deref(),
                transcription.as_deref(),
            );
            store
                .inbound(
                    item.tenant_id,
                    command(Channel::Voice, from, None, &body, external_id)?,
                    &Actor::System,
                )
                .await
                .map(drop)
        }
        ProviderEventKind::DeliveryStatus {
            external_message_id,
            status,
        } => {
            store
                .provider_receipt(
                    item.provider_channel_id,
                    &external_message_id,
                    &status,
                    status_rank(&status),
                )
                .await
        }
        ProviderEventKind::Ignored { .. } => Ok(()),
    }
}

fn command(
    channel: Channel,
    from: Identity,
    display_name: Option<String>,
    body: &str,
    external_id: String,
) -> Result<InboundCommand, StoreError> {
    Ok(InboundCommand {
        channel,
        from,
        display_name,
        subject: None,
        body: Body::new(body, None)?,
        attachments: Vec::new(),
        external_id: Some(external_id),
        conversation_id: None,
    })
}

/// The text of a message: its text, then its media listed (media only: `[media]` first).
pub fn message_text(text: &str, media_urls: &[String]) -> String {
    let mut out = text.trim().to_owned();
    if media_urls.is_empty() {
        return out;
    }
    if out.is_empty() {
        out.push_str("[media]");
    } else {
        out.push_str("\n\n[media]");
    }
    for url in media_urls {
        out.push_str("\n- ");
        out.push_str(url);
    }
    out
}

/// The text of a voice touchpoint.
pub fn call_text(
    call_id: &str,
    status: &str,
    duration_secs: Option<u32>,
    recording_url: Option<&str>,
    transcription: Option<&str>,
) -> String {
    let mut out = match transcription {
        Some(_) => format!("Transcription of call {call_id} ({status})"),
        None => format!("Call {call_id}: {status}"),
    };
    if let Some(d) = duration_secs {
        out.push_str(&format!(", {} min {} s", d / 60, d % 60));
    }
    if let Some(url) = recording_url {
        out.push_str(&format!("\nRecording: {url}"));
    }
    if let Some(t) = transcription {
        let t = t.trim();
        out.push_str(if t.is_empty() { "\n(empty)" } else { "\n" });
        out.push_str(t);
    }
    out
}

/// How far a delivery status is along: later ones win over earlier ones (H03); a failure is
/// final.
pub fn status_rank(status: &str) -> i64 {
    match status {
        "accepted" | "queued" | "scheduled" | "sending" => 0,
        "sent" => 1,
        "delivered" => 2,
        "read" => 3,
        "failed" | "undelivered" | "canceled" => 4,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_only_messages_get_a_text() {
        assert_eq!(message_text("hi", &[]), "hi");
        assert_eq!(
            message_text("", &["whatsapp-media:1".into()]),
            "[media]\n- whatsapp-media:1"
        );
        assert!(
            call_text("CA1", "completed", Some(125), Some("https://r"), None).contains("2 min 5 s")
        );
        assert!(status_rank("read") > status_rank("delivered"));
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(40), Duration::from_secs(3600));
    }
}
