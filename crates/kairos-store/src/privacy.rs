//! Store side of the privacy operations: re-importing a person's export as one transaction,
//! and the reads an export needs beyond the ordinary ones.

use crate::flows::WriteTx;
use crate::{Result, Store, StoreError};
use kairos_core::consent::{ConsentCommand, ConsentRecord};
use kairos_core::conversation::{ConversationChanges, Priority, Status};
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::identity::Identity;
use kairos_core::ids::{ConversationId, CustomerId, MessageId, TenantId};
use kairos_core::message::{Attachment, Author, Body, Channel, Direction};
use kairos_core::{DomainError, Timestamp};

/// A person to import: their profile, identities, conversations and consents, with the
/// times they originally happened.
#[derive(Clone, Debug)]
pub struct PersonImport {
    /// Their name.
    pub display_name: Option<String>,
    /// Their service tier.
    pub tier: Option<String>,
    /// Their time zone.
    pub time_zone: Option<String>,
    /// When they were first recorded.
    pub created_at: Timestamp,
    /// Their identities.
    pub identities: Vec<Identity>,
    /// Their conversations, oldest first.
    pub conversations: Vec<ConversationImport>,
    /// Their consent records, oldest first.
    pub consents: Vec<(ConsentCommand, Timestamp)>,
}

/// A conversation to import.
#[derive(Clone, Debug)]
pub struct ConversationImport {
    /// Its status now.
    pub status: Status,
    /// Its priority.
    pub priority: Priority,
    /// Its tags.
    pub tags: Vec<String>,
    /// Its subject.
    pub subject: Option<String>,
    /// When it was opened.
    pub created_at: Timestamp,
    /// The chat visitor's follow-up address (normalised), if they left one.
    pub follow_up_email: Option<String>,
    /// Its messages, oldest first (at least one).
    pub messages: Vec<MessageImport>,
}

/// A message to import.
#[derive(Clone, Debug)]
pub struct MessageImport {
    /// Which way it went.
    pub direction: Direction,
    /// On which channel.
    pub channel: Channel,
    /// Who wrote it.
    pub author: Author,
    /// Its subject.
    pub subject: Option<String>,
    /// Its content.
    pub body: Body,
    /// Its attachments (their blobs already stored).
    pub attachments: Vec<Attachment>,
    /// The channel's id.
    pub external_id: Option<String>,
    /// When it was recorded.
    pub created_at: Timestamp,
}

async fn import<T: WriteTx>(tx: &mut T, person: PersonImport, actor: &Actor) -> Result<CustomerId> {
    let id = CustomerId::new();
    let at = person.created_at;
    let mut events = vec![NewEvent::new(
        at,
        actor,
        EventData::CustomerCreated {
            customer_id: id,
            display_name: person.display_name,
        },
    )];
    if person.time_zone.is_some() {
        let time_zone = person.time_zone.clone();
        events.push(NewEvent::new(
            at,
            actor,
            EventData::CustomerTimeZoneSet {
                customer_id: id,
                time_zone,
            },
        ));
    }
    if person.tier.is_some() {
        let tier = person.tier;
        events.push(NewEvent::new(
            at,
            actor,
            EventData::CustomerTierSet {
                customer_id: id,
                tier,
            },
        ));
    }
    for identity in person.identities {
        if tx.customer_by_identity(&identity).await?.is_some() {
            return Err(StoreError::Domain(DomainError::Conflict(format!(
                "identity {identity} belongs to a customer of this tenant already"
            ))));
        }
        events.push(NewEvent::new(
            at,
            actor,
            EventData::IdentityAdded {
                customer_id: id,
                identity,
            },
        ));
    }
    for (command, at) in person.consents {
        let record = ConsentRecord {
            id: uuid::Uuid::now_v7(),
            customer_id: id,
            command,
            at,
        };
        events.push(NewEvent::new(
            at,
            actor,
            EventData::ConsentRecorded { record },
        ));
    }
    for c in person.conversations {
        let Some(first) = c.messages.first() else {
            continue;
        };
        let conversation_id = ConversationId::new();
        events.push(NewEvent::new(
            c.created_at,
            actor,
            EventData::ConversationOpened {
                conversation_id,
                customer_id: id,
                channel: first.channel,
                subject: c.subject,
            },
        ));
        let mut last = c.created_at;
        for m in c.messages {
            if let Some(ext) = &m.external_id
                && tx.message_by_external_id(m.channel, ext).await?.is_some()
            {
                return Err(StoreError::Domain(DomainError::Conflict(format!(
                    "a {} message with id {ext} exists in this tenant already",
                    m.channel.as_str()
                ))));
            }
            last = m.created_at;
            events.push(NewEvent::new(
                m.created_at,
                actor,
                EventData::MessageAppended {
                    message_id: MessageId::new(),
                    conversation_id,
                    direction: m.direction,
                    channel: m.channel,
                    author: m.author,
                    subject: m.subject,
                    body: m.body,
                    attachments: m.attachments,
                    external_id: m.external_id,
                },
            ));
        }
        let changes = ConversationChanges {
            status: (c.status != Status::Open).then_some(c.status),
            priority: (c.priority != Priority::Normal).then_some(c.priority),
            assignee: None,
            tags: (!c.tags.is_empty()).then_some(c.tags),
        };
        if changes != ConversationChanges::default() {
            events.push(NewEvent::new(
                last,
                actor,
                EventData::ConversationChanged {
                    conversation_id,
                    changes,
                },
            ));
        }
        if let Some(email) = c.follow_up_email {
            events.push(NewEvent::new(
                last,
                actor,
                EventData::ConversationFollowUp {
                    conversation_id,
                    email,
                },
            ));
        }
    }
    // The log stays in time order of what happened to the person.
    events.sort_by_key(|e| e.at.as_micros());
    tx.append(events).await?;
    Ok(id)
}

impl Store {
    /// Imports a person (a re-imported export) as a new customer in one transaction; refuses
    /// (409, nothing written) if one of their identities or message ids exists in the tenant.
    pub async fn import_person(
        &self,
        tenant: TenantId,
        person: PersonImport,
        actor: &Actor,
    ) -> Result<CustomerId> {
        let actor = actor.clone();
        flow!(self, tenant, |tx| import(tx, person, &actor))
    }

    /// The customers merged into `customer` (found twice, now one).
    pub async fn merged_into(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<CustomerId>> {
        dispatch!(self, s => s.merged_into(tenant, customer).await)
    }
}
