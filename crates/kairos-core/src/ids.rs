//! Typed identifiers. Every id is a UUID v7 (time-ordered, 122 random-ish bits are not
//! guessable in practice for the 74 random bits; objects are additionally tenant-scoped).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id (UUID v7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            /// The underlying UUID.
            pub fn uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

id_type!(
    /// Identifies a tenant (a company, or the platform commons).
    TenantId
);
id_type!(
    /// Identifies a staff or other non-customer party (admin, agent, expert, …).
    PartyId
);
id_type!(
    /// Identifies a customer.
    CustomerId
);
id_type!(
    /// Identifies a conversation.
    ConversationId
);
id_type!(
    /// Identifies a message (one touchpoint in a conversation).
    MessageId
);
id_type!(
    /// Identifies an event on a tenant's log.
    EventId
);
id_type!(
    /// Identifies a coupon (never its redemption token).
    CouponId
);
id_type!(
    /// Identifies an API token (never the token's secret).
    TokenId
);
id_type!(
    /// Identifies a knowledge-base article (one language version of it).
    ArticleId
);
id_type!(
    /// Identifies a knowledge-base category.
    CategoryId
);
id_type!(
    /// Identifies a forum thread.
    ThreadId
);
id_type!(
    /// Identifies a reply in a forum thread.
    ReplyId
);
id_type!(
    /// Identifies a canned reply.
    CannedReplyId
);
