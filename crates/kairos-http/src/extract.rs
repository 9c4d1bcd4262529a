//! Extractors that answer malformed input with problem+json instead of axum's plain text.

use crate::AppState;
use crate::auth::{self, Principal};
use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use http::request::Parts;
use serde::de::DeserializeOwned;

/// JSON body; unknown fields, wrong types, missing content type and oversize bodies become
/// clear 4xx problems.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(ApiError::unsupported_media_type())
            }
            Err(JsonRejection::JsonDataError(e)) => {
                Err(ApiError::bad_request(without_field_list(&e.body_text())))
            }
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::bad_request(e.body_text())),
            Err(JsonRejection::BytesRejection(e))
                if e.status() == http::StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(ApiError::too_large(
                    "the request body is larger than the limit",
                ))
            }
            Err(e) => Err(ApiError::bad_request(e.body_text())),
        }
    }
}

/// serde's "unknown field `x`, expected one of `a`, `b`" without the list: the problem names
/// the offending field, and the schema is in the OpenAPI document, not in error bodies.
fn without_field_list(text: &str) -> String {
    match text.find(", expected one of") {
        Some(start) => {
            let rest = &text[start..];
            // Keep serde's position suffix (" at line 1 column 61").
            let tail = rest.find(" at line ").map_or("", |i| &rest[i..]);
            format!("{}{tail}", &text[..start])
        }
        None => text.to_owned(),
    }
}

/// Query string; bad values become 400 problems.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e: QueryRejection| ApiError::bad_request(e.body_text()))
    }
}

/// Parses a path id; a malformed id is simply not found.
pub fn parse_id<T: std::str::FromStr>(raw: &str, what: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found(what))
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // The idempotency layer may have authenticated already.
        let principal = match parts.extensions.get::<Principal>() {
            Some(p) => p.clone(),
            None => {
                let p = auth::authenticate(state, &parts.headers, &parts.method).await?;
                parts.extensions.insert(p.clone());
                p
            }
        };
        if let Some(slot) = parts.extensions.get::<crate::audit::AuditSlot>() {
            slot.fill(&principal);
        }
        Ok(principal)
    }
}

/// Reads a request body of at most `max` bytes: 413 with `too_large` beyond it, whether the
/// client announced the length or not (checklist G06), 400 when it cannot be read.
pub async fn limited_body(
    headers: &http::HeaderMap,
    body: axum::body::Body,
    max: usize,
    too_large: &str,
) -> Result<axum::body::Bytes, ApiError> {
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(ApiError::too_large(too_large));
    }
    axum::body::to_bytes(body, max).await.map_err(|e| {
        let limited = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if limited {
            ApiError::too_large(too_large)
        } else {
            ApiError::bad_request("the request body could not be read")
        }
    })
}

/// The `lang` filter of a search: `de`, `en` or none.
pub fn search_language(raw: Option<&str>) -> Result<Option<kairos_search::Language>, ApiError> {
    raw.map(|l| {
        kairos_search::Language::parse(l).ok_or_else(|| ApiError::invalid("lang", "de or en"))
    })
    .transpose()
}
