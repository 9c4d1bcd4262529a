//! Meta webhooks (WhatsApp Cloud API, Messenger) and sending WhatsApp text.
//!
//! Why this shape: Meta signs the raw body (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`
//! keyed with the app secret), so the signature is checked over the exact bytes received,
//! before any JSON parsing; a body re-serialised with other whitespace does not verify. One
//! delivery batches several events, so the result is a list, and each event is judged on its
//! own: one stale or unusable event does not sink its neighbours (the caller stores the good
//! ones and acknowledges the delivery). Delivery receipts, reads, postbacks and changes other
//! than messages produce no events.

use crate::{
    DEFAULT_TOLERANCE_SECS, OutboundRequest, ProviderError, ProviderEvent, ProviderEventKind,
    auth_header, bad_identity, check_fresh, check_id, check_path_segment, check_size, check_text,
    ct_eq,
};
use hmac::{Hmac, Mac};
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::message::Channel;
use serde::Deserialize;
use sha2::Sha256;

/// The header carrying Meta's signature.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";
/// The default tolerance for event timestamps, in seconds.
pub const DEFAULT_TOLERANCE: u64 = DEFAULT_TOLERANCE_SECS;
/// The Graph API version outbound requests use.
pub const GRAPH_VERSION: &str = "v21.0";
/// Longest WhatsApp text message (characters).
pub const MAX_TEXT_CHARS: usize = 4096;

#[derive(Deserialize)]
struct Webhook {
    object: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
    #[serde(default)]
    messaging: Vec<Messaging>,
}

#[derive(Deserialize)]
struct Change {
    field: String,
    value: WaValue,
}

#[derive(Deserialize)]
struct WaValue {
    #[serde(default)]
    contacts: Vec<Contact>,
    #[serde(default)]
    messages: Vec<WaMessage>,
    #[serde(default)]
    statuses: Vec<WaStatus>,
}

#[derive(Deserialize)]
struct Contact {
    wa_id: Option<String>,
    profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    name: Option<String>,
}

#[derive(Deserialize)]
struct WaMessage {
    id: String,
    from: String,
    timestamp: String,
    #[serde(rename = "type")]
    kind: String,
    text: Option<WaText>,
    image: Option<WaMedia>,
    document: Option<WaMedia>,
    audio: Option<WaMedia>,
    video: Option<WaMedia>,
}

#[derive(Deserialize)]
struct WaText {
    body: String,
}

#[derive(Deserialize)]
struct WaMedia {
    id: String,
    caption: Option<String>,
}

#[derive(Deserialize)]
struct WaStatus {
    id: String,
    status: String,
    timestamp: String,
}

#[derive(Deserialize)]
struct Messaging {
    sender: Party,
    timestamp: i64,
    message: Option<MsMessage>,
}

#[derive(Deserialize)]
struct Party {
    id: String,
}

#[derive(Deserialize)]
struct MsMessage {
    mid: String,
    text: Option<String>,
    #[serde(default)]
    is_echo: bool,
    #[serde(default)]
    attachments: Vec<MsAttachment>,
}

#[derive(Deserialize)]
struct MsAttachment {
    payload: Option<MsPayload>,
}

#[derive(Deserialize)]
struct MsPayload {
    url: Option<String>,
}

/// Checks `X-Hub-Signature-256` over the raw `body` in constant time. The hex must be lower
/// case, as Meta sends it. An empty app secret never verifies.
pub fn verify(
    app_secret: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(), ProviderError> {
    let given = auth_header(headers, SIGNATURE_HEADER)?;
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) else {
        return Err(ProviderError::BadSignature);
    };
    mac.update(body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    if app_secret.is_empty() || !ct_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(ProviderError::BadSignature);
    }
    Ok(())
}

/// Answers Meta's subscription handshake (`GET ?hub.mode=subscribe&hub.verify_token=…&
/// hub.challenge=…`): the challenge to echo back, if the token matches (constant time).
pub fn verify_subscription(
    mode: &str,
    verify_token: &str,
    challenge: &str,
    expected_token: &str,
) -> Result<String, ProviderError> {
    if mode != "subscribe"
        || expected_token.is_empty()
        || !ct_eq(verify_token.as_bytes(), expected_token.as_bytes())
    {
        return Err(ProviderError::BadSignature);
    }
    // Meta sends a number; refusing anything else keeps the echo from being a reflection.
    if challenge.is_empty()
        || challenge.len() > 128
        || !challenge.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(ProviderError::malformed("hub.challenge"));
    }
    Ok(challenge.to_owned())
}

/// Verifies one Meta delivery and normalises each event in it. The outer error refuses the
/// whole delivery (signature, malformed JSON, unknown object); an inner error refuses one
/// event (stale, unusable sender, oversize text).
pub fn parse_webhook(
    app_secret: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    now_unix: i64,
    tolerance_secs: u64,
) -> Result<Vec<Result<ProviderEvent, ProviderError>>, ProviderError> {
    check_size(body)?;
    verify(app_secret, headers, body)?;
    let hook: Webhook = serde_json::from_slice(body)
        .map_err(|e| ProviderError::malformed(format!("Meta webhook: {e}")))?;
    let fresh = |ts: i64| check_fresh(ts, now_unix, tolerance_secs);
    let mut out = Vec::new();
    match hook.object.as_str() {
        "whatsapp_business_account" => {
            for change in hook.entry.iter().flat_map(|e| &e.changes) {
                if change.field != "messages" {
                    continue;
                }
                let v = &change.value;
                out.extend(
                    v.messages
                        .iter()
                        .map(|m| whatsapp_message(m, &v.contacts, fresh)),
                );
                out.extend(v.statuses.iter().map(|s| whatsapp_status(s, fresh)));
            }
        }
        "page" => {
            for m in hook.entry.iter().flat_map(|e| &e.messaging) {
                if let Some(msg) = &m.message {
                    out.push(messenger_message(m, msg, fresh));
                }
            }
        }
        other => {
            return Err(ProviderError::Unsupported(format!(
                "Meta object {:?}",
                other.chars().take(40).collect::<String>()
            )));
        }
    }
    Ok(out)
}

fn unix_secs(field: &str, s: &str) -> Result<i64, ProviderError> {
    s.parse()
        .map_err(|_| ProviderError::malformed(format!("{field}: not a unix time")))
}

fn whatsapp_message(
    m: &WaMessage,
    contacts: &[Contact],
    fresh: impl Fn(i64) -> Result<(), ProviderError>,
) -> Result<ProviderEvent, ProviderError> {
    fresh(unix_secs("timestamp", &m.timestamp)?)?;
    let id = check_id("messages.id", &m.id)?.to_owned();
    let media = match m.kind.as_str() {
        "image" => m.image.as_ref(),
        "document" => m.document.as_ref(),
        "audio" => m.audio.as_ref(),
        "video" => m.video.as_ref(),
        _ => None,
    };
    let (text, media_urls) = match (m.kind.as_str(), &m.text, media) {
        ("text", Some(t), _) => (t.body.clone(), Vec::new()),
        (_, _, Some(media)) => (
            media.caption.clone().unwrap_or_default(),
            vec![format!(
                "whatsapp-media:{}",
                check_id("media.id", &media.id)?
            )],
        ),
        (kind, ..) => {
            return Ok(ProviderEvent {
                provider_event_id: id,
                kind: ProviderEventKind::Ignored {
                    reason: format!(
                        "WhatsApp message of type {:?}",
                        kind.chars().take(40).collect::<String>()
                    ),
                },
            });
        }
    };
    check_text(&text)?;
    let phone = if m.from.starts_with('+') {
        m.from.clone()
    } else {
        format!("+{}", m.from)
    };
    let from = Identity::parse(IdentityKind::Phone, &phone, None, None)
        .map_err(|e| bad_identity("messages.from", e))?;
    let display_name = contacts
        .iter()
        .find(|c| c.wa_id.as_deref() == Some(m.from.as_str()))
        .and_then(|c| c.profile.as_ref()?.name.as_deref())
        .map(|n| n.chars().filter(|c| !c.is_control()).take(200).collect());
    Ok(ProviderEvent {
        provider_event_id: id,
        kind: ProviderEventKind::Message {
            channel: Channel::Social,
            from,
            display_name,
            text,
            media_urls,
        },
    })
}

fn whatsapp_status(
    s: &WaStatus,
    fresh: impl Fn(i64) -> Result<(), ProviderError>,
) -> Result<ProviderEvent, ProviderError> {
    fresh(unix_secs("statuses.timestamp", &s.timestamp)?)?;
    let id = check_id("statuses.id", &s.id)?;
    let status = check_id("statuses.status", &s.status)?;
    Ok(ProviderEvent {
        provider_event_id: format!("{id}:{status}"),
        kind: ProviderEventKind::DeliveryStatus {
            external_message_id: id.to_owned(),
            status: status.to_owned(),
        },
    })
}

fn messenger_message(
    m: &Messaging,
    msg: &MsMessage,
    fresh: impl Fn(i64) -> Result<(), ProviderError>,
) -> Result<ProviderEvent, ProviderError> {
    fresh(m.timestamp.div_euclid(1000))?;
    let provider_event_id = check_id("message.mid", &msg.mid)?.to_owned();
    if msg.is_echo {
        return Ok(ProviderEvent {
            provider_event_id,
            kind: ProviderEventKind::Ignored {
                reason: "echo of a message the page sent".into(),
            },
        });
    }
    let text = msg.text.clone().unwrap_or_default();
    check_text(&text)?;
    let mut media_urls = Vec::new();
    for url in msg
        .attachments
        .iter()
        .filter_map(|a| a.payload.as_ref()?.url.as_deref())
    {
        if !url.starts_with("https://") {
            return Err(ProviderError::malformed("attachment: not an https URL"));
        }
        media_urls.push(check_id("attachment.url", url)?.to_owned());
    }
    if text.trim().is_empty() && media_urls.is_empty() {
        return Ok(ProviderEvent {
            provider_event_id,
            kind: ProviderEventKind::Ignored {
                reason: "Messenger message without text or media".into(),
            },
        });
    }
    let from = Identity::parse(IdentityKind::Social, &m.sender.id, Some("messenger"), None)
        .map_err(|e| bad_identity("sender.id", e))?;
    Ok(ProviderEvent {
        provider_event_id,
        kind: ProviderEventKind::Message {
            channel: Channel::Social,
            from,
            display_name: None,
            text,
            media_urls,
        },
    })
}

/// Sends a WhatsApp text: `POST /v21.0/{phone_number_id}/messages` (base URL
/// `https://graph.facebook.com`), JSON body, Bearer authentication. `to` is E.164.
pub fn send_text(
    phone_number_id: &str,
    access_token: &str,
    to: &str,
    text: &str,
) -> Result<OutboundRequest, ProviderError> {
    check_path_segment("phone_number_id", phone_number_id)?;
    let digits = to.strip_prefix('+').unwrap_or(to);
    if !(6..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ProviderError::malformed("to: not an E.164 number"));
    }
    if text.trim().is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return Err(ProviderError::malformed("text must be 1–4096 characters"));
    }
    if access_token.is_empty()
        || access_token
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(ProviderError::malformed("access_token"));
    }
    let body = serde_json::json!({
        "messaging_product": "whatsapp",
        "to": digits,
        "type": "text",
        "text": { "body": text },
    });
    Ok(OutboundRequest {
        method: "POST",
        path: format!("/{GRAPH_VERSION}/{phone_number_id}/messages"),
        content_type: "application/json",
        headers: vec![("Authorization".into(), format!("Bearer {access_token}"))],
        body: body.to_string().into_bytes(),
    })
}

/// A Messenger text reply through the Send API: POST `/{GRAPH_VERSION}/me/messages` with the
/// Page access token as Bearer, to the page-scoped id (PSID) the customer wrote from, as a
/// `RESPONSE` (a reply within the 24-hour window).
pub fn send_messenger(
    access_token: &str,
    psid: &str,
    text: &str,
) -> Result<OutboundRequest, ProviderError> {
    if psid.is_empty() || psid.len() > 64 || !psid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ProviderError::malformed("recipient: not a page-scoped id"));
    }
    if text.trim().is_empty() || text.chars().count() > MESSENGER_MAX_TEXT_CHARS {
        return Err(ProviderError::malformed("text must be 1–2000 characters"));
    }
    if access_token.is_empty()
        || access_token
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(ProviderError::malformed("access_token"));
    }
    let body = serde_json::json!({
        "recipient": { "id": psid },
        "messaging_type": "RESPONSE",
        "message": { "text": text },
    });
    Ok(OutboundRequest {
        method: "POST",
        path: format!("/{GRAPH_VERSION}/me/messages"),
        content_type: "application/json",
        headers: vec![("Authorization".into(), format!("Bearer {access_token}"))],
        body: body.to_string().into_bytes(),
    })
}

/// Longest Messenger text message (the Send API's limit).
pub const MESSENGER_MAX_TEXT_CHARS: usize = 2000;

#[cfg(test)]
mod tests;
