//! "My requests": every conversation of the customer across channels, one conversation
//! with the messages they may see (never internal notes: checklist A04) and a reply form,
//! and "new request", which first shows knowledge-base articles that may answer it.

use super::kb::{Suggestion, suggestions};
use super::session::{posted, signed_in};
use super::{OrPortal, PortalError, PortalLayout};
use crate::files::{FileShown, files_of, text_is_file_names};
use crate::i18n::Lang;
use crate::pages::render;
use crate::time::{When, when};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, StatusCode};
use kairos_core::ids::{ConversationId, MessageId};
use kairos_core::message::{Author, Body, Channel, Direction, parse_subject};
use kairos_core::reply::PostMessage;
use kairos_core::tenant::Tenant;
use kairos_http::files::FileReader;
use kairos_http::{ApiError, AppState};
use kairos_store::ConversationFilter;
use serde::Deserialize;

/// Conversations listed (the newest).
const LISTED: u32 = 100;
/// Messages shown of one conversation (its first 500; paging is still to come).
const MESSAGES: u32 = 500;

/// One conversation in the list.
struct Row {
    id: String,
    title: String,
    status: &'static str,
    channels: Vec<&'static str>,
    updated: When,
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    l: Lang,
    layout: PortalLayout,
    rows: Vec<Row>,
}

/// One message as the customer sees it.
struct Shown {
    /// `inbound` (theirs) or `outbound` (the company's).
    direction: &'static str,
    channel: &'static str,
    subject: String,
    text: String,
    /// Whether to show `text` (not when it only names the files).
    show_text: bool,
    /// Its files.
    files: Vec<FileShown>,
    at: When,
}

#[derive(Template)]
#[template(path = "portal/conversation.html")]
struct ConversationPage {
    l: Lang,
    layout: PortalLayout,
    id: String,
    title: String,
    status: &'static str,
    messages: Vec<Shown>,
    csrf: String,
    draft: String,
    error: Option<String>,
    /// Closed conversations take no replies (a new request instead).
    closed: bool,
}

#[derive(Template)]
#[template(path = "portal/new.html")]
struct NewPage {
    l: Lang,
    layout: PortalLayout,
    csrf: String,
    subject: String,
    body: String,
    error: Option<String>,
    /// Articles that may answer the request (shown after the first submit).
    suggestions: Vec<Suggestion>,
}

/// The title of a conversation: its subject, else the start of its first message.
async fn title(
    state: &AppState,
    t: &Tenant,
    c: &kairos_core::conversation::Conversation,
) -> Result<String, ApiError> {
    if let Some(s) = &c.subject {
        return Ok(s.clone());
    }
    let first = state.store.messages(t.id, c.id, false, 0, 1).await?;
    Ok(first
        .first()
        .map(|m| crate::pages::inbox::preview(&m.body.text))
        .unwrap_or_default())
}

/// `GET /portal/{t}`: the customer's conversations, newest first.
pub(crate) async fn home(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PortalError> {
    let (t, me) = signed_in(&state, &headers, l, &slug).await?;
    let filter = ConversationFilter {
        customer: Some(me.customer),
        limit: LISTED,
        ..ConversationFilter::default()
    };
    let list = state
        .store
        .conversations(t.id, &filter)
        .await
        .or_portal(l, &t)?;
    let mut rows = Vec::with_capacity(list.len());
    for c in &list {
        rows.push(Row {
            id: c.id.to_string(),
            title: title(&state, &t, c).await.or_portal(l, &t)?,
            status: c.status.as_str(),
            channels: c.channels.iter().map(Channel::as_str).collect(),
            updated: when(c.updated_at, l),
        });
    }
    Ok(render(&HomePage {
        l,
        layout: PortalLayout::new(l, &t, "", Some(&me.csrf), "requests"),
        rows,
    }))
}

fn parse_id(raw: &str, l: Lang, t: &Tenant) -> Result<ConversationId, PortalError> {
    raw.parse()
        .map_err(|_| PortalError::new(l, Some(t), ApiError::not_found("conversation")))
}

/// `GET /portal/{t}/messages/{id}/files/{index}`: a file of a message of the customer's
/// own conversations (never a note's); anything else is not found (A01).
pub(crate) async fn file(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path((slug, id, index)): Path<(String, String, String)>,
) -> Result<Response, PortalError> {
    let (t, me) = signed_in(&state, &headers, l, &slug).await?;
    let not_found = || PortalError::new(l, Some(&t), ApiError::not_found("attachment"));
    let message = id.parse().map(MessageId).map_err(|_| not_found())?;
    let index: usize = index.parse().map_err(|_| not_found())?;
    let reader = FileReader::Customer(me.customer);
    kairos_http::files::message_file(&state, t.id, reader, message, index)
        .await
        .map_err(|e| PortalError::new(l, Some(&t), e))
}

/// `GET /portal/{t}/conversations/{id}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, PortalError> {
    let (t, me) = signed_in(&state, &headers, l, &slug).await?;
    show(&state, l, &t, &me, &id, String::new(), None).await
}

async fn show(
    state: &AppState,
    l: Lang,
    t: &Tenant,
    me: &super::session::Me,
    raw_id: &str,
    draft: String,
    error: Option<String>,
) -> Result<Response, PortalError> {
    let id = parse_id(raw_id, l, t)?;
    // Another customer's conversation is not found, exactly like one that does not exist
    // (A01).
    let c = state
        .store
        .conversation(t.id, id)
        .await
        .or_portal(l, t)?
        .filter(|c| c.customer_id == me.customer)
        .ok_or_else(|| PortalError::new(l, Some(t), ApiError::not_found("conversation")))?;
    // Without notes: the store leaves them out (A04), and the direction check below
    // keeps it so should a note ever come back.
    let stored = state
        .store
        .messages(t.id, c.id, false, 0, MESSAGES)
        .await
        .or_portal(l, t)?;
    let messages = stored
        .iter()
        .filter(|m| m.direction != Direction::Note)
        .map(|m| Shown {
            direction: m.direction.as_str(),
            channel: m.channel.as_str(),
            subject: m.subject.clone().unwrap_or_default(),
            text: m.body.text.clone(),
            show_text: !text_is_file_names(m),
            files: files_of(m, l, |i| {
                format!("/portal/{}/messages/{}/files/{i}", t.slug.as_str(), m.id)
            }),
            at: when(m.created_at, l),
        })
        .collect();
    let failed = error.is_some();
    let mut response = render(&ConversationPage {
        l,
        layout: PortalLayout::new(
            l,
            t,
            &format!("/conversations/{}", c.id),
            Some(&me.csrf),
            "requests",
        ),
        id: c.id.to_string(),
        title: title(state, t, &c).await.or_portal(l, t)?,
        status: c.status.as_str(),
        messages,
        csrf: me.csrf.clone(),
        draft,
        error,
        closed: c.status == kairos_core::conversation::Status::Closed,
    });
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// The reply form's fields.
#[derive(Deserialize)]
struct ReplyForm {
    #[serde(default)]
    body: String,
}

/// `POST /portal/{t}/conversations/{id}/messages`: the customer's reply, on the portal
/// channel, then back to the conversation.
pub(crate) async fn reply(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PortalError> {
    let (t, me, form): (_, _, ReplyForm) = posted(&state, &headers, l, &slug, &body).await?;
    let conversation = parse_id(&id, l, &t)?;
    let result = match Body::new(&form.body, None) {
        Ok(body) => state
            .store
            .post_message(
                t.id,
                conversation,
                Some(me.customer),
                PostMessage {
                    direction: Direction::Inbound,
                    channel: Some(Channel::Portal),
                    author: Author::Customer,
                    subject: None,
                    body,
                    attachments: Vec::new(),
                },
                &me.actor(),
            )
            .await
            .map_err(ApiError::from),
        Err(e) => Err(ApiError::from(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/portal/{slug}/conversations/{conversation}#reply"
        ))
        .into_response()),
        Err(e) if e.status().is_client_error() && e.status() != StatusCode::NOT_FOUND => {
            let why = match e.code() {
                "conflict" => l.msg("portal-reply-closed"),
                _ => l.msg("portal-reply-invalid"),
            };
            show(&state, l, &t, &me, &id, form.body, Some(why)).await
        }
        Err(e) => Err(PortalError::new(l, Some(&t), e)),
    }
}

/// `GET /portal/{t}/new`: the form for a new request.
pub(crate) async fn new_form(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PortalError> {
    let (t, me) = signed_in(&state, &headers, l, &slug).await?;
    Ok(render(&NewPage {
        l,
        layout: PortalLayout::new(l, &t, "/new", Some(&me.csrf), "new"),
        csrf: me.csrf.clone(),
        subject: String::new(),
        body: String::new(),
        error: None,
        suggestions: Vec::new(),
    }))
}

/// The new-request form's fields.
#[derive(Deserialize)]
struct NewForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    /// `send` once the customer saw the suggestions (or there were none).
    #[serde(default)]
    step: String,
}

/// `POST /portal/{t}/new`: first shows the articles that may answer the request (each
/// with "this answered my question"); sent again with `step=send` — or when nothing
/// matches — it opens the conversation.
pub(crate) async fn create(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<Response, PortalError> {
    let (t, me, form): (_, _, NewForm) = posted(&state, &headers, l, &slug, &body).await?;
    let again = |error: Option<String>, suggestions: Vec<Suggestion>| {
        let status = if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        let mut page = render(&NewPage {
            l,
            layout: PortalLayout::new(l, &t, "/new", Some(&me.csrf), "new"),
            csrf: me.csrf.clone(),
            subject: form.subject.clone(),
            body: form.body.clone(),
            error,
            suggestions,
        });
        *page.status_mut() = status;
        page
    };
    let (subject, text) = match (
        parse_subject(Some(&form.subject)),
        Body::new(&form.body, None),
    ) {
        (Ok(Some(s)), Ok(b)) => (Some(s), b),
        _ => return Ok(again(Some(l.msg("portal-new-invalid")), Vec::new())),
    };
    if form.step != "send" {
        let question = format!("{}\n{}", form.subject, form.body);
        let found = suggestions(&state, &t, Some(&me), &question)
            .await
            .or_portal(l, &t)?;
        if !found.is_empty() {
            return Ok(again(None, found));
        }
    }
    let id = state
        .store
        .portal_new_request(t.id, me.customer, subject, text, &me.actor())
        .await
        .or_portal(l, &t)?;
    Ok(Redirect::to(&format!("/portal/{slug}/conversations/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "portal/suggestions.html")]
struct SuggestionsFragment {
    l: Lang,
    layout: PortalLayout,
    csrf: String,
    suggestions: Vec<Suggestion>,
}

/// What the customer has typed so far.
#[derive(Deserialize, Default)]
pub(crate) struct SuggestQuery {
    #[serde(default)]
    q: String,
}

/// `GET /portal/{t}/new/suggestions?q=`: the articles that may answer what the customer is
/// typing, as an HTML fragment the portal's script swaps into the new-request page.
pub(crate) async fn suggest(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path(slug): Path<String>,
    query: Result<Query<SuggestQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PortalError> {
    let (t, me) = signed_in(&state, &headers, l, &slug).await?;
    let q: String = query
        .map(|Query(q)| q.q)
        .unwrap_or_default()
        .chars()
        .take(512)
        .collect();
    let found = match q.trim().chars().count() {
        0..4 => Vec::new(),
        _ => suggestions(&state, &t, Some(&me), &q)
            .await
            .or_portal(l, &t)?,
    };
    Ok(render(&SuggestionsFragment {
        l,
        layout: PortalLayout::new(l, &t, "/new", Some(&me.csrf), "new"),
        csrf: me.csrf.clone(),
        suggestions: found,
    }))
}
