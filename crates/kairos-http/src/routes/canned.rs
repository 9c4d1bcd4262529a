//! Canned replies over HTTP: admins create, edit and delete them; staff list them and get
//! one filled in for a conversation (`?conversation_id=`). Placeholders and limits are the
//! core's (`kairos_core::canned`): an unknown placeholder is a 422 naming the known ones.

use crate::AppState;
use crate::admin;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query, parse_id};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use kairos_core::canned::{CannedReply, PLACEHOLDERS};
use kairos_core::ids::{CannedReplyId, ConversationId};
use kairos_core::party::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
}

/// A canned reply to save.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CannedInput {
    /// 1–100 characters, unique in the tenant.
    #[schema(example = "Invoice copy")]
    title: String,
    /// 1–5000 characters. Placeholders: `{{customer.name}}`, `{{customer.first_name}}`,
    /// `{{agent.name}}`, `{{agent.first_name}}`, `{{conversation.subject}}`,
    /// `{{tenant.name}}`.
    #[schema(example = "Hello {{customer.first_name}}, attached is your invoice. {{agent.name}}")]
    body: String,
}

/// A canned reply.
#[derive(Serialize, ToSchema)]
pub(crate) struct CannedView {
    /// Its id.
    id: Uuid,
    /// Its title.
    title: String,
    /// The text with placeholders.
    body: String,
    /// The text filled in for the conversation asked for (`conversation_id`), else absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    rendered: Option<String>,
    /// When it last changed (RFC 3339).
    updated_at: String,
}

/// The tenant's canned replies and the placeholders they may use.
#[derive(Serialize, ToSchema)]
pub(crate) struct CannedList {
    /// By title.
    items: Vec<CannedView>,
    /// Every placeholder, with what it stands for.
    placeholders: Vec<PlaceholderView>,
}

/// A placeholder.
#[derive(Serialize, ToSchema)]
pub(crate) struct PlaceholderView {
    /// As written in a body, e.g. `{{customer.name}}`.
    name: String,
    /// What it stands for.
    description: String,
}

fn view(c: &CannedReply, rendered: Option<String>) -> CannedView {
    CannedView {
        id: c.id.0,
        title: c.title.clone(),
        body: c.body.clone(),
        rendered,
        updated_at: c.updated_at.to_rfc3339(),
    }
}

/// Which conversation to fill the placeholders in for.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ForConversation {
    /// A conversation of the tenant.
    conversation_id: Option<String>,
}

/// The tenant's canned replies (staff).
#[utoipa::path(get, path = "/api/v1/canned-replies", tag = "canned replies",
    responses((status = 200, body = CannedList), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<CannedList>, ApiError> {
    p.require_staff()?;
    let items = state
        .store
        .canned_replies(p.tenant_id)
        .await?
        .iter()
        .map(|c| view(c, None))
        .collect();
    let placeholders = PLACEHOLDERS
        .iter()
        .map(|(n, d)| PlaceholderView {
            name: format!("{{{{{n}}}}}"),
            description: (*d).to_owned(),
        })
        .collect();
    Ok(axum::Json(CannedList {
        items,
        placeholders,
    }))
}

/// Creates a canned reply (admins; at most 500 per tenant).
#[utoipa::path(post, path = "/api/v1/canned-replies", tag = "canned replies", request_body = CannedInput,
    responses((status = 201, body = CannedView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn create(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<CannedInput>,
) -> Result<Response, ApiError> {
    p.require(&[Role::Admin])?;
    let c = state
        .store
        .create_canned_reply(p.tenant_id, &req.title, &req.body, &p.actor())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view(&c, None))).into_response())
}

/// One canned reply (staff); with `conversation_id`, also filled in for that conversation.
#[utoipa::path(get, path = "/api/v1/canned-replies/{id}", tag = "canned replies", params(("id" = Uuid, Path), ForConversation),
    responses((status = 200, body = CannedView), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn get_one(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Query(q): Query<ForConversation>,
) -> Result<axum::Json<CannedView>, ApiError> {
    p.require_staff()?;
    let id: CannedReplyId = parse_id(&id, "canned reply")?;
    let c = state
        .store
        .canned_reply(p.tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("canned reply"))?;
    let rendered = match q.conversation_id {
        Some(raw) => {
            let conversation: ConversationId = parse_id(&raw, "conversation")?;
            let values = admin::canned_values(&state, &p, conversation).await?;
            Some(admin::render_canned(&c, &values))
        }
        None => None,
    };
    Ok(axum::Json(view(&c, rendered)))
}

/// Replaces a canned reply's title and body (admins).
#[utoipa::path(put, path = "/api/v1/canned-replies/{id}", tag = "canned replies", request_body = CannedInput, params(("id" = Uuid, Path)),
    responses((status = 200, body = CannedView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn update(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(req): Json<CannedInput>,
) -> Result<axum::Json<CannedView>, ApiError> {
    p.require(&[Role::Admin])?;
    let id: CannedReplyId = parse_id(&id, "canned reply")?;
    let c = state
        .store
        .update_canned_reply(p.tenant_id, id, &req.title, &req.body, &p.actor())
        .await?;
    Ok(axum::Json(view(&c, None)))
}

/// Deletes a canned reply (admins).
#[utoipa::path(delete, path = "/api/v1/canned-replies/{id}", tag = "canned replies", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn delete(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    p.require(&[Role::Admin])?;
    let id: CannedReplyId = parse_id(&id, "canned reply")?;
    state
        .store
        .delete_canned_reply(p.tenant_id, id, &p.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
