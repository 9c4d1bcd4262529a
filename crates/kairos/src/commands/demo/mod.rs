//! `kairos demo`: a `demo` tenant with staff, customers and conversations.
//!
//! Idempotent: staff are found by e-mail, every customer touchpoint carries an external id,
//! and a conversation whose first touchpoint is a duplicate is skipped entirely. A second
//! run therefore adds nothing and only prints a new admin token.

mod script;

use super::{generate_password, hash_password, stdout_line};
use anyhow::Context;
use kairos_core::conversation::ConversationPatch;
use kairos_core::event::Actor;
use kairos_core::ids::{ConversationId, CustomerId, PartyId, TenantId};
use kairos_core::inbound::InboundCommand;
use kairos_core::message::{Author, Body, Direction};
use kairos_core::party::Role;
use kairos_core::reply::PostMessage;
use kairos_core::tenant::TenantSlug;
use kairos_store::Store;
use script::{Conv, Step};

/// Seeds the demo tenant and prints an admin token.
pub async fn run(store: Store) -> anyhow::Result<()> {
    let slug = TenantSlug::parse("demo")?;
    let tenant = match store.tenant_by_slug(slug.as_str()).await? {
        Some(t) => t,
        None => store
            .create_tenant(&slug, "Demo GmbH")
            .await
            .context("cannot create the demo tenant")?,
    };
    let mut staff = Vec::new();
    for (email, name, role) in script::STAFF {
        staff.push((
            ensure_staff(&store, tenant.id, email, name, role).await?,
            role,
        ));
    }
    let (mut added, mut present) = (0, 0);
    for customer in script::customers()? {
        for conv in &customer.conversations {
            if seed_conversation(&store, tenant.id, &customer.identities, conv, &staff).await? {
                added += 1;
            } else {
                present += 1;
            }
        }
    }
    eprintln!("demo tenant: {added} conversations added, {present} already present");

    let admin = staff.first().map(|(id, _)| *id);
    let (token, hash) = kairos_http::auth::new_token();
    store
        .create_token(tenant.id, Role::Admin, admin, None, &hash, &Actor::System)
        .await
        .context("cannot store the token")?;
    eprintln!("admin token for tenant demo (shown once):");
    stdout_line(&token)
}

/// Finds or creates a staff account; prints the password of a new one on stderr.
async fn ensure_staff(
    store: &Store,
    tenant: TenantId,
    email: &str,
    name: &str,
    role: Role,
) -> anyhow::Result<PartyId> {
    if let Some(p) = store.party_by_email(tenant, email).await? {
        return Ok(p.id);
    }
    let password = generate_password();
    let hash = hash_password(password.clone()).await?;
    let id = store
        .create_party(tenant, role, Some(email), name, Some(&hash), &Actor::System)
        .await
        .context("cannot create a demo staff account")?;
    eprintln!("created {role} {email} with password {password} (shown once)");
    Ok(id)
}

/// Plays one conversation's script; `false` if its first touchpoint was already stored.
async fn seed_conversation(
    store: &Store,
    tenant: TenantId,
    identities: &[kairos_core::identity::Identity],
    conv: &Conv,
    staff: &[(PartyId, Role)],
) -> anyhow::Result<bool> {
    let mut conversation: Option<(ConversationId, CustomerId)> = None;
    for step in &conv.steps {
        match step {
            Step::Inbound {
                channel,
                identity,
                name,
                subject,
                text,
                external_id,
            } => {
                let from = identities
                    .get(*identity)
                    .context("demo script: no such identity")?
                    .clone();
                let cmd = InboundCommand {
                    channel: *channel,
                    from,
                    display_name: Some((*name).to_owned()),
                    subject: subject.map(str::to_owned),
                    body: Body::new(text, None)?,
                    attachments: vec![],
                    external_id: Some((*external_id).to_owned()),
                    conversation_id: conversation.map(|(c, _)| c),
                };
                let (ids, new) = store.inbound(tenant, cmd, &Actor::System).await?;
                if conversation.is_none() {
                    if !new {
                        return Ok(false);
                    }
                    // Every way to reach this customer, so later touchpoints find them.
                    for identity in identities {
                        store
                            .add_identity(tenant, ids.customer_id, identity.clone(), &Actor::System)
                            .await?;
                    }
                    conversation = Some((ids.conversation_id, ids.customer_id));
                }
            }
            Step::Reply {
                agent,
                channel,
                text,
            }
            | Step::Note {
                agent,
                channel,
                text,
            } => {
                let (conv_id, _) =
                    conversation.context("demo script: a reply before the first message")?;
                let (party, role) = *staff.get(*agent).context("demo script: no such agent")?;
                let direction = if matches!(step, Step::Note { .. }) {
                    Direction::Note
                } else {
                    Direction::Outbound
                };
                let msg = PostMessage {
                    direction,
                    channel: *channel,
                    author: Author::Party { id: party },
                    subject: None,
                    body: Body::new(text, None)?,
                    attachments: vec![],
                };
                store
                    .post_message(
                        tenant,
                        conv_id,
                        None,
                        msg,
                        &Actor::Party {
                            id: Some(party),
                            role,
                        },
                    )
                    .await?;
            }
        }
    }
    let (conv_id, _) = conversation.context("demo script: an empty conversation")?;
    let patch = ConversationPatch {
        status: conv.status,
        priority: conv.priority,
        assignee: match conv.assignee {
            Some(i) => Some(Some(
                staff.get(i).context("demo script: no such assignee")?.0,
            )),
            None => None,
        },
        tags: (!conv.tags.is_empty()).then(|| conv.tags.iter().map(|t| (*t).to_owned()).collect()),
    };
    store
        .patch_conversation(tenant, conv_id, patch, &Actor::System)
        .await?;
    Ok(true)
}
