//! The JSON text of server frames that carry the log, built once per audience.

use super::protocol::{ServerFrame, Who};
use crate::views::{EventView, MessageView};
use kairos_core::event::{Actor, Event, EventData};
use kairos_core::ids::ConversationId;
use kairos_core::message::Message;
use serde_json::json;

/// A staff socket's frame for an event: the same view as the SSE stream.
pub(crate) fn staff_event(event: &Event) -> String {
    json!({"type": "event", "seq": event.seq, "event": EventView::from(event)}).to_string()
}

/// A customer's frame for a message (live or replayed).
pub(crate) fn message(m: &Message) -> String {
    json!({"type": "message", "seq": m.seq, "message": MessageView::from(m)}).to_string()
}

fn who(actor: &Actor) -> Who {
    match actor {
        Actor::Customer { .. } => Who::Customer,
        Actor::Party { id, .. } => Who::Party {
            id: id.map(|p| p.0),
        },
        Actor::System => Who::Party { id: None },
    }
}

/// A customer's frame for the customer-visible form `view` of `event`, and whether a replay
/// sends it too. `None`: nothing a customer's client needs.
pub(crate) fn customer_event(event: &Event, view: &EventData) -> Option<(String, bool)> {
    let seq = event.seq;
    match view {
        EventData::MessageAppended {
            message_id,
            conversation_id,
            direction,
            channel,
            author,
            subject,
            body,
            attachments,
            external_id,
        } => {
            let m = Message {
                id: *message_id,
                conversation_id: *conversation_id,
                seq,
                direction: *direction,
                channel: *channel,
                author: author.clone(),
                subject: subject.clone(),
                body: body.clone(),
                attachments: attachments.clone(),
                external_id: external_id.clone(),
                created_at: event.at,
            };
            Some((message(&m), true))
        }
        EventData::ConversationOpened {
            conversation_id, ..
        } => Some((
            json!({"type": "status", "seq": seq, "conversation_id": conversation_id.0, "status": "open"})
                .to_string(),
            false,
        )),
        EventData::ConversationChanged {
            conversation_id,
            changes,
        } => changes.status.map(|status| {
            (
                json!({"type": "status", "seq": seq, "conversation_id": conversation_id.0, "status": status.as_str()})
                    .to_string(),
                false,
            )
        }),
        EventData::ConversationSeen {
            conversation_id,
            kind,
            up_to_seq,
        } => Some((
            json!({"type": "seen", "seq": seq, "conversation_id": conversation_id.0, "kind": kind,
                   "up_to_seq": up_to_seq, "by": who(&event.actor)})
            .to_string(),
            false,
        )),
        _ => None,
    }
}

/// Who has a conversation open.
pub(crate) fn viewers(conversation: ConversationId, parties: Vec<uuid::Uuid>) -> String {
    ServerFrame::Viewers {
        conversation_id: conversation.0,
        parties,
    }
    .to_json()
}

/// Whether staff are online.
pub(crate) fn presence(staff_online: bool) -> String {
    ServerFrame::Presence { staff_online }.to_json()
}

/// An error.
pub(crate) fn error(code: &str, detail: &str, client_id: Option<&str>) -> String {
    ServerFrame::Error {
        code,
        detail,
        client_id,
    }
    .to_json()
}
