//! What the server needs to know about anticipation beyond the engine: the tenant's rule
//! file and switch, and how a firing's channel wish becomes a channel. Pure: the engine
//! lives in `kairos-anticipation`, the runtime that feeds it in `kairos-context`.

use crate::conversation::{ConversationChanges, Status};
use crate::error::DomainError;
use crate::event::{Actor, EventData, NewEvent};
use crate::identity::IdentityKind;
use crate::ids::{ConversationId, CustomerId, MessageId};
use crate::inbound::ConversationState;
use crate::message::{Author, Body, Channel, Direction};
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// The tenant setting key of [`AnticipationSettings`].
pub const SETTINGS_KEY: &str = "anticipation";
/// Most bytes of a tenant's rule file.
pub const MAX_RULES_BYTES: usize = 256 * 1024;

/// Checks a webhook secret's name: 1–64 of `a-z`, `0-9`, `-`, `_`.
pub fn validate_secret_name(name: &str) -> Result<(), DomainError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "name",
            "1 to 64 of a-z, 0-9, '-' and '_'",
        ))
    }
}

/// A tenant's rules and whether they run. Off with no rules for a new tenant (privacy by
/// default: nothing proactive happens until an admin switches it on).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnticipationSettings {
    /// Whether the engine runs for this tenant.
    pub enabled: bool,
    /// The rule file (see docs/anticipation.md).
    pub rules: String,
}

impl AnticipationSettings {
    /// Checks the size; the caller parses the rules (the parser is the engine's).
    pub fn validate(self) -> Result<Self, DomainError> {
        if self.rules.len() > MAX_RULES_BYTES {
            return Err(DomainError::invalid(
                "rules",
                format!("at most {MAX_RULES_BYTES} bytes"),
            ));
        }
        Ok(self)
    }
}

/// The identity a channel needs to reach the customer, if it needs one.
fn needs(channel: Channel) -> Option<IdentityKind> {
    match channel {
        Channel::Email => Some(IdentityKind::Email),
        Channel::Sms | Channel::Voice => Some(IdentityKind::Phone),
        Channel::Social => Some(IdentityKind::Social),
        Channel::Chat | Channel::Portal | Channel::Api => None,
    }
}

/// The channel a proactive message goes out on: the first wish the customer can be reached
/// on, where `preferred` means the channel they last wrote on (or e-mail, if they have an
/// address). Without any reachable wish the message lands in the portal, where the
/// customer finds it when they sign in.
pub fn choose_channel(
    wishes: &[String],
    last_inbound: Option<Channel>,
    identities: &[IdentityKind],
) -> Channel {
    let reachable = |c: Channel| needs(c).is_none_or(|k| identities.contains(&k));
    for wish in wishes {
        let candidate = if wish == "preferred" {
            last_inbound
                .filter(|c| reachable(*c))
                .or_else(|| reachable(Channel::Email).then_some(Channel::Email))
        } else {
            Channel::parse(wish).ok().filter(|c| reachable(*c))
        };
        if let Some(c) = candidate {
            return c;
        }
    }
    Channel::Portal
}

/// What a firing does to the customer's conversations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing beyond the `anticipation.fired` event (e.g. a derived event).
    Record,
    /// A message to the customer on `channel` (notify, coupon).
    Message {
        /// Where it goes out.
        channel: Channel,
        /// The text.
        body: String,
    },
    /// An internal note for staff (touchpoint).
    Note {
        /// The text.
        body: String,
    },
    /// A conversation that staff must look at.
    OpenConversation {
        /// Its subject.
        subject: String,
    },
}

/// One executed firing, as the runtime hands it to the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FiringCommand {
    /// The firing's unique key.
    pub key: String,
    /// The key of the match it belongs to (its actions share a conversation).
    pub match_key: String,
    /// Whom it concerns.
    pub customer_id: CustomerId,
    /// The rule's name.
    pub rule: String,
    /// The rule's version.
    pub rule_version: u32,
    /// The action's kind.
    pub action: String,
    /// The rendered text, if any.
    pub text: Option<String>,
    /// Why it fired.
    pub explanation: Vec<String>,
    /// What it does.
    pub effect: Effect,
}

/// Decides the events of one firing. `earlier` is the conversation an earlier action of the
/// same match wrote to, if it is still usable. Proactive messages open a conversation that
/// is resolved at once (nothing for staff to do; a reply reopens it); `open_conversation`
/// leaves it open for the inbox.
pub fn decide(
    cmd: &FiringCommand,
    earlier: Option<&ConversationState>,
    now: Timestamp,
) -> Result<(Option<ConversationId>, Vec<NewEvent>), DomainError> {
    let actor = Actor::System;
    let mut events = Vec::new();
    let subject = format!("{} (v{})", cmd.rule, cmd.rule_version);
    let usable = earlier.filter(|c| c.status != Status::Closed);
    let conversation = |channel: Channel, subject: String, events: &mut Vec<NewEvent>| {
        usable.map(|c| c.id).unwrap_or_else(|| {
            let id = ConversationId::new();
            events.push(NewEvent::new(
                now,
                &actor,
                EventData::ConversationOpened {
                    conversation_id: id,
                    customer_id: cmd.customer_id,
                    channel,
                    subject: Some(subject),
                },
            ));
            id
        })
    };
    let status = |id: ConversationId, status: Status| {
        NewEvent::new(
            now,
            &actor,
            EventData::ConversationChanged {
                conversation_id: id,
                changes: ConversationChanges {
                    status: Some(status),
                    ..ConversationChanges::default()
                },
            },
        )
    };
    let message = |id, direction, channel, body: &str| -> Result<NewEvent, DomainError> {
        Ok(NewEvent::new(
            now,
            &actor,
            EventData::MessageAppended {
                message_id: MessageId::new(),
                conversation_id: id,
                direction,
                channel,
                author: Author::System,
                subject: None,
                body: Body::new(body, None)?,
                attachments: Vec::new(),
                external_id: None,
            },
        ))
    };
    let fresh = usable.is_none();
    let written = match &cmd.effect {
        Effect::Record => None,
        Effect::Message { channel, body } => {
            let id = conversation(*channel, subject, &mut events);
            events.push(message(id, Direction::Outbound, *channel, body)?);
            if fresh {
                events.push(status(id, Status::Resolved));
            }
            Some(id)
        }
        Effect::Note { body } => {
            let id = conversation(Channel::Api, subject, &mut events);
            events.push(message(id, Direction::Note, Channel::Api, body)?);
            if fresh {
                events.push(status(id, Status::Resolved));
            }
            Some(id)
        }
        Effect::OpenConversation { subject } => {
            let id = conversation(Channel::Api, subject.clone(), &mut events);
            let why = cmd.explanation.join("\n");
            events.push(message(id, Direction::Note, Channel::Api, &why)?);
            if usable.is_some_and(|c| c.status != Status::Open) {
                events.push(status(id, Status::Open));
            }
            Some(id)
        }
    };
    events.push(NewEvent::new(
        now,
        &actor,
        EventData::AnticipationFired {
            customer_id: cmd.customer_id,
            rule: cmd.rule.clone(),
            rule_version: cmd.rule_version,
            action: cmd.action.clone(),
            key: cmd.key.clone(),
            text: cmd.text.clone(),
            conversation_id: written,
            explanation: cmd.explanation.clone(),
        },
    ));
    Ok((written, events))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for ok in ["crm", "a", "crm-eu_2", &"x".repeat(64)] {
            assert!(validate_secret_name(ok).is_ok(), "{ok}");
        }
        // Hostile names (path tricks, upper case, unicode, too long) are refused.
        for bad in ["", "CRM", "../x", "a b", "é", "a/b", &"x".repeat(65)] {
            assert!(validate_secret_name(bad).is_err(), "{bad}");
        }
    }

    fn command(effect: Effect) -> FiringCommand {
        FiringCommand {
            key: "r@1/c/1/0".into(),
            match_key: "r@1/c/1".into(),
            customer_id: CustomerId::new(),
            rule: "r".into(),
            rule_version: 1,
            action: "notify".into(),
            text: Some("hello".into()),
            explanation: vec!["step 1".into()],
            effect,
        }
    }

    #[test]
    fn a_message_opens_a_resolved_conversation_and_a_note_joins_it() {
        let now = Timestamp::from_micros(1);
        let cmd = command(Effect::Message {
            channel: Channel::Email,
            body: "hello".into(),
        });
        let (id, events) = decide(&cmd, None, now).unwrap();
        let kinds: Vec<_> = events.iter().map(|e| e.data.name()).collect();
        assert_eq!(
            kinds,
            [
                "conversation.opened",
                "message.appended",
                "conversation.changed",
                "anticipation.fired"
            ]
        );
        let earlier = ConversationState {
            id: id.unwrap(),
            customer_id: cmd.customer_id,
            status: Status::Resolved,
        };
        let note = command(Effect::Note { body: "fyi".into() });
        let (same, events) = decide(&note, Some(&earlier), now).unwrap();
        assert_eq!(same, id);
        assert!(matches!(
            events[0].data,
            EventData::MessageAppended {
                direction: Direction::Note,
                ..
            }
        ));
        assert_eq!(events.len(), 2);
    }

    #[test]
    fn open_conversation_reopens_what_the_match_resolved() {
        let now = Timestamp::from_micros(1);
        let earlier = ConversationState {
            id: ConversationId::new(),
            customer_id: CustomerId::new(),
            status: Status::Resolved,
        };
        let cmd = command(Effect::OpenConversation {
            subject: "Call back".into(),
        });
        let (_, events) = decide(&cmd, Some(&earlier), now).unwrap();
        assert!(events.iter().any(|e| matches!(
            &e.data,
            EventData::ConversationChanged { changes, .. } if changes.status == Some(Status::Open)
        )));
    }

    fn wishes(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn preferred_is_the_last_channel_the_customer_wrote_on() {
        let ids = [IdentityKind::Email, IdentityKind::Phone];
        assert_eq!(
            choose_channel(&wishes(&["preferred"]), Some(Channel::Sms), &ids),
            Channel::Sms
        );
        assert_eq!(
            choose_channel(&wishes(&["preferred"]), None, &ids),
            Channel::Email
        );
    }

    #[test]
    fn unreachable_wishes_fall_through_to_the_portal() {
        let ids = [IdentityKind::Device];
        assert_eq!(
            choose_channel(&wishes(&["sms", "email"]), Some(Channel::Email), &ids),
            Channel::Portal
        );
        assert_eq!(
            choose_channel(&wishes(&["nonsense", "chat"]), None, &ids),
            Channel::Chat
        );
    }

    #[test]
    fn oversized_rule_files_are_refused() {
        let s = AnticipationSettings {
            enabled: true,
            rules: "#".repeat(MAX_RULES_BYTES + 1),
        };
        assert!(s.validate().is_err());
    }
}
