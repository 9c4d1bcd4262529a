//! Conversations: a thread of messages with one customer, over any mix of channels.

use crate::error::DomainError;
use crate::ids::{ConversationId, CustomerId, PartyId};
use crate::message::Channel;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a conversation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Needs the company's attention.
    Open,
    /// Waiting for the customer or a third party.
    Pending,
    /// Answered; a new inbound message reopens it.
    Resolved,
    /// Finished; a new inbound message starts a new conversation.
    Closed,
}

impl Status {
    /// The lowercase wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }
    /// Parses the wire name.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "open" => Ok(Self::Open),
            "pending" => Ok(Self::Pending),
            "resolved" => Ok(Self::Resolved),
            "closed" => Ok(Self::Closed),
            _ => Err(DomainError::invalid(
                "status",
                "expected open, pending, resolved or closed",
            )),
        }
    }
    /// Whether an inbound message from the customer continues this conversation (rather than
    /// opening a new one).
    pub fn accepts_follow_up(&self) -> bool {
        !matches!(self, Status::Closed)
    }
}

/// How urgent a conversation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Whenever there is time.
    Low,
    /// The default.
    Normal,
    /// Before normal work.
    High,
    /// Drop everything.
    Urgent,
}

impl Priority {
    /// The lowercase wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
    /// Parses the wire name.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "low" => Ok(Self::Low),
            "normal" => Ok(Self::Normal),
            "high" => Ok(Self::High),
            "urgent" => Ok(Self::Urgent),
            _ => Err(DomainError::invalid(
                "priority",
                "expected low, normal, high or urgent",
            )),
        }
    }
}

/// Most tags on one conversation.
pub const MAX_TAGS: usize = 32;

/// Normalises a tag list: trimmed, lower-case, 1–64 characters without control characters or
/// commas, de-duplicated, sorted, at most [`MAX_TAGS`].
pub fn normalise_tags(raw: &[String]) -> Result<Vec<String>, DomainError> {
    let mut tags: Vec<String> = Vec::with_capacity(raw.len());
    for tag in raw {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty()
            || tag.chars().count() > 64
            || tag.chars().any(|c| c.is_control() || c == ',')
        {
            return Err(DomainError::invalid(
                "tags",
                "each tag 1–64 characters, no commas or control characters",
            ));
        }
        tags.push(tag);
    }
    tags.sort();
    tags.dedup();
    if tags.len() > MAX_TAGS {
        return Err(DomainError::invalid(
            "tags",
            format!("at most {MAX_TAGS} tags"),
        ));
    }
    Ok(tags)
}

/// A stored conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// Its id.
    pub id: ConversationId,
    /// The customer it is with.
    pub customer_id: CustomerId,
    /// Where it stands.
    pub status: Status,
    /// How urgent it is.
    pub priority: Priority,
    /// The staff member working it, if any.
    pub assignee: Option<PartyId>,
    /// Labels, normalised.
    pub tags: Vec<String>,
    /// The channels its messages used, in [`Channel::ALL`] order.
    pub channels: Vec<Channel>,
    /// Subject of its first message, if it had one.
    pub subject: Option<String>,
    /// When it was opened.
    pub created_at: Timestamp,
    /// When anything about it last changed.
    pub updated_at: Timestamp,
}

/// A requested change; `None` leaves a field as it is. `assignee: Some(None)` unassigns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConversationPatch {
    /// New status.
    pub status: Option<Status>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New assignee (`Some(None)` to unassign).
    pub assignee: Option<Option<PartyId>>,
    /// New tag list (replaces the old one).
    pub tags: Option<Vec<String>>,
}

/// The part of a patch that actually changes something, as recorded on the log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationChanges {
    /// New status, if changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// New priority, if changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// New assignee, if changed (`Some(None)` = unassigned).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub assignee: Option<Option<PartyId>>,
    /// New tags, if changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

impl ConversationChanges {
    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.priority.is_none()
            && self.assignee.is_none()
            && self.tags.is_none()
    }
}

impl Conversation {
    /// Computes what `patch` changes. Tags are normalised; fields equal to the current value
    /// are dropped, so a no-op patch writes no event.
    pub fn diff(&self, patch: &ConversationPatch) -> Result<ConversationChanges, DomainError> {
        let tags = match &patch.tags {
            Some(raw) => Some(normalise_tags(raw)?),
            None => None,
        };
        Ok(ConversationChanges {
            status: patch.status.filter(|s| *s != self.status),
            priority: patch.priority.filter(|p| *p != self.priority),
            assignee: patch.assignee.filter(|a| *a != self.assignee),
            tags: tags.filter(|t| *t != self.tags),
        })
    }

    /// Applies recorded changes (used by projections and tests).
    pub fn apply(&mut self, changes: &ConversationChanges, at: Timestamp) {
        if let Some(s) = changes.status {
            self.status = s;
        }
        if let Some(p) = changes.priority {
            self.priority = p;
        }
        if let Some(a) = changes.assignee {
            self.assignee = a;
        }
        if let Some(t) = &changes.tags {
            self.tags = t.clone();
        }
        self.updated_at = at;
    }
}

/// Serde helper that tells `"assignee": null` (unassign) from a missing field (no change).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation() -> Conversation {
        Conversation {
            id: ConversationId::new(),
            customer_id: CustomerId::new(),
            status: Status::Open,
            priority: Priority::Normal,
            assignee: None,
            tags: vec![],
            channels: vec![Channel::Email],
            subject: None,
            created_at: Timestamp::from_micros(0),
            updated_at: Timestamp::from_micros(0),
        }
    }

    #[test]
    fn a_no_op_patch_changes_nothing() {
        let c = conversation();
        let patch = ConversationPatch {
            status: Some(Status::Open),
            assignee: Some(None),
            ..Default::default()
        };
        assert!(c.diff(&patch).unwrap().is_empty());
    }

    #[test]
    fn tags_are_normalised_and_bounded() {
        let tags = normalise_tags(&["  Billing ".into(), "billing".into(), "VIP".into()]).unwrap();
        assert_eq!(tags, vec!["billing", "vip"]);
        assert!(normalise_tags(&["a,b".into()]).is_err());
        let many: Vec<String> = (0..=MAX_TAGS).map(|i| format!("t{i}")).collect();
        assert!(normalise_tags(&many).is_err());
    }

    #[test]
    fn changes_serialise_unassign_as_null() {
        let changes = ConversationChanges {
            assignee: Some(None),
            ..Default::default()
        };
        let json = serde_json::to_string(&changes).unwrap();
        assert_eq!(json, r#"{"assignee":null}"#);
        let back: ConversationChanges = serde_json::from_str(&json).unwrap();
        assert_eq!(back, changes);
    }
}
