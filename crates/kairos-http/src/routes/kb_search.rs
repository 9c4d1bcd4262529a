//! Knowledge-base search and suggestions (docs/knowledge.md): the index
//! (`kairos-search`) is scoped by tenant and asker, and every hit is checked again
//! against the store's article and `knowledge::may_read`, so an internal article or an
//! unpublished draft never reaches a customer or visitor, whatever the index holds.

use super::kb::{Kb, MaybePrincipal, reader};
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::Query;
use crate::extract::parse_id;
use axum::extract::{Path, State};
use kairos_core::ids::{ArticleId, ConversationId};
use kairos_core::knowledge::{self, Reader};
use kairos_core::message::Direction;
use kairos_search::{Asker, Filters, Hit, Kind, Scope, SearchIndex, SearchRequest};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(suggest))
        .routes(routes!(conversation_suggestions))
}

/// A search.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchQuery {
    /// What the person typed: words and "quoted phrases" (at most 512 bytes used).
    q: String,
    /// `de` or `en`: only articles in this language.
    lang: Option<String>,
    /// Only this category.
    category: Option<Uuid>,
    /// Hits, 1–50 (default 10).
    limit: Option<u32>,
    /// The tenant's slug; required without credentials.
    tenant: Option<String>,
}

/// Suggestions while someone types.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct SuggestQuery {
    /// The text typed so far (the last word also matches as a prefix unless it ends in a
    /// space).
    q: String,
    /// Suggestions, 1–10 (default 5).
    limit: Option<u32>,
    /// The tenant's slug; required without credentials.
    tenant: Option<String>,
}

/// One matching article.
#[derive(Serialize, ToSchema)]
pub(crate) struct SearchHit {
    /// The article.
    id: Uuid,
    /// Its language.
    language: String,
    /// Its category.
    category_id: Uuid,
    /// Title, HTML-escaped, matches in `<mark>`.
    title_html: String,
    /// A snippet of the body, HTML-escaped, matches in `<mark>`.
    snippet_html: String,
}

impl SearchHit {
    /// The article's id.
    pub(crate) fn id(&self) -> Uuid {
        self.id
    }
}

pub(super) fn index(state: &AppState) -> Result<Arc<SearchIndex>, ApiError> {
    state.search.clone().ok_or_else(|| {
        kairos_store::StoreError::Unavailable("search is not enabled on this server".into()).into()
    })
}

pub(super) fn scope(kb: &Kb) -> Result<Scope, ApiError> {
    let asker = match &kb.reader {
        Reader::Staff => Asker::Staff,
        Reader::Anonymous => Asker::Anonymous,
        Reader::Customer => Asker::Customer(
            kb.principal
                .as_ref()
                .and_then(|p| p.customer_id)
                .ok_or_else(ApiError::forbidden)?,
        ),
        Reader::Partner { categories, .. } => Asker::Partner {
            categories: categories.iter().map(ToString::to_string).collect(),
        },
    };
    Ok(Scope::new(kb.tenant, asker))
}

/// Keeps the hits whose article the reader may read as it is now in the store.
async fn checked(state: &AppState, kb: &Kb, hits: Vec<Hit>) -> Result<Vec<SearchHit>, ApiError> {
    Ok(checked_titled(state, kb, hits)
        .await?
        .into_iter()
        .map(|(hit, _)| hit)
        .collect())
}

/// Like [`checked`], with each article's plain title.
async fn checked_titled(
    state: &AppState,
    kb: &Kb,
    hits: Vec<Hit>,
) -> Result<Vec<(SearchHit, String)>, ApiError> {
    let mut out = Vec::with_capacity(hits.len());
    for h in hits.into_iter().filter(|h| h.kind == Kind::Article) {
        let Some(a) = state.store.kb_article(kb.tenant, ArticleId(h.id)).await? else {
            continue;
        };
        if knowledge::may_read(&kb.reader, &a.facts()) {
            out.push((
                SearchHit {
                    id: a.id.0,
                    language: a.language,
                    category_id: a.category_id.0,
                    title_html: h.title_html,
                    snippet_html: h.snippet_html,
                },
                a.title,
            ));
        }
    }
    Ok(out)
}

pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> kairos_search::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::internal(format!("search: {e}")))
}

/// Searches the articles the caller may read (German and English analysis: compound
/// parts, stems, typos).
#[utoipa::path(get, path = "/api/v1/kb/search", tag = "knowledge", params(SearchQuery),
    responses((status = 200, body = [SearchHit]), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 503, body = Problem)))]
async fn search(
    State(state): State<AppState>,
    p: MaybePrincipal,
    Query(q): Query<SearchQuery>,
) -> Result<axum::Json<Vec<SearchHit>>, ApiError> {
    let kb = reader(&state, p, q.tenant.as_deref()).await?;
    let idx = index(&state)?;
    let language = crate::extract::search_language(q.lang.as_deref())?;
    let limit = super::page_limit(q.limit, 10, 50)? as usize;
    let request = SearchRequest::new(q.q)
        .filters(Filters {
            kinds: vec![Kind::Article],
            category: q.category.map(|c| c.to_string()),
            language,
            ..Filters::default()
        })
        .page(limit, 0);
    let scope = scope(&kb)?;
    let results = blocking(move || idx.search(&request, &scope)).await?;
    Ok(axum::Json(checked(&state, &kb, results.hits).await?))
}

/// Articles that may answer what the caller is typing (portal and widget deflection).
#[utoipa::path(get, path = "/api/v1/kb/suggest", tag = "knowledge", params(SuggestQuery),
    responses((status = 200, body = [SearchHit]), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 503, body = Problem)))]
async fn suggest(
    State(state): State<AppState>,
    p: MaybePrincipal,
    Query(q): Query<SuggestQuery>,
) -> Result<axum::Json<Vec<SearchHit>>, ApiError> {
    let kb = reader(&state, p, q.tenant.as_deref()).await?;
    let idx = index(&state)?;
    let limit = super::page_limit(q.limit, 5, 10)? as usize;
    let scope = scope(&kb)?;
    let hits = blocking(move || idx.suggest(&q.q, &scope, limit)).await?;
    Ok(axum::Json(checked(&state, &kb, hits).await?))
}

/// An article to suggest to staff, with the link to insert into a reply.
#[derive(Serialize, ToSchema)]
pub(crate) struct LinkedHit {
    /// The article, as the conversation's customer may read it.
    #[serde(flatten)]
    hit: SearchHit,
    /// Where the customer reads it (`{public_url}/api/v1/kb/articles/{id}?tenant={slug}`);
    /// absent when the server does not know its public address.
    link: Option<String>,
}

/// How many of the customer's latest messages the suggestions read.
const SUGGESTION_MESSAGES: usize = 3;

/// What the customer asked lately: the newest inbound messages first, then the subject.
async fn customer_question(
    state: &AppState,
    p: &Principal,
    c: &kairos_core::conversation::Conversation,
) -> Result<String, ApiError> {
    let mut latest: std::collections::VecDeque<String> = std::collections::VecDeque::new();
    let mut after = 0;
    loop {
        let page = state
            .store
            .messages(p.tenant_id, c.id, false, after, 500)
            .await?;
        for m in page.iter().filter(|m| m.direction == Direction::Inbound) {
            if latest.len() == SUGGESTION_MESSAGES {
                latest.pop_front();
            }
            latest.push_back(m.body.text.clone());
        }
        match page.last() {
            Some(m) if page.len() == 500 => after = m.seq,
            _ => break,
        }
    }
    let mut parts: Vec<String> = latest.into_iter().rev().collect();
    parts.extend(c.subject.clone());
    Ok(parts.join("\n"))
}

/// Articles that may answer a conversation's latest customer messages (staff). Only
/// articles its customer may read are suggested, so every link works for them.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/suggestions", tag = "knowledge", params(("id" = Uuid, Path)),
    responses((status = 200, body = [LinkedHit]), (status = 403, body = Problem), (status = 404, body = Problem), (status = 503, body = Problem)),
    security(("bearer" = [])))]
async fn conversation_suggestions(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<LinkedHit>>, ApiError> {
    let id: ConversationId = parse_id(&id, "conversation")?;
    let hits = suggestions_for(&state, &p, id).await?;
    Ok(axum::Json(
        hits.into_iter()
            .map(|(hit, _, link)| LinkedHit { hit, link })
            .collect(),
    ))
}

/// The suggestions for conversation `id` (staff): each hit with its plain title and link.
pub(crate) async fn suggestions_for(
    state: &AppState,
    p: &Principal,
    id: ConversationId,
) -> Result<Vec<(SearchHit, String, Option<String>)>, ApiError> {
    p.require_staff()?;
    let c = state
        .store
        .conversation(p.tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation"))?;
    let idx = index(state)?;
    let question = customer_question(state, p, &c).await?;
    let scope = Scope::new(p.tenant_id, Asker::Customer(c.customer_id));
    let hits = blocking(move || idx.suggest(&question, &scope, 5)).await?;
    let as_customer = Kb {
        tenant: p.tenant_id,
        reader: Reader::Customer,
        principal: None,
    };
    let hits = checked_titled(state, &as_customer, hits).await?;
    let slug = state
        .store
        .tenant_by_id(p.tenant_id)
        .await?
        .map(|t| t.slug.as_str().to_owned());
    let link = |id: Uuid| match (state.base_url(), &slug) {
        (Some(base), Some(slug)) => Some(format!("{base}/api/v1/kb/articles/{id}?tenant={slug}")),
        _ => None,
    };
    Ok(hits
        .into_iter()
        .map(|(hit, title)| {
            let l = link(hit.id);
            (hit, title, l)
        })
        .collect())
}
