//! The knowledge base (docs/knowledge.md): categories, articles, revisions, feedback.
//!
//! Reads are open to anonymous visitors, who name the tenant (`?tenant=<slug>`) and see
//! only published public articles; customers add published customers-only ones; partners
//! see the non-internal articles of their granted categories and their own drafts; staff
//! see everything. Every rule is `kairos_core::knowledge`; the store checks it again inside
//! the write transaction.

use super::kb_admin::kb_settings;
use super::kb_attachments::AttachmentView;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query, parse_id};
use axum::extract::{FromRequestParts, Path, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use kairos_core::ids::{ArticleId, CategoryId, TenantId};
use kairos_core::knowledge::{self, ArticleState, ArticleVisibility, Editor, Reader};
use kairos_core::party::{Role, parse_display_name};
use kairos_store::knowledge::{Article, ArticleChange, Category, NewArticle};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_categories, create_category))
        .routes(routes!(list_articles, create_article))
        .routes(routes!(get_article, patch_article))
}

/// The caller's credentials, if it sent any (a visitor sends none).
pub(crate) struct MaybePrincipal(pub(super) Option<Principal>);

impl FromRequestParts<AppState> for MaybePrincipal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // Only credentials count: a visitor's other cookies (the UI's language, the
        // portal's session) do not make the request a failed sign-in.
        let session = crate::auth::session_cookie_name(state.secure_cookies);
        let sent = parts.headers.contains_key(http::header::AUTHORIZATION)
            || crate::auth::cookie(&parts.headers, session).is_some();
        if !sent {
            return Ok(Self(None));
        }
        Principal::from_request_parts(parts, state)
            .await
            .map(|p| Self(Some(p)))
    }
}

/// Who reads, in which tenant.
pub(crate) struct Kb {
    pub(crate) tenant: TenantId,
    pub(crate) reader: Reader,
    pub(crate) principal: Option<Principal>,
}

impl Kb {
    pub(super) fn editor(&self) -> Result<Editor, ApiError> {
        match self.reader {
            Reader::Staff => Ok(Editor::Staff),
            Reader::Partner { .. } => Ok(Editor::Partner),
            _ => Err(ApiError::forbidden()),
        }
    }

    pub(super) fn actor(&self) -> kairos_core::event::Actor {
        self.principal
            .as_ref()
            .map_or(kairos_core::event::Actor::System, Principal::actor)
    }
}

/// Resolves the reader: signed-in callers by role (experts and concierges have no
/// knowledge-base rights: 403), visitors by the tenant they name (none: 401).
pub(crate) async fn reader(
    state: &AppState,
    p: MaybePrincipal,
    tenant: Option<&str>,
) -> Result<Kb, ApiError> {
    let Some(p) = p.0 else {
        let slug = tenant.ok_or_else(ApiError::unauthenticated)?;
        let t = state
            .store
            .tenant_by_slug(slug.trim())
            .await?
            .ok_or_else(|| ApiError::not_found("tenant"))?;
        return Ok(Kb {
            tenant: t.id,
            reader: Reader::Anonymous,
            principal: None,
        });
    };
    let reader = match p.role {
        Role::Admin | Role::Agent => Reader::Staff,
        Role::Customer => Reader::Customer,
        Role::Partner => Reader::Partner {
            party: p.party_id,
            categories: match p.party_id {
                Some(party) => state.store.kb_grants(p.tenant_id, party).await?,
                None => Vec::new(),
            },
        },
        Role::Expert | Role::Concierge => return Err(ApiError::forbidden()),
    };
    Ok(Kb {
        tenant: p.tenant_id,
        reader,
        principal: Some(p),
    })
}

/// The tenant a visitor reads (ignored when signed in: the credentials name the tenant).
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct TenantQuery {
    /// The tenant's slug; required without credentials.
    pub(super) tenant: Option<String>,
}

/// A category.
#[derive(Serialize, ToSchema)]
pub(crate) struct CategoryView {
    /// Its id.
    id: Uuid,
    /// URL slug.
    slug: String,
    /// Name.
    name: String,
}

impl From<&Category> for CategoryView {
    fn from(c: &Category) -> Self {
        Self {
            id: c.id.0,
            slug: c.slug.clone(),
            name: c.name.clone(),
        }
    }
}

/// The categories the caller may browse: staff all, partners their granted ones, others
/// those with an article they may read.
#[utoipa::path(get, path = "/api/v1/kb/categories", tag = "knowledge", params(TenantQuery),
    responses((status = 200, body = [CategoryView]), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_categories(
    State(state): State<AppState>,
    p: MaybePrincipal,
    Query(q): Query<TenantQuery>,
) -> Result<axum::Json<Vec<CategoryView>>, ApiError> {
    let kb = reader(&state, p, q.tenant.as_deref()).await?;
    let all = state.store.kb_categories(kb.tenant).await?;
    let keep: Vec<CategoryId> = match &kb.reader {
        Reader::Staff => all.iter().map(|c| c.id).collect(),
        Reader::Partner { categories, .. } => categories.clone(),
        _ => readable(&state, &kb)
            .await?
            .iter()
            .map(|a| a.category_id)
            .collect(),
    };
    Ok(axum::Json(
        all.iter()
            .filter(|c| keep.contains(&c.id))
            .map(CategoryView::from)
            .collect(),
    ))
}

/// A new category.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateCategory {
    /// URL slug: 1–64 of `a-z`, `0-9`, `-`.
    slug: String,
    /// Display name.
    name: String,
}

/// Creates a category (staff).
#[utoipa::path(post, path = "/api/v1/kb/categories", tag = "knowledge", request_body = CreateCategory,
    responses((status = 201, body = CategoryView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn create_category(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<CreateCategory>,
) -> Result<Response, ApiError> {
    p.require_staff()?;
    let slug = knowledge::category_slug(&req.slug)?;
    let name = parse_display_name("name", &req.name)?;
    let c = state
        .store
        .kb_create_category(p.tenant_id, slug, name, &p.actor())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(CategoryView::from(&c))).into_response())
}

/// An article without its text (lists).
#[derive(Serialize, ToSchema)]
pub(crate) struct ArticleSummary {
    /// Its id.
    id: Uuid,
    /// Its category.
    category_id: Uuid,
    /// Shared by its translations.
    translation_group: Uuid,
    /// Language tag.
    language: String,
    /// `draft`, `in_review`, `published`, `archived`.
    state: String,
    /// `public`, `customers`, `internal`.
    visibility: String,
    /// Title.
    title: String,
    /// Current revision number.
    revision: u32,
    /// RFC 3339.
    updated_at: String,
    /// "Did this help?" yes answers.
    helpful_yes: u64,
    /// "Did this help?" no answers.
    helpful_no: u64,
    /// Times it answered a question before a conversation was opened.
    deflections: u64,
}

impl From<&Article> for ArticleSummary {
    fn from(a: &Article) -> Self {
        Self {
            id: a.id.0,
            category_id: a.category_id.0,
            translation_group: a.translation_group,
            language: a.language.clone(),
            state: a.state.as_str().into(),
            visibility: a.visibility.as_str().into(),
            title: a.title.clone(),
            revision: a.revision,
            updated_at: a.updated_at.to_rfc3339(),
            helpful_yes: a.helpful_yes,
            helpful_no: a.helpful_no,
            deflections: a.deflections,
        }
    }
}

/// A translation of an article the caller may read.
#[derive(Serialize, ToSchema)]
pub(crate) struct TranslationRef {
    /// The translation's id.
    id: Uuid,
    /// Its language.
    language: String,
}

/// An article with its Markdown source, its rendered (sanitised) HTML and translations.
#[derive(Serialize, ToSchema)]
pub(crate) struct ArticleView {
    /// Everything of the summary.
    #[serde(flatten)]
    summary: ArticleSummary,
    /// Markdown source.
    body: String,
    /// The body rendered to HTML; raw HTML, scripts and `javascript:` links removed.
    html: String,
    /// The other language versions the caller may read.
    translations: Vec<TranslationRef>,
    /// Files attached to it (`GET …/attachments/{attachment_id}`).
    attachments: Vec<AttachmentView>,
}

/// Every article of the tenant the caller may read (at most 1,000, newest change first).
async fn readable(state: &AppState, kb: &Kb) -> Result<Vec<Article>, ApiError> {
    let all = state.store.kb_articles(kb.tenant, None).await?;
    Ok(all
        .into_iter()
        .filter(|a| knowledge::may_read(&kb.reader, &a.facts()))
        .collect())
}

/// One article the caller may read; anything else is simply not found.
pub(super) async fn visible(state: &AppState, kb: &Kb, raw: &str) -> Result<Article, ApiError> {
    let id: ArticleId = parse_id(raw, "article")?;
    state
        .store
        .kb_article(kb.tenant, id)
        .await?
        .filter(|a| knowledge::may_read(&kb.reader, &a.facts()))
        .ok_or_else(|| ApiError::not_found("article"))
}

pub(super) async fn view(state: &AppState, kb: &Kb, a: &Article) -> Result<ArticleView, ApiError> {
    let translations = readable(state, kb)
        .await?
        .into_iter()
        .filter(|t| t.translation_group == a.translation_group && t.id != a.id)
        .map(|t| TranslationRef {
            id: t.id.0,
            language: t.language,
        })
        .collect();
    Ok(ArticleView {
        summary: ArticleSummary::from(a),
        body: a.body.clone(),
        html: knowledge::render_markdown(&a.body),
        translations,
        attachments: a
            .attachments
            .iter()
            .map(|x| AttachmentView::new(a, x, &kb.reader))
            .collect(),
    })
}

/// Filters for the article list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ArticleQuery {
    /// The tenant's slug; required without credentials.
    tenant: Option<String>,
    /// Only this category.
    category: Option<Uuid>,
    /// Only this language.
    language: Option<String>,
    /// Only this state.
    state: Option<String>,
}

/// The articles the caller may read, newest change first.
#[utoipa::path(get, path = "/api/v1/kb/articles", tag = "knowledge", params(ArticleQuery),
    responses((status = 200, body = [ArticleSummary]), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_articles(
    State(state): State<AppState>,
    p: MaybePrincipal,
    Query(q): Query<ArticleQuery>,
) -> Result<axum::Json<Vec<ArticleSummary>>, ApiError> {
    let kb = reader(&state, p, q.tenant.as_deref()).await?;
    let wanted_state = match q.state.as_deref() {
        Some(s) => Some(
            ArticleState::parse(s).ok_or_else(|| ApiError::invalid("state", "unknown state"))?,
        ),
        None => None,
    };
    let language = q
        .language
        .as_deref()
        .map(knowledge::language_tag)
        .transpose()?;
    Ok(axum::Json(
        readable(&state, &kb)
            .await?
            .iter()
            .filter(|a| q.category.is_none_or(|c| a.category_id.0 == c))
            .filter(|a| language.as_ref().is_none_or(|l| &a.language == l))
            .filter(|a| wanted_state.is_none_or(|s| a.state == s))
            .map(ArticleSummary::from)
            .collect(),
    ))
}

/// A new article (a draft, revision 1).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateArticle {
    /// Its category (a translation defaults to its source's).
    #[serde(default)]
    category_id: Option<Uuid>,
    /// The article this one translates.
    #[serde(default)]
    translation_of: Option<Uuid>,
    /// One of the tenant's languages (`GET /api/v1/kb/settings`).
    language: String,
    /// `public` (default), `customers` or `internal` (staff only).
    #[serde(default)]
    visibility: Option<String>,
    /// Title.
    title: String,
    /// Markdown source.
    body: String,
}

fn parse_visibility(raw: &str, editor: Editor) -> Result<ArticleVisibility, ApiError> {
    let v = ArticleVisibility::parse(raw)
        .ok_or_else(|| ApiError::invalid("visibility", "public, customers or internal"))?;
    if editor == Editor::Partner && v == ArticleVisibility::Internal {
        return Err(ApiError::forbidden());
    }
    Ok(v)
}

/// Creates a draft (staff; partners in a granted category).
#[utoipa::path(post, path = "/api/v1/kb/articles", tag = "knowledge", request_body = CreateArticle,
    responses((status = 201, body = ArticleView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn create_article(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<CreateArticle>,
) -> Result<Response, ApiError> {
    let kb = reader(&state, MaybePrincipal(Some(p)), None).await?;
    let editor = kb.editor()?;
    let settings = kb_settings(&state, kb.tenant).await?;
    let visibility = match req.visibility.as_deref() {
        Some(v) => parse_visibility(v, editor)?,
        None => ArticleVisibility::Public,
    };
    let category_id = req.category_id.map(CategoryId);
    if let (Reader::Partner { categories, .. }, Some(c)) = (&kb.reader, category_id)
        && !categories.contains(&c)
    {
        return Err(ApiError::forbidden());
    }
    let new = NewArticle {
        category_id,
        translation_of: req.translation_of.map(ArticleId),
        language: settings.language(&req.language)?,
        visibility,
        title: knowledge::article_title(&req.title)?,
        body: knowledge::article_body(&req.body)?,
    };
    let party = kb.principal.as_ref().and_then(|p| p.party_id);
    let author_party = (editor == Editor::Partner).then_some(party).flatten();
    let a = state
        .store
        .kb_create_article(kb.tenant, new, kb.reader.clone(), author_party, &kb.actor())
        .await
        .map_err(|e| partner_refusal(&kb, e))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(view(&state, &kb, &a).await?),
    )
        .into_response())
}

/// A partner whose change the store's re-check refused was not allowed to make it.
pub(super) fn partner_refusal(kb: &Kb, e: kairos_store::StoreError) -> ApiError {
    match (&kb.reader, &e) {
        (
            Reader::Partner { .. },
            kairos_store::StoreError::Domain(kairos_core::DomainError::Conflict(_)),
        ) => ApiError::forbidden(),
        _ => e.into(),
    }
}

/// One article the caller may read, with HTML and translations.
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", tag = "knowledge", params(("id" = Uuid, Path), TenantQuery),
    responses((status = 200, body = ArticleView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_article(
    State(state): State<AppState>,
    p: MaybePrincipal,
    Path(id): Path<String>,
    Query(q): Query<TenantQuery>,
) -> Result<axum::Json<ArticleView>, ApiError> {
    let kb = reader(&state, p, q.tenant.as_deref()).await?;
    let a = visible(&state, &kb, &id).await?;
    Ok(axum::Json(view(&state, &kb, &a).await?))
}

/// A change: new text (a new revision) and/or state, visibility, category.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatchArticle {
    /// New title.
    #[serde(default)]
    title: Option<String>,
    /// New Markdown source.
    #[serde(default)]
    body: Option<String>,
    /// New state; partners only `in_review` (submit) and back to `draft`.
    #[serde(default)]
    state: Option<String>,
    /// New visibility (partners never `internal`).
    #[serde(default)]
    visibility: Option<String>,
    /// New category (partners: a granted one).
    #[serde(default)]
    category_id: Option<Uuid>,
}

/// Edits an article (staff; partners their drafts in granted categories). Publishing is
/// staff only: this is the company's review of partner drafts.
#[utoipa::path(patch, path = "/api/v1/kb/articles/{id}", tag = "knowledge", params(("id" = Uuid, Path)), request_body = PatchArticle,
    responses((status = 200, body = ArticleView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn patch_article(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(req): Json<PatchArticle>,
) -> Result<axum::Json<ArticleView>, ApiError> {
    let kb = reader(&state, MaybePrincipal(Some(p)), None).await?;
    let editor = kb.editor()?;
    let mut a = visible(&state, &kb, &id).await?;
    let target = req
        .state
        .as_deref()
        .map(|s| ArticleState::parse(s).ok_or_else(|| ApiError::invalid("state", "unknown state")))
        .transpose()?;
    let change = ArticleChange {
        state: target,
        visibility: req
            .visibility
            .as_deref()
            .map(|v| parse_visibility(v, editor))
            .transpose()?,
        category_id: req.category_id.map(CategoryId),
    };
    if let Reader::Partner { categories, .. } = &kb.reader {
        let moves_away = change.category_id.is_some_and(|c| !categories.contains(&c));
        let forbidden_step = target.is_some_and(|to| {
            to != a.state
                && knowledge::is_edge(a.state, to)
                && !knowledge::may_transition(editor, a.state, to)
        });
        // Text, visibility and category of a draft only: what is in review or published
        // changes through the company.
        let edits = req.title.is_some()
            || req.body.is_some()
            || change.visibility.is_some()
            || change.category_id.is_some();
        if moves_away || forbidden_step || (edits && !knowledge::may_edit(&kb.reader, &a.facts())) {
            return Err(ApiError::forbidden());
        }
    }
    if req.title.is_some() || req.body.is_some() {
        let title = match &req.title {
            Some(t) => knowledge::article_title(t)?,
            None => a.title.clone(),
        };
        let body = match &req.body {
            Some(b) => knowledge::article_body(b)?,
            None => a.body.clone(),
        };
        a = state
            .store
            .kb_revise_article(
                kb.tenant,
                a.id,
                title,
                body,
                None,
                kb.reader.clone(),
                &kb.actor(),
            )
            .await
            .map_err(|e| partner_refusal(&kb, e))?;
    }
    if change.state.is_some() || change.visibility.is_some() || change.category_id.is_some() {
        a = state
            .store
            .kb_change_article(
                kb.tenant,
                a.id,
                change,
                editor,
                kb.reader.clone(),
                &kb.actor(),
            )
            .await
            .map_err(|e| partner_refusal(&kb, e))?;
    }
    Ok(axum::Json(view(&state, &kb, &a).await?))
}
