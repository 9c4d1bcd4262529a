//! The one place that names the MIME parser (mail-parser 0.11; 1.x needs a newer rustc):
//! raw RFC 5322 bytes in, an [`InboundMail`] with bounded, validated parts out.
//!
//! E-mail is hostile input (checklist L09–L11, L14): the part count, nesting depth and
//! header block are bounded *before* anything is stored, and every decoded string is cut
//! to what the domain accepts rather than refused, so a real but odd message still lands.

use mail_parser::{HeaderName, MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

/// Most MIME parts in one message (L10).
pub const MAX_PARTS: usize = 1_000;
/// Deepest nesting of multiparts and attached messages (L10).
pub const MAX_DEPTH: usize = 50;
/// Largest header block of the top-level message (L09).
pub const MAX_HEADER_BYTES: usize = 100 * 1024;
/// More `Received:` headers than this means a loop (C10, Postfix `hopcount_limit`).
pub const MAX_HOPS: usize = 50;
/// Longest attachment file name kept (longer names are cut).
const MAX_FILENAME_CHARS: usize = 200;

/// Why a message is refused. Each maps to a permanent SMTP reply.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    /// The bytes are not a message at all.
    #[error("not an RFC 5322 message")]
    NotAMessage,
    /// The header block is larger than [`MAX_HEADER_BYTES`].
    #[error("header block larger than {MAX_HEADER_BYTES} bytes")]
    HeaderTooLarge,
    /// More than [`MAX_PARTS`] MIME parts.
    #[error("more than {MAX_PARTS} MIME parts")]
    TooManyParts,
    /// Nested deeper than [`MAX_DEPTH`].
    #[error("MIME nesting deeper than {MAX_DEPTH}")]
    TooDeep,
    /// More than [`MAX_HOPS`] `Received:` headers: a mail loop.
    #[error("more than {MAX_HOPS} Received headers: mail loop")]
    Loop,
}

/// One attachment, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailAttachment {
    /// The file name (sanitised to a plain name; never a path).
    pub filename: String,
    /// The declared content type (`type/subtype`, lower case).
    pub content_type: String,
    /// The decoded bytes.
    pub content: Vec<u8>,
}

/// What Kairos keeps of a parsed message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboundMail {
    /// The author's address (lower case): `From:`, else `Sender:`, else `Reply-To:`.
    pub from: Option<String>,
    /// The `From:` display name.
    pub from_name: Option<String>,
    /// Subject, decoded (RFC 2047), one line.
    pub subject: Option<String>,
    /// The plain-text body (from text parts, or derived from HTML by the parser).
    pub text: String,
    /// The HTML body, unsanitised: the domain sanitises it before it is stored.
    pub html: Option<String>,
    /// Attachments (including inline images).
    pub attachments: Vec<MailAttachment>,
    /// `Message-ID` without angle brackets.
    pub message_id: Option<String>,
    /// `In-Reply-To` and `References` ids, without angle brackets, most recent first.
    pub thread_ids: Vec<String>,
    /// `Auto-Submitted:` other than `no`, `Precedence: bulk|list|junk`, a `List-Id:`, or
    /// typical auto-responder markers: never answer this automatically (RFC 3834, C10).
    pub automated: bool,
    /// SHA-256 of the raw bytes (hex), the de-duplication key when there is no Message-ID.
    pub raw_sha256: String,
}

/// Parses raw message bytes.
pub fn parse(raw: &[u8]) -> Result<InboundMail, ParseError> {
    precheck(raw)?;
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(ParseError::NotAMessage)?;
    if message.parts.len() > MAX_PARTS {
        return Err(ParseError::TooManyParts);
    }
    if depth(&message, 0) > MAX_DEPTH {
        return Err(ParseError::TooDeep);
    }
    let hops = message
        .headers()
        .iter()
        .filter(|h| matches!(h.name, HeaderName::Received))
        .count();
    if hops > MAX_HOPS {
        return Err(ParseError::Loop);
    }
    if message.headers().is_empty() {
        return Err(ParseError::NotAMessage);
    }

    // Without a From: the Sender:, then Reply-To: name the person (RFC 5322 §3.6.2).
    let from = message
        .from()
        .and_then(|a| a.first())
        .filter(|a| a.address.is_some())
        .or_else(|| message.sender().and_then(|a| a.first()))
        .or_else(|| message.reply_to().and_then(|a| a.first()));
    let from_address = from
        .and_then(|a| a.address.as_deref())
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.contains('@') && a.len() <= 254);
    let from_name = from
        .and_then(|a| a.name.as_deref())
        .map(one_line)
        .filter(|n| !n.is_empty())
        .map(|n| cut_chars(&n, 200));
    let subject = message
        .subject()
        .map(one_line)
        .filter(|s| !s.is_empty())
        .map(|s| cut_chars(&s, 998));

    let text = message
        .body_text(0)
        .map(|t| t.into_owned())
        .unwrap_or_default();
    let html = message
        .body_html(0)
        .filter(|_| message.html_body_count() > 0)
        .map(|h| h.into_owned())
        .filter(|h| !h.trim().is_empty());

    let mut attachments = Vec::new();
    for (i, part) in message.attachments().enumerate() {
        let content = match &part.body {
            PartType::Binary(b) | PartType::InlineBinary(b) => b.to_vec(),
            PartType::Text(t) | PartType::Html(t) => t.as_bytes().to_vec(),
            PartType::Message(m) => m.raw_message().to_vec(),
            PartType::Multipart(_) => continue,
        };
        let content_type = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_owned(),
            })
            .map(|ct| ct.to_ascii_lowercase())
            .filter(|ct| ct.len() <= 127 && is_token_type(ct))
            .unwrap_or_else(|| match &part.body {
                PartType::Message(_) => "message/rfc822".into(),
                _ => "application/octet-stream".into(),
            });
        let filename = part
            .attachment_name()
            .map(safe_filename)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("attachment-{}", i + 1));
        attachments.push(MailAttachment {
            filename,
            content_type,
            content,
        });
    }

    let message_id = message.message_id().and_then(clean_id);
    let mut thread_ids: Vec<String> = Vec::new();
    for value in [message.in_reply_to(), message.references()] {
        let ids: Vec<&str> = match value.as_text_list() {
            Some(list) => list.iter().map(|c| c.as_ref()).collect(),
            None => value.as_text().into_iter().collect(),
        };
        // References lists oldest first; the newest is the likeliest thread.
        for id in ids.into_iter().rev().filter_map(clean_id) {
            if !thread_ids.contains(&id) && thread_ids.len() < 100 {
                thread_ids.push(id);
            }
        }
    }

    Ok(InboundMail {
        from: from_address,
        from_name,
        subject,
        text,
        html,
        attachments,
        message_id,
        thread_ids,
        automated: automated(&message),
        raw_sha256: hex::encode(Sha256::digest(raw)),
    })
}

/// Cheap checks on the raw bytes that bound what the parser is asked to do.
fn precheck(raw: &[u8]) -> Result<(), ParseError> {
    let header_end = find(raw, b"\r\n\r\n")
        .or_else(|| find(raw, b"\n\n"))
        .unwrap_or(raw.len());
    if header_end > MAX_HEADER_BYTES {
        return Err(ParseError::HeaderTooLarge);
    }
    // Every part starts with a boundary line (`--…`): far more of them than parts allowed
    // means a part bomb; refuse before the parser builds a million parts.
    let boundary_lines = raw
        .split(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"--"))
        .count();
    if boundary_lines > 4 * MAX_PARTS {
        return Err(ParseError::TooManyParts);
    }
    Ok(())
}

fn depth(message: &mail_parser::Message<'_>, level: usize) -> usize {
    if level > MAX_DEPTH {
        return level;
    }
    // Multipart nesting inside one message: follow sub-part ids from the root.
    let mut deepest = level;
    let mut stack = vec![(0usize, level)];
    let mut seen = 0usize;
    while let Some((id, d)) = stack.pop() {
        seen += 1;
        if seen > MAX_PARTS * 2 || d > MAX_DEPTH {
            return d.max(MAX_DEPTH + 1);
        }
        deepest = deepest.max(d);
        let Some(part) = message.parts.get(id) else {
            continue;
        };
        match &part.body {
            PartType::Multipart(children) => {
                stack.extend(children.iter().map(|c| (*c as usize, d + 1)));
            }
            PartType::Message(inner) => deepest = deepest.max(depth(inner, d + 1)),
            _ => {}
        }
    }
    deepest
}

/// RFC 3834 and common practice: mail nobody typed should never get an automatic answer.
fn automated(message: &mail_parser::Message<'_>) -> bool {
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    if header("Auto-Submitted").is_some_and(|v| !v.starts_with("no")) {
        return true;
    }
    if header("Precedence").is_some_and(|v| matches!(v.as_str(), "bulk" | "list" | "junk")) {
        return true;
    }
    [
        "List-Id",
        "List-Unsubscribe",
        "X-Autoreply",
        "X-Autorespond",
        "X-Auto-Response-Suppress",
    ]
    .iter()
    .any(|h| message.header_raw(*h).is_some())
}

/// A Message-ID without brackets and whitespace; `None` when empty or unreasonable.
fn clean_id(raw: &str) -> Option<String> {
    let id = raw
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty() && id.len() <= 500 && !id.chars().any(|c| c.is_control() || c == ' '))
        .then(|| id.to_owned())
}

/// A display string on one line: control characters (folded line breaks) become spaces.
fn one_line(s: &str) -> String {
    let joined: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    joined.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A file name that can never be a path: the last path segment, no control characters, no
/// leading dots, bounded length (checklist E04, L14).
pub fn safe_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*'))
        .collect();
    cut_chars(
        cleaned.trim().trim_start_matches('.').trim(),
        MAX_FILENAME_CHARS,
    )
}

fn is_token_type(ct: &str) -> bool {
    let mut halves = ct.splitn(2, '/');
    let ok = |s: Option<&str>| {
        s.is_some_and(|s| {
            !s.is_empty()
                && s.len() <= 100
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
        })
    };
    ok(halves.next()) && ok(halves.next())
}

/// The first `max` characters of `s`.
pub fn cut_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_message_is_read() {
        let raw = b"From: Anna Berg <Anna@Example.org>\r\nTo: support@acme.test\r\nSubject: =?utf-8?q?K=C3=BCndigung?=\r\nMessage-ID: <abc@example.org>\r\nIn-Reply-To: <x@y>\r\nReferences: <w@y> <x@y>\r\n\r\nHallo\r\n";
        let m = parse(raw).unwrap();
        assert_eq!(m.from.as_deref(), Some("anna@example.org"));
        assert_eq!(m.from_name.as_deref(), Some("Anna Berg"));
        assert_eq!(m.subject.as_deref(), Some("Kündigung"));
        assert_eq!(m.message_id.as_deref(), Some("abc@example.org"));
        assert_eq!(m.thread_ids, vec!["x@y".to_owned(), "w@y".to_owned()]);
        assert!(m.text.contains("Hallo"));
        assert!(!m.automated);
    }

    #[test]
    fn l10_part_bombs_and_deep_nesting_are_refused() {
        let mut raw =
            String::from("From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n");
        for _ in 0..5_000 {
            raw.push_str("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n");
        }
        raw.push_str("--b--\r\n");
        assert_eq!(parse(raw.as_bytes()), Err(ParseError::TooManyParts));

        let mut deep = String::from("From: a@b.c\r\n");
        for i in 0..(MAX_DEPTH + 5) {
            deep.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n"
            ));
        }
        deep.push_str("Content-Type: text/plain\r\n\r\nx\r\n");
        assert_eq!(parse(deep.as_bytes()), Err(ParseError::TooDeep));
    }

    #[test]
    fn l09_huge_headers_and_loops_are_refused() {
        let mut raw = String::from("From: a@b.c\r\n");
        for i in 0..10_000 {
            raw.push_str(&format!("X-Filler-{i}: some value here\r\n"));
        }
        raw.push_str("\r\nbody\r\n");
        assert_eq!(parse(raw.as_bytes()), Err(ParseError::HeaderTooLarge));

        let mut looped = String::new();
        for i in 0..200 {
            looped.push_str(&format!(
                "Received: from h{i} by h{i}; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
            ));
        }
        looped.push_str("From: a@b.c\r\n\r\nbody\r\n");
        assert_eq!(parse(looped.as_bytes()), Err(ParseError::Loop));
    }

    #[test]
    fn c10_automated_mail_is_recognised() {
        for header in [
            "Auto-Submitted: auto-replied",
            "Precedence: bulk",
            "List-Id: <news.example.org>",
        ] {
            let raw = format!("From: a@b.c\r\n{header}\r\n\r\nbody\r\n");
            assert!(parse(raw.as_bytes()).unwrap().automated, "{header}");
        }
        let raw = "From: a@b.c\r\nAuto-Submitted: no\r\n\r\nbody\r\n";
        assert!(!parse(raw.as_bytes()).unwrap().automated);
    }

    #[test]
    fn e04_attachment_names_cannot_be_paths() {
        assert_eq!(safe_filename("../../etc/passwd"), "passwd");
        assert_eq!(safe_filename("C:\\Windows\\evil.exe"), "evil.exe");
        assert_eq!(safe_filename(".htaccess"), "htaccess");
        assert_eq!(safe_filename("a\u{0}b\r\n.txt"), "ab.txt");
        assert_eq!(safe_filename(&"x".repeat(500)).chars().count(), 200);
    }
}
