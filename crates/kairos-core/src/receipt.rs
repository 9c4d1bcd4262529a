//! Delivery and read receipts: a participant says how far into a conversation they have
//! received or read. Receipts are high-water marks (`up_to_seq`), so one event covers every
//! earlier message and a client that reconnects sends one receipt, not one per message.

use crate::error::DomainError;
use crate::event::{Actor, EventData, NewEvent};
use crate::ids::ConversationId;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// What a receipt says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeenKind {
    /// The messages reached the participant's device.
    Delivered,
    /// The participant read them.
    Read,
}

/// Decides the receipt event. `latest_seq` is the tenant log's newest position: a receipt
/// cannot cover messages that do not exist yet.
pub fn mark_seen(
    conversation_id: ConversationId,
    kind: SeenKind,
    up_to_seq: i64,
    latest_seq: i64,
    now: Timestamp,
    actor: &Actor,
) -> Result<NewEvent, DomainError> {
    if up_to_seq < 1 || up_to_seq > latest_seq {
        return Err(DomainError::invalid(
            "up_to_seq",
            "a log position of this tenant (1 up to the newest seq)",
        ));
    }
    Ok(NewEvent::new(
        now,
        actor,
        EventData::ConversationSeen {
            conversation_id,
            kind,
            up_to_seq,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_cover_only_existing_log_positions() {
        let id = ConversationId::new();
        let now = Timestamp::from_micros(1);
        assert!(mark_seen(id, SeenKind::Read, 0, 10, now, &Actor::System).is_err());
        assert!(mark_seen(id, SeenKind::Read, 11, 10, now, &Actor::System).is_err());
        let e = mark_seen(id, SeenKind::Delivered, 10, 10, now, &Actor::System).unwrap();
        assert_eq!(e.data.name(), "conversation.seen");
        assert_eq!(e.data.conversation(), Some(id));
    }
}
