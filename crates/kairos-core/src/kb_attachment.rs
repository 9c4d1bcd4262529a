//! Files attached to knowledge-base articles: how many an article holds and the event kind
//! of a change. What is accepted, and how it is served, is [`crate::files`]'s.

use serde::{Deserialize, Serialize};

/// Most attachments one article holds (checklist E05).
pub const MAX_PER_ARTICLE: usize = 50;

/// Whether an attachment was added to or removed from an article (on `kb.article.attachment`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentChange {
    /// A file was attached.
    Added,
    /// A file was taken off.
    Removed,
}
