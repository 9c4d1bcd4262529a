//! Forums (docs/forum.md): threads and replies in the knowledge base's
//! categories, moderation, solutions, and turning a thread into a conversation.
//!
//! Readers are resolved as for the knowledge base (`kb::reader`): visitors name the tenant
//! with `?tenant=<slug>` and read public threads; customers read every visible thread and
//! post; admins and agents see hidden content too and moderate. Partners, experts and
//! concierges have no forum rights (403). Every rule is `kairos_core::forum`; the store
//! checks it again inside the write transaction. Views never carry a customer id: posts
//! show a display name, and `mine` tells the caller which posts are their own.

use super::kb::{MaybePrincipal, TenantQuery, reader};
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query, parse_id};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use kairos_core::forum::{self, Moderation};
use kairos_core::ids::{CategoryId, ReplyId, ThreadId};
use kairos_core::knowledge::{ArticleVisibility, Reader};
use kairos_core::party::{Role, parse_display_name};
use kairos_store::forum::{NewThread, Poster, Reply, Thread, ThreadFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_threads, create_thread))
        .routes(routes!(get_thread))
        .routes(routes!(create_reply))
        .routes(routes!(moderate))
        .routes(routes!(mark_solution))
        .routes(routes!(convert))
}

/// The name shown for a customer who gives none (their real name is never used unasked).
const DEFAULT_CUSTOMER_NAME: &str = "Customer";

/// Who reads the forum: the knowledge base's reader, refused (403) for partners.
pub(super) async fn forum_reader(
    state: &AppState,
    p: MaybePrincipal,
    tenant: Option<&str>,
) -> Result<super::kb::Kb, ApiError> {
    let kb = reader(state, p, tenant).await?;
    if !forum::participates(&kb.reader) {
        return Err(ApiError::forbidden());
    }
    Ok(kb)
}

/// One reply as the caller may see it.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReplyView {
    /// Its id.
    id: Uuid,
    /// The name shown with it.
    author_name: String,
    /// Whether the caller wrote it.
    mine: bool,
    /// Markdown source.
    body: String,
    /// The body rendered to HTML; raw HTML, scripts and `javascript:` links removed.
    html: String,
    /// RFC 3339.
    created_at: String,
    /// Hidden by staff (only staff ever see hidden replies).
    hidden: bool,
    /// Marked as the thread's solution.
    solution: bool,
}

/// A thread without its posts (lists).
#[derive(Serialize, ToSchema)]
pub(crate) struct ThreadSummary {
    /// Its id.
    id: Uuid,
    /// Its category (a knowledge-base category).
    category_id: Uuid,
    /// Title.
    title: String,
    /// `open`, `locked` or `hidden` (hidden reaches staff only).
    #[schema(value_type = String)]
    state: forum::ThreadState,
    /// `public` (visitors too) or `customers`.
    visibility: String,
    /// The name shown with the first post.
    author_name: String,
    /// Whether the caller started it.
    mine: bool,
    /// Replies the caller may see.
    replies: usize,
    /// Whether a reply is marked as the solution.
    solved: bool,
    /// RFC 3339.
    created_at: String,
    /// RFC 3339: started or last replied to.
    last_activity_at: String,
    /// The conversation staff opened from it (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation_id: Option<Uuid>,
}

/// A thread with its first post and the replies the caller may see, oldest first.
#[derive(Serialize, ToSchema)]
pub(crate) struct ThreadView {
    /// Everything of the summary.
    #[serde(flatten)]
    summary: ThreadSummary,
    /// Markdown source of the first post.
    body: String,
    /// The first post rendered to sanitised HTML.
    html: String,
    /// The reply marked as the solution, if the caller may see it.
    solution: Option<Uuid>,
    /// The visible replies.
    reply_list: Vec<ReplyView>,
}

fn is_mine(p: &Poster, kb: &super::kb::Kb) -> bool {
    let me = kb.principal.as_ref().and_then(|p| p.customer_id);
    me.is_some() && p.customer_id == me
}

fn visible_replies<'a>(t: &'a Thread, r: &'a Reader) -> impl Iterator<Item = &'a Reply> {
    t.replies
        .iter()
        .filter(|x| forum::may_see_reply(r, x.hidden))
}

fn summary(t: &Thread, kb: &super::kb::Kb) -> ThreadSummary {
    let staff = kb.reader == Reader::Staff;
    ThreadSummary {
        id: t.id.0,
        category_id: t.category_id.0,
        title: t.title.clone(),
        state: t.facts().state(),
        visibility: t.visibility.as_str().into(),
        author_name: t.author.name.clone(),
        mine: is_mine(&t.author, kb),
        replies: visible_replies(t, &kb.reader).count(),
        solved: t.solution.is_some(),
        created_at: t.created_at.to_rfc3339(),
        last_activity_at: t.last_activity_at.to_rfc3339(),
        conversation_id: t.conversation_id.filter(|_| staff).map(|c| c.0),
    }
}

fn view(t: &Thread, kb: &super::kb::Kb) -> ThreadView {
    ThreadView {
        summary: summary(t, kb),
        body: t.body.clone(),
        html: forum::render(&t.body),
        solution: t.solution.map(|s| s.0),
        reply_list: visible_replies(t, &kb.reader)
            .map(|r| ReplyView {
                id: r.id.0,
                author_name: r.author.name.clone(),
                mine: is_mine(&r.author, kb),
                body: r.body.clone(),
                html: forum::render(&r.body),
                created_at: r.created_at.to_rfc3339(),
                hidden: r.hidden,
                solution: t.solution == Some(r.id),
            })
            .collect(),
    }
}

/// One thread the caller may read; anything else is simply not found.
async fn readable(state: &AppState, kb: &super::kb::Kb, raw: &str) -> Result<Thread, ApiError> {
    let id: ThreadId = parse_id(raw, "thread")?;
    state
        .store
        .forum_thread(kb.tenant, id)
        .await?
        .filter(|t| forum::may_read(&kb.reader, &t.facts()))
        .ok_or_else(|| ApiError::not_found("thread"))
}

/// The furthest a list pages (deeper pages are a crawl, not a reader).
const MAX_OFFSET: u32 = 10_000;

/// Filters and paging of the thread list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ThreadQuery {
    /// The tenant's slug; required without credentials.
    tenant: Option<String>,
    /// Only this category.
    category: Option<Uuid>,
    /// Threads per page (1–100, default 20).
    limit: Option<u32>,
    /// Threads to skip, of those the caller may see (at most 10,000).
    offset: Option<u32>,
}

/// The threads the caller may read, newest activity first, one page of them.
#[utoipa::path(get, path = "/api/v1/forum/threads", tag = "forum", params(ThreadQuery),
    responses((status = 200, body = [ThreadSummary]), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_threads(
    State(state): State<AppState>,
    p: MaybePrincipal,
    Query(q): Query<ThreadQuery>,
) -> Result<axum::Json<Vec<ThreadSummary>>, ApiError> {
    let kb = forum_reader(&state, p, q.tenant.as_deref()).await?;
    let limit = super::page_limit(q.limit, 20, kairos_store::forum::MAX_PAGE)?;
    let offset = q.offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(ApiError::invalid("offset", format!("0–{MAX_OFFSET}")));
    }
    // The store filters hidden and members-only threads by the reader's rights, so the
    // offset counts only what the caller may see; the core's rule is applied once more.
    let filter = ThreadFilter::for_reader(&kb.reader, q.category.map(CategoryId));
    let page = state
        .store
        .forum_threads(kb.tenant, filter, limit, offset)
        .await?;
    let out = page
        .iter()
        .filter(|t| forum::may_read(&kb.reader, &t.facts()))
        .map(|t| summary(t, &kb))
        .collect();
    Ok(axum::Json(out))
}

/// A new thread.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateThread {
    /// A knowledge-base category.
    category_id: Uuid,
    /// 1–200 characters.
    title: String,
    /// Markdown, at most 20 KiB.
    body: String,
    /// `public` (default) or `customers`.
    visibility: Option<String>,
    /// One of the tenant's knowledge-base languages (default: the first of them); picks
    /// the search analyzer.
    language: Option<String>,
    /// The name shown with the post (customers; default "Customer"; staff show theirs).
    author_name: Option<String>,
}

/// Who posts: a customer under the name they chose, or staff under their display name.
async fn poster(state: &AppState, p: &Principal, name: Option<&str>) -> Result<Poster, ApiError> {
    if p.role == Role::Customer {
        let name = match name {
            Some(n) => parse_display_name("author_name", n)?,
            None => DEFAULT_CUSTOMER_NAME.into(),
        };
        return Ok(Poster {
            customer_id: p.customer_id,
            name,
        });
    }
    let name = match p.party_id {
        Some(id) => state
            .store
            .party(p.tenant_id, id)
            .await?
            .map(|r| r.display_name),
        None => None,
    };
    Ok(Poster {
        customer_id: None,
        name: name.unwrap_or_else(|| "Support".into()),
    })
}

/// Starts a thread (customers and staff).
#[utoipa::path(post, path = "/api/v1/forum/threads", tag = "forum", request_body = CreateThread,
    responses((status = 201, body = ThreadView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn create_thread(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<CreateThread>,
) -> Result<Response, ApiError> {
    let kb = forum_reader(&state, MaybePrincipal(Some(p.clone())), None).await?;
    if !forum::may_post(&kb.reader) {
        return Err(ApiError::forbidden());
    }
    let visibility = match req.visibility.as_deref() {
        None => ArticleVisibility::Public,
        Some(v) => forum::audience(ArticleVisibility::parse(v).ok_or_else(|| {
            kairos_core::DomainError::invalid("visibility", "public or customers")
        })?)?,
    };
    let settings = super::kb_admin::kb_settings(&state, kb.tenant).await?;
    let language = match req.language.as_deref() {
        Some(l) => settings.language(l)?,
        None => settings
            .languages
            .first()
            .cloned()
            .unwrap_or_else(|| "en".into()),
    };
    let new = NewThread {
        category_id: CategoryId(req.category_id),
        visibility,
        language,
        title: forum::title(&req.title)?,
        body: forum::body(&req.body)?,
    };
    let author = poster(&state, &p, req.author_name.as_deref()).await?;
    let t = state
        .store
        .forum_create_thread(kb.tenant, new, author, &p.actor())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view(&t, &kb))).into_response())
}

/// A thread with its visible replies.
#[utoipa::path(get, path = "/api/v1/forum/threads/{id}", tag = "forum", params(("id" = Uuid, Path), TenantQuery),
    responses((status = 200, body = ThreadView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_thread(
    State(state): State<AppState>,
    p: MaybePrincipal,
    Path(id): Path<String>,
    Query(q): Query<TenantQuery>,
) -> Result<axum::Json<ThreadView>, ApiError> {
    let kb = forum_reader(&state, p, q.tenant.as_deref()).await?;
    let t = readable(&state, &kb, &id).await?;
    Ok(axum::Json(view(&t, &kb)))
}

/// A reply.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateReply {
    /// Markdown, at most 20 KiB.
    body: String,
    /// The name shown with the post (customers; default "Customer").
    author_name: Option<String>,
}

/// Replies in a thread (customers and staff; 409 when it is locked).
#[utoipa::path(post, path = "/api/v1/forum/threads/{id}/replies", tag = "forum", params(("id" = Uuid, Path)), request_body = CreateReply,
    responses((status = 201, body = ThreadView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn create_reply(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(req): Json<CreateReply>,
) -> Result<Response, ApiError> {
    let kb = forum_reader(&state, MaybePrincipal(Some(p.clone())), None).await?;
    if !forum::may_post(&kb.reader) {
        return Err(ApiError::forbidden());
    }
    let id: ThreadId = parse_id(&id, "thread")?;
    let body = forum::body(&req.body)?;
    let author = poster(&state, &p, req.author_name.as_deref()).await?;
    let (t, _) = state
        .store
        .forum_reply(kb.tenant, id, body, author, kb.reader.clone(), &p.actor())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view(&t, &kb))).into_response())
}

/// A moderation step.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Moderate {
    /// `hide`, `unhide`, `lock`, `unlock` or `move`.
    action: String,
    /// Hide or show this reply instead of the thread.
    reply_id: Option<Uuid>,
    /// The new category, for `move`.
    category_id: Option<Uuid>,
}

fn moderation(req: &Moderate) -> Result<Moderation, ApiError> {
    let m = match req.action.as_str() {
        "hide" => Moderation::Hide,
        "unhide" => Moderation::Unhide,
        "lock" => Moderation::Lock,
        "unlock" => Moderation::Unlock,
        "move" => Moderation::Move {
            category_id: CategoryId(req.category_id.ok_or_else(|| {
                kairos_core::DomainError::invalid("category_id", "required for move")
            })?),
        },
        _ => {
            return Err(kairos_core::DomainError::invalid(
                "action",
                "hide, unhide, lock, unlock or move",
            )
            .into());
        }
    };
    Ok(m)
}

/// Hides or shows a thread or reply, locks or unlocks a thread, or moves it (staff).
#[utoipa::path(post, path = "/api/v1/forum/threads/{id}/moderation", tag = "forum", params(("id" = Uuid, Path)), request_body = Moderate,
    responses((status = 200, body = ThreadView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn moderate(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(req): Json<Moderate>,
) -> Result<axum::Json<ThreadView>, ApiError> {
    p.require_staff()?;
    let kb = forum_reader(&state, MaybePrincipal(Some(p.clone())), None).await?;
    let id: ThreadId = parse_id(&id, "thread")?;
    let m = moderation(&req)?;
    let t = state
        .store
        .forum_moderate(kb.tenant, id, req.reply_id.map(ReplyId), m, &p.actor())
        .await?;
    Ok(axum::Json(view(&t, &kb)))
}

/// The solution of a thread.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Solution {
    /// A visible reply of the thread; `null` takes the mark away.
    reply_id: Option<Uuid>,
}

/// Marks a reply as the solution (the thread's author or staff).
#[utoipa::path(put, path = "/api/v1/forum/threads/{id}/solution", tag = "forum", params(("id" = Uuid, Path)), request_body = Solution,
    responses((status = 200, body = ThreadView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn mark_solution(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(req): Json<Solution>,
) -> Result<axum::Json<ThreadView>, ApiError> {
    let kb = forum_reader(&state, MaybePrincipal(Some(p.clone())), None).await?;
    if !forum::may_post(&kb.reader) {
        return Err(ApiError::forbidden());
    }
    let seen = readable(&state, &kb, &id).await?;
    // Someone else's thread: the rule says no (403), not the thread's state; the store
    // asks the same rule again inside the transaction.
    let is_author = p.customer_id.is_some() && seen.author.customer_id == p.customer_id;
    if !forum::may_mark_solution(&kb.reader, is_author) {
        return Err(ApiError::forbidden());
    }
    let t = state
        .store
        .forum_mark_solution(
            kb.tenant,
            seen.id,
            req.reply_id.map(ReplyId),
            kb.reader.clone(),
            p.customer_id,
            &p.actor(),
        )
        .await?;
    Ok(axum::Json(view(&t, &kb)))
}

/// The conversation a thread became.
#[derive(Serialize, ToSchema)]
pub(crate) struct Converted {
    /// The conversation with the thread's author (in the inbox).
    conversation_id: Uuid,
    /// The thread, which records it.
    thread: ThreadView,
}

/// Opens a conversation with the thread's author: subject the title, first message the
/// thread's text and a link back (staff; a second call returns the same conversation).
#[utoipa::path(post, path = "/api/v1/forum/threads/{id}/conversation", tag = "forum", params(("id" = Uuid, Path)),
    responses((status = 201, body = Converted), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
async fn convert(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    p.require_staff()?;
    let kb = forum_reader(&state, MaybePrincipal(Some(p.clone())), None).await?;
    let id: ThreadId = parse_id(&id, "thread")?;
    let link = format!("/api/v1/forum/threads/{}", id.0);
    let t = state
        .store
        .forum_convert(kb.tenant, id, link, &p.actor())
        .await?;
    let conversation_id = t
        .conversation_id
        .map(|c| c.0)
        .ok_or_else(|| ApiError::not_found("thread"))?;
    let body = Converted {
        conversation_id,
        thread: view(&t, &kb),
    };
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}
