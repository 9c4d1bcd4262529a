//! Knowledge-base history and feedback (docs/knowledge.md): revisions, diffs between
//! them, restoring one as a new revision, and "did this help?".

use super::kb::{ArticleView, TenantQuery};
use super::kb::{Kb, MaybePrincipal, partner_refusal, reader, view, visible};
use crate::AppState;
use crate::auth::Principal;
use crate::client_ip::ClientIp;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query, parse_id};
use axum::extract::{Path, State};
use kairos_core::knowledge::{self, Reader};
use kairos_store::kb_votes::{self, Tally};
use kairos_store::knowledge::{Article, Revision};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_revisions))
        .routes(routes!(diff))
        .routes(routes!(restore))
        .routes(routes!(feedback))
        .routes(routes!(deflected))
}

/// One revision.
#[derive(Serialize, ToSchema)]
pub(crate) struct RevisionView {
    /// 1, 2, …
    number: u32,
    /// Title.
    title: String,
    /// Markdown source.
    body: String,
    /// Who wrote it (`{"kind":"party","id":…,"role":…}` or `{"kind":"system"}`).
    #[schema(value_type = Object)]
    author: serde_json::Value,
    /// RFC 3339.
    at: String,
    /// The revision it restored, if it is a restore.
    restored_from: Option<u32>,
}

impl From<&Revision> for RevisionView {
    fn from(r: &Revision) -> Self {
        Self {
            number: r.number,
            title: r.title.clone(),
            body: r.body.clone(),
            author: serde_json::to_value(&r.author).unwrap_or_default(),
            at: r.at.to_rfc3339(),
            restored_from: r.restored_from,
        }
    }
}

/// Editors (staff, and partners for what they may read) see the history.
async fn history(
    state: &AppState,
    p: Principal,
    id: &str,
) -> Result<(Kb, Article, Vec<Revision>), ApiError> {
    let kb = reader(state, MaybePrincipal(Some(p)), None).await?;
    kb.editor()?;
    let a = visible(state, &kb, id).await?;
    let revisions = state.store.kb_revisions(kb.tenant, a.id).await?;
    Ok((kb, a, revisions))
}

/// Every revision of an article, oldest first (staff and partners).
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/revisions", tag = "knowledge", params(("id" = Uuid, Path)),
    responses((status = 200, body = [RevisionView]), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn list_revisions(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<RevisionView>>, ApiError> {
    let (_, _, revisions) = history(&state, p, &id).await?;
    Ok(axum::Json(
        revisions.iter().map(RevisionView::from).collect(),
    ))
}

/// Which two revisions to compare.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiffQuery {
    /// The older revision.
    from: u32,
    /// The newer revision.
    to: u32,
}

/// A unified diff between two revisions.
#[derive(Serialize, ToSchema)]
pub(crate) struct DiffView {
    /// From revision.
    from: u32,
    /// To revision.
    to: u32,
    /// Unified text diff of `# title` and body.
    diff: String,
}

fn revision(revisions: &[Revision], n: u32) -> Result<&Revision, ApiError> {
    revisions
        .iter()
        .find(|r| r.number == n)
        .ok_or_else(|| ApiError::not_found("revision"))
}

/// The unified diff between two revisions (staff and partners).
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/diff", tag = "knowledge", params(("id" = Uuid, Path), DiffQuery),
    responses((status = 200, body = DiffView), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn diff(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Result<axum::Json<DiffView>, ApiError> {
    let (_, _, revisions) = history(&state, p, &id).await?;
    let (a, b) = (revision(&revisions, q.from)?, revision(&revisions, q.to)?);
    Ok(axum::Json(DiffView {
        from: q.from,
        to: q.to,
        diff: knowledge::revision_diff(
            (a.number, &a.title, &a.body),
            (b.number, &b.title, &b.body),
        ),
    }))
}

/// Restores a revision's title and body as a new revision (editors of the article).
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/revisions/{number}/restore", tag = "knowledge", params(("id" = Uuid, Path), ("number" = u32, Path)),
    responses((status = 200, body = ArticleView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
async fn restore(
    State(state): State<AppState>,
    p: Principal,
    Path((id, number)): Path<(String, String)>,
) -> Result<axum::Json<ArticleView>, ApiError> {
    let (kb, a, revisions) = history(&state, p, &id).await?;
    let n: u32 = parse_id(&number, "revision")?;
    let r = revision(&revisions, n)?;
    if !knowledge::may_edit(&kb.reader, &a.facts()) {
        return Err(ApiError::forbidden());
    }
    let a = state
        .store
        .kb_revise_article(
            kb.tenant,
            a.id,
            r.title.clone(),
            r.body.clone(),
            Some(n),
            kb.reader.clone(),
            &kb.actor(),
        )
        .await
        .map_err(|e| partner_refusal(&kb, e))?;
    Ok(axum::Json(view(&state, &kb, &a).await?))
}

/// The reader's keyed pseudonym for counting `tally` once: per customer, or per visitor
/// address and day. Only this keyed hash (the server's visitor key) is kept: enough to refuse
/// a repeat, and unlike a plain hash of an address it cannot be reversed by trying every
/// address.
async fn reader_mark(
    state: &AppState,
    kb: &Kb,
    addr: Option<std::net::IpAddr>,
    tally: Tally,
) -> Result<String, ApiError> {
    let key = state.visitor_key().await?;
    match (
        &kb.reader,
        kb.principal.as_ref().and_then(|p| p.customer_id),
    ) {
        (Reader::Customer, Some(c)) => Ok(kb_votes::customer_mark(&key, kb.tenant, tally, c)),
        (Reader::Anonymous, _) => {
            let ip = addr.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
            let day = kairos_store::now().as_micros() / 86_400_000_000;
            Ok(kb_votes::visitor_mark(&key, kb.tenant, tally, &ip, day))
        }
        _ => Err(ApiError::forbidden()),
    }
}

/// Whether a deflection was counted, and the article's total.
#[derive(Serialize, ToSchema)]
pub(crate) struct DeflectionView {
    /// `false` when this reader already counted for this article.
    counted: bool,
    /// Deflections of the article so far.
    deflections: u64,
}

/// Counts a deflection: a suggested article answered the caller's question before they
/// opened a conversation (the portal or widget sends it when the reader says so). Once per
/// customer and article; once per address, article and day for visitors.
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/deflected", tag = "knowledge", params(("id" = Uuid, Path), TenantQuery),
    responses((status = 200, body = DeflectionView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn deflected(
    State(state): State<AppState>,
    p: MaybePrincipal,
    ClientIp(addr): ClientIp,
    Path(id): Path<String>,
    Query(q): Query<TenantQuery>,
) -> Result<axum::Json<DeflectionView>, ApiError> {
    let kb = reader(&state, p, q.tenant.as_deref()).await?;
    let a = visible(&state, &kb, &id).await?;
    let mark = reader_mark(&state, &kb, addr, Tally::Deflection).await?;
    let (a, counted) = state
        .store
        .kb_deflected(kb.tenant, a.id, kb.reader.clone(), mark)
        .await?;
    metrics::counter!("kairos_kb_deflections_total").increment(u64::from(counted));
    Ok(axum::Json(DeflectionView {
        counted,
        deflections: a.deflections,
    }))
}

/// "Did this help?"
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Feedback {
    /// Yes or no.
    helpful: bool,
}

/// Whether the answer was counted, and the article's totals.
#[derive(Serialize, ToSchema)]
pub(crate) struct FeedbackView {
    /// `false` when this reader already answered (once per customer and article; once per
    /// address, article and day for visitors).
    counted: bool,
    /// Yes answers.
    helpful_yes: u64,
    /// No answers.
    helpful_no: u64,
}

/// Records "did this help?" for an article the caller may read (customers and visitors).
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/feedback", tag = "knowledge", params(("id" = Uuid, Path), TenantQuery), request_body = Feedback,
    responses((status = 200, body = FeedbackView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn feedback(
    State(state): State<AppState>,
    p: MaybePrincipal,
    ClientIp(addr): ClientIp,
    Path(id): Path<String>,
    Query(q): Query<TenantQuery>,
    Json(req): Json<Feedback>,
) -> Result<axum::Json<FeedbackView>, ApiError> {
    let kb = reader(&state, p, q.tenant.as_deref()).await?;
    let a = visible(&state, &kb, &id).await?;
    let voter = reader_mark(&state, &kb, addr, Tally::Vote).await?;
    let (a, counted) = state
        .store
        .kb_feedback(
            kb.tenant,
            a.id,
            voter,
            req.helpful,
            kb.reader.clone(),
            &kairos_core::event::Actor::System,
        )
        .await?;
    Ok(axum::Json(FeedbackView {
        counted,
        helpful_yes: a.helpful_yes,
        helpful_no: a.helpful_no,
    }))
}
