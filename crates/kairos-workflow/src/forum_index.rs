//! The forum part of the search feeder (`kb_index` drives it): which threads an event
//! touched, and a thread's search documents — one `forum_thread` for its opening post and
//! one `forum_post` per reply, each owned by its author so that erasure removes them.
//!
//! Who may find them is the search crate's rule over `state` and `visibility`: a hidden
//! thread makes all its documents `hidden` (staff only), a hidden reply its own document.

use kairos_core::event::EventData;
use kairos_core::ids::{TenantId, ThreadId};
use kairos_core::knowledge::ArticleVisibility;
use kairos_search::{Document, Kind, Language, State, Visibility};
use kairos_store::forum::Thread;

/// The thread a forum event is about.
pub(crate) fn thread_of(data: &EventData) -> Option<ThreadId> {
    match data {
        EventData::ForumThreadCreated { thread_id, .. }
        | EventData::ForumReplied { thread_id, .. }
        | EventData::ForumModerated { thread_id, .. }
        | EventData::ForumSolutionMarked { thread_id, .. }
        | EventData::ForumConverted { thread_id, .. } => Some(*thread_id),
        _ => None,
    }
}

/// The analyzer for a language tag: German and English (with or without a region); other
/// languages are not indexed, as for articles.
pub(crate) fn language(tag: &str) -> Option<Language> {
    match tag.split('-').next() {
        Some("de") => Some(Language::De),
        Some("en") => Some(Language::En),
        _ => None,
    }
}

/// The search documents of a thread as it is now (none for a language the index cannot
/// analyse). The opening post of an erased person is left out; others' replies stay.
pub fn documents(tenant: TenantId, t: &Thread, seq: u64) -> Vec<Document> {
    let Some(language) = language(&t.language) else {
        return Vec::new();
    };
    let visibility = match t.visibility {
        ArticleVisibility::Public => Visibility::Public,
        ArticleVisibility::Customers => Visibility::Customers,
        // Forums refuse internal threads; should one appear, only staff find it.
        ArticleVisibility::Internal => Visibility::Internal,
    };
    let state = |hidden: bool| {
        if hidden || t.hidden {
            State::Hidden
        } else {
            State::Published
        }
    };
    let category = Some(t.category_id.to_string());
    let mut out = Vec::with_capacity(t.replies.len() + 1);
    if !t.erased {
        out.push(Document {
            tenant,
            id: t.id.0,
            kind: Kind::ForumThread,
            language,
            title: t.title.clone(),
            body: t.body.clone(),
            category: category.clone(),
            state: state(false),
            channel: None,
            visibility,
            owner: t.author.customer_id,
            parent: None,
            seq,
        });
    }
    for r in &t.replies {
        out.push(Document {
            tenant,
            id: r.id.0,
            kind: Kind::ForumPost,
            language,
            // The title is the thread author's text: it lives on the thread's document only,
            // so that erasing the author leaves none of it in others' replies.
            title: String::new(),
            body: r.body.clone(),
            category: category.clone(),
            state: state(r.hidden),
            channel: None,
            visibility,
            owner: r.author.customer_id,
            parent: Some(t.id.0),
            seq,
        });
    }
    out
}
