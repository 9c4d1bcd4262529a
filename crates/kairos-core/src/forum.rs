//! Forums (docs/forum.md): threads and replies in knowledge-base categories,
//! who may read, post, reply and moderate, the thread states, the solution rule and the
//! limits on what is posted. Pure: the store and HTTP ask here.

use crate::error::DomainError;
use crate::ids::CategoryId;
use crate::knowledge::{ArticleVisibility, Reader};
use serde::{Deserialize, Serialize};

/// Longest thread title accepted (characters).
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest thread or reply body accepted (Markdown source, bytes).
pub const MAX_BODY_BYTES: usize = 20 * 1024;
/// Most replies one thread takes (a thread is one stored document).
pub const MAX_REPLIES: usize = 1_000;

/// Where a thread stands, as readers see it. Hidden wins over locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadState {
    /// Readable and open for replies.
    Open,
    /// Readable; no new replies.
    Locked,
    /// Withdrawn by staff: only staff see it.
    Hidden,
}

/// The facts about a thread the rules need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadFacts {
    /// Hidden by staff.
    pub hidden: bool,
    /// Locked by staff.
    pub locked: bool,
    /// Public (visitors too) or customers only.
    pub visibility: ArticleVisibility,
}

impl ThreadFacts {
    /// The state readers see.
    pub fn state(&self) -> ThreadState {
        if self.hidden {
            ThreadState::Hidden
        } else if self.locked {
            ThreadState::Locked
        } else {
            ThreadState::Open
        }
    }
}

/// A moderation step (staff only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Moderation {
    /// Hide the thread or reply from everyone but staff.
    Hide,
    /// Show it again.
    Unhide,
    /// Refuse new replies.
    Lock,
    /// Take replies again.
    Unlock,
    /// Move the thread to another category.
    Move {
        /// The new category.
        category_id: CategoryId,
    },
}

/// Whether `reader` takes part in forums at all: staff, customers and visitors do;
/// partners (whose rights are drafting articles) do not.
pub fn participates(reader: &Reader) -> bool {
    !matches!(reader, Reader::Partner { .. })
}

/// Whether `reader` may see the thread: staff everything; others a visible thread meant
/// for them (visitors public threads only).
pub fn may_read(reader: &Reader, t: &ThreadFacts) -> bool {
    match reader {
        Reader::Staff => true,
        Reader::Customer => !t.hidden,
        Reader::Anonymous => !t.hidden && t.visibility == ArticleVisibility::Public,
        Reader::Partner { .. } => false,
    }
}

/// Whether `reader` may see a reply (of a thread it may read): hidden replies reach staff only.
pub fn may_see_reply(reader: &Reader, reply_hidden: bool) -> bool {
    *reader == Reader::Staff || !reply_hidden
}

/// Whether `reader` may start threads: signed-in customers and staff.
pub fn may_post(reader: &Reader) -> bool {
    matches!(reader, Reader::Staff | Reader::Customer)
}

/// Checks a reply: the thread must be readable (else `NotFound`) and not locked
/// (`Conflict`, for staff too: they unlock first).
pub fn check_reply(reader: &Reader, t: &ThreadFacts) -> Result<(), DomainError> {
    if !may_post(reader) || !may_read(reader, t) {
        return Err(DomainError::NotFound("thread"));
    }
    if t.locked {
        return Err(DomainError::Conflict("the thread is locked".into()));
    }
    Ok(())
}

/// Whether `reader` may moderate (hide, lock, move, convert): admins and agents.
pub fn may_moderate(reader: &Reader) -> bool {
    *reader == Reader::Staff
}

/// Whether `reader` may mark a solution: staff, or the thread's author (`is_author`).
pub fn may_mark_solution(reader: &Reader, is_author: bool) -> bool {
    *reader == Reader::Staff || (*reader == Reader::Customer && is_author)
}

/// Checks a solution: it must be a reply of this thread (`found`) that is not hidden.
pub fn check_solution(found: bool, hidden: bool) -> Result<(), DomainError> {
    if !found {
        return Err(DomainError::invalid(
            "reply_id",
            "not a reply of this thread",
        ));
    }
    if hidden {
        return Err(DomainError::Conflict(
            "a hidden reply cannot be the solution".into(),
        ));
    }
    Ok(())
}

/// A thread's audience: `public` or `customers` (never `internal`: forums are for customers).
pub fn audience(v: ArticleVisibility) -> Result<ArticleVisibility, DomainError> {
    match v {
        ArticleVisibility::Internal => {
            Err(DomainError::invalid("visibility", "public or customers"))
        }
        v => Ok(v),
    }
}

/// Checks and trims a title: 1–200 characters, no control characters.
pub fn title(raw: &str) -> Result<String, DomainError> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > MAX_TITLE_CHARS {
        return Err(DomainError::invalid("title", "1–200 characters"));
    }
    if t.chars().any(char::is_control) {
        return Err(DomainError::invalid("title", "no control characters"));
    }
    Ok(t.to_owned())
}

/// Checks a Markdown body: not blank, at most [`MAX_BODY_BYTES`].
pub fn body(raw: &str) -> Result<String, DomainError> {
    if raw.trim().is_empty() {
        return Err(DomainError::invalid("body", "required"));
    }
    if raw.len() > MAX_BODY_BYTES {
        return Err(DomainError::invalid("body", "at most 20 KiB"));
    }
    Ok(raw.to_owned())
}

/// Renders a post's Markdown to sanitised HTML, exactly as articles are.
pub fn render(source: &str) -> String {
    crate::knowledge::render_markdown(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(hidden: bool, locked: bool, visibility: ArticleVisibility) -> ThreadFacts {
        ThreadFacts {
            hidden,
            locked,
            visibility,
        }
    }

    #[test]
    fn hidden_threads_reach_staff_only_and_visitors_read_public_ones() {
        let partner = Reader::Partner {
            party: None,
            categories: vec![],
        };
        let hidden = facts(true, false, ArticleVisibility::Public);
        let members = facts(false, false, ArticleVisibility::Customers);
        assert!(may_read(&Reader::Staff, &hidden));
        assert!(!may_read(&Reader::Customer, &hidden));
        assert!(!may_read(&Reader::Anonymous, &hidden));
        assert!(may_read(&Reader::Customer, &members));
        assert!(!may_read(&Reader::Anonymous, &members));
        assert!(!may_read(&partner, &members));
        assert_eq!(hidden.state(), ThreadState::Hidden);
        assert!(!may_see_reply(&Reader::Customer, true));
        assert!(may_see_reply(&Reader::Staff, true));
    }

    #[test]
    fn locked_threads_refuse_replies_and_visitors_never_post() {
        let locked = facts(false, true, ArticleVisibility::Public);
        assert_eq!(locked.state(), ThreadState::Locked);
        assert!(matches!(
            check_reply(&Reader::Customer, &locked),
            Err(DomainError::Conflict(_))
        ));
        assert!(check_reply(&Reader::Staff, &locked).is_err());
        let open = facts(false, false, ArticleVisibility::Public);
        assert!(check_reply(&Reader::Customer, &open).is_ok());
        assert!(matches!(
            check_reply(&Reader::Anonymous, &open),
            Err(DomainError::NotFound(_))
        ));
    }

    #[test]
    fn solutions_are_visible_replies_marked_by_the_author_or_staff() {
        assert!(may_mark_solution(&Reader::Staff, false));
        assert!(may_mark_solution(&Reader::Customer, true));
        assert!(!may_mark_solution(&Reader::Customer, false));
        assert!(!may_mark_solution(&Reader::Anonymous, true));
        assert!(check_solution(true, false).is_ok());
        assert!(check_solution(false, false).is_err());
        assert!(check_solution(true, true).is_err());
    }

    #[test]
    fn limits_and_rendering() {
        assert!(title(" Hallo ").is_ok_and(|t| t == "Hallo"));
        assert!(title("").is_err());
        assert!(title(&"x".repeat(201)).is_err());
        assert!(title("a\u{7}b").is_err());
        assert!(body(&"x".repeat(MAX_BODY_BYTES + 1)).is_err());
        assert!(body("  ").is_err());
        assert!(audience(ArticleVisibility::Internal).is_err());
        // B01, B06: posts go through the articles' renderer and sanitiser.
        let html = render(
            "<script>alert(1)</script>\n\n[x](javascript:alert(1)) **ok** <img src=x onerror=alert(1)>",
        );
        let lower = html.to_lowercase();
        assert!(
            !lower.contains("<script") && !lower.contains("onerror"),
            "{html}"
        );
        assert!(!lower.contains("href=\"javascript"), "{html}");
        assert!(html.contains("<strong>ok</strong>"), "{html}");
    }
}
