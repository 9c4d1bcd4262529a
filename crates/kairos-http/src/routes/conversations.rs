//! Conversations: list, read, change, and their messages.

use super::inbound::parse_attachments;
use super::{SeqPageQuery, page_limit};
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query, parse_id};
use crate::views::{AttachmentView, ConversationView, MessageView, Page};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use kairos_core::conversation::{Conversation, ConversationPatch, Priority, Status};
use kairos_core::ids::{ConversationId, PartyId};
use kairos_core::message::{self, Author, Body, Channel, Direction};
use kairos_core::party::Role;
use kairos_core::reply::PostMessage;
use kairos_store::ConversationFilter;
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one, patch))
        .routes(routes!(list_messages, post_message))
}

/// Loads a conversation the caller may see: staff any of the tenant, a customer only their
/// own (else 404), other roles none (403).
async fn visible(state: &AppState, p: &Principal, id: &str) -> Result<Conversation, ApiError> {
    if !(p.role.is_staff() || p.role == Role::Customer) {
        return Err(ApiError::forbidden());
    }
    let id: ConversationId = parse_id(id, "conversation")?;
    let c = state
        .store
        .conversation(p.tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation"))?;
    if p.role == Role::Customer && p.customer_id != Some(c.customer_id) {
        return Err(ApiError::not_found("conversation"));
    }
    Ok(c)
}

/// Filters and paging for the conversation list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    /// `open`, `pending`, `resolved` or `closed`.
    status: Option<String>,
    /// A staff party id, or `none` for unassigned.
    assignee: Option<String>,
    /// Only conversations that used this channel.
    channel: Option<String>,
    /// Only this customer's conversations (staff).
    customer_id: Option<Uuid>,
    /// The previous page's `next_cursor`.
    cursor: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    limit: Option<u32>,
}

/// Conversations, newest first, with cursor pagination. Customers see only their own.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations", params(ListQuery),
    responses((status = 200, body = Page<ConversationView>), (status = 400, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<Page<ConversationView>>, ApiError> {
    p.require(&[Role::Admin, Role::Agent, Role::Customer])?;
    let limit = page_limit(q.limit, 50, 200)?;
    let assignee = match q.assignee.as_deref() {
        None => None,
        Some("none") => Some(None),
        Some(raw) => {
            Some(Some(raw.parse::<PartyId>().map_err(|_| {
                ApiError::invalid("assignee", "a party id or 'none'")
            })?))
        }
    };
    let customer = if p.role == Role::Customer {
        p.customer_id
    } else {
        q.customer_id.map(Into::into)
    };
    let filter = ConversationFilter {
        status: q.status.as_deref().map(Status::parse).transpose()?,
        assignee,
        channel: q.channel.as_deref().map(Channel::parse).transpose()?,
        customer,
        before: q.cursor.map(Into::into),
        limit,
    };
    let items = state.store.conversations(p.tenant_id, &filter).await?;
    Ok(axum::Json(Page::<ConversationView>::of(
        &items,
        limit,
        |c| c.id.to_string(),
    )))
}

/// One conversation.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations", params(("id" = Uuid, Path)),
    responses((status = 200, body = ConversationView), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn get_one(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<axum::Json<ConversationView>, ApiError> {
    Ok(axum::Json(ConversationView::from(
        &visible(&state, &p, &id).await?,
    )))
}

fn double_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<Uuid>>, D::Error> {
    Option::<Uuid>::deserialize(d).map(Some)
}

/// Changes to a conversation; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatchRequest {
    /// `open`, `pending`, `resolved` or `closed`.
    #[serde(default)]
    status: Option<String>,
    /// `low`, `normal`, `high` or `urgent`.
    #[serde(default)]
    priority: Option<String>,
    /// A staff party id, or `null` to unassign.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    assignee: Option<Option<Uuid>>,
    /// The new tag list (replaces the old one).
    #[serde(default)]
    tags: Option<Vec<String>>,
}

/// Changes status, priority, assignee or tags.
#[utoipa::path(patch, path = "/api/v1/conversations/{id}", tag = "conversations", params(("id" = Uuid, Path)), request_body = PatchRequest,
    responses((status = 200, body = ConversationView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn patch(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(req): Json<PatchRequest>,
) -> Result<axum::Json<ConversationView>, ApiError> {
    p.require_staff()?;
    let id: ConversationId = parse_id(&id, "conversation")?;
    let patch = ConversationPatch {
        status: req.status.as_deref().map(Status::parse).transpose()?,
        priority: req.priority.as_deref().map(Priority::parse).transpose()?,
        assignee: req.assignee.map(|a| a.map(Into::into)),
        tags: req.tags,
    };
    let conversation = crate::workspace::patch_conversation(&state, &p, id, patch).await?;
    Ok(axum::Json(ConversationView::from(&conversation)))
}

/// The conversation's messages in order. Customers never see internal notes.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "conversations", params(("id" = Uuid, Path), SeqPageQuery),
    responses((status = 200, body = Page<MessageView>), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn list_messages(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Query(q): Query<SeqPageQuery>,
) -> Result<axum::Json<Page<MessageView>>, ApiError> {
    let c = visible(&state, &p, &id).await?;
    let limit = page_limit(q.limit, 100, 500)?;
    let items = state
        .store
        .messages(
            p.tenant_id,
            c.id,
            p.role.is_staff(),
            q.after.unwrap_or(0),
            limit,
        )
        .await?;
    Ok(axum::Json(Page::<MessageView>::of(&items, limit, |m| {
        m.seq.to_string()
    })))
}

/// A message to add.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PostRequest {
    /// Staff: `outbound` (reply, default) or `note` (internal). Customers: `inbound` only.
    #[serde(default)]
    direction: Option<String>,
    /// The channel; default: the conversation's last channel (staff) or `portal` (customers).
    #[serde(default)]
    channel: Option<String>,
    /// Subject, if any.
    #[serde(default)]
    subject: Option<String>,
    /// Plain text.
    #[serde(default)]
    body: String,
    /// HTML (sanitised before it is stored).
    #[serde(default)]
    html: Option<String>,
    /// Attachment metadata.
    #[serde(default)]
    attachments: Vec<AttachmentView>,
}

/// Adds an agent reply or internal note; a customer adds a follow-up to their own conversation.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "conversations", params(("id" = Uuid, Path)), request_body = PostRequest,
    responses((status = 201, body = MessageView), (status = 404, body = Problem), (status = 409, description = "the conversation is closed", body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn post_message(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(req): Json<PostRequest>,
) -> Result<Response, ApiError> {
    let c = visible(&state, &p, &id).await?;
    let direction = req.direction.as_deref().map(Direction::parse).transpose()?;
    let (direction, author, only_customer, default_channel) = if p.role == Role::Customer {
        if direction.is_some_and(|d| d != Direction::Inbound) {
            return Err(ApiError::invalid(
                "direction",
                "customers can only write inbound messages",
            ));
        }
        (
            Direction::Inbound,
            Author::Customer,
            Some(c.customer_id),
            Some(Channel::Portal),
        )
    } else {
        let d = direction.unwrap_or(Direction::Outbound);
        if d == Direction::Inbound {
            return Err(ApiError::invalid(
                "direction",
                "staff write 'outbound' or 'note'; customer messages arrive through /api/v1/inbound",
            ));
        }
        let author = match p.party_id {
            Some(id) => Author::Party { id },
            None => Author::System,
        };
        (d, author, None, None)
    };
    let msg = PostMessage {
        direction,
        channel: req
            .channel
            .as_deref()
            .map(Channel::parse)
            .transpose()?
            .or(default_channel),
        author,
        subject: message::parse_subject(req.subject.as_deref())?,
        body: Body::new(&req.body, req.html.as_deref())?,
        attachments: parse_attachments(req.attachments)?,
    };
    let message_id = state
        .store
        .post_message(p.tenant_id, c.id, only_customer, msg, &p.actor())
        .await?;
    let stored = state
        .store
        .message(p.tenant_id, message_id)
        .await?
        .ok_or_else(|| ApiError::internal("message vanished after commit"))?;
    Ok((StatusCode::CREATED, axum::Json(MessageView::from(&stored))).into_response())
}
