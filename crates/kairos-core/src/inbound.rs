//! The inbound use case: one touchpoint arrives from any channel.
//!
//! A store loads an [`InboundSnapshot`] (inside its write transaction), [`decide`] says what
//! follows, the store appends the events. Keeping the decision pure means one implementation
//! serves every store and every channel, and it is tested without a database.

use crate::conversation::{ConversationChanges, Status};
use crate::error::DomainError;
use crate::event::{Actor, EventData, NewEvent};
use crate::identity::{Identity, IdentityKind};
use crate::ids::{ConversationId, CustomerId, MessageId};
use crate::message::{Attachment, Author, Body, Channel, Direction};
use crate::timestamp::Timestamp;

/// A validated inbound touchpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundCommand {
    /// The channel it arrived on.
    pub channel: Channel,
    /// Who sent it.
    pub from: Identity,
    /// The sender's name, if the channel told us.
    pub display_name: Option<String>,
    /// Subject, if any.
    pub subject: Option<String>,
    /// Content.
    pub body: Body,
    /// Attachment metadata.
    pub attachments: Vec<Attachment>,
    /// The channel's message id, for de-duplication.
    pub external_id: Option<String>,
    /// The conversation the channel says this continues (e.g. from a verified thread token).
    pub conversation_id: Option<ConversationId>,
}

/// The ids an inbound touchpoint landed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InboundIds {
    /// The customer.
    pub customer_id: CustomerId,
    /// The conversation.
    pub conversation_id: ConversationId,
    /// The message.
    pub message_id: MessageId,
}

/// What a store knows about a conversation that inbound needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConversationState {
    /// Its id.
    pub id: ConversationId,
    /// Its customer.
    pub customer_id: CustomerId,
    /// Its status.
    pub status: Status,
}

/// What the store read before deciding, all inside the same transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboundSnapshot {
    /// A message already stored with the same channel and external id.
    pub duplicate: Option<InboundIds>,
    /// The customer owning `from`, if any (after following merges).
    pub customer: Option<CustomerId>,
    /// The conversation named in the command, if it exists in this tenant.
    pub named_conversation: Option<ConversationState>,
    /// The customer's most recent conversation that is not closed.
    pub open_conversation: Option<ConversationState>,
    /// The unverified follow-up address a chat visitor left on the named conversation
    /// (`conversation.follow_up`), if any.
    pub named_follow_up: Option<String>,
}

/// The decision: either a duplicate (nothing to write) or the events to append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InboundDecision {
    /// The external id was seen before: answer with the ids it landed on.
    Duplicate(InboundIds),
    /// New: append `events`, then answer with `ids`.
    Append {
        /// Where it landed.
        ids: InboundIds,
        /// What to append, in order.
        events: Vec<NewEvent>,
    },
}

/// Decides what an inbound touchpoint does.
///
/// - A known external id is a duplicate.
/// - The sender's identity finds the customer, or a new customer is created with it.
/// - A named conversation is continued only if it belongs to that customer and is not
///   closed; anything else (forged, foreign, closed) falls back to the customer's own
///   open conversation or a new one, so a touchpoint can never join someone else's thread.
/// - A pending or resolved conversation is reopened.
/// - E-mail carrying on a chat ([`proves_follow_up`]): a mail from the follow-up address
///   a visitor left on the named conversation (named by a verified thread token, which
///   only that mailbox received), from an address no customer owns yet, continues that
///   conversation. It binds nothing: the address does not become an identity of the chat
///   customer, so a visitor who typed someone else's address never gets that mailbox's
///   later mail or history, even after its owner answered once; the next mail without
///   the token starts its own customer (agents merge when they know it is one person).
pub fn decide(
    cmd: InboundCommand,
    snap: &InboundSnapshot,
    now: Timestamp,
    actor: &Actor,
) -> Result<InboundDecision, DomainError> {
    if let Some(ids) = snap.duplicate {
        return Ok(InboundDecision::Duplicate(ids));
    }
    let mut events = Vec::with_capacity(4);
    let customer_id = match (snap.customer, proves_follow_up(&cmd, snap)) {
        (Some(id), _) => id,
        // The thread only: the address is not bound to the chat customer (see below).
        (None, Some(chat_customer)) => chat_customer,
        (None, None) => {
            let id = CustomerId::new();
            events.push(NewEvent::new(
                now,
                actor,
                EventData::CustomerCreated {
                    customer_id: id,
                    display_name: cmd.display_name.clone(),
                },
            ));
            events.push(NewEvent::new(
                now,
                actor,
                EventData::IdentityAdded {
                    customer_id: id,
                    identity: cmd.from.clone(),
                },
            ));
            id
        }
    };
    let usable =
        |c: &ConversationState| c.customer_id == customer_id && c.status.accepts_follow_up();
    let existing = snap
        .named_conversation
        .filter(usable)
        .or(snap.open_conversation.filter(usable));
    let conversation_id = match existing {
        Some(c) => {
            if c.status != Status::Open {
                events.push(NewEvent::new(
                    now,
                    actor,
                    EventData::ConversationChanged {
                        conversation_id: c.id,
                        changes: ConversationChanges {
                            status: Some(Status::Open),
                            ..Default::default()
                        },
                    },
                ));
            }
            c.id
        }
        None => {
            let id = ConversationId::new();
            events.push(NewEvent::new(
                now,
                actor,
                EventData::ConversationOpened {
                    conversation_id: id,
                    customer_id,
                    channel: cmd.channel,
                    subject: cmd.subject.clone(),
                },
            ));
            id
        }
    };
    let message_id = MessageId::new();
    events.push(NewEvent::new(
        now,
        actor,
        EventData::MessageAppended {
            message_id,
            conversation_id,
            direction: Direction::Inbound,
            channel: cmd.channel,
            author: Author::Customer,
            subject: cmd.subject,
            body: cmd.body,
            attachments: cmd.attachments,
            external_id: cmd.external_id,
        },
    ));
    Ok(InboundDecision::Append {
        ids: InboundIds {
            customer_id,
            conversation_id,
            message_id,
        },
        events,
    })
}

/// The chat customer a mail continues when it proves the follow-up address: an e-mail on
/// the e-mail channel, naming (by its verified thread token) a conversation whose visitor
/// left exactly this address, sent from an address no customer owns. An address owned by
/// another customer never pulls that customer's mailbox or history into the chat (nor the
/// other way round): such a mail stays with its owner.
pub fn proves_follow_up(cmd: &InboundCommand, snap: &InboundSnapshot) -> Option<CustomerId> {
    let named = snap.named_conversation?;
    let follow_up = snap.named_follow_up.as_deref()?;
    let matches = cmd.channel == Channel::Email
        && cmd.from.kind == IdentityKind::Email
        && cmd.conversation_id == Some(named.id)
        && snap.customer.is_none()
        && cmd.from.value.eq_ignore_ascii_case(follow_up);
    matches.then_some(named.customer_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd() -> InboundCommand {
        InboundCommand {
            channel: Channel::Email,
            from: Identity::email("anna@example.org").unwrap(),
            display_name: Some("Anna".into()),
            subject: Some("Hello".into()),
            body: Body::new("Hi there", None).unwrap(),
            attachments: vec![],
            external_id: Some("<1@example.org>".into()),
            conversation_id: None,
        }
    }

    fn names(d: &InboundDecision) -> Vec<&'static str> {
        match d {
            InboundDecision::Append { events, .. } => {
                events.iter().map(|e| e.data.name()).collect()
            }
            InboundDecision::Duplicate(_) => vec![],
        }
    }

    const NOW: Timestamp = Timestamp::from_micros(1);

    #[test]
    fn an_unknown_sender_becomes_a_customer_with_a_new_conversation() {
        let d = decide(cmd(), &InboundSnapshot::default(), NOW, &Actor::System).unwrap();
        assert_eq!(
            names(&d),
            [
                "customer.created",
                "identity.added",
                "conversation.opened",
                "message.appended"
            ]
        );
    }

    #[test]
    fn a_known_sender_continues_the_open_conversation() {
        let customer = CustomerId::new();
        let open = ConversationState {
            id: ConversationId::new(),
            customer_id: customer,
            status: Status::Open,
        };
        let snap = InboundSnapshot {
            customer: Some(customer),
            open_conversation: Some(open),
            ..Default::default()
        };
        let d = decide(cmd(), &snap, NOW, &Actor::System).unwrap();
        assert_eq!(names(&d), ["message.appended"]);
        let InboundDecision::Append { ids, .. } = d else {
            panic!()
        };
        assert_eq!(ids.conversation_id, open.id);
    }

    #[test]
    fn a_resolved_conversation_is_reopened() {
        let customer = CustomerId::new();
        let resolved = ConversationState {
            id: ConversationId::new(),
            customer_id: customer,
            status: Status::Resolved,
        };
        let snap = InboundSnapshot {
            customer: Some(customer),
            open_conversation: Some(resolved),
            ..Default::default()
        };
        let d = decide(cmd(), &snap, NOW, &Actor::System).unwrap();
        assert_eq!(names(&d), ["conversation.changed", "message.appended"]);
    }

    #[test]
    fn a_named_conversation_of_another_customer_is_never_joined() {
        let stranger = ConversationState {
            id: ConversationId::new(),
            customer_id: CustomerId::new(),
            status: Status::Open,
        };
        let mut c = cmd();
        c.conversation_id = Some(stranger.id);
        let snap = InboundSnapshot {
            named_conversation: Some(stranger),
            ..Default::default()
        };
        let d = decide(c, &snap, NOW, &Actor::System).unwrap();
        let InboundDecision::Append { ids, .. } = d else {
            panic!()
        };
        assert_ne!(ids.conversation_id, stranger.id);
    }

    #[test]
    fn a_closed_conversation_is_not_continued() {
        let customer = CustomerId::new();
        let closed = ConversationState {
            id: ConversationId::new(),
            customer_id: customer,
            status: Status::Closed,
        };
        let mut c = cmd();
        c.conversation_id = Some(closed.id);
        let snap = InboundSnapshot {
            customer: Some(customer),
            named_conversation: Some(closed),
            ..Default::default()
        };
        let d = decide(c, &snap, NOW, &Actor::System).unwrap();
        assert_eq!(names(&d), ["conversation.opened", "message.appended"]);
    }

    fn chat_with_follow_up(address: &str) -> (ConversationState, InboundSnapshot) {
        let chat = ConversationState {
            id: ConversationId::new(),
            customer_id: CustomerId::new(),
            status: Status::Open,
        };
        let snap = InboundSnapshot {
            named_conversation: Some(chat),
            named_follow_up: Some(address.into()),
            ..Default::default()
        };
        (chat, snap)
    }

    #[test]
    fn a_reply_from_the_follow_up_address_continues_the_chat_and_binds_nothing() {
        let (chat, snap) = chat_with_follow_up("Anna@example.org");
        let mut c = cmd();
        c.conversation_id = Some(chat.id);
        let d = decide(c, &snap, NOW, &Actor::System).unwrap();
        assert_eq!(names(&d), ["message.appended"], "no customer, no identity");
        let InboundDecision::Append { ids, .. } = d else {
            panic!()
        };
        assert_eq!(ids.conversation_id, chat.id);
        assert_eq!(ids.customer_id, chat.customer_id);
    }

    #[test]
    fn a_follow_up_address_alone_attaches_nobody() {
        // C01/C05: without the thread token (conversation_id) the chat is not joined.
        let (chat, snap) = chat_with_follow_up("anna@example.org");
        let d = decide(cmd(), &snap, NOW, &Actor::System).unwrap();
        let InboundDecision::Append { ids, .. } = d else {
            panic!()
        };
        assert_ne!(ids.conversation_id, chat.id);
        assert_ne!(ids.customer_id, chat.customer_id);

        // Another sender with the token (a forwarded mail): not the visitor's address.
        let mut c = cmd();
        c.from = Identity::email("mallory@example.org").unwrap();
        c.conversation_id = Some(chat.id);
        let d = decide(c, &snap, NOW, &Actor::System).unwrap();
        let InboundDecision::Append { ids, .. } = d else {
            panic!()
        };
        assert_ne!(ids.conversation_id, chat.id);

        // The right address on another channel (an SMS integration naming it): no.
        let mut c = cmd();
        c.channel = Channel::Sms;
        c.conversation_id = Some(chat.id);
        assert!(proves_follow_up(&c, &snap).is_none());
    }

    #[test]
    fn a_follow_up_address_owned_by_another_customer_stays_with_its_owner() {
        // Account takeover: a visitor typed Anna's address, Anna already is a customer.
        // Her reply lands with her, never in the visitor's chat, and her history stays hers.
        let (chat, mut snap) = chat_with_follow_up("anna@example.org");
        let anna = CustomerId::new();
        let annas = ConversationState {
            id: ConversationId::new(),
            customer_id: anna,
            status: Status::Open,
        };
        snap.customer = Some(anna);
        snap.open_conversation = Some(annas);
        let mut c = cmd();
        c.conversation_id = Some(chat.id);
        let d = decide(c, &snap, NOW, &Actor::System).unwrap();
        assert_eq!(names(&d), ["message.appended"]);
        let InboundDecision::Append { ids, .. } = d else {
            panic!()
        };
        assert_eq!(ids.customer_id, anna);
        assert_eq!(ids.conversation_id, annas.id);
    }

    #[test]
    fn a_duplicate_appends_nothing() {
        let ids = InboundIds {
            customer_id: CustomerId::new(),
            conversation_id: ConversationId::new(),
            message_id: MessageId::new(),
        };
        let snap = InboundSnapshot {
            duplicate: Some(ids),
            ..Default::default()
        };
        assert_eq!(
            decide(cmd(), &snap, NOW, &Actor::System).unwrap(),
            InboundDecision::Duplicate(ids)
        );
    }
}
