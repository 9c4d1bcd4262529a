//! Files attached to knowledge-base articles (docs/knowledge.md#attachments): staff attach to
//! any article, partners to the drafts they may edit; whoever may read the article may
//! download them. The body is the file itself (`Content-Type` its type, `?filename=` its
//! name), checked against the accepted types and their magic bytes before a byte is stored
//! (`kairos_core::files`), and served back so that no browser runs it (E01; `crate::files`).

use super::kb::{Kb, MaybePrincipal, TenantQuery, partner_refusal, reader, visible};
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::{Query, parse_id};
use crate::files::blob_store;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use kairos_core::knowledge::{self, ArticleState, ArticleVisibility, Reader};
use kairos_store::kb_attachments::{ArticleAttachment, NewAttachment};
use kairos_store::knowledge::Article;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .routes(routes!(download, remove))
}

/// A file attached to an article.
#[derive(Serialize, ToSchema)]
pub(crate) struct AttachmentView {
    /// Its id.
    id: Uuid,
    /// Its file name (cleaned: no path, no control characters).
    filename: String,
    /// Its media type.
    content_type: String,
    /// Size in bytes.
    size: u64,
    /// Hex SHA-256 of the content.
    sha256: String,
    /// RFC 3339.
    added_at: String,
    /// Who attached it (`{"kind": "party", "id", "role"}` or `{"kind": "system"}`); staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    added_by: Option<serde_json::Value>,
    /// Where to download it (visitors add `?tenant=<slug>`).
    href: String,
}

impl AttachmentView {
    /// The view of `x` on article `a` for `reader` (who attached it is the team's business).
    pub(crate) fn new(a: &Article, x: &ArticleAttachment, reader: &Reader) -> Self {
        Self {
            id: x.id,
            filename: x.filename.clone(),
            content_type: x.content_type.clone(),
            size: x.size,
            sha256: x.sha256.clone(),
            added_at: x.added_at.to_rfc3339(),
            added_by: (*reader == Reader::Staff)
                .then(|| serde_json::to_value(&x.added_by).ok())
                .flatten(),
            href: format!("/api/v1/kb/articles/{}/attachments/{}", a.id.0, x.id),
        }
    }
}

/// The article `kb` may change attachments of: 404 if it may not read it, 403 for a partner
/// that may read but not edit it (in review, published, or outside its grants).
async fn editable(state: &AppState, kb: &Kb, raw: &str) -> Result<Article, ApiError> {
    kb.editor()?;
    let a = visible(state, kb, raw).await?;
    if !knowledge::may_edit(&kb.reader, &a.facts()) {
        return Err(ApiError::forbidden());
    }
    Ok(a)
}

/// The file's name.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct UploadQuery {
    /// Its file name; only the last path segment is kept, without control characters, at
    /// most 200 characters.
    filename: String,
}

/// Attaches a file to an article (staff: any article; partners: their drafts in granted
/// categories). The body is the file; the same content under the same name again answers
/// 200 with the existing attachment.
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/attachments", tag = "knowledge",
    params(("id" = Uuid, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The file, at most 25 MiB, sent with its own Content-Type: application/pdf, image/png, image/jpeg, image/gif, image/webp, video/mp4, video/webm, text/plain or an Office Open XML document (.docx, .xlsx, .pptx). Its first bytes must match the type; HTML, SVG and XML are never accepted."),
    responses((status = 201, body = AttachmentView), (status = 200, description = "already attached", body = AttachmentView),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn upload(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let kb = reader(&state, MaybePrincipal(Some(p)), None).await?;
    let a = editable(&state, &kb, &id).await?;
    let file = crate::files::receive(&state, &headers, body, &q.filename).await?;
    let new = NewAttachment {
        filename: file.filename,
        content_type: file.content_type.to_owned(),
        size: file.size,
        sha256: file.sha256.clone(),
    };
    let stored = state
        .store
        .kb_attach(kb.tenant, a.id, new, kb.reader.clone(), &kb.actor())
        .await;
    let (a, x, created) = match stored {
        Ok(v) => v,
        Err(e) => {
            // Refused after the bytes were stored: keep no file nothing names.
            crate::files::forget_blobs(&state, vec![file.sha256]).await;
            return Err(partner_refusal(&kb, e));
        }
    };
    // A removal elsewhere may have deleted the same content between our put and commit.
    let blobs = blob_store(&state)?;
    if !blobs.contains(&x.sha256) {
        blobs
            .put(file.bytes)
            .await
            .map_err(|e| ApiError::internal(format!("storing an attachment: {e}")))?;
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(AttachmentView::new(&a, &x, &kb.reader))).into_response())
}

/// Downloads an attachment of an article the caller may read (visitors add `?tenant=`);
/// anything else is 404. Served with `nosniff`, a sandboxing CSP, and as a download unless
/// it is an image or video.
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/attachments/{attachment_id}", tag = "knowledge",
    params(("id" = Uuid, Path), ("attachment_id" = Uuid, Path), TenantQuery),
    responses((status = 200, description = "The file, with its content type", content_type = "application/octet-stream"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn download(
    State(state): State<AppState>,
    p: MaybePrincipal,
    Path((id, attachment_id)): Path<(String, String)>,
    Query(q): Query<TenantQuery>,
) -> Result<Response, ApiError> {
    let kb = reader(&state, p, q.tenant.as_deref()).await?;
    let a = visible(&state, &kb, &id).await?;
    let aid: Uuid = parse_id(&attachment_id, "attachment")?;
    let x = a
        .attachments
        .iter()
        .find(|x| x.id == aid)
        .ok_or_else(|| ApiError::not_found("attachment"))?;
    let Some(bytes) = blob_store(&state)?
        .get(&x.sha256)
        .await
        .map_err(|e| ApiError::internal(format!("reading an attachment: {e}")))?
    else {
        tracing::warn!(sha = %x.sha256, article = %a.id.0, "attachment missing from the blob store");
        return Err(ApiError::not_found("attachment"));
    };
    let public = a.state == ArticleState::Published && a.visibility == ArticleVisibility::Public;
    let cache = if public {
        "public, max-age=300"
    } else {
        "private, no-store"
    };
    crate::files::serve(bytes, &x.content_type, &x.filename, &x.sha256, cache)
}

/// Takes an attachment off an article (staff; partners on their drafts in granted
/// categories). Its file is deleted unless another article or a message names the same
/// content.
#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}/attachments/{attachment_id}", tag = "knowledge",
    params(("id" = Uuid, Path), ("attachment_id" = Uuid, Path)),
    responses((status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn remove(
    State(state): State<AppState>,
    p: Principal,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let kb = reader(&state, MaybePrincipal(Some(p)), None).await?;
    kb.editor()?;
    let a = visible(&state, &kb, &id).await?;
    let aid: Uuid = parse_id(&attachment_id, "attachment")?;
    if !a.attachments.iter().any(|x| x.id == aid) {
        return Err(ApiError::not_found("attachment"));
    }
    if !knowledge::may_edit(&kb.reader, &a.facts()) {
        return Err(ApiError::forbidden());
    }
    let (_, x) = state
        .store
        .kb_detach(kb.tenant, a.id, aid, kb.reader.clone(), &kb.actor())
        .await
        .map_err(|e| partner_refusal(&kb, e))?;
    // The attachment is gone from the article; a file left behind is only space.
    crate::files::forget_blobs(&state, vec![x.sha256]).await;
    Ok(StatusCode::NO_CONTENT)
}
