//! Gathering everything one tenant holds about one person (Art. 15 access, Art. 20
//! portability) into a [`PersonExport`].

use crate::PrivacyError;
use crate::document::{
    AttachmentFile, AuditEntryView, ConversationEntry, CouponEntry, DecisionEntry, FORMAT,
    ForumPostEntry, IdentityEntry, MessageEntry, PersonExport, Profile, RestrictionsEntry,
    TenantInfo,
};
use kairos_core::event::Actor;
use kairos_core::ids::CustomerId;
use kairos_core::message::{Author, Message};
use kairos_core::tenant::Tenant;
use kairos_store::{ConversationFilter, Store, StoreError};
use std::collections::BTreeMap;

/// Page size for the reads an export makes.
const PAGE: u32 = 500;

/// The export of `customer` (following a merge to the surviving record).
pub async fn gather(
    store: &Store,
    tenant: &Tenant,
    customer: CustomerId,
) -> Result<PersonExport, PrivacyError> {
    let t = tenant.id;
    let mut person = store
        .customer(t, customer)
        .await?
        .ok_or(StoreError::not_found("customer"))?;
    if let Some(survivor) = person.merged_into {
        person = store
            .customer(t, survivor)
            .await?
            .ok_or(StoreError::not_found("customer"))?;
    }
    let id = person.id;
    // A stable order, whatever order the store keeps them in.
    person.identities.sort_by(|a, b| {
        (a.kind.as_str(), &a.network, &a.value).cmp(&(b.kind.as_str(), &b.network, &b.value))
    });
    let mut attachments = BTreeMap::new();
    let mut conversations = Vec::new();
    let mut before = None;
    loop {
        let filter = ConversationFilter {
            customer: Some(id),
            before,
            limit: PAGE,
            ..ConversationFilter::default()
        };
        let page = store.conversations(t, &filter).await?;
        before = page.last().map(|c| c.id);
        for c in &page {
            let mut messages = Vec::new();
            let mut after = 0;
            loop {
                let batch = store.messages(t, c.id, true, after, PAGE).await?;
                after = batch.last().map_or(after, |m| m.seq);
                for m in &batch {
                    for a in &m.attachments {
                        attachments
                            .entry(a.sha256.clone())
                            .or_insert(AttachmentFile {
                                sha256: a.sha256.clone(),
                                filename: a.filename.clone(),
                                content_type: a.content_type.clone(),
                                size: a.size,
                            });
                    }
                    messages.push(message_entry(m));
                }
                if batch.len() < PAGE as usize {
                    break;
                }
            }
            conversations.push(ConversationEntry {
                id: c.id.0.to_string(),
                status: c.status.as_str().to_owned(),
                priority: c.priority.as_str().to_owned(),
                tags: c.tags.clone(),
                subject: c.subject.clone(),
                created_at: c.created_at.to_rfc3339(),
                follow_up_email: store.follow_up_email(t, c.id).await?,
                messages,
            });
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    // Conversations are listed newest first; the export reads oldest first.
    conversations.reverse();

    // Oldest first, as the format says.
    let mut context_events: Vec<serde_json::Value> = store
        .context_events(t, id, u32::MAX)
        .await?
        .into_iter()
        .map(|e| {
            serde_json::json!({
                "id": e.event_id,
                "type": e.event_type,
                "purpose": e.purpose,
                "place": e.place,
                "time": e.time.to_rfc3339(),
                "attributes": e.attributes,
                "received_at": e.received_at.to_rfc3339(),
            })
        })
        .collect();
    context_events.reverse();
    let consents = store
        .consents(t, id)
        .await?
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()
        .map_err(StoreError::from)?;
    let coupons = store
        .coupons_of(t, id)
        .await?
        .into_iter()
        .map(|c| CouponEntry {
            id: c.id.0.to_string(),
            offer: c.offer,
            value_minor: c.value_minor,
            currency: c.currency,
            issued_at: c.issued_at.to_rfc3339(),
            expires_at: c.expires_at.to_rfc3339(),
            redeemed_at: c.redeemed_at.map(|t| t.to_rfc3339()),
            redeemed_by: c.redeemed_by,
            firing_key: c.firing_key,
        })
        .collect();
    let decisions = store
        .decisions(t, id, u32::MAX)
        .await?
        .into_iter()
        .map(|d| DecisionEntry {
            key: d.key,
            rule: d.rule,
            rule_version: d.rule_version,
            action: d.action,
            text: d.text,
            explanation: d.explanation,
            fired_at: d.fired_at.to_rfc3339(),
            review: d.review.map(|r| r.as_str().to_owned()),
            review_note: d.review_note,
        })
        .collect();
    let forum_posts = forum_posts(store, t, id).await?;
    let r = store.restrictions(t, id).await?;
    let restrictions = RestrictionsEntry {
        profiling: r.profiling,
        proactive: r.proactive,
        automation: r.automation,
    };
    let mut audit = Vec::new();
    let mut after = 0;
    loop {
        let page = store.audit_entries(t, Some(id), after, PAGE).await?;
        after = page.last().map_or(after, |r| r.seq);
        audit.extend(page.iter().map(|r| AuditEntryView {
            at: r.at.to_rfc3339(),
            actor_role: match &r.entry.actor {
                Actor::Party { role, .. } => role.as_str().to_owned(),
                Actor::Customer { .. } => "customer".to_owned(),
                Actor::System => "system".to_owned(),
            },
            action: r.entry.action.clone(),
            status: r.entry.status,
        }));
        if page.len() < PAGE as usize {
            break;
        }
    }
    let controller = store
        .setting(t, kairos_core::consent::SETTINGS_KEY)
        .await?
        .and_then(|v| v.get("controller").cloned())
        .filter(|v| !v.is_null());
    Ok(PersonExport {
        format: FORMAT.to_owned(),
        exported_at: kairos_store::now().to_rfc3339(),
        tenant: TenantInfo {
            slug: tenant.slug.as_str().to_owned(),
            name: tenant.name.clone(),
        },
        controller,
        profile: Profile {
            id: id.0.to_string(),
            display_name: person.display_name.clone(),
            tier: person.tier.clone(),
            time_zone: person.time_zone.clone(),
            created_at: person.created_at.to_rfc3339(),
            merged_ids: store
                .merged_into(t, id)
                .await?
                .iter()
                .map(|c| c.0.to_string())
                .collect(),
        },
        identities: person
            .identities
            .iter()
            .map(|i| IdentityEntry {
                kind: i.kind.as_str().to_owned(),
                network: (!i.network.is_empty()).then(|| i.network.clone()),
                value: i.value.clone(),
            })
            .collect(),
        conversations,
        context_events,
        // Kairos computes no scores about a person yet; the category is part of the format
        // so that exports stay complete when it does.
        consents,
        coupons,
        scores: Vec::new(),
        decisions,
        restrictions,
        forum_posts,
        audit,
        attachments: attachments.into_values().collect(),
    })
}

fn message_entry(m: &Message) -> MessageEntry {
    MessageEntry {
        id: m.id.0.to_string(),
        direction: m.direction.as_str().to_owned(),
        channel: m.channel.as_str().to_owned(),
        author: match m.author {
            Author::Customer => "customer",
            Author::Party { .. } => "staff",
            Author::System => "system",
        }
        .to_owned(),
        subject: m.subject.clone(),
        text: m.body.text.clone(),
        html: m.body.html.clone(),
        external_id: m.external_id.clone(),
        attachments: m.attachments.iter().map(|a| a.sha256.clone()).collect(),
        created_at: m.created_at.to_rfc3339(),
    }
}

/// The person's own forum posts (and those of records merged into them), never others'.
async fn forum_posts(
    store: &kairos_store::Store,
    t: kairos_core::ids::TenantId,
    id: kairos_core::ids::CustomerId,
) -> Result<Vec<ForumPostEntry>, StoreError> {
    let mut people = vec![id];
    people.extend(store.merged_into(t, id).await?);
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for p in &people {
        for th in store.forum_threads_of(t, *p).await? {
            if seen.contains(&th.id) {
                continue;
            }
            seen.push(th.id);
            let theirs =
                |c: Option<kairos_core::ids::CustomerId>| c.is_some_and(|c| people.contains(&c));
            if theirs(th.author.customer_id) {
                out.push(ForumPostEntry {
                    thread_id: th.id.0.to_string(),
                    reply_id: None,
                    title: th.title.clone(),
                    author_name: th.author.name.clone(),
                    body: th.body.clone(),
                    created_at: th.created_at.to_rfc3339(),
                    hidden: th.hidden,
                });
            }
            for r in th.replies.iter().filter(|r| theirs(r.author.customer_id)) {
                out.push(ForumPostEntry {
                    thread_id: th.id.0.to_string(),
                    reply_id: Some(r.id.0.to_string()),
                    title: th.title.clone(),
                    author_name: r.author.name.clone(),
                    body: r.body.clone(),
                    created_at: r.created_at.to_rfc3339(),
                    hidden: r.hidden,
                });
            }
        }
    }
    Ok(out)
}
