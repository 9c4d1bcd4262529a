//! One search over everything the caller may read (docs/search.md): articles and forum
//! threads and replies for every reader, and conversations and messages — all of the tenant's for staff, their own
//! (without internal notes) for a customer. Facets (kind, category, language, state,
//! channel) are counted inside the caller's scope. Like the knowledge-base routes, every
//! hit is checked again against the store as it is now, so a stale index never shows more.

use super::forum_search::visible_post;
use super::kb::{Kb, MaybePrincipal, reader};
use super::kb_search::{blocking, index, scope};
use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::Query;
use axum::extract::State;
use kairos_core::ids::{ArticleId, ConversationId, MessageId};
use kairos_core::knowledge::{self, Reader};
use kairos_core::message::{Channel, Direction};
use kairos_search::{Filters, Hit, Kind, SearchRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

/// A search with filters.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {
    /// Words and "quoted phrases" (at most 512 bytes used); empty browses by the filters.
    #[serde(default)]
    q: String,
    /// Only these kinds, comma-separated: `article`, `forum_thread`, `forum_post`,
    /// `conversation`, `message`.
    kind: Option<String>,
    /// Only this knowledge-base category.
    category: Option<Uuid>,
    /// `de` or `en`.
    lang: Option<String>,
    /// Only this state (`published`, `draft`, …, `open`, `pending`, `resolved`, `closed`).
    state: Option<String>,
    /// Only this channel (`email`, `chat`, …).
    channel: Option<String>,
    /// Hits, 1–50 (default 10).
    limit: Option<u32>,
    /// Hits to skip (at most 1000).
    offset: Option<u32>,
    /// Count facets (default true).
    facets: Option<bool>,
    /// The tenant's slug; required without credentials.
    tenant: Option<String>,
}

/// One result.
#[derive(Serialize, ToSchema)]
pub(crate) struct ResultHit {
    /// The article, thread, reply, conversation or message.
    id: Uuid,
    /// `article`, `forum_thread`, `forum_post`, `conversation` or `message`.
    kind: String,
    /// `de` or `en` (for messages: the language guessed from the text).
    language: String,
    /// Title or subject, HTML-escaped, matches in `<mark>`.
    title_html: String,
    /// A snippet, HTML-escaped, matches in `<mark>`.
    snippet_html: String,
    /// The article's category.
    category: Option<String>,
    /// Its state or the conversation's status.
    state: String,
    /// The channel of a conversation or message.
    channel: Option<String>,
    /// A message's conversation, a reply's thread.
    parent_id: Option<Uuid>,
}

/// One facet value and its count.
#[derive(Serialize, ToSchema)]
pub(crate) struct FacetValue {
    /// The value.
    value: String,
    /// Matching documents with it.
    count: u64,
}

/// Facet counts inside the caller's scope, most frequent first.
#[derive(Serialize, ToSchema)]
pub(crate) struct FacetCounts {
    /// By kind.
    kind: Vec<FacetValue>,
    /// By category.
    category: Vec<FacetValue>,
    /// By language.
    language: Vec<FacetValue>,
    /// By state.
    state: Vec<FacetValue>,
    /// By channel.
    channel: Vec<FacetValue>,
}

/// A page of results.
#[derive(Serialize, ToSchema)]
pub(crate) struct SearchResults {
    /// Matching documents in the caller's scope (as the index has them).
    total: u64,
    /// This page, best first.
    hits: Vec<ResultHit>,
    /// Facet counts, unless `facets=false`.
    facets: Option<FacetCounts>,
}

fn filters(q: &Params) -> Result<Filters, ApiError> {
    let kinds = match q.kind.as_deref() {
        None | Some("") => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|k| {
                Kind::parse(k.trim()).ok_or_else(|| {
                    ApiError::invalid(
                        "kind",
                        "article, forum_thread, forum_post, conversation or message",
                    )
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let language = crate::extract::search_language(q.lang.as_deref())?;
    let state = match q.state.as_deref() {
        Some(s) => Some(
            kairos_search::State::parse(s)
                .ok_or_else(|| ApiError::invalid("state", "a state such as published or open"))?,
        ),
        None => None,
    };
    let channel = match q.channel.as_deref() {
        Some(c) => Some(
            Channel::parse(c)
                .map_err(|_| ApiError::invalid("channel", "a channel such as email or chat"))?,
        ),
        None => None,
    };
    Ok(Filters {
        kinds,
        category: q.category.map(|c| c.to_string()),
        language,
        state,
        channel,
    })
}

/// Whether the caller may see a hit, by the store as it is now.
async fn allowed(state: &AppState, kb: &Kb, h: &Hit) -> Result<bool, ApiError> {
    let me = kb.principal.as_ref().and_then(|p| p.customer_id);
    let owns = |customer| match kb.reader {
        Reader::Staff => true,
        Reader::Customer => me == Some(customer),
        _ => false,
    };
    Ok(match h.kind {
        Kind::Article => state
            .store
            .kb_article(kb.tenant, ArticleId(h.id))
            .await?
            .is_some_and(|a| knowledge::may_read(&kb.reader, &a.facts())),
        Kind::Conversation => state
            .store
            .conversation(kb.tenant, ConversationId(h.id))
            .await?
            .is_some_and(|c| owns(c.customer_id)),
        Kind::Message => match state.store.message(kb.tenant, MessageId(h.id)).await? {
            Some(m) if m.direction == Direction::Note && kb.reader != Reader::Staff => false,
            Some(m) => state
                .store
                .conversation(kb.tenant, m.conversation_id)
                .await?
                .is_some_and(|c| owns(c.customer_id)),
            None => false,
        },
        Kind::ForumThread => visible_post(state, kb, h.id, None).await?.is_some(),
        Kind::ForumPost => match h.parent {
            Some(thread) => visible_post(state, kb, thread, Some(h.id)).await?.is_some(),
            None => false,
        },
    })
}

fn counts(values: Vec<kairos_search::FacetCount>) -> Vec<FacetValue> {
    values
        .into_iter()
        .map(|f| FacetValue {
            value: f.value,
            count: f.count,
        })
        .collect()
}

/// Searches everything the caller may read: articles, forum threads and replies (German
/// and English analysis), and
/// for staff every conversation and message of the tenant, for a customer their own.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(Params),
    responses((status = 200, body = SearchResults), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
async fn search(
    State(state): State<AppState>,
    p: MaybePrincipal,
    Query(q): Query<Params>,
) -> Result<axum::Json<SearchResults>, ApiError> {
    let kb = reader(&state, p, q.tenant.as_deref()).await?;
    let idx = index(&state)?;
    let limit = super::page_limit(q.limit, 10, 50)? as usize;
    let offset = q.offset.unwrap_or(0);
    if offset > 1000 {
        return Err(ApiError::invalid("offset", "at most 1000"));
    }
    let mut request = SearchRequest::new(q.q.clone())
        .filters(filters(&q)?)
        .page(limit, offset as usize);
    if q.facets.unwrap_or(true) {
        request = request.with_facets();
    }
    let scope = scope(&kb)?;
    let results = blocking(move || idx.search(&request, &scope)).await?;
    let mut hits = Vec::with_capacity(results.hits.len());
    for h in results.hits {
        if !allowed(&state, &kb, &h).await? {
            continue;
        }
        hits.push(ResultHit {
            id: h.id,
            kind: h.kind.as_str().into(),
            language: h.language.as_str().into(),
            title_html: h.title_html,
            snippet_html: h.snippet_html,
            category: h.category,
            state: h.state.as_str().into(),
            channel: h.channel.map(|c| c.as_str().into()),
            parent_id: match h.kind {
                Kind::Message | Kind::ForumPost => h.parent,
                _ => None,
            },
        });
    }
    Ok(axum::Json(SearchResults {
        total: results.total,
        hits,
        facets: results.facets.map(|f| FacetCounts {
            kind: counts(f.kind),
            category: counts(f.category),
            language: counts(f.language),
            state: counts(f.state),
            channel: counts(f.channel),
        }),
    }))
}
