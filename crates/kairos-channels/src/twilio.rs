//! Twilio webhooks (SMS in, message status, voice status, transcriptions) and sending SMS.
//!
//! Why this shape: Twilio posts `application/x-www-form-urlencoded` and signs the *decoded*
//! parameters, not the raw body, so the form is parsed before the signature is checked; no
//! field is interpreted until it is. Twilio sends no timestamp, so replays are caught only by
//! de-duplication on the ids chosen here (a message's `MessageSid`; a call's `CallSid` plus its
//! `CallStatus`, so each state change is one event; a transcription's `TranscriptionSid`).
//!
//! The signature (`X-Twilio-Signature`) is base64(HMAC-SHA1(auth token, URL + every parameter
//! sorted by name, each name followed by its value)), exactly as Twilio's own SDKs compute it
//! (they also drop exact duplicate pairs). `url` must be the full URL as configured at Twilio,
//! including scheme, any port and query string: behind a proxy, rebuild it from configuration,
//! never from the request's `Host` header. JSON webhooks (`bodySHA256`) are not supported.

use crate::{
    OutboundRequest, ProviderError, ProviderEvent, ProviderEventKind, auth_header, bad_identity,
    check_id, check_path_segment, check_size, check_text, ct_eq,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::message::Channel;
use sha1::Sha1;

/// The header carrying Twilio's signature.
pub const SIGNATURE_HEADER: &str = "X-Twilio-Signature";
/// Most media a Twilio message carries.
pub const MAX_MEDIA: usize = 10;
/// Longest SMS body Twilio accepts for sending (it splits it into segments).
pub const MAX_SMS_CHARS: usize = 1600;

/// The signature Twilio sends for `params` posted to `url`.
pub fn expected_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    sorted.dedup();
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else {
        return String::new();
    };
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    B64.encode(mac.finalize().into_bytes())
}

/// Checks `signature` (the header's value) in constant time. An empty auth token never verifies.
pub fn verify(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    signature: &str,
) -> Result<(), ProviderError> {
    let expected = expected_signature(auth_token, url, params);
    if auth_token.is_empty()
        || expected.is_empty()
        || !ct_eq(signature.as_bytes(), expected.as_bytes())
    {
        return Err(ProviderError::BadSignature);
    }
    Ok(())
}

/// Decodes a form body into its pairs, in order.
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, ProviderError> {
    check_size(body)?;
    if !body.is_ascii() {
        // Twilio percent-encodes everything; raw non-ASCII bytes are not from Twilio.
        return Err(ProviderError::malformed("form body is not ASCII"));
    }
    Ok(form_urlencoded::parse(body).into_owned().collect())
}

/// Verifies and normalises one Twilio webhook posted to `url`.
pub fn parse_webhook(
    auth_token: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<ProviderEvent, ProviderError> {
    let signature = auth_header(headers, SIGNATURE_HEADER)?;
    let params = parse_form(body)?;
    verify(auth_token, url, &params, signature)?;
    normalise(&Form(&params))
}

struct Form<'a>(&'a [(String, String)]);

impl Form<'_> {
    /// The field's value; a repeated field is ambiguous and refused.
    fn get(&self, name: &str) -> Result<Option<&str>, ProviderError> {
        let mut found = self.0.iter().filter(|(k, _)| k == name);
        match (found.next(), found.next()) {
            (Some((_, v)), None) => Ok(Some(v)),
            (None, _) => Ok(None),
            (Some(_), Some(_)) => Err(ProviderError::malformed(format!("{name}: repeated"))),
        }
    }

    fn need(&self, name: &str) -> Result<&str, ProviderError> {
        self.get(name)?
            .ok_or_else(|| ProviderError::malformed(format!("{name}: missing")))
    }

    fn id(&self, name: &str) -> Result<&str, ProviderError> {
        check_id(name, self.need(name)?)
    }

    fn url(&self, name: &str) -> Result<Option<String>, ProviderError> {
        match self.get(name)? {
            None | Some("") => Ok(None),
            Some(u) if u.starts_with("https://") => Ok(Some(check_id(name, u)?.to_owned())),
            Some(_) => Err(ProviderError::malformed(format!(
                "{name}: not an https URL"
            ))),
        }
    }

    fn phone(&self, name: &str) -> Result<Identity, ProviderError> {
        let raw = self.need(name)?;
        if raw.starts_with("whatsapp:") {
            return Err(ProviderError::Unsupported("Twilio WhatsApp".into()));
        }
        Identity::parse(IdentityKind::Phone, raw, None, None).map_err(|e| bad_identity(name, e))
    }
}

fn normalise(form: &Form<'_>) -> Result<ProviderEvent, ProviderError> {
    if form.get("TranscriptionSid")?.is_some() {
        return transcription(form);
    }
    if form.get("MessageSid")?.is_some() {
        return match form.get("MessageStatus")? {
            Some(status) if status != "received" => {
                let sid = form.id("MessageSid")?;
                let status = check_id("MessageStatus", status)?;
                Ok(ProviderEvent {
                    provider_event_id: format!("{sid}:{status}"),
                    kind: ProviderEventKind::DeliveryStatus {
                        external_message_id: sid.to_owned(),
                        status: status.to_owned(),
                    },
                })
            }
            _ => sms(form),
        };
    }
    if form.get("CallSid")?.is_some() {
        return call_status(form);
    }
    Err(ProviderError::Unsupported(
        "Twilio webhook without MessageSid, CallSid or TranscriptionSid".into(),
    ))
}

fn sms(form: &Form<'_>) -> Result<ProviderEvent, ProviderError> {
    let sid = form.id("MessageSid")?;
    let from = form.phone("From")?;
    let text = form.need("Body")?;
    check_text(text)?;
    let num_media = match form.get("NumMedia")? {
        None => 0,
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= MAX_MEDIA)
            .ok_or_else(|| ProviderError::malformed("NumMedia: not 0–10"))?,
    };
    let mut media_urls = Vec::with_capacity(num_media);
    for i in 0..num_media {
        let name = format!("MediaUrl{i}");
        let url = form
            .url(&name)?
            .ok_or_else(|| ProviderError::malformed(format!("{name}: missing")))?;
        media_urls.push(url);
    }
    if text.trim().is_empty() && media_urls.is_empty() {
        return Err(ProviderError::malformed("message without text or media"));
    }
    Ok(ProviderEvent {
        provider_event_id: sid.to_owned(),
        kind: ProviderEventKind::Message {
            channel: Channel::Sms,
            from,
            display_name: None,
            text: text.to_owned(),
            media_urls,
        },
    })
}

fn call_status(form: &Form<'_>) -> Result<ProviderEvent, ProviderError> {
    let call_id = form.id("CallSid")?;
    let status = form.id("CallStatus")?;
    let duration_secs = match form.get("CallDuration")? {
        None | Some("") => None,
        Some(d) => Some(
            d.parse::<u32>()
                .map_err(|_| ProviderError::malformed("CallDuration: not a number"))?,
        ),
    };
    Ok(ProviderEvent {
        provider_event_id: format!("{call_id}:{status}"),
        kind: ProviderEventKind::Call {
            from: form.phone("From")?,
            call_id: call_id.to_owned(),
            status: status.to_owned(),
            duration_secs,
            recording_url: form.url("RecordingUrl")?,
            transcription: None,
        },
    })
}

fn transcription(form: &Form<'_>) -> Result<ProviderEvent, ProviderError> {
    let sid = form.id("TranscriptionSid")?;
    let text = form.get("TranscriptionText")?.unwrap_or_default();
    check_text(text)?;
    let status = match form.get("TranscriptionStatus")? {
        Some(s) => check_id("TranscriptionStatus", s)?,
        None => "completed",
    };
    Ok(ProviderEvent {
        provider_event_id: sid.to_owned(),
        kind: ProviderEventKind::Call {
            from: form.phone("From")?,
            call_id: form.id("CallSid")?.to_owned(),
            status: status.to_owned(),
            duration_secs: None,
            recording_url: form.url("RecordingUrl")?,
            transcription: Some(text.to_owned()),
        },
    })
}

/// Sends an SMS: `POST /2010-04-01/Accounts/{account_sid}/Messages.json` (base URL
/// `https://api.twilio.com`), form body, HTTP Basic authentication.
pub fn send_sms(
    account_sid: &str,
    auth_token: &str,
    from: &str,
    to: &str,
    body: &str,
) -> Result<OutboundRequest, ProviderError> {
    check_path_segment("account_sid", account_sid)?;
    if body.trim().is_empty() || body.chars().count() > MAX_SMS_CHARS {
        return Err(ProviderError::malformed(
            "SMS body must be 1–1600 characters",
        ));
    }
    if from.is_empty() || to.is_empty() {
        return Err(ProviderError::malformed("SMS needs From and To"));
    }
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("To", to)
        .append_pair("From", from)
        .append_pair("Body", body)
        .finish();
    let basic = B64.encode(format!("{account_sid}:{auth_token}"));
    Ok(OutboundRequest {
        method: "POST",
        path: format!("/2010-04-01/Accounts/{account_sid}/Messages.json"),
        content_type: "application/x-www-form-urlencoded",
        headers: vec![("Authorization".into(), format!("Basic {basic}"))],
        body: form.into_bytes(),
    })
}

#[cfg(test)]
mod tests;
