//! Re-importing an export (Art. 20 portability): the person, their identities, conversations
//! (with a chat's follow-up address), messages, attachments and consents arrive in another
//! tenant as they were, with their original times, so their timeline reads the same. Every
//! field is validated as if it came from any other outside source; the import is one
//! transaction and refuses (nothing written) if an identity or a message id already exists in
//! the tenant. Coupons and context events are not carried over: a coupon is the exporting
//! company's offer, redeemable only there.

use crate::PrivacyError;
use crate::archive::Unpacked;
use crate::document::{MessageEntry, PersonExport};
use kairos_core::consent::{ConsentCommand, ConsentRecord};
use kairos_core::conversation::{Priority, Status};
use kairos_core::event::Actor;
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::{CustomerId, PartyId, TenantId};
use kairos_core::message::{self, Attachment, Author, Body, Channel, Direction};
use kairos_core::{DomainError, Timestamp};
use kairos_store::Store;
use kairos_store::blobs::BlobStore;
use kairos_store::privacy::{ConversationImport, MessageImport, PersonImport};
use std::collections::HashMap;

/// Imports an unpacked archive into `tenant` as a new customer; returns its id.
pub async fn import(
    store: &Store,
    blobs: &BlobStore,
    tenant: TenantId,
    unpacked: Unpacked,
    actor: &Actor,
) -> Result<CustomerId, PrivacyError> {
    let person = plan(&unpacked.export)?;
    // Blobs first: a message never names an attachment that is not stored.
    for (_, bytes) in unpacked.attachments {
        blobs.put(bytes).await?;
    }
    Ok(store.import_person(tenant, person, actor).await?)
}

fn time(field: &'static str, raw: &str) -> Result<Timestamp, DomainError> {
    Timestamp::parse_rfc3339(raw).ok_or_else(|| DomainError::invalid(field, "an RFC 3339 time"))
}

/// Validates the document and turns it into what the store imports.
fn plan(export: &PersonExport) -> Result<PersonImport, PrivacyError> {
    let files: HashMap<&str, &crate::document::AttachmentFile> = export
        .attachments
        .iter()
        .map(|a| (a.sha256.as_str(), a))
        .collect();
    let mut identities = Vec::new();
    for i in &export.identities {
        let kind = IdentityKind::parse(&i.kind)?;
        identities.push(Identity::parse(kind, &i.value, i.network.as_deref(), None)?);
    }
    let mut conversations = Vec::new();
    for c in &export.conversations {
        let mut messages = Vec::new();
        for m in &c.messages {
            messages.push(message_import(m, &files)?);
        }
        conversations.push(ConversationImport {
            status: Status::parse(&c.status)?,
            priority: Priority::parse(&c.priority)?,
            tags: c.tags.clone(),
            subject: message::parse_subject(c.subject.as_deref())?,
            created_at: time("conversations.created_at", &c.created_at)?,
            follow_up_email: c
                .follow_up_email
                .as_deref()
                .map(kairos_core::widget::follow_up_address)
                .transpose()?,
            messages,
        });
    }
    let mut consents = Vec::new();
    for raw in &export.consents {
        let record: ConsentRecord = serde_json::from_value(raw.clone())
            .map_err(|e| DomainError::invalid("consents", e.to_string()))?;
        let purpose = record.command.purpose.clone();
        let command: ConsentCommand = record.command.validate(&[purpose])?;
        consents.push((command, record.at));
    }
    Ok(PersonImport {
        display_name: export.profile.display_name.clone(),
        tier: kairos_core::customer::parse_tier(export.profile.tier.as_deref())?,
        time_zone: kairos_core::customer::parse_time_zone(export.profile.time_zone.as_deref())?,
        created_at: time("profile.created_at", &export.profile.created_at)?,
        identities,
        conversations,
        consents,
    })
}

fn message_import(
    m: &MessageEntry,
    files: &HashMap<&str, &crate::document::AttachmentFile>,
) -> Result<MessageImport, DomainError> {
    let mut attachments = Vec::new();
    for sha in &m.attachments {
        let file = files
            .get(sha.as_str())
            .ok_or_else(|| DomainError::invalid("attachments", format!("{sha} is not listed")))?;
        let a = Attachment {
            filename: file.filename.clone(),
            content_type: file.content_type.clone(),
            size: file.size,
            sha256: file.sha256.clone(),
        };
        a.validate()?;
        attachments.push(a);
    }
    Ok(MessageImport {
        direction: Direction::parse(&m.direction)?,
        channel: Channel::parse(&m.channel)?,
        author: match m.author.as_str() {
            "customer" => Author::Customer,
            // Staff of the exporting company are not staff here: the nil party marks them.
            "staff" => Author::Party {
                id: PartyId(uuid::Uuid::nil()),
            },
            "system" => Author::System,
            _ => return Err(DomainError::invalid("author", "customer, staff or system")),
        },
        subject: message::parse_subject(m.subject.as_deref())?,
        body: Body::new(&m.text, m.html.as_deref())?,
        attachments,
        external_id: message::parse_external_id(m.external_id.as_deref())?,
        created_at: time("messages.created_at", &m.created_at)?,
    })
}
