//! What is indexed: one [`Document`] per article, forum thread or post, conversation and
//! message, and the pure rule of who may find it ([`Document::audiences`]).

use kairos_core::ids::{CustomerId, TenantId};
use kairos_core::message::Channel;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in a stable order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The lowercase wire name (also the facet value).
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
            /// Parses the wire name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

wire_enum!(
    /// What a document is.
    Kind {
        /// A knowledge-base article (one translation of it).
        Article = "article",
        /// A forum thread (its opening post).
        ForumThread = "forum_thread",
        /// A reply in a forum thread.
        ForumPost = "forum_post",
        /// A conversation with one customer (subject and summary).
        Conversation = "conversation",
        /// One message of a conversation.
        Message = "message",
    }
);

wire_enum!(
    /// The language a document is written in; it picks the analyzer.
    Language {
        /// German.
        De = "de",
        /// English.
        En = "en",
    }
);

impl Language {
    /// The likelier of German and English for a text that does not say (messages): the one
    /// whose function words occur more often, umlauts and `ß` counting for German; English
    /// on a tie. Only the analyzer depends on it, and both analyzers find plain words.
    pub fn guess(text: &str) -> Language {
        let (mut de, mut en) = (0usize, 0usize);
        for word in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(200)
        {
            let lower = word.to_lowercase();
            if lower.contains(['ä', 'ö', 'ü', 'ß']) {
                de += 1;
            }
            if crate::analysis::Analyzer::get(Language::De).is_stop(&lower) {
                de += 1;
            }
            if crate::analysis::Analyzer::get(Language::En).is_stop(&lower) {
                en += 1;
            }
        }
        if de > en { Language::De } else { Language::En }
    }
}

wire_enum!(
    /// Who a document is meant for (knowledge base, forums), or whether a message is an
    /// internal note.
    Visibility {
        /// Anyone, signed in or not.
        Public = "public",
        /// Signed-in customers of the tenant.
        Customers = "customers",
        /// The tenant's staff only (internal articles, internal notes).
        Internal = "internal",
    }
);

wire_enum!(
    /// The life-cycle state of a document (knowledge-base and forum states, conversation
    /// statuses); a facet, and for articles and forums part of who may see it.
    State {
        /// Being written.
        Draft = "draft",
        /// Waiting for review (partner contributions).
        InReview = "in_review",
        /// Published: the only state customers and anonymous visitors find.
        Published = "published",
        /// Withdrawn from the public.
        Archived = "archived",
        /// Hidden by a moderator.
        Hidden = "hidden",
        /// Conversation needs the company's attention.
        Open = "open",
        /// Conversation waits for the customer or a third party.
        Pending = "pending",
        /// Conversation answered.
        Resolved = "resolved",
        /// Conversation finished.
        Closed = "closed",
    }
);

/// One searchable document. The feeder builds it from the event log; `seq` is the seq of
/// the event that produced this version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// The tenant it belongs to; every search is confined to one tenant.
    pub tenant: TenantId,
    /// Its id (the article translation, thread, post, conversation or message id); unique
    /// within the tenant across kinds.
    pub id: Uuid,
    /// What it is.
    pub kind: Kind,
    /// The language it is written in.
    pub language: Language,
    /// Title or subject (may be empty, e.g. for messages).
    pub title: String,
    /// The text (Markdown source or plain text; never HTML that is rendered as such).
    pub body: String,
    /// Knowledge-base or forum category (also the partner grant unit).
    pub category: Option<String>,
    /// Life-cycle state.
    pub state: State,
    /// The channel a conversation or message came through.
    pub channel: Option<Channel>,
    /// Who it is meant for.
    pub visibility: Visibility,
    /// The customer whose data it is: the conversation's customer, a message's conversation's
    /// customer, a forum post's author. Erasure removes everything they own.
    pub owner: Option<CustomerId>,
    /// The containing object (a message's conversation, a post's thread, an article's source).
    pub parent: Option<Uuid>,
    /// Seq of the event on the tenant's log this version comes from.
    pub seq: u64,
}

/// Audience tokens of a document: a search matches only documents that carry one of the
/// asker's tokens (see [`crate::Scope`]). Staff match everything in their tenant.
pub(crate) const ANONYMOUS: &str = "anon";
/// Audience token of what signed-in customers may see of the knowledge base and forums.
pub(crate) const CUSTOMERS: &str = "cust";
/// Prefix of the audience token of a customer's own conversations and messages.
pub(crate) const OWNER_PREFIX: &str = "owner:";
/// Prefix of the audience token of articles in a category partners can be granted.
pub(crate) const PARTNER_PREFIX: &str = "partner:";

impl Document {
    /// Who may find this document besides the tenant's staff, as audience tokens.
    ///
    /// - Articles and forum threads/posts: published + public → anonymous visitors and
    ///   customers; published + customers-only → customers; never internal ones.
    /// - Articles in a category, unless internal, in any state → partners granted that
    ///   category (they draft and review there).
    /// - Conversations and messages → their owner, unless internal (notes); nobody else.
    pub fn audiences(&self) -> Vec<String> {
        let mut out = Vec::new();
        let internal = self.visibility == Visibility::Internal;
        match self.kind {
            Kind::Article | Kind::ForumThread | Kind::ForumPost => {
                if self.state == State::Published {
                    match self.visibility {
                        Visibility::Public => {
                            out.push(ANONYMOUS.to_owned());
                            out.push(CUSTOMERS.to_owned());
                        }
                        Visibility::Customers => out.push(CUSTOMERS.to_owned()),
                        Visibility::Internal => {}
                    }
                }
                if let (Kind::Article, Some(category), false) =
                    (self.kind, &self.category, internal)
                {
                    out.push(format!("{PARTNER_PREFIX}{category}"));
                }
            }
            Kind::Conversation | Kind::Message => {
                if let (Some(owner), false) = (self.owner, internal) {
                    out.push(format!("{OWNER_PREFIX}{owner}"));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_is_guessed_from_function_words() {
        assert_eq!(
            Language::guess("Guten Tag, wie kündige ich meinen Vertrag?"),
            Language::De
        );
        assert_eq!(
            Language::guess("Hello, how do I cancel my contract?"),
            Language::En
        );
        assert_eq!(Language::guess("Müller"), Language::De);
        assert_eq!(Language::guess(""), Language::En);
    }

    fn doc(kind: Kind, visibility: Visibility, state: State) -> Document {
        Document {
            tenant: TenantId::new(),
            id: Uuid::now_v7(),
            kind,
            language: Language::De,
            title: String::new(),
            body: String::new(),
            category: Some("billing".into()),
            state,
            channel: None,
            visibility,
            owner: Some(CustomerId::new()),
            parent: None,
            seq: 1,
        }
    }

    #[test]
    fn internal_documents_reach_staff_only() {
        for kind in Kind::ALL {
            for state in State::ALL {
                let d = doc(*kind, Visibility::Internal, *state);
                assert!(d.audiences().is_empty(), "{kind:?} {state:?}");
            }
        }
    }

    #[test]
    fn unpublished_articles_reach_granted_partners_only() {
        let d = doc(Kind::Article, Visibility::Public, State::Draft);
        assert_eq!(d.audiences(), ["partner:billing"]);
        let d = doc(Kind::Article, Visibility::Public, State::Published);
        assert_eq!(d.audiences(), ["anon", "cust", "partner:billing"]);
        let d = doc(Kind::ForumThread, Visibility::Customers, State::Published);
        assert_eq!(d.audiences(), ["cust"]);
    }

    #[test]
    fn conversations_reach_their_owner() {
        let d = doc(Kind::Message, Visibility::Customers, State::Open);
        assert_eq!(d.audiences(), [format!("owner:{}", d.owner.unwrap())]);
    }
}
