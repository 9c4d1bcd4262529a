//! Wire shapes of the API (the core's types stay free of HTTP and OpenAPI concerns).

use kairos_core::conversation::Conversation;
use kairos_core::customer::Customer;
use kairos_core::event::Event;
use kairos_core::identity::Identity;
use kairos_core::message::{Author, Direction, Message};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An identity as sent and shown.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct IdentityView {
    /// `email`, `phone`, `social` or `device`.
    #[schema(example = "email")]
    pub kind: String,
    /// The address, number (any common format in; E.164 out), handle or device id.
    #[schema(example = "anna@example.org")]
    pub value: String,
    /// The social network, for `social` identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "mastodon")]
    pub network: Option<String>,
}

impl From<&Identity> for IdentityView {
    fn from(i: &Identity) -> Self {
        Self {
            kind: i.kind.as_str().to_owned(),
            value: i.value.clone(),
            network: (!i.network.is_empty()).then(|| i.network.clone()),
        }
    }
}

/// A customer.
#[derive(Serialize, ToSchema)]
pub struct CustomerView {
    /// Its id.
    pub id: Uuid,
    /// Name, if known.
    pub display_name: Option<String>,
    /// Every way to reach them.
    pub identities: Vec<IdentityView>,
    /// Set when this customer was merged into another.
    pub merged_into: Option<Uuid>,
    /// The service tier SLA policies may depend on (shown to staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// Their IANA time zone, when set (quiet hours of proactive messages count in it).
    pub time_zone: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

impl From<&Customer> for CustomerView {
    fn from(c: &Customer) -> Self {
        Self {
            id: c.id.0,
            display_name: c.display_name.clone(),
            identities: c.identities.iter().map(Into::into).collect(),
            merged_into: c.merged_into.map(|m| m.0),
            tier: c.tier.clone(),
            time_zone: c.time_zone.clone(),
            created_at: c.created_at.to_rfc3339(),
        }
    }
}

/// A conversation.
#[derive(Serialize, ToSchema)]
pub struct ConversationView {
    /// Its id.
    pub id: Uuid,
    /// Its customer.
    pub customer_id: Uuid,
    /// `open`, `pending`, `resolved` or `closed`.
    #[schema(example = "open")]
    pub status: String,
    /// `low`, `normal`, `high` or `urgent`.
    #[schema(example = "normal")]
    pub priority: String,
    /// The staff member working it.
    pub assignee: Option<Uuid>,
    /// Labels.
    pub tags: Vec<String>,
    /// Every channel its messages used.
    #[schema(example = json!(["email", "chat"]))]
    pub channels: Vec<String>,
    /// Subject of the first message.
    pub subject: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<&Conversation> for ConversationView {
    fn from(c: &Conversation) -> Self {
        Self {
            id: c.id.0,
            customer_id: c.customer_id.0,
            status: c.status.as_str().to_owned(),
            priority: c.priority.as_str().to_owned(),
            assignee: c.assignee.map(|a| a.0),
            tags: c.tags.clone(),
            channels: c.channels.iter().map(|ch| ch.as_str().to_owned()).collect(),
            subject: c.subject.clone(),
            created_at: c.created_at.to_rfc3339(),
            updated_at: c.updated_at.to_rfc3339(),
        }
    }
}

/// Who wrote a message.
#[derive(Serialize, ToSchema)]
pub struct AuthorView {
    /// `customer`, `party` or `system`.
    pub kind: String,
    /// The party's id, for `party`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
}

/// Attachment metadata.
#[derive(Serialize, Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct AttachmentView {
    /// File name as sent (never used as a path).
    pub filename: String,
    /// Media type.
    pub content_type: String,
    /// Bytes.
    pub size: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// Where to download it (in answers only; whoever may read the message may).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
}

/// One message — one touchpoint.
#[derive(Serialize, ToSchema)]
pub struct MessageView {
    /// Its id.
    pub id: Uuid,
    /// Its conversation.
    pub conversation_id: Uuid,
    /// Its position on the tenant's log (orders a timeline).
    pub seq: i64,
    /// `inbound`, `outbound` or `note`.
    #[schema(example = "inbound")]
    pub direction: String,
    /// The channel.
    #[schema(example = "email")]
    pub channel: String,
    /// Who wrote it.
    pub author: AuthorView,
    /// Subject, if any.
    pub subject: Option<String>,
    /// Plain text.
    pub body: String,
    /// Sanitised HTML, if the channel had HTML.
    pub html: Option<String>,
    /// Attachments.
    pub attachments: Vec<AttachmentView>,
    /// The channel's id, for de-duplication.
    pub external_id: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

impl From<&Message> for MessageView {
    fn from(m: &Message) -> Self {
        let author = match &m.author {
            Author::Customer => AuthorView {
                kind: "customer".into(),
                id: None,
            },
            Author::Party { id } => AuthorView {
                kind: "party".into(),
                id: Some(id.0),
            },
            Author::System => AuthorView {
                kind: "system".into(),
                id: None,
            },
        };
        Self {
            id: m.id.0,
            conversation_id: m.conversation_id.0,
            seq: m.seq,
            direction: m.direction.as_str().to_owned(),
            channel: m.channel.as_str().to_owned(),
            author,
            subject: m.subject.clone(),
            body: m.body.text.clone(),
            html: m.body.html.clone(),
            attachments: m
                .attachments
                .iter()
                .enumerate()
                .map(|(i, a)| AttachmentView {
                    filename: a.filename.clone(),
                    content_type: a.content_type.clone(),
                    size: a.size,
                    sha256: a.sha256.clone(),
                    href: Some(crate::files::message_file_href(m.id, i)),
                })
                .collect(),
            external_id: if m.direction == Direction::Inbound {
                m.external_id.clone()
            } else {
                None
            },
            created_at: m.created_at.to_rfc3339(),
        }
    }
}

/// One event of the tenant log.
#[derive(Serialize, ToSchema)]
pub struct EventView {
    /// Position on the log.
    pub seq: i64,
    /// Its id.
    pub id: Uuid,
    /// Event name, e.g. `message.appended`.
    #[serde(rename = "type")]
    #[schema(example = "message.appended")]
    pub type_: String,
    /// RFC 3339.
    pub at: String,
    /// Who caused it.
    #[schema(value_type = Object)]
    pub actor: serde_json::Value,
    /// The event's fields.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<&Event> for EventView {
    fn from(e: &Event) -> Self {
        let mut data = serde_json::to_value(&e.data).unwrap_or(serde_json::Value::Null);
        if let Some(obj) = data.as_object_mut() {
            obj.remove("type");
        }
        Self {
            seq: e.seq,
            id: e.id.0,
            type_: e.data.name().to_owned(),
            at: e.at.to_rfc3339(),
            actor: serde_json::to_value(&e.actor).unwrap_or(serde_json::Value::Null),
            data,
        }
    }
}

/// A page of results with the cursor for the next page (`null` at the end).
#[derive(Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `cursor` (lists) or `after` (logs, timelines) for the next page.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    /// A page of `items` shown as `T`. A full page (`limit` items) carries the cursor of
    /// its last item; a shorter one is the end.
    pub fn of<S>(items: &[S], limit: u32, cursor: impl Fn(&S) -> String) -> Self
    where
        T: for<'a> From<&'a S>,
    {
        let next_cursor = (items.len() == limit as usize)
            .then(|| items.last().map(&cursor))
            .flatten();
        Self {
            items: items.iter().map(T::from).collect(),
            next_cursor,
        }
    }
}
