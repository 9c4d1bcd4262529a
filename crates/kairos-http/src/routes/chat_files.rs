//! Files in chats (docs/live-chat.md#files): a widget visitor, customer or agent uploads a
//! file on its own, then names its upload id in the `send` frame that carries it; whoever
//! may read a message downloads its files — e-mail attachments included — from one route.

use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::extract::{Query, parse_id};
use crate::files::{self, FileReader};
use crate::live::caller::Caller;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use kairos_core::ids::MessageId;
use kairos_core::party::Role;
use kairos_store::uploads::{NewUpload, UploadStored};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .routes(routes!(download))
}

/// The file's name.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct UploadQuery {
    /// Its file name; only the last path segment is kept, without control characters, at
    /// most 200 characters.
    filename: String,
}

/// A stored upload, ready to be named in a `send` frame.
#[derive(Serialize, ToSchema)]
pub(crate) struct UploadView {
    /// Name it in `send.attachments`.
    id: Uuid,
    /// The cleaned file name.
    filename: String,
    /// Its media type.
    content_type: String,
    /// Size in bytes.
    size: u64,
    /// RFC 3339: attach it before then.
    expires_at: String,
}

/// Uploads a file to send in a chat (visitor token, customer or staff). The body is the
/// file; send its id in the next `send` frame's `attachments`. Unsent uploads are forgotten
/// after a day; each sender may upload 30 files an hour.
#[utoipa::path(post, path = "/api/v1/chat/uploads", tag = "live", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The file, at most 25 MiB, sent with its own Content-Type: application/pdf, image/png, image/jpeg, image/gif, image/webp, video/mp4, video/webm, text/plain or an Office Open XML document (.docx, .xlsx, .pptx). Its first bytes must match the type; HTML, SVG and XML are never accepted."),
    responses((status = 201, body = UploadView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
        (status = 429, body = Problem)),
    security(("bearer" = [])))]
async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let uploader = caller.uploader().ok_or_else(ApiError::forbidden)?;
    let file = files::receive(&state, &headers, body, &q.filename).await?;
    let new = NewUpload {
        filename: file.filename.clone(),
        content_type: file.content_type.to_owned(),
        size: file.size,
        sha256: file.sha256.clone(),
    };
    let stored = state.store.add_upload(caller.tenant, uploader, new).await;
    let upload = match stored {
        Ok(UploadStored::Stored { upload, purged }) => {
            files::forget_blobs(&state, purged).await;
            upload
        }
        Ok(UploadStored::Limited) => {
            files::forget_blobs(&state, vec![file.sha256]).await;
            return Err(ApiError::rate_limited(
                "at most 30 files an hour; try again later",
                std::time::Duration::from_secs(3600),
            ));
        }
        Err(e) => {
            files::forget_blobs(&state, vec![file.sha256]).await;
            return Err(e.into());
        }
    };
    // A purge elsewhere may have deleted the same content between our put and commit.
    let blobs = files::blob_store(&state)?;
    if !blobs.contains(&upload.sha256) {
        blobs
            .put(file.bytes)
            .await
            .map_err(|e| ApiError::internal(format!("storing a file: {e}")))?;
    }
    let view = UploadView {
        id: upload.id,
        filename: upload.filename.clone(),
        content_type: upload.content_type.clone(),
        size: upload.size,
        expires_at: upload.expires_at().to_rfc3339(),
    };
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

/// Downloads file `index` (from 0) of a message: staff any message of their tenant,
/// customers and widget visitors those of their own conversations (never notes); anything
/// else is 404. Served with `nosniff`, a sandboxing CSP, and as a download unless it is an
/// image or video whose bytes match its type.
#[utoipa::path(get, path = "/api/v1/messages/{message_id}/attachments/{index}", tag = "conversations",
    params(("message_id" = Uuid, Path), ("index" = u32, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path((message_id, index)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let reader = match (caller.role, caller.customer) {
        (Role::Admin | Role::Agent, _) => FileReader::Staff,
        (Role::Customer, Some(c)) => FileReader::Customer(c),
        (Role::Customer, None) => return Err(ApiError::not_found("attachment")),
        _ => return Err(ApiError::forbidden()),
    };
    let message = MessageId(parse_id(&message_id, "message")?);
    let index: usize = index
        .parse()
        .map_err(|_| ApiError::not_found("attachment"))?;
    files::message_file(&state, caller.tenant, reader, message, index).await
}
