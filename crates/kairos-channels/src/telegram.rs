//! Telegram Bot API webhooks (`Update` JSON) and sending messages.
//!
//! Why this shape: Telegram does not sign its webhooks; it echoes the `secret_token` given to
//! `setWebhook` in `X-Telegram-Bot-Api-Secret-Token`, so that header is the only proof of
//! origin and is compared in constant time. Updates carry a `date`, so replays outside the
//! tolerance are refused; inside it, `update_id` is the de-duplication key. Only private chats
//! become messages: in a group the sender is not the chat, and a reply to the sender would
//! leak the group conversation into a direct one.

use crate::{
    DEFAULT_TOLERANCE_SECS, OutboundRequest, ProviderError, ProviderEvent, ProviderEventKind,
    auth_header, bad_identity, check_fresh, check_id, check_path_segment, check_size, check_text,
    ct_eq,
};
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::message::Channel;
use serde::Deserialize;

/// The header carrying the webhook's secret token.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";
/// The default tolerance for `date`, in seconds.
pub const DEFAULT_TOLERANCE: u64 = DEFAULT_TOLERANCE_SECS;
/// Longest text the Bot API sends in one message (characters).
pub const MAX_MESSAGE_CHARS: usize = 4096;

#[derive(Deserialize)]
struct Update {
    update_id: i64,
    message: Option<Message>,
    edited_message: Option<Message>,
}

#[derive(Deserialize)]
struct Message {
    message_id: i64,
    from: Option<User>,
    chat: Chat,
    date: i64,
    edit_date: Option<i64>,
    text: Option<String>,
    caption: Option<String>,
    photo: Option<Vec<FileRef>>,
    document: Option<FileRef>,
}

#[derive(Deserialize)]
struct User {
    id: i64,
    #[serde(default)]
    is_bot: bool,
    first_name: Option<String>,
    last_name: Option<String>,
    username: Option<String>,
}

#[derive(Deserialize)]
struct Chat {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct FileRef {
    file_id: String,
}

/// Checks the secret token header against `secret` in constant time (also over the length).
/// An empty configured secret never verifies.
pub fn verify(secret: &str, headers: &[(&str, &str)]) -> Result<(), ProviderError> {
    let given = auth_header(headers, SECRET_HEADER)?;
    if secret.is_empty() || !ct_eq(given.as_bytes(), secret.as_bytes()) {
        return Err(ProviderError::BadSignature);
    }
    Ok(())
}

/// Verifies and normalises one Telegram update; `now_unix` is the current time and
/// `tolerance_secs` the accepted clock difference (usually [`DEFAULT_TOLERANCE`]).
pub fn parse_update(
    secret: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    now_unix: i64,
    tolerance_secs: u64,
) -> Result<ProviderEvent, ProviderError> {
    verify(secret, headers)?;
    check_size(body)?;
    let update: Update = serde_json::from_slice(body)
        .map_err(|e| ProviderError::malformed(format!("Telegram update: {e}")))?;
    let provider_event_id = update.update_id.to_string();
    let ignored = |reason: &str| {
        Ok(ProviderEvent {
            provider_event_id: provider_event_id.clone(),
            kind: ProviderEventKind::Ignored {
                reason: reason.to_owned(),
            },
        })
    };
    // An edit arrives as a new message: the conversation is append-only.
    let (msg, edited) = match (update.message, update.edited_message) {
        (Some(m), None) => (m, false),
        (None, Some(m)) => (m, true),
        (Some(_), Some(_)) => return Err(ProviderError::malformed("two messages in one update")),
        (None, None) => return ignored("update without a message"),
    };
    let sent = if edited {
        msg.edit_date.unwrap_or(msg.date)
    } else {
        msg.date
    };
    check_fresh(sent, now_unix, tolerance_secs)?;
    if msg.message_id <= 0 {
        return Err(ProviderError::malformed("message_id: not positive"));
    }
    let Some(user) = msg.from else {
        return ignored("message without a sender");
    };
    if msg.chat.kind != "private" {
        return ignored("message in a group or channel");
    }
    if user.is_bot {
        return ignored("message from a bot");
    }
    let from = Identity::parse(
        IdentityKind::Social,
        &user.id.to_string(),
        Some("telegram"),
        None,
    )
    .map_err(|e| bad_identity("from.id", e))?;
    let text = msg.text.or(msg.caption).unwrap_or_default();
    check_text(&text)?;
    let mut media_urls = Vec::new();
    // Telegram lists one photo in several sizes, smallest first.
    if let Some(largest) = msg.photo.as_ref().and_then(|p| p.last()) {
        media_urls.push(file_ref(&largest.file_id)?);
    }
    if let Some(doc) = &msg.document {
        media_urls.push(file_ref(&doc.file_id)?);
    }
    if text.trim().is_empty() && media_urls.is_empty() {
        return ignored("message without text, photo or document");
    }
    Ok(ProviderEvent {
        provider_event_id,
        kind: ProviderEventKind::Message {
            channel: Channel::Social,
            from,
            display_name: display_name(&user),
            text,
            media_urls,
        },
    })
}

fn file_ref(file_id: &str) -> Result<String, ProviderError> {
    Ok(format!("telegram-file:{}", check_id("file_id", file_id)?))
}

fn display_name(u: &User) -> Option<String> {
    let full = [u.first_name.as_deref(), u.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let name = if full.is_empty() {
        u.username.clone()?
    } else {
        full
    };
    Some(name.chars().take(200).filter(|c| !c.is_control()).collect())
}

/// Sends a text message: `POST /bot{bot_token}/sendMessage` (base URL
/// `https://api.telegram.org`), JSON body. The token is part of the path: never log the path.
pub fn send_message(
    bot_token: &str,
    chat_id: i64,
    text: &str,
) -> Result<OutboundRequest, ProviderError> {
    check_path_segment("bot_token", bot_token)?;
    if text.trim().is_empty() || text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ProviderError::malformed("text must be 1–4096 characters"));
    }
    let body = serde_json::json!({ "chat_id": chat_id, "text": text });
    Ok(OutboundRequest {
        method: "POST",
        path: format!("/bot{bot_token}/sendMessage"),
        content_type: "application/json",
        headers: Vec::new(),
        body: body.to_string().into_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "s3cr3t-Token_from-setWebhook";
    const NOW: i64 = 1_735_689_600;

    fn update(date: i64) -> String {
        format!(
            r#"{{"update_id": 10000,
              "message": {{"date": {date}, "chat": {{"last_name": "Test Lastname", "id": 1111111,
                "type": "private", "first_name": "Test Firstname", "username": "Testusername"}},
                "message_id": 1365,
                "from": {{"last_name": "Test Lastname", "id": 1111111, "is_bot": false,
                  "first_name": "Test Firstname", "username": "Testusername"}},
                "text": "/start"}}}}"#
        )
    }

    fn parse(body: &str) -> Result<ProviderEvent, ProviderError> {
        parse_update(
            SECRET,
            &[(SECRET_HEADER, SECRET)],
            body.as_bytes(),
            NOW,
            DEFAULT_TOLERANCE,
        )
    }

    #[test]
    fn a_private_text_message_is_normalised() {
        let e = parse(&update(NOW - 5)).unwrap();
        assert_eq!(e.provider_event_id, "10000");
        let ProviderEventKind::Message {
            channel,
            from,
            display_name,
            text,
            media_urls,
        } = e.kind
        else {
            panic!()
        };
        assert_eq!(channel, Channel::Social);
        assert_eq!(
            (from.network.as_str(), from.value.as_str()),
            ("telegram", "1111111")
        );
        assert_eq!(
            display_name.as_deref(),
            Some("Test Firstname Test Lastname")
        );
        assert_eq!((text.as_str(), media_urls.len()), ("/start", 0));
    }

    #[test]
    fn h01_wrong_truncated_empty_and_missing_secrets_are_rejected() {
        let body = update(NOW);
        for headers in [
            &[(SECRET_HEADER, "wrong")][..],
            &[(SECRET_HEADER, &SECRET[..SECRET.len() - 1])],
            &[(SECRET_HEADER, "")],
            &[(SECRET_HEADER, &SECRET.to_uppercase())],
            &[(SECRET_HEADER, SECRET), (SECRET_HEADER, SECRET)],
            &[],
        ] {
            let r = parse_update(SECRET, headers, body.as_bytes(), NOW, DEFAULT_TOLERANCE);
            assert_eq!(r, Err(ProviderError::BadSignature), "{headers:?}");
        }
        assert_eq!(
            parse_update("", &[(SECRET_HEADER, "")], body.as_bytes(), NOW, 300),
            Err(ProviderError::BadSignature)
        );
    }

    #[test]
    fn h01_stale_and_future_updates_are_rejected() {
        assert_eq!(
            parse(&update(NOW - 301)),
            Err(ProviderError::Stale { age_secs: 301 })
        );
        assert_eq!(
            parse(&update(NOW + 301)),
            Err(ProviderError::Stale { age_secs: -301 })
        );
        assert!(parse(&update(NOW - 300)).is_ok());
    }

    #[test]
    fn h02_a_redelivered_update_has_the_same_id() {
        let a = parse(&update(NOW)).unwrap();
        let b = parse(&update(NOW - 10)).unwrap();
        assert_eq!(a.provider_event_id, b.provider_event_id);
    }

    #[test]
    fn photos_edits_groups_and_other_updates() {
        let photo = format!(
            r#"{{"update_id": 7, "message": {{"message_id": 2, "date": {NOW},
              "from": {{"id": 42, "is_bot": false, "first_name": "Ann"}},
              "chat": {{"id": 42, "type": "private"}}, "caption": "broken",
              "photo": [{{"file_id": "small", "file_unique_id": "a", "width": 90, "height": 90}},
                        {{"file_id": "AgACAgQ-big", "file_unique_id": "b", "width": 1280, "height": 960}}]}}}}"#
        );
        let e = parse(&photo).unwrap();
        let ProviderEventKind::Message {
            text, media_urls, ..
        } = e.kind
        else {
            panic!()
        };
        assert_eq!(text, "broken");
        assert_eq!(media_urls, ["telegram-file:AgACAgQ-big"]);

        let edited = format!(
            r#"{{"update_id": 8, "edited_message": {{"message_id": 2, "date": {},
              "edit_date": {NOW}, "from": {{"id": 42, "first_name": "Ann"}},
              "chat": {{"id": 42, "type": "private"}}, "text": "fixed"}}}}"#,
            NOW - 3600
        );
        assert!(matches!(
            parse(&edited).unwrap().kind,
            ProviderEventKind::Message { .. }
        ));

        let group = update(NOW).replace("\"private\"", "\"group\"");
        assert!(matches!(
            parse(&group).unwrap().kind,
            ProviderEventKind::Ignored { .. }
        ));
        let callback = r#"{"update_id": 9, "callback_query": {"id": "1", "data": "x"}}"#;
        assert!(matches!(
            parse(callback).unwrap().kind,
            ProviderEventKind::Ignored { .. }
        ));
    }

    #[test]
    fn malformed_updates_are_errors() {
        for body in [
            "",
            "{",
            "[]",
            r#"{"update_id": "x"}"#,
            r#"{"message": {}}"#,
            r#"{"update_id": 1, "message": {"message_id": 1, "chat": {"type": "private"}}}"#,
        ] {
            assert!(
                matches!(parse(body), Err(ProviderError::Malformed(_))),
                "{body:?}"
            );
        }
    }

    #[test]
    fn send_message_builds_json() {
        let r = send_message(
            "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",
            1111111,
            "Hi \"Ann\"",
        )
        .unwrap();
        assert_eq!(
            r.path,
            "/bot123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11/sendMessage"
        );
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"chat_id": 1111111, "text": "Hi \"Ann\""})
        );
        assert!(send_message("1:a/../b", 1, "x").is_err());
        assert!(send_message("1:a", 1, "").is_err());
    }
}
