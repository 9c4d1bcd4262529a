//! The knowledge base in the portal: categories, search and articles, readable signed out
//! (published public articles) and signed in (customers-only ones too), with exactly the
//! API's rule (`knowledge::may_read`, checked on the stored article for every search hit).
//! An article body is the one piece of HTML the portal shows as HTML: Markdown rendered
//! and cleaned by `knowledge::render_markdown` (ammonia allow-list: no raw HTML, handlers,
//! scripts, styles or `javascript:` links).

use super::session::{Me, current, posted};
use super::{OrPortal, PortalError, PortalLayout, tenant};
use crate::i18n::Lang;
use crate::pages::render;
use crate::time::{When, when};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::HeaderMap;
use kairos_core::ids::ArticleId;
use kairos_core::knowledge::{self, Reader};
use kairos_core::tenant::Tenant;
use kairos_http::{ApiError, AppState};
use kairos_search::{Asker, Filters, Kind, Scope, SearchRequest};
use kairos_store::kb_votes::{Tally, customer_mark};
use kairos_store::knowledge::Article;
use serde::Deserialize;

/// Suggestions shown for a new request.
const SUGGESTIONS: usize = 5;
/// Search hits shown.
const HITS: usize = 20;

/// An article offered as a possible answer or a search hit.
pub(crate) struct Suggestion {
    /// The article.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The start of its text, as plain text.
    pub excerpt: String,
}

impl Suggestion {
    fn of(a: &Article) -> Self {
        let plain: String = a
            .body
            .chars()
            .filter(|c| !matches!(c, '#' | '*' | '_' | '`' | '>' | '[' | ']'))
            .collect();
        Self {
            id: a.id.to_string(),
            title: a.title.clone(),
            excerpt: crate::pages::inbox::preview(&plain),
        }
    }
}

fn reader(me: Option<&Me>) -> Reader {
    match me {
        Some(_) => Reader::Customer,
        None => Reader::Anonymous,
    }
}

/// Every published article the reader may read (newest change first).
async fn readable(state: &AppState, t: &Tenant, me: Option<&Me>) -> Result<Vec<Article>, ApiError> {
    let r = reader(me);
    Ok(state
        .store
        .kb_articles(t.id, None)
        .await?
        .into_iter()
        .filter(|a| knowledge::may_read(&r, &a.facts()))
        .collect())
}

/// Searches the reader's articles: with the search index when the server has one (German
/// and English analysis, typos), else by the words of `q` in titles and texts. Every hit
/// is checked against the stored article.
async fn find(
    state: &AppState,
    t: &Tenant,
    me: Option<&Me>,
    q: &str,
    limit: usize,
    suggest: bool,
) -> Result<Vec<Suggestion>, ApiError> {
    let r = reader(me);
    if let Some(index) = state.search_index() {
        let asker = match me {
            Some(me) => Asker::Customer(me.customer),
            None => Asker::Anonymous,
        };
        let scope = Scope::new(t.id, asker);
        let text = q.to_owned();
        let hits = tokio::task::spawn_blocking(move || {
            if suggest {
                index.suggest(&text, &scope, limit)
            } else {
                let request = SearchRequest::new(text)
                    .filters(Filters {
                        kinds: vec![Kind::Article],
                        ..Filters::default()
                    })
                    .page(limit, 0);
                index.search(&request, &scope).map(|r| r.hits)
            }
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::internal(format!("search: {e}")))?;
        let mut out = Vec::new();
        for h in hits.into_iter().filter(|h| h.kind == Kind::Article) {
            if let Some(a) = state.store.kb_article(t.id, ArticleId(h.id)).await?
                && knowledge::may_read(&r, &a.facts())
            {
                out.push(Suggestion::of(&a));
            }
        }
        return Ok(out);
    }
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(str::to_lowercase)
        .take(32)
        .collect();
    let mut scored: Vec<(usize, Article)> = readable(state, t, me)
        .await?
        .into_iter()
        .map(|a| {
            let hay = format!("{} {}", a.title, a.body).to_lowercase();
            (words.iter().filter(|w| hay.contains(w.as_str())).count(), a)
        })
        .filter(|(n, _)| *n > 0)
        .collect();
    scored.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    Ok(scored
        .iter()
        .take(limit)
        .map(|(_, a)| Suggestion::of(a))
        .collect())
}

/// Articles that may answer a request the customer is writing.
pub(crate) async fn suggestions(
    state: &AppState,
    t: &Tenant,
    me: Option<&Me>,
    question: &str,
) -> Result<Vec<Suggestion>, ApiError> {
    find(state, t, me, question, SUGGESTIONS, true).await
}

/// A category with the reader's articles in it.
struct Section {
    name: String,
    articles: Vec<Suggestion>,
}

#[derive(Template)]
#[template(path = "portal/kb.html")]
struct IndexPage {
    l: Lang,
    layout: PortalLayout,
    q: String,
    /// Search hits, when there was a query.
    hits: Option<Vec<Suggestion>>,
    sections: Vec<Section>,
}

/// The knowledge base's query.
#[derive(Deserialize, Default)]
pub(crate) struct IndexQuery {
    #[serde(default)]
    q: String,
}

/// `GET /portal/{t}/kb?q=`: categories with their articles, and search.
pub(crate) async fn index(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path(slug): Path<String>,
    query: Result<Query<IndexQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PortalError> {
    let t = tenant(&state, l, &slug).await?;
    let me = current(&state, &headers, &t).await.or_portal(l, &t)?;
    let q: String = query
        .map(|Query(q)| q.q)
        .unwrap_or_default()
        .trim()
        .chars()
        .take(512)
        .collect();
    let hits = match q.is_empty() {
        true => None,
        false => Some(
            find(&state, &t, me.as_ref(), &q, HITS, false)
                .await
                .or_portal(l, &t)?,
        ),
    };
    let articles = readable(&state, &t, me.as_ref()).await.or_portal(l, &t)?;
    let mut sections = Vec::new();
    for c in state.store.kb_categories(t.id).await.or_portal(l, &t)? {
        let mut inside: Vec<&Article> = articles.iter().filter(|a| a.category_id == c.id).collect();
        if inside.is_empty() {
            continue;
        }
        inside.sort_by(|a, b| a.title.cmp(&b.title));
        sections.push(Section {
            name: c.name,
            articles: inside.into_iter().map(Suggestion::of).collect(),
        });
    }
    Ok(render(&IndexPage {
        l,
        layout: PortalLayout::new(l, &t, "/kb", me.as_ref().map(|m| m.csrf.as_str()), "kb"),
        q,
        hits,
        sections,
    }))
}

#[derive(Template)]
#[template(path = "portal/article.html")]
struct ArticlePage {
    l: Lang,
    layout: PortalLayout,
    id: String,
    title: String,
    language: String,
    /// Rendered and sanitised by `knowledge::render_markdown`.
    html: String,
    updated: When,
    translations: Vec<(String, String)>,
    /// The session's CSRF token (the "answered my question" button), when signed in.
    csrf: Option<String>,
    /// The reader said it answered their question.
    answered: bool,
    /// The article's files: `(href, name, size)`.
    files: Vec<(String, String, String)>,
}

/// The article page's query.
#[derive(Deserialize, Default)]
pub(crate) struct ArticleQuery {
    #[serde(default)]
    answered: Option<String>,
}

/// One article the reader may read; anything else is not found.
async fn visible(
    state: &AppState,
    t: &Tenant,
    me: Option<&Me>,
    l: Lang,
    raw: &str,
) -> Result<Article, PortalError> {
    let missing = || PortalError::new(l, Some(t), ApiError::not_found("article"));
    let id: ArticleId = raw.parse().map_err(|_| missing())?;
    state
        .store
        .kb_article(t.id, id)
        .await
        .or_portal(l, t)?
        .filter(|a| knowledge::may_read(&reader(me), &a.facts()))
        .ok_or_else(missing)
}

/// `GET /portal/{t}/kb/{id}`.
pub(crate) async fn article(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, String)>,
    query: Result<Query<ArticleQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PortalError> {
    let t = tenant(&state, l, &slug).await?;
    let me = current(&state, &headers, &t).await.or_portal(l, &t)?;
    let a = visible(&state, &t, me.as_ref(), l, &id).await?;
    let translations = readable(&state, &t, me.as_ref())
        .await
        .or_portal(l, &t)?
        .into_iter()
        .filter(|o| o.translation_group == a.translation_group && o.id != a.id)
        .map(|o| (o.id.to_string(), o.language))
        .collect();
    Ok(render(&ArticlePage {
        l,
        layout: PortalLayout::new(
            l,
            &t,
            &format!("/kb/{}", a.id),
            me.as_ref().map(|m| m.csrf.as_str()),
            "kb",
        ),
        id: a.id.to_string(),
        title: a.title.clone(),
        language: a.language.clone(),
        html: knowledge::render_markdown(&a.body),
        updated: when(a.updated_at, l),
        translations,
        files: a
            .attachments
            .iter()
            .map(|x| {
                (
                    format!("/portal/{}/kb/{}/files/{}", t.slug.as_str(), a.id, x.id),
                    x.filename.clone(),
                    crate::files::size(x.size, l),
                )
            })
            .collect(),
        csrf: me.map(|m| m.csrf),
        answered: query.is_ok_and(|Query(q)| q.answered.is_some()),
    }))
}

/// `GET /portal/{t}/kb/{id}/files/{file}`: a file of an article the reader may read (the
/// same rule as the article page; anything else is not found). Public articles' files may
/// be cached briefly; the rest are private.
pub(crate) async fn file(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path((slug, id, file)): Path<(String, String, String)>,
) -> Result<Response, PortalError> {
    let t = tenant(&state, l, &slug).await?;
    let me = current(&state, &headers, &t).await.or_portal(l, &t)?;
    let a = visible(&state, &t, me.as_ref(), l, &id).await?;
    let missing = || PortalError::new(l, Some(&t), ApiError::not_found("attachment"));
    let file: uuid::Uuid = file.parse().map_err(|_| missing())?;
    let x = a
        .attachments
        .iter()
        .find(|x| x.id == file)
        .ok_or_else(missing)?;
    let blobs = state
        .blob_store()
        .ok_or_else(|| PortalError::new(l, Some(&t), ApiError::internal("no attachment store")))?;
    let bytes = blobs
        .get(&x.sha256)
        .await
        .map_err(|e| PortalError::new(l, Some(&t), ApiError::internal(e.to_string())))?
        .ok_or_else(missing)?;
    let public = a.visibility == knowledge::ArticleVisibility::Public;
    let cache = if public {
        "public, max-age=300"
    } else {
        "private, no-store"
    };
    kairos_http::files::serve(bytes, &x.content_type, &x.filename, &x.sha256, cache)
        .map_err(|e| PortalError::new(l, Some(&t), e))
}

/// `POST /portal/{t}/kb/{id}/answered`: the article answered the customer's question
/// before they opened a request (a deflection, counted once per customer and article by
/// the knowledge base's own use case).
pub(crate) async fn answered(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PortalError> {
    let (t, me, _): (_, _, crate::pages::login::NoFields) =
        posted(&state, &headers, l, &slug, &body).await?;
    let a = visible(&state, &t, Some(&me), l, &id).await?;
    let key = state.pseudonym_key().await.or_portal(l, &t)?;
    let mark = customer_mark(&key, t.id, Tally::Deflection, me.customer);
    state
        .store
        .kb_deflected(t.id, a.id, Reader::Customer, mark)
        .await
        .or_portal(l, &t)?;
    Ok(Redirect::to(&format!("/portal/{slug}/kb/{}?answered=1", a.id)).into_response())
}
