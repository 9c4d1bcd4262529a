//! Composing outbound mail: one place that names the message builder (lettre) and sets the
//! headers threading depends on — `Message-ID` (a signed thread token), `In-Reply-To`,
//! `References` — and `Auto-Submitted` for automatic replies (RFC 3834).

use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

/// Most Message-IDs carried in `References` (the newest ones).
const MAX_REFERENCES: usize = 20;

/// A mail to be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    /// Sender address (one of the tenant's support addresses).
    pub from: String,
    /// Sender name.
    pub from_name: Option<String>,
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// Sanitised HTML alternative.
    pub html: Option<String>,
    /// Message-ID without brackets.
    pub message_id: String,
    /// Earlier Message-IDs of the thread, newest first, without brackets.
    pub thread: Vec<String>,
    /// An automatic reply (`Auto-Submitted: auto-replied`).
    pub automatic: bool,
}

/// Why a draft cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// An address does not parse.
    #[error("invalid address {0:?}")]
    Address(String),
    /// The builder refused the message.
    #[error("cannot build the message: {0}")]
    Build(String),
}

/// Renders the draft as RFC 5322 bytes.
pub fn render(draft: &Draft) -> Result<Vec<u8>, ComposeError> {
    let from = Mailbox::new(
        draft.from_name.clone(),
        draft
            .from
            .parse()
            .map_err(|_| ComposeError::Address(draft.from.clone()))?,
    );
    let to: Mailbox = draft
        .to
        .parse()
        .map_err(|_| ComposeError::Address(draft.to.clone()))?;
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(one_line(&draft.subject))
        .date_now()
        .message_id(Some(format!("<{}>", draft.message_id)));
    if let Some(parent) = draft.thread.first() {
        builder = builder.in_reply_to(format!("<{parent}>"));
        let refs: Vec<String> = draft
            .thread
            .iter()
            .take(MAX_REFERENCES)
            .rev()
            .map(|id| format!("<{id}>"))
            .collect();
        builder = builder.references(refs.join(" "));
    }
    if draft.automatic {
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-replied".into(),
        ));
    }
    let message = match &draft.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            draft.text.clone(),
            html.clone(),
        )),
        None => builder
            .header(ContentType::TEXT_PLAIN)
            .body(draft.text.clone()),
    }
    .map_err(|e| ComposeError::Build(e.to_string()))?;
    Ok(message.formatted())
}

/// `Re: ` before a subject that does not have it yet.
pub fn reply_subject(subject: Option<&str>) -> String {
    match subject.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if s.len() >= 3 && s[..3].eq_ignore_ascii_case("re:") => s.to_owned(),
        Some(s) => format!("Re: {s}"),
        None => "Re: your message".into(),
    }
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            from: "support@acme.test".into(),
            from_name: Some("Acme Support".into()),
            to: "anna@example.org".into(),
            subject: "Re: Kündigung".into(),
            text: "Hallo Anna".into(),
            html: None,
            message_id: "kairos.a.b.c@mail.acme.test".into(),
            thread: vec!["new@x".into(), "old@x".into()],
            automatic: false,
        }
    }

    #[test]
    fn threading_headers_are_set_and_the_result_parses_back() {
        let raw = render(&draft()).unwrap();
        let text = String::from_utf8_lossy(&raw);
        assert!(
            text.contains("Message-ID: <kairos.a.b.c@mail.acme.test>"),
            "{text}"
        );
        assert!(text.contains("In-Reply-To: <new@x>"), "{text}");
        assert!(text.contains("References: <old@x> <new@x>"), "{text}");
        assert!(!text.contains("Auto-Submitted"));
        let parsed = crate::parse::parse(&raw).unwrap();
        assert_eq!(parsed.subject.as_deref(), Some("Re: Kündigung"));
        assert_eq!(
            parsed.message_id.as_deref(),
            Some("kairos.a.b.c@mail.acme.test")
        );
        assert!(parsed.text.contains("Hallo Anna"));
    }

    #[test]
    fn c10_b10_automatic_replies_say_so_and_subjects_cannot_inject_headers() {
        let mut d = draft();
        d.automatic = true;
        d.subject = "Hi\r\nBcc: victim@example.org".into();
        let raw = render(&d).unwrap();
        let text = String::from_utf8_lossy(&raw);
        assert!(text.contains("Auto-Submitted: auto-replied"));
        assert!(!text.contains("\r\nBcc:"), "{text}");
        assert!(crate::parse::parse(&raw).unwrap().automated);
    }

    #[test]
    fn reply_subjects_get_one_re() {
        assert_eq!(reply_subject(Some("Hallo")), "Re: Hallo");
        assert_eq!(reply_subject(Some("RE: Hallo")), "RE: Hallo");
        assert_eq!(reply_subject(None), "Re: your message");
    }
}
