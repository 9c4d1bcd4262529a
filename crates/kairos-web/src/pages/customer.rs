//! The customer profile: who they are (name, tier, identities), their conversations, and
//! their whole timeline across channels.

use super::{Layout, Names, render, staff};
use crate::error::{OrPage, PageError};
use crate::i18n::Lang;
use crate::time::{When, when};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kairos_core::ids::CustomerId;
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};
use kairos_store::ConversationFilter;

/// Conversations listed on the profile.
const CONVERSATIONS: u32 = 50;
/// Timeline entries shown (the newest).
const TIMELINE_SHOWN: usize = 100;

/// One of the customer's conversations.
struct ConversationRow {
    id: String,
    subject: String,
    status: &'static str,
    channels: Vec<&'static str>,
    updated: When,
}

/// One touchpoint.
struct Touchpoint {
    direction: &'static str,
    channel: &'static str,
    author: String,
    text: String,
    at: When,
    conversation: String,
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerPage {
    l: Lang,
    layout: Layout,
    name: String,
    tier: String,
    identities: Vec<(&'static str, String)>,
    conversations: Vec<ConversationRow>,
    timeline: Vec<Touchpoint>,
}

/// `GET /customers/{id}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: CustomerId = id
        .parse()
        .map_err(|_| PageError::new(l, ApiError::not_found("customer")))?;
    let (p, layout) = staff(&state, principal, l, &format!("/customers/{id}")).await?;
    let customer = state
        .store
        .customer(p.tenant_id, id)
        .await
        .or_page(l)?
        .ok_or_else(|| PageError::new(l, ApiError::not_found("customer")))?;
    // A merged-away customer's touchpoints and conversations live with the survivor.
    let owner = customer.merged_into.unwrap_or(customer.id);
    let filter = ConversationFilter {
        status: None,
        assignee: None,
        channel: None,
        customer: Some(owner),
        before: None,
        limit: CONVERSATIONS,
    };
    let conversations = state
        .store
        .conversations(p.tenant_id, &filter)
        .await
        .or_page(l)?
        .iter()
        .map(|c| ConversationRow {
            id: c.id.to_string(),
            subject: c.subject.clone().unwrap_or_default(),
            status: c.status.as_str(),
            channels: c.channels.iter().map(|ch| ch.as_str()).collect(),
            updated: when(c.updated_at, l),
        })
        .collect();
    let name = customer.display_name.clone().unwrap_or_default();
    let newest = super::latest_timeline(&state, &p, owner, TIMELINE_SHOWN)
        .await
        .or_page(l)?;
    let mut names = Names::default();
    let mut timeline = Vec::new();
    for m in &newest {
        let author = match m.author {
            kairos_core::message::Author::Customer => name.clone(),
            kairos_core::message::Author::Party { id } => {
                names.get(&state, &p, id).await.or_page(l)?
            }
            _ => l.msg("author-system"),
        };
        timeline.push(Touchpoint {
            direction: m.direction.as_str(),
            channel: m.channel.as_str(),
            author,
            text: m.body.text.clone(),
            at: when(m.created_at, l),
            conversation: m.conversation_id.to_string(),
        });
    }
    Ok(render(&CustomerPage {
        l,
        layout,
        name,
        tier: customer.tier.clone().unwrap_or_default(),
        identities: customer
            .identities
            .into_iter()
            .map(|i| (i.kind.as_str(), i.value))
            .collect(),
        conversations,
        timeline,
    }))
}
