//! Public provider webhooks: `POST /api/v1/hooks/{channel_id}` (and Meta's `GET`
//! subscription handshake).
//!
//! No bearer token: the provider's signature over the raw body is the authentication (H01).
//! An unknown channel is 404 before any work; the body is read raw up to
//! [`kairos_channels::MAX_WEBHOOK_BYTES`] (413 above); a missing, wrong or stale signature is
//! 401 with a log line and nothing stored. A genuine event is only queued in the webhook inbox
//! (which also de-duplicates redeliveries, H02) and answered at once; the hooks worker does
//! the processing (H04).

use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{Query, parse_id};
use crate::routes::channels::stored_config;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, Uri, header};
use kairos_channels::config::{ChannelConfig, TwilioConfig};
use kairos_channels::{
    MAX_WEBHOOK_BYTES, ProviderError, ProviderEvent, ProviderEventKind, meta, telegram, twilio,
};
use kairos_store::hooks::ProviderChannel;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// What Twilio expects back: an empty TwiML document (no reply message, no call actions).
const TWIML_EMPTY: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(receive, handshake))
}

async fn channel(state: &AppState, raw_id: &str) -> Result<ProviderChannel, ApiError> {
    let id: Uuid = parse_id(raw_id, "channel")?;
    state
        .store
        .provider_channel(id)
        .await?
        .ok_or_else(|| ApiError::not_found("channel"))
}

/// The URL Twilio signed: the channel's configured one, else the public URL's.
fn twilio_url(
    state: &AppState,
    id: Uuid,
    cfg: &TwilioConfig,
    uri: &Uri,
) -> Result<String, ApiError> {
    if let Some(u) = &cfg.webhook_url {
        return Ok(u.clone());
    }
    let base = state.public_url.as_ref().ok_or_else(|| {
        ApiError::internal(format!(
            "Twilio channel {id} has no webhook_url and KAIROS_PUBLIC_URL is not set"
        ))
    })?;
    let mut url = format!("{base}/api/v1/hooks/{id}");
    if let Some(q) = uri.query() {
        url.push('?');
        url.push_str(q);
    }
    Ok(url)
}

/// Maps a refusal to its answer, with a log line (H01).
fn refuse(ch: &ProviderChannel, e: ProviderError) -> ApiError {
    metrics::counter!("kairos_webhooks_refused_total", "provider" => ch.provider.clone())
        .increment(1);
    match e {
        ProviderError::BadSignature => {
            tracing::warn!(channel = %ch.id, provider = %ch.provider, "webhook refused: bad or missing signature");
            ApiError::bad_signature("the webhook signature is missing or wrong")
        }
        ProviderError::Stale { age_secs } => {
            tracing::warn!(channel = %ch.id, provider = %ch.provider, age_secs, "webhook refused: stale timestamp (replay?)");
            ApiError::bad_signature("the event's timestamp is outside the tolerance")
        }
        other => {
            tracing::info!(channel = %ch.id, provider = %ch.provider, error = %other, "webhook refused: malformed");
            ApiError::bad_request(other.to_string())
        }
    }
}

/// Verifies and normalises the delivery (`signed_url`: what Twilio signed).
fn verify(
    ch: &ProviderChannel,
    cfg: &ChannelConfig,
    signed_url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Vec<ProviderEvent>, ProviderError> {
    let now = kairos_store::now().as_micros().div_euclid(1_000_000);
    match cfg {
        ChannelConfig::Twilio(t) => Ok(vec![twilio::parse_webhook(
            &t.auth_token,
            signed_url,
            headers,
            body,
        )?]),
        ChannelConfig::Telegram(t) => Ok(vec![telegram::parse_update(
            &t.secret_token,
            headers,
            body,
            now,
            telegram::DEFAULT_TOLERANCE,
        )?]),
        ChannelConfig::Meta(m) => {
            let mut good = Vec::new();
            let mut stale = None;
            for r in
                meta::parse_webhook(&m.app_secret, headers, body, now, meta::DEFAULT_TOLERANCE)?
            {
                match r {
                    Ok(e) => good.push(e),
                    Err(e) => {
                        tracing::info!(channel = %ch.id, error = %e, "meta webhook: one event refused");
                        if matches!(e, ProviderError::Stale { .. }) {
                            stale.get_or_insert(e);
                        }
                    }
                }
            }
            match stale {
                Some(e) if good.is_empty() => Err(e),
                _ => Ok(good),
            }
        }
    }
}

/// Receives a provider webhook (no bearer token: the provider's signature authenticates it).
/// Genuine events are queued and answered at once: Twilio gets an empty TwiML `<Response/>`,
/// the others `{"ok":true}`.
#[utoipa::path(post, path = "/api/v1/hooks/{channel_id}", tag = "channels",
    params(("channel_id" = Uuid, Path, description = "The provider channel")),
    request_body(content = String, content_type = "application/octet-stream",
        description = "The provider's raw body (form for Twilio, JSON for Telegram and Meta), at most 1 MiB"),
    responses((status = 200, description = "Accepted (or a duplicate, or a genuine event Kairos ignores)"),
        (status = 400, body = Problem), (status = 401, description = "signature missing, wrong or stale", body = Problem),
        (status = 404, body = Problem), (status = 413, body = Problem)))]
async fn receive(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let ch = channel(&state, &channel_id).await?;
    let bytes = crate::extract::limited_body(
        &headers,
        body,
        MAX_WEBHOOK_BYTES,
        "a webhook body is at most 1 MiB",
    )
    .await?;
    let cfg = stored_config(&ch)?;
    // A missing URL is the configuration's fault, not the request's: 500, so Twilio retries.
    let signed_url = match &cfg {
        ChannelConfig::Twilio(t) => twilio_url(&state, ch.id, t, &uri)?,
        _ => String::new(),
    };
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
        .collect();
    let events = match verify(&ch, &cfg, &signed_url, &pairs, &bytes) {
        Ok(events) => events,
        Err(ProviderError::Unsupported(what)) => {
            tracing::info!(channel = %ch.id, provider = %ch.provider, what, "webhook acknowledged: unsupported");
            Vec::new()
        }
        Err(e) => return Err(refuse(&ch, e)),
    };
    let mut accepted = 0usize;
    for event in &events {
        if let ProviderEventKind::Ignored { reason } = &event.kind {
            tracing::debug!(channel = %ch.id, reason, "webhook event ignored");
            continue;
        }
        let payload = serde_json::to_vec(event).map_err(|e| ApiError::internal(e.to_string()))?;
        if state
            .store
            .webhook_accept(ch.id, &event.provider_event_id, &payload)
            .await?
        {
            accepted += 1;
        }
    }
    metrics::counter!("kairos_webhooks_accepted_total", "provider" => ch.provider.clone())
        .increment(accepted as u64);
    tracing::debug!(channel = %ch.id, events = events.len(), accepted, "webhook received");
    Ok(match cfg {
        ChannelConfig::Twilio(_) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            TWIML_EMPTY,
        )
            .into_response(),
        _ => (StatusCode::OK, axum::Json(serde_json::json!({"ok": true}))).into_response(),
    })
}

/// Meta's subscription handshake parameters.
#[derive(Deserialize, IntoParams)]
pub(crate) struct Handshake {
    /// Always `subscribe`.
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    /// The verify token configured at Meta.
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    /// The number to echo back.
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// Meta's webhook subscription handshake: echoes `hub.challenge` when `hub.verify_token`
/// matches the channel's (Meta channels only).
#[utoipa::path(get, path = "/api/v1/hooks/{channel_id}", tag = "channels",
    params(("channel_id" = Uuid, Path, description = "The provider channel"), Handshake),
    responses((status = 200, description = "The challenge, as text/plain", body = String),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn handshake(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
    Query(q): Query<Handshake>,
) -> Result<Response, ApiError> {
    let ch = channel(&state, &channel_id).await?;
    let ChannelConfig::Meta(m) = stored_config(&ch)? else {
        return Err(ApiError::not_found("channel"));
    };
    let challenge = meta::verify_subscription(
        q.mode.as_deref().unwrap_or(""),
        q.verify_token.as_deref().unwrap_or(""),
        q.challenge.as_deref().unwrap_or(""),
        &m.verify_token,
    )
    .map_err(|e| refuse(&ch, e))?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        challenge,
    )
        .into_response())
}
