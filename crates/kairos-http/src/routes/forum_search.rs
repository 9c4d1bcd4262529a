//! Forum search (docs/forum.md): threads and replies from the search index
//! (`kairos-search`), scoped by tenant and asker there (hidden content carries no customer
//! or visitor audience), and every hit checked again against the store's thread with
//! `forum::may_read` and `may_see_reply`, so a hidden thread or reply never reaches a
//! customer or visitor, whatever the index holds.

use super::forum::forum_reader;
use super::kb::{Kb, MaybePrincipal};
use super::kb_search::{blocking, index, scope};
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::Query;
use axum::extract::State;
use kairos_core::forum;
use kairos_core::ids::ThreadId;
use kairos_search::{Filters, Hit, Kind, SearchRequest};
use kairos_store::forum::Thread;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

/// A forum search.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ForumSearchQuery {
    /// What the person typed: words and "quoted phrases" (at most 512 bytes used).
    q: String,
    /// `de` or `en`: only threads in this language.
    lang: Option<String>,
    /// Only this category.
    category: Option<Uuid>,
    /// Hits, 1–50 (default 10).
    limit: Option<u32>,
    /// The tenant's slug; required without credentials.
    tenant: Option<String>,
}

/// One matching thread (its opening post or one of its replies matched).
#[derive(Serialize, ToSchema)]
pub(crate) struct ForumHit {
    /// The thread.
    thread_id: Uuid,
    /// The reply that matched, if a reply did.
    reply_id: Option<Uuid>,
    /// Its category.
    category_id: Uuid,
    /// The thread's title as stored (render it as text).
    title: String,
    /// A snippet of the matching post, HTML-escaped, matches in `<mark>`.
    snippet_html: String,
}

/// The thread of a forum hit (its opening post, or the reply `reply`) when the reader may
/// see that post as the thread is now in the store.
pub(super) async fn visible_post(
    state: &AppState,
    kb: &Kb,
    thread: Uuid,
    reply: Option<Uuid>,
) -> Result<Option<Thread>, ApiError> {
    let Some(t) = state
        .store
        .forum_thread(kb.tenant, ThreadId(thread))
        .await?
    else {
        return Ok(None);
    };
    if !forum::may_read(&kb.reader, &t.facts()) {
        return Ok(None);
    }
    let visible = match reply {
        Some(r) => t
            .replies
            .iter()
            .any(|x| x.id.0 == r && forum::may_see_reply(&kb.reader, x.hidden)),
        None => !t.erased,
    };
    Ok(visible.then_some(t))
}

/// Keeps the hits the reader may see as the threads are now in the store; one hit per
/// thread (the best-ranked post of it).
async fn checked(state: &AppState, kb: &Kb, hits: Vec<Hit>) -> Result<Vec<ForumHit>, ApiError> {
    let mut out: Vec<ForumHit> = Vec::with_capacity(hits.len());
    for h in hits {
        let (thread, reply) = match h.kind {
            Kind::ForumThread => (h.id, None),
            Kind::ForumPost => match h.parent {
                Some(p) => (p, Some(h.id)),
                None => continue,
            },
            _ => continue,
        };
        if out.iter().any(|o| o.thread_id == thread) {
            continue;
        }
        let Some(t) = visible_post(state, kb, thread, reply).await? else {
            continue;
        };
        out.push(ForumHit {
            thread_id: t.id.0,
            reply_id: reply,
            category_id: t.category_id.0,
            title: t.title.clone(),
            snippet_html: h.snippet_html,
        });
    }
    Ok(out)
}

/// Searches the forum threads and replies the caller may read (German and English
/// analysis: compound parts, stems, typos). Hidden threads and replies reach staff only.
#[utoipa::path(get, path = "/api/v1/forum/search", tag = "forum", params(ForumSearchQuery),
    responses((status = 200, body = [ForumHit]), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 503, body = Problem)))]
async fn search(
    State(state): State<AppState>,
    p: MaybePrincipal,
    Query(q): Query<ForumSearchQuery>,
) -> Result<axum::Json<Vec<ForumHit>>, ApiError> {
    let kb = forum_reader(&state, p, q.tenant.as_deref()).await?;
    let idx = index(&state)?;
    let language = crate::extract::search_language(q.lang.as_deref())?;
    let limit = super::page_limit(q.limit, 10, 50)? as usize;
    // Replies of one thread collapse into one hit: ask for more than the page.
    let request = SearchRequest::new(q.q)
        .filters(Filters {
            kinds: vec![Kind::ForumThread, Kind::ForumPost],
            category: q.category.map(|c| c.to_string()),
            language,
            ..Filters::default()
        })
        .page((limit * 3).min(kairos_search::MAX_LIMIT), 0);
    let scope = scope(&kb)?;
    let results = blocking(move || idx.search(&request, &scope)).await?;
    let mut hits = checked(&state, &kb, results.hits).await?;
    hits.truncate(limit);
    Ok(axum::Json(hits))
}
