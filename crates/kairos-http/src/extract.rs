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
