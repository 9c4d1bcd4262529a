//! The agent inbox: views (mine, unassigned, all, SLA due soon, by tier) filtered by status
//! and channel.

use super::{Layout, Names, render, staff};
use crate::error::{OrPage, PageError};
use crate::i18n::Lang;
use crate::time::{When, when};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use kairos_core::conversation::Status;
use kairos_core::ids::ConversationId;
use kairos_core::message::Channel;
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};
use kairos_store::ConversationFilter;
use serde::Deserialize;

/// Conversations on one page of the inbox.
const PAGE: u32 = 50;

/// The inbox's query: which view, which filters, where to resume.
#[derive(Deserialize, Default)]
pub(crate) struct InboxQuery {
    view: Option<String>,
    status: Option<String>,
    channel: Option<String>,
    tier: Option<String>,
    before: Option<String>,
}

/// How far ahead the "SLA due soon" view looks.
const DUE_SOON_SECS: i64 = 3_600;

/// One row of the list.
struct Row {
    id: String,
    /// The subject, else the start of the first message (chats have no subject).
    subject: String,
    customer: String,
    /// The customer's service tier, if any.
    tier: String,
    channels: Vec<&'static str>,
    status: &'static str,
    priority: &'static str,
    assignee: String,
    updated: When,
    /// In the SLA view: when its earliest running clock is due, and whether one is breached.
    due: Option<(When, bool)>,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    l: Lang,
    layout: Layout,
    /// `mine`, `unassigned`, `all`, `sla` or `tier`.
    view: &'static str,
    /// The tier of the tier view.
    tier: String,
    /// The same, encoded for a query string.
    tier_query: String,
    /// Tiers the SLA policies name (suggestions for the tier field).
    tiers: Vec<String>,
    /// The status filter (`""` for any).
    status: &'static str,
    /// The channel filter (`""` for any).
    channel: &'static str,
    rows: Vec<Row>,
    /// The query of the next (older) page, if there is one.
    next: Option<String>,
    views: [&'static str; 5],
    statuses: [&'static str; 4],
    channels: Vec<&'static str>,
}

/// Characters of a first message shown in place of a missing subject.
const PREVIEW_CHARS: usize = 80;

/// The start of `text` on one line, cut at a character boundary with `…`.
pub(crate) fn preview(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= PREVIEW_CHARS {
        return line;
    }
    let cut: String = line.chars().take(PREVIEW_CHARS).collect();
    format!("{}…", cut.trim_end())
}

/// `GET /inbox`.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
    query: Result<Query<InboxQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let (p, layout) = staff(&state, principal, l, "/inbox").await?;
    let Query(q) = query.map_err(|e| PageError::new(l, ApiError::bad_request(e.body_text())))?;
    let view = match q.view.as_deref() {
        Some("mine") => "mine",
        Some("unassigned") => "unassigned",
        Some("sla") => "sla",
        Some("tier") => "tier",
        _ => "all",
    };
    // Open by default; `any` shows every status.
    let status = match q.status.as_deref() {
        None | Some("") => Some(Status::Open),
        Some("any") => None,
        Some(raw) => Some(Status::parse(raw).or_page(l)?),
    };
    let channel = match q.channel.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(Channel::parse(raw).or_page(l)?),
    };
    let before = match q.before.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(
            raw.parse::<ConversationId>()
                .map_err(|_| PageError::new(l, ApiError::invalid("before", "an id")))?,
        ),
    };
    let tier = q.tier.as_deref().unwrap_or("").trim().to_owned();
    let assignee = match view {
        "mine" => Some(p.party_id),
        "unassigned" => Some(None),
        _ => None,
    };
    let filter = ConversationFilter {
        status,
        assignee,
        channel,
        customer: None,
        before,
        limit: PAGE,
    };
    let mut due = std::collections::HashMap::new();
    let items = match view {
        "sla" => {
            let by = kairos_core::Timestamp::from_micros(
                kairos_store::now().as_micros() + DUE_SOON_SECS * 1_000_000,
            );
            let soon = state
                .store
                .sla_due(p.tenant_id, by, PAGE)
                .await
                .or_page(l)?;
            let mut items = Vec::with_capacity(soon.len());
            for d in soon {
                let Some(c) = state
                    .store
                    .conversation(p.tenant_id, d.conversation_id)
                    .await
                    .or_page(l)?
                else {
                    continue;
                };
                let fits = status.is_none_or(|s| s == c.status)
                    && channel.is_none_or(|ch| c.channels.contains(&ch));
                if fits {
                    due.insert(c.id, (when(d.due_at, l), d.breached));
                    items.push(c);
                }
            }
            items
        }
        "tier" if tier.is_empty() => Vec::new(),
        "tier" => state
            .store
            .conversations_in_tier(p.tenant_id, &tier, &filter)
            .await
            .or_page(l)?,
        _ => state
            .store
            .conversations(p.tenant_id, &filter)
            .await
            .or_page(l)?,
    };
    let mut names = Names::default();
    let mut rows = Vec::with_capacity(items.len());
    for c in &items {
        let customer = state
            .store
            .customer(p.tenant_id, c.customer_id)
            .await
            .or_page(l)?;
        let tier = customer
            .as_ref()
            .and_then(|c| c.tier.clone())
            .unwrap_or_default();
        let customer = customer.and_then(|c| c.display_name).unwrap_or_default();
        let subject = match &c.subject {
            Some(s) => s.clone(),
            None => state
                .store
                .messages(p.tenant_id, c.id, true, 0, 1)
                .await
                .or_page(l)?
                .first()
                .map(|m| preview(&m.body.text))
                .unwrap_or_default(),
        };
        let assignee = match c.assignee {
            Some(id) => names.get(&state, &p, id).await.or_page(l)?,
            None => String::new(),
        };
        rows.push(Row {
            id: c.id.to_string(),
            subject,
            customer,
            tier,
            channels: c.channels.iter().map(|ch| ch.as_str()).collect(),
            status: c.status.as_str(),
            priority: c.priority.as_str(),
            assignee,
            updated: when(c.updated_at, l),
            due: due.remove(&c.id),
        });
    }
    let status_code = status.map_or("any", |s| s.as_str());
    let channel_code = channel.map_or("", |c| c.as_str());
    let tier_query: String = form_urlencoded_value(&tier);
    let next = (items.len() == PAGE as usize && view != "sla")
        .then(|| items.last())
        .flatten()
        .map(|last| {
            format!(
                "view={view}&status={status_code}&channel={channel_code}&tier={tier_query}&before={}",
                last.id
            )
        });
    Ok(render(&InboxPage {
        l,
        layout,
        view,
        status: status_code,
        channel: channel_code,
        rows,
        next,
        views: ["mine", "unassigned", "all", "sla", "tier"],
        tier,
        tier_query,
        tiers: policy_tiers(&state, &p).await.or_page(l)?,
        statuses: ["open", "pending", "resolved", "closed"],
        channels: Channel::ALL.iter().map(|c| c.as_str()).collect(),
    }))
}

/// `value` encoded for a query string.
fn form_urlencoded_value(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)])
        .map(|s| s.trim_start_matches("v=").to_owned())
        .unwrap_or_default()
}

/// The tiers the tenant's SLA policies name.
async fn policy_tiers(state: &AppState, p: &Principal) -> Result<Vec<String>, ApiError> {
    let sla = state
        .store
        .setting(p.tenant_id, kairos_core::sla::SETTINGS_KEY)
        .await?;
    let mut tiers: Vec<String> = sla
        .as_ref()
        .and_then(|v| v.get("policies"))
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|policy| policy.get("tier").and_then(|t| t.as_str()))
        .map(str::to_owned)
        .collect();
    tiers.sort();
    tiers.dedup();
    Ok(tiers)
}

#[cfg(test)]
mod tests {
    #[test]
    fn previews_are_one_short_line() {
        assert_eq!(
            super::preview("Hallo,\n\n  ist jemand da?"),
            "Hallo, ist jemand da?"
        );
        let long = "ä".repeat(200);
        let p = super::preview(&long);
        assert_eq!(p.chars().count(), super::PREVIEW_CHARS + 1);
        assert!(p.ends_with('…'));
    }
}
