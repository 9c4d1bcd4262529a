//! Messages written inside an existing conversation: staff replies and notes, customer
//! follow-ups from the portal.

use crate::conversation::{ConversationChanges, Status};
use crate::error::DomainError;
use crate::event::{Actor, EventData, NewEvent};
use crate::ids::MessageId;
use crate::inbound::ConversationState;
use crate::message::{Attachment, Author, Body, Channel, Direction};
use crate::timestamp::Timestamp;

/// A validated message to add to a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostMessage {
    /// Outbound reply, internal note, or (customer) inbound follow-up.
    pub direction: Direction,
    /// The channel; `None` lets the decision pick the conversation's last channel.
    pub channel: Option<Channel>,
    /// Who writes.
    pub author: Author,
    /// Subject, if any.
    pub subject: Option<String>,
    /// Content.
    pub body: Body,
    /// Attachment metadata.
    pub attachments: Vec<Attachment>,
}

/// Decides appending `msg` to `conversation`, whose last used channel is `last_channel`.
/// A customer's follow-up reopens a pending or resolved conversation; nothing may be added
/// to a closed one.
pub fn post(
    conversation: &ConversationState,
    last_channel: Channel,
    msg: PostMessage,
    now: Timestamp,
    actor: &Actor,
) -> Result<(MessageId, Vec<NewEvent>), DomainError> {
    if conversation.status == Status::Closed && msg.direction != Direction::Note {
        return Err(DomainError::Conflict(
            "the conversation is closed; reopen it first".into(),
        ));
    }
    let mut events = Vec::with_capacity(2);
    if msg.direction == Direction::Inbound && conversation.status != Status::Open {
        events.push(NewEvent::new(
            now,
            actor,
            EventData::ConversationChanged {
                conversation_id: conversation.id,
                changes: ConversationChanges {
                    status: Some(Status::Open),
                    ..Default::default()
                },
            },
        ));
    }
    let message_id = MessageId::new();
    events.push(NewEvent::new(
        now,
        actor,
        EventData::MessageAppended {
            message_id,
            conversation_id: conversation.id,
            direction: msg.direction,
            channel: msg.channel.unwrap_or(last_channel),
            author: msg.author,
            subject: msg.subject,
            body: msg.body,
            attachments: msg.attachments,
            external_id: None,
        },
    ));
    Ok((message_id, events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ConversationId, CustomerId};

    fn state(status: Status) -> ConversationState {
        ConversationState {
            id: ConversationId::new(),
            customer_id: CustomerId::new(),
            status,
        }
    }

    fn msg(direction: Direction) -> PostMessage {
        PostMessage {
            direction,
            channel: None,
            author: Author::System,
            subject: None,
            body: Body::new("ok", None).unwrap(),
            attachments: vec![],
        }
    }

    #[test]
    fn replies_default_to_the_last_channel() {
        let (_, events) = post(
            &state(Status::Open),
            Channel::Sms,
            msg(Direction::Outbound),
            Timestamp::from_micros(0),
            &Actor::System,
        )
        .unwrap();
        assert!(matches!(
            events[0].data,
            EventData::MessageAppended {
                channel: Channel::Sms,
                ..
            }
        ));
    }

    #[test]
    fn closed_conversations_take_notes_only() {
        let closed = state(Status::Closed);
        assert!(
            post(
                &closed,
                Channel::Email,
                msg(Direction::Outbound),
                Timestamp::from_micros(0),
                &Actor::System
            )
            .is_err()
        );
        assert!(
            post(
                &closed,
                Channel::Email,
                msg(Direction::Note),
                Timestamp::from_micros(0),
                &Actor::System
            )
            .is_ok()
        );
    }

    #[test]
    fn a_customer_follow_up_reopens() {
        let (_, events) = post(
            &state(Status::Resolved),
            Channel::Email,
            msg(Direction::Inbound),
            Timestamp::from_micros(0),
            &Actor::System,
        )
        .unwrap();
        assert_eq!(events.len(), 2);
    }
}
