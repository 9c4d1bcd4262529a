//! One conversation: its messages, the customer's timeline across channels beside it, the
//! composer (reply or internal note) and the status form.

use super::{Layout, Names, render, staff};
use crate::error::{OrPage, PageError};
use crate::files::{FileShown, files_of, text_is_file_names};
use crate::forms::StaffForm;
use crate::i18n::Lang;
use crate::time::{When, when};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use kairos_core::conversation::{ConversationPatch, Priority, Status};
use kairos_core::ids::{CannedReplyId, ConversationId};
use kairos_core::message::Attachment;
use kairos_core::message::{Author, Body, Channel, Direction, Message};
use kairos_core::reply::PostMessage;
use kairos_core::sla::{Clock, ClockState};
use kairos_core::upload::{MAX_PER_MESSAGE, Uploader};
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};
use serde::Deserialize;

/// Messages shown: a conversation's first 500 (a longer one needs paging, still to come).
const MESSAGES: u32 = 500;
/// Timeline entries shown beside the conversation (the newest).
const TIMELINE_SHOWN: usize = 30;

/// One message as shown.
struct Shown {
    /// `inbound`, `outbound` or `note`.
    direction: &'static str,
    channel: &'static str,
    author: String,
    subject: String,
    text: String,
    /// Whether to show `text` (not when it only names the files).
    show_text: bool,
    /// Its files.
    files: Vec<FileShown>,
    at: When,
    /// The conversation it belongs to (timeline entries link there).
    conversation: String,
}

/// One SLA clock as shown.
struct SlaShown {
    /// `first_response`, `next_response` or `resolution`.
    metric: &'static str,
    /// `running`, `paused`, `met` or `stopped`.
    state: &'static str,
    /// When a running clock is due.
    due: Option<When>,
    breached: bool,
}

fn sla_shown(clock: &Clock, l: Lang) -> SlaShown {
    let state = match clock.state {
        ClockState::Running => "running",
        ClockState::Paused => "paused",
        ClockState::Stopped if clock.met_at.is_some() => "met",
        ClockState::Stopped => "stopped",
    };
    SlaShown {
        metric: clock.metric.as_str(),
        state,
        due: clock
            .due_at
            .filter(|_| clock.state == ClockState::Running)
            .map(|at| when(at, l)),
        breached: clock.breached,
    }
}

#[derive(Template)]
#[template(path = "conversation.html")]
struct ConversationPage {
    l: Lang,
    layout: Layout,
    id: String,
    subject: String,
    status: &'static str,
    priority: &'static str,
    assignee: String,
    tags: Vec<String>,
    sla: Vec<SlaShown>,
    customer: String,
    customer_id: String,
    identities: Vec<(&'static str, String)>,
    messages: Vec<Shown>,
    timeline: Vec<Shown>,
    /// The channels a reply can go out on, the conversation's last one first.
    reply_channels: Vec<&'static str>,
    statuses: [&'static str; 4],
    priorities: [&'static str; 4],
    /// The assignee's party id (empty: unassigned).
    assignee_id: String,
    /// Staff to assign to: id and name.
    staff: Vec<(String, String)>,
    /// Knowledge articles that may answer the customer: title and link.
    suggestions: Vec<(String, Option<String>)>,
    /// Whether suggestions are available on this server (the search index is on).
    suggesting: bool,
    csrf: String,
    /// The file picker's `accept`: the types uploads take.
    accept: String,
    /// The composer's text after a refused post.
    draft: String,
    /// Why the last post was refused.
    error: Option<String>,
    /// The log position of the newest message shown: the live script replays what came
    /// after it (a receipt that arrived while the page loaded).
    last_seq: i64,
    /// The tenant's canned replies (id, title) for the picker.
    canned: Vec<(String, String)>,
    /// The customer's stored receipt for the newest reply: `read` or `delivered` (the
    /// marker the live script shows, kept across a reload).
    receipt: Option<&'static str>,
}

/// The conversation page's query: a canned reply to put into the composer (the picker
/// without the script).
#[derive(Deserialize, Default)]
pub(crate) struct ConversationQuery {
    canned: Option<String>,
}

fn parse_id(raw: &str, l: Lang) -> Result<ConversationId, PageError> {
    raw.parse()
        .map_err(|_| PageError::new(l, ApiError::not_found("conversation")))
}

/// `GET /conversations/{id}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
    Path(id): Path<String>,
    Query(q): Query<ConversationQuery>,
) -> Result<Response, PageError> {
    let conversation = parse_id(&id, l)?;
    let path = format!("/conversations/{conversation}");
    let (p, layout) = staff(&state, principal, l, &path).await?;
    let draft = match q.canned.as_deref().filter(|c| !c.is_empty()) {
        Some(raw) => canned_text(&state, &p, l, conversation, raw).await?,
        None => String::new(),
    };
    show(&state, &p, l, layout, &id, draft, None).await
}

/// Canned reply `raw` filled in for `conversation` (not found: the 404 page).
async fn canned_text(
    state: &AppState,
    p: &Principal,
    l: Lang,
    conversation: ConversationId,
    raw: &str,
) -> Result<String, PageError> {
    let id: CannedReplyId = raw
        .parse()
        .map_err(|_| PageError::new(l, ApiError::not_found("canned reply")))?;
    let reply = state
        .store
        .canned_reply(p.tenant_id, id)
        .await
        .or_page(l)?
        .ok_or_else(|| PageError::new(l, ApiError::not_found("canned reply")))?;
    let values = kairos_http::admin::canned_values(state, p, conversation)
        .await
        .or_page(l)?;
    Ok(kairos_http::admin::render_canned(&reply, &values))
}

async fn show(
    state: &AppState,
    p: &Principal,
    l: Lang,
    layout: Layout,
    id: &str,
    draft: String,
    error: Option<String>,
) -> Result<Response, PageError> {
    let id = parse_id(id, l)?;
    let c = state
        .store
        .conversation(p.tenant_id, id)
        .await
        .or_page(l)?
        .ok_or_else(|| PageError::new(l, ApiError::not_found("conversation")))?;
    let customer = state
        .store
        .customer(p.tenant_id, c.customer_id)
        .await
        .or_page(l)?;
    let mut names = Names::default();
    let customer_name = customer
        .as_ref()
        .and_then(|c| c.display_name.clone())
        .unwrap_or_default();
    let stored = state
        .store
        .messages(p.tenant_id, c.id, true, 0, MESSAGES)
        .await
        .or_page(l)?;
    let mut messages = Vec::with_capacity(stored.len());
    for m in &stored {
        messages.push(shown(state, p, l, &mut names, m, &customer_name).await?);
    }
    // A merged-away customer's touchpoints live with the survivor.
    let owner = customer.as_ref().map(|c| c.merged_into.unwrap_or(c.id));
    let mut timeline = Vec::new();
    if let Some(owner) = owner {
        let newest = super::latest_timeline(state, p, owner, TIMELINE_SHOWN)
            .await
            .or_page(l)?;
        for m in &newest {
            timeline.push(shown(state, p, l, &mut names, m, &customer_name).await?);
        }
    }
    let last_channel = stored.iter().rev().find(|m| m.direction != Direction::Note);
    let mut reply_channels: Vec<&'static str> = Vec::new();
    if let Some(m) = last_channel {
        reply_channels.push(m.channel.as_str());
    }
    for ch in &c.channels {
        if !reply_channels.contains(&ch.as_str()) {
            reply_channels.push(ch.as_str());
        }
    }
    let assignee = match c.assignee {
        Some(a) => names.get(state, p, a).await.or_page(l)?,
        None => String::new(),
    };
    let sla = state
        .store
        .sla_clocks(p.tenant_id, c.id)
        .await
        .or_page(l)?
        .iter()
        .map(|clock| sla_shown(clock, l))
        .collect();
    let canned = state
        .store
        .canned_replies(p.tenant_id)
        .await
        .or_page(l)?
        .into_iter()
        .map(|c| (c.id.to_string(), c.title))
        .collect();
    let staff = state
        .store
        .staff_members(p.tenant_id)
        .await
        .or_page(l)?
        .into_iter()
        .map(|m| (m.id.to_string(), m.display_name))
        .collect();
    // Without a search index there are no suggestions; the page works all the same.
    let (suggestions, suggesting) =
        match kairos_http::workspace::conversation_suggestions(state, p, c.id).await {
            Ok(found) => (found.into_iter().map(|s| (s.title, s.link)).collect(), true),
            Err(e) if e.status() == StatusCode::SERVICE_UNAVAILABLE => (Vec::new(), false),
            Err(e) => return Err(PageError::new(l, e)),
        };
    let receipt = receipt(state, p, c.id, &stored).await.or_page(l)?;
    let failed = error.is_some();
    let mut response = render(&ConversationPage {
        l,
        layout,
        id: c.id.to_string(),
        // Chats have no subject: their first message names them, as in the inbox.
        subject: c.subject.clone().unwrap_or_else(|| {
            stored
                .first()
                .map(|m| super::inbox::preview(&m.body.text))
                .unwrap_or_default()
        }),
        status: c.status.as_str(),
        priority: c.priority.as_str(),
        assignee,
        tags: c.tags.clone(),
        sla,
        customer: customer_name,
        customer_id: c.customer_id.to_string(),
        identities: customer
            .map(|c| {
                c.identities
                    .into_iter()
                    .map(|i| (i.kind.as_str(), i.value))
                    .collect()
            })
            .unwrap_or_default(),
        messages,
        timeline,
        reply_channels,
        statuses: ["open", "pending", "resolved", "closed"],
        priorities: ["low", "normal", "high", "urgent"],
        assignee_id: c.assignee.map(|a| a.to_string()).unwrap_or_default(),
        staff,
        suggestions,
        suggesting,
        csrf: p.csrf_token().unwrap_or_default().to_owned(),
        accept: kairos_core::files::allowed_types()
            .collect::<Vec<_>>()
            .join(","),
        draft,
        error,
        last_seq: stored.last().map_or(0, |m| m.seq),
        canned,
        receipt,
    });
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// What the customer's stored receipts say about the newest reply: `read` if they read up
/// to it, else `delivered` if it reached their device, else nothing — the live script's
/// marker, which a reply hides until the next receipt. Without a reply, any receipt for the
/// conversation counts.
async fn receipt(
    state: &AppState,
    p: &Principal,
    conversation: ConversationId,
    stored: &[Message],
) -> Result<Option<&'static str>, ApiError> {
    let Some(first) = stored.first() else {
        return Ok(None);
    };
    let reply = stored
        .iter()
        .rev()
        .find(|m| m.direction == Direction::Outbound)
        .map(|m| m.seq);
    // A receipt covering the reply is recorded after it: the log is read from there on.
    let after = reply.unwrap_or(first.seq - 1);
    let seen = state
        .store
        .customer_receipts(p.tenant_id, conversation, after)
        .await?;
    let covers = |up_to: Option<i64>| up_to.is_some_and(|s| s >= reply.unwrap_or(0));
    Ok(if covers(seen.read) {
        Some("read")
    } else if covers(seen.delivered) {
        Some("delivered")
    } else {
        None
    })
}

async fn shown(
    state: &AppState,
    p: &Principal,
    l: Lang,
    names: &mut Names,
    m: &Message,
    customer: &str,
) -> Result<Shown, PageError> {
    let author = match m.author {
        Author::Customer => customer.to_owned(),
        Author::Party { id } => names.get(state, p, id).await.or_page(l)?,
        _ => l.msg("author-system"),
    };
    Ok(Shown {
        direction: m.direction.as_str(),
        channel: m.channel.as_str(),
        author,
        subject: m.subject.clone().unwrap_or_default(),
        text: m.body.text.clone(),
        show_text: !text_is_file_names(m),
        // Staff download through the API (their session cookie works there; the read is
        // audited like every other).
        files: files_of(m, l, |i| kairos_http::files::message_file_href(m.id, i)),
        at: when(m.created_at, l),
        conversation: m.conversation_id.to_string(),
    })
}

/// The composer's fields.
#[derive(Deserialize)]
pub(crate) struct ComposeForm {
    /// `reply` or `note`.
    #[serde(default)]
    kind: String,
    /// The reply channel (ignored for notes).
    #[serde(default)]
    channel: String,
    #[serde(default)]
    body: String,
    /// Upload ids (`POST /api/v1/chat/uploads`), comma-separated: the composer's script
    /// uploads the picked files first.
    #[serde(default)]
    attachments: String,
}

/// The files the composer names: the agent's own unexpired uploads, at most
/// [`MAX_PER_MESSAGE`]; anything else refuses the message.
async fn composer_files(
    state: &AppState,
    p: &Principal,
    raw: &str,
) -> Result<Vec<Attachment>, ApiError> {
    let ids = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<uuid::Uuid>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ApiError::invalid("attachments", "upload ids"))?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let party = p.party_id.ok_or_else(ApiError::forbidden)?;
    if ids.len() > MAX_PER_MESSAGE {
        return Err(ApiError::invalid("attachments", "at most 10 files"));
    }
    let found = state
        .store
        .uploads_for(p.tenant_id, &[Uploader::Party(party)], &ids)
        .await?;
    if found.len() != ids.len() {
        return Err(ApiError::invalid(
            "attachments",
            "a file is unknown or its upload expired",
        ));
    }
    Ok(found.iter().map(|u| u.attachment()).collect())
}

/// `POST /conversations/{id}/messages`: a reply or an internal note, then back to the
/// conversation; a refused post shows the page again with the draft kept.
pub(crate) async fn post_message(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: StaffForm<ComposeForm>,
) -> Result<Response, PageError> {
    let StaffForm {
        principal: p,
        lang: l,
        form,
    } = posted;
    let conversation = parse_id(&id, l)?;
    let direction = if form.kind == "note" {
        Direction::Note
    } else {
        Direction::Outbound
    };
    let channel = match (direction, form.channel.as_str()) {
        (Direction::Note, _) | (_, "") => None,
        (_, raw) => Some(Channel::parse(raw).or_page(l)?),
    };
    let channel = match direction {
        Direction::Note => channel,
        _ => state
            .reply_channel(p.tenant_id, conversation, channel)
            .await
            .or_page(l)?,
    };
    let files = match composer_files(&state, &p, &form.attachments).await {
        Ok(files) => files,
        Err(e) if e.status().is_client_error() => {
            let path = format!("/conversations/{conversation}");
            let layout = super::frame(&state, &p, l, &path).await?;
            let why = l.msg("compose-files-failed");
            return show(&state, &p, l, layout, &id, form.body, Some(why)).await;
        }
        Err(e) => return Err(PageError::new(l, e)),
    };
    let message = Body::new(&form.body, None).map(|body| PostMessage {
        direction,
        channel,
        author: match p.party_id {
            Some(id) => Author::Party { id },
            None => Author::System,
        },
        subject: None,
        body,
        attachments: files,
    });
    let result = match message {
        Ok(m) => state
            .store
            .post_message(p.tenant_id, conversation, None, m, &p.actor())
            .await
            .map_err(ApiError::from),
        Err(e) => Err(ApiError::from(e)),
    };
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/conversations/{conversation}#composer")).into_response())
        }
        Err(e) if e.status().is_client_error() && e.status() != StatusCode::NOT_FOUND => {
            let path = format!("/conversations/{conversation}");
            let layout = super::frame(&state, &p, l, &path).await?;
            let why = match e.code() {
                "conflict" => l.msg("compose-closed"),
                _ => l.msg("compose-invalid"),
            };
            show(&state, &p, l, layout, &id, form.body, Some(why)).await
        }
        Err(e) => Err(PageError::new(l, e)),
    }
}

/// The status form's fields.
#[derive(Deserialize)]
pub(crate) struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    priority: String,
    /// Comma-separated; absent leaves the tags as they are, empty clears them.
    tags: Option<String>,
    /// `me` to take the conversation.
    #[serde(default)]
    assign: String,
}

/// `POST /conversations/{id}/status`: status, priority, tags, and/or taking the
/// conversation.
pub(crate) async fn set_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: StaffForm<StatusForm>,
) -> Result<Response, PageError> {
    let StaffForm {
        principal: p,
        lang: l,
        form,
    } = posted;
    let conversation = parse_id(&id, l)?;
    let patch = ConversationPatch {
        status: match form.status.as_str() {
            "" => None,
            raw => Some(Status::parse(raw).or_page(l)?),
        },
        priority: match form.priority.as_str() {
            "" => None,
            raw => Some(Priority::parse(raw).or_page(l)?),
        },
        assignee: (form.assign == "me" && p.party_id.is_some()).then_some(p.party_id),
        tags: form.tags.map(|t| {
            t.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect()
        }),
    };
    kairos_http::workspace::patch_conversation(&state, &p, conversation, patch)
        .await
        .or_page(l)?;
    Ok(Redirect::to(&format!("/conversations/{conversation}")).into_response())
}

/// The assignee picker's field: a staff member's party id, or empty to unassign.
#[derive(Deserialize)]
pub(crate) struct AssignForm {
    #[serde(default)]
    assignee: String,
}

/// `POST /conversations/{id}/assign`: assigns to any staff member of the tenant, or
/// unassigns — the same use case as the API's `PATCH` (another tenant's party is refused).
pub(crate) async fn assign(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: StaffForm<AssignForm>,
) -> Result<Response, PageError> {
    let StaffForm {
        principal: p,
        lang: l,
        form,
    } = posted;
    let conversation = parse_id(&id, l)?;
    let assignee = match form.assignee.trim() {
        "" => None,
        raw => Some(
            raw.parse::<kairos_core::ids::PartyId>()
                .map_err(|_| PageError::new(l, ApiError::invalid("assignee", "a staff member")))?,
        ),
    };
    let patch = ConversationPatch {
        assignee: Some(assignee),
        ..ConversationPatch::default()
    };
    kairos_http::workspace::patch_conversation(&state, &p, conversation, patch)
        .await
        .or_page(l)?;
    Ok(Redirect::to(&format!("/conversations/{conversation}")).into_response())
}
