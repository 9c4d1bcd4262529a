//! `Idempotency-Key` on every POST: the same key with the same request replays the first
//! response; with a different request it is refused (422); while the first is still running
//! a second gets 409 (checklist I02). Keys live per token (or per staff session's party) and
//! are kept at least 24 hours.

use crate::AppState;
use crate::auth;
use crate::error::ApiError;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Method, header};
use kairos_core::Timestamp;
use kairos_store::IdempotencyBegin;
use sha2::{Digest, Sha256};

/// Largest request body buffered for hashing (matches the router's body limit).
pub(crate) const MAX_BODY: usize = 2 * 1024 * 1024;
/// Largest response recorded for replay.
const MAX_RESPONSE: usize = 4 * 1024 * 1024;
/// A started request older than this is presumed dead (crash) and may be retried.
const STALE_AFTER_MICROS: i64 = 60 * 1_000_000;

fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The middleware.
pub(crate) async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get("idempotency-key") else {
        return next.run(request).await;
    };
    let key = match key.to_str() {
        Ok(k) if valid_key(k) => k.to_owned(),
        _ => {
            return ApiError::bad_request(
                "Idempotency-Key must be 1–255 printable ASCII characters",
            )
            .into_response();
        }
    };
    match run(state, key, request, next).await {
        Ok(r) | Err(r) => r,
    }
}

async fn run(
    state: AppState,
    key: String,
    request: Request,
    next: Next,
) -> Result<Response, Response> {
    let (mut parts, body) = request.into_parts();
    // Keys live per caller. An unauthenticated POST (sign-in) has no key space: it runs
    // as it is, and a route that needs a caller refuses it there.
    let Ok(principal) = auth::authenticate(&state, &parts.headers, &parts.method).await else {
        return Ok(next.run(Request::from_parts(parts, body)).await);
    };
    parts.extensions.insert(principal.clone());
    // An attachment upload is hashed whole (up to its own limit), so a retried upload
    // replays instead of failing here.
    let limit = if crate::files::is_upload_path(parts.uri.path()) {
        kairos_core::files::MAX_BYTES
    } else {
        MAX_BODY
    };
    let bytes = to_bytes(body, limit).await.map_err(|_| {
        ApiError::too_large("the request body is larger than the limit").into_response()
    })?;
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str());
    hasher.update(b"\n");
    hasher.update(parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or(""));
    hasher.update(b"\n");
    hasher.update(&bytes);
    let hash = hasher.finalize();
    let scope = principal.idempotency_scope();
    let store = &state.store;
    let stale = Timestamp::from_micros(kairos_store::now().as_micros() - STALE_AFTER_MICROS);
    let begin = store
        .idempotency_begin(principal.tenant_id, &scope, &key, &hash, stale)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    match begin {
        IdempotencyBegin::Mismatch => Err(ApiError::idempotency_mismatch().into_response()),
        IdempotencyBegin::InProgress => Err(ApiError::idempotency_in_progress().into_response()),
        IdempotencyBegin::Replay { status, body } => {
            let content_type = if status >= 400 {
                "application/problem+json"
            } else {
                "application/json"
            };
            let mut response = Response::new(Body::from(body));
            *response.status_mut() =
                http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(response)
        }
        IdempotencyBegin::Started => {
            let response = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            let (rparts, rbody) = response.into_parts();
            let Ok(rbytes) = to_bytes(rbody, MAX_RESPONSE).await else {
                let _ = store
                    .idempotency_abandon(principal.tenant_id, &scope, &key)
                    .await;
                return Err(ApiError::internal("response too large to record").into_response());
            };
            // Server errors are not final (the retry may succeed), so they are not recorded.
            let outcome = if rparts.status.is_server_error() {
                store
                    .idempotency_abandon(principal.tenant_id, &scope, &key)
                    .await
            } else {
                store
                    .idempotency_finish(
                        principal.tenant_id,
                        &scope,
                        &key,
                        rparts.status.as_u16(),
                        &String::from_utf8_lossy(&rbytes),
                    )
                    .await
            };
            if let Err(e) = outcome {
                tracing::warn!(error = %e, "could not record an idempotent response");
            }
            Ok(Response::from_parts(rparts, Body::from(rbytes)))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_bounded_printable_ascii() {
        assert!(super::valid_key("order-123"));
        assert!(!super::valid_key(""));
        assert!(!super::valid_key("a b"));
        assert!(!super::valid_key(&"k".repeat(256)));
    }
}
