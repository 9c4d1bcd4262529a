//! The customer profile: who they are (name, tier, identities), their consents (with
//! receipts; staff record a consent given by phone or to an agent, or its withdrawal),
//! their conversations, and their whole timeline across channels.

use super::{Layout, Names, render, staff};
use crate::error::{OrPage, PageError};
use crate::forms::StaffForm;
use crate::i18n::Lang;
use crate::time::{When, when};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use kairos_core::consent::{self, ConsentAction, ConsentCommand, LegalBasis};
use kairos_core::ids::CustomerId;
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};
use kairos_store::ConversationFilter;
use serde::Deserialize;

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

/// One consent record.
struct ConsentRow {
    id: String,
    purpose: String,
    /// `grant` or `withdraw`.
    action: &'static str,
    method: String,
    categories: String,
    notice_version: String,
    at: When,
}

/// A standing grant, which staff can withdraw.
struct Granted {
    purpose: String,
    notice_version: String,
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerPage {
    l: Lang,
    layout: Layout,
    id: String,
    /// The customer this one was merged into, if it was.
    merged_into: Option<String>,
    csrf: String,
    /// What the last form did.
    notice: Option<String>,
    /// Why the last form was refused.
    error: Option<String>,
    consents: Vec<ConsentRow>,
    granted: Vec<Granted>,
    /// The tenant's purposes.
    purposes: Vec<String>,
    name: String,
    tier: String,
    identities: Vec<(&'static str, String)>,
    conversations: Vec<ConversationRow>,
    timeline: Vec<Touchpoint>,
}

/// The profile's query: which form just succeeded.
#[derive(Deserialize, Default)]
pub(crate) struct ProfileQuery {
    done: Option<String>,
}

fn parse_id(raw: &str, l: Lang) -> Result<CustomerId, PageError> {
    raw.parse()
        .map_err(|_| PageError::new(l, ApiError::not_found("customer")))
}

/// `GET /customers/{id}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
    Path(id): Path<String>,
    Query(q): Query<ProfileQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, l)?;
    let (p, layout) = staff(&state, principal, l, &format!("/customers/{id}")).await?;
    let notice = match q.done.as_deref() {
        Some("merged") => Some(l.msg("merge-done")),
        Some("consent") => Some(l.msg("consent-done")),
        _ => None,
    };
    show(&state, &p, l, layout, id, notice, None).await
}

async fn show(
    state: &AppState,
    p: &Principal,
    l: Lang,
    layout: Layout,
    id: CustomerId,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
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
    let newest = super::latest_timeline(state, p, owner, TIMELINE_SHOWN)
        .await
        .or_page(l)?;
    let mut names = Names::default();
    let mut timeline = Vec::new();
    for m in &newest {
        let author = match m.author {
            kairos_core::message::Author::Customer => name.clone(),
            kairos_core::message::Author::Party { id } => {
                names.get(state, p, id).await.or_page(l)?
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
    let records = state.store.consents(p.tenant_id, id).await.or_page(l)?;
    let granted = consent::current(&records)
        .into_values()
        .filter(|r| r.command.action == ConsentAction::Grant)
        .map(|r| Granted {
            purpose: r.command.purpose.clone(),
            notice_version: r.command.notice_version.clone(),
        })
        .collect();
    let consents = records
        .iter()
        .rev()
        .map(|r| ConsentRow {
            id: r.id.to_string(),
            purpose: r.command.purpose.clone(),
            action: match r.command.action {
                ConsentAction::Grant => "grant",
                ConsentAction::Withdraw => "withdraw",
            },
            method: r.command.method.clone(),
            categories: r.command.data_categories.join(", "),
            notice_version: r.command.notice_version.clone(),
            at: when(r.at, l),
        })
        .collect();
    let purposes = kairos_http::workspace::privacy_settings(state, p.tenant_id)
        .await
        .or_page(l)?
        .purposes;
    let failed = error.is_some();
    let mut response = render(&CustomerPage {
        l,
        layout,
        id: id.to_string(),
        merged_into: customer.merged_into.map(|m| m.to_string()),
        csrf: p.csrf_token().unwrap_or_default().to_owned(),
        notice,
        error,
        consents,
        granted,
        purposes,
        name,
        tier: customer.tier.clone().unwrap_or_default(),
        identities: customer
            .identities
            .into_iter()
            .map(|i| (i.kind.as_str(), i.value))
            .collect(),
        conversations,
        timeline,
    });
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// The consent form's fields.
#[derive(Deserialize)]
pub(crate) struct ConsentForm {
    #[serde(default)]
    purpose: String,
    /// `grant` or `withdraw`.
    #[serde(default)]
    action: String,
    /// `phone` or `agent`.
    #[serde(default)]
    method: String,
    #[serde(default)]
    notice_version: String,
    /// Comma-separated.
    #[serde(default)]
    data_categories: String,
}

/// `POST /customers/{id}/consents`: records a consent the customer gave by phone or to an
/// agent, or its withdrawal, through the API's use case (the consent ledger); a refused
/// form shows the profile again with the reason.
pub(crate) async fn record_consent(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: StaffForm<ConsentForm>,
) -> Result<Response, PageError> {
    let StaffForm {
        principal: p,
        lang: l,
        form,
    } = posted;
    let id = parse_id(&id, l)?;
    let action = match form.action.as_str() {
        "withdraw" => ConsentAction::Withdraw,
        _ => ConsentAction::Grant,
    };
    let method = match form.method.as_str() {
        "phone" => "phone",
        _ => "agent",
    };
    let command = ConsentCommand {
        purpose: form.purpose,
        action,
        data_categories: form
            .data_categories
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        legal_basis: LegalBasis::Consent,
        method: method.to_owned(),
        notice_version: form.notice_version,
    };
    match kairos_http::workspace::record_consent(&state, &p, id, command).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/customers/{id}?done=consent#consents")).into_response())
        }
        Err(e)
            if e.status() == StatusCode::UNPROCESSABLE_ENTITY
                || e.status() == StatusCode::BAD_REQUEST =>
        {
            let layout = super::frame(&state, &p, l, &format!("/customers/{id}")).await?;
            show(
                &state,
                &p,
                l,
                layout,
                id,
                None,
                Some(l.msg("consent-invalid")),
            )
            .await
        }
        Err(e) => Err(PageError::new(l, e)),
    }
}
