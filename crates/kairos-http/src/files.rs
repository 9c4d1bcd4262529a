//! Files at the HTTP edge: receiving an upload (the body is the file, `Content-Type` its
//! type, `?filename=` its name), checked by `kairos_core::files` before a byte is stored,
//! and serving a stored file back so that no browser runs it (checklist E01): `nosniff`, a
//! sandboxing CSP, and a download unless it is an image or video whose bytes match.

use crate::AppState;
use crate::error::ApiError;
use axum::body::Body;
use axum::response::Response;
use http::{HeaderMap, HeaderValue, header};
use kairos_core::files::{self, MAX_BYTES};
use kairos_core::ids::{CustomerId, MessageId, TenantId};
use kairos_core::message::Direction;
use kairos_store::blobs::BlobStore;

/// Whether a POST to `path` uploads a file (the idempotency layer buffers such a body up
/// to [`MAX_BYTES`] instead of its usual limit).
pub(crate) fn is_upload_path(path: &str) -> bool {
    path == CHAT_UPLOADS
        || path
            .strip_prefix("/api/v1/kb/articles/")
            .and_then(|rest| rest.strip_suffix("/attachments"))
            .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// Where chat files are uploaded.
pub(crate) const CHAT_UPLOADS: &str = "/api/v1/chat/uploads";

/// A received file that passed the checks and is stored in the blob store.
#[derive(Clone, Debug)]
pub(crate) struct ReceivedFile {
    /// Cleaned file name.
    pub filename: String,
    /// Accepted media type.
    pub content_type: &'static str,
    /// Size in bytes.
    pub size: u64,
    /// Its name in the blob store.
    pub sha256: String,
    /// The content (kept to store it again if a concurrent removal deleted it).
    pub bytes: Vec<u8>,
}

/// The blob store, or a 500 when the server runs without one.
pub(crate) fn blob_store(state: &AppState) -> Result<&BlobStore, ApiError> {
    state
        .blobs
        .as_ref()
        .ok_or_else(|| ApiError::internal("no attachment store configured"))
}

/// Checks an uploaded file — name, declared type, size (413 beyond [`MAX_BYTES`],
/// announced or not), emptiness, magic bytes — and stores it in the blob store.
pub(crate) async fn receive(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    raw_name: &str,
) -> Result<ReceivedFile, ApiError> {
    let blobs = blob_store(state)?;
    let filename = files::filename(raw_name)?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let content_type = files::content_type(declared).ok_or_else(|| {
        ApiError::unsupported_type(format!(
            "files must be one of: {}",
            files::allowed_types().collect::<Vec<_>>().join(", ")
        ))
    })?;
    let bytes =
        crate::extract::limited_body(headers, body, MAX_BYTES, "a file is at most 25 MiB").await?;
    if bytes.is_empty() {
        return Err(ApiError::invalid("body", "the file is empty"));
    }
    if !files::content_matches(content_type, &bytes) {
        return Err(ApiError::invalid(
            "body",
            format!("the content is not a {content_type} file"),
        ));
    }
    let bytes = bytes.to_vec();
    let sha256 = blobs
        .put(bytes.clone())
        .await
        .map_err(|e| ApiError::internal(format!("storing a file: {e}")))?;
    Ok(ReceivedFile {
        filename,
        content_type,
        size: bytes.len() as u64,
        sha256,
        bytes,
    })
}

/// Deletes those of `shas` nothing names any more; a failure only costs space, so it is
/// logged rather than returned.
pub(crate) async fn forget_blobs(state: &AppState, shas: Vec<String>) {
    let Some(blobs) = state.blobs.as_ref() else {
        return;
    };
    if shas.is_empty() {
        return;
    }
    if let Err(e) = kairos_privacy::erase::delete_unreferenced(&state.store, blobs, &shas).await {
        tracing::warn!(error = %e, "could not delete unreferenced blobs");
    }
}

fn header_value(v: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(v).map_err(|e| ApiError::internal(format!("header value: {e}")))
}

/// A stored file as a response: typed by what it is (`files::served_as`), named by its
/// (cleaned) file name, `cache` as `Cache-Control`, its hash as `ETag`.
pub fn serve(
    bytes: Vec<u8>,
    declared: &str,
    filename: &str,
    sha256: &str,
    cache: &'static str,
) -> Result<Response, ApiError> {
    let (content_type, inline) = files::served_as(declared, &bytes);
    // Names from e-mail were never cleaned on the way in; clean them on the way out.
    let name = files::filename(filename).unwrap_or_else(|_| "file".to_owned());
    let disposition = files::content_disposition(inline, &name);
    let mut response = Response::new(Body::from(bytes));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_DISPOSITION, header_value(&disposition)?);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox; frame-ancestors 'none'"),
    );
    h.insert(header::ETAG, header_value(&format!("\"{sha256}\""))?);
    Ok(response)
}

/// Who asks for a message's file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileReader {
    /// Staff: any message of the tenant, notes included.
    Staff,
    /// A customer: messages of their own conversations, never notes.
    Customer(CustomerId),
}

/// The response for file `index` of message `message` as `reader` may see it; anything
/// else — another tenant's message, someone else's conversation, a note, an index past the
/// end — is the same 404.
pub async fn message_file(
    state: &AppState,
    tenant: TenantId,
    reader: FileReader,
    message: MessageId,
    index: usize,
) -> Result<Response, ApiError> {
    let m = state
        .store
        .message(tenant, message)
        .await?
        .ok_or_else(|| ApiError::not_found("attachment"))?;
    if let FileReader::Customer(customer) = reader {
        let owner = state.hub.owner(tenant, m.conversation_id).await?;
        if m.direction == Direction::Note || owner != Some(customer) {
            return Err(ApiError::not_found("attachment"));
        }
    }
    let a = m
        .attachments
        .get(index)
        .ok_or_else(|| ApiError::not_found("attachment"))?;
    let Some(bytes) = blob_store(state)?
        .get(&a.sha256)
        .await
        .map_err(|e| ApiError::internal(format!("reading a file: {e}")))?
    else {
        tracing::warn!(sha = %a.sha256, message = %m.id.0, "file missing from the blob store");
        return Err(ApiError::not_found("attachment"));
    };
    serve(
        bytes,
        &a.content_type,
        &a.filename,
        &a.sha256,
        "private, no-store",
    )
}

/// Where file `index` of message `message` is downloaded from through the API.
pub fn message_file_href(message: MessageId, index: usize) -> String {
    format!("/api/v1/messages/{}/attachments/{index}", message.0)
}
