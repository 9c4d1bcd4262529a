//! The one mapping from errors to RFC 9457 `application/problem+json` responses.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use kairos_core::{Code, DomainError, ErrorCode};
use kairos_store::StoreError;
use serde::Serialize;

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    code: Code,
    detail: String,
    /// For 5xx: the cause, logged and never shown.
    cause: Option<String>,
    /// Extra problem members (e.g. the invalid field).
    field: Option<&'static str>,
    retry_after: Option<u32>,
}

/// The problem document (RFC 9457 §3) with Kairos' stable `code`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// Stable machine-readable code (`not_found`, `invalid_input`, …).
    pub code: String,
    /// The input that was refused, when one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    fn new(code: Code, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            cause: None,
            field: None,
            retry_after: None,
        }
    }
    /// 422 for one invalid input.
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field: Some(field),
            ..Self::new(Code::INVALID_INPUT, format!("{field}: {}", reason.into()))
        }
    }
    /// 400 for a request that could not be read at all.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            Code {
                code: "bad_request",
                status: 400,
                title: "Bad request",
            },
            detail,
        )
    }
    /// 404 (also for objects of other tenants and other customers: existence is not revealed).
    pub fn not_found(what: &str) -> Self {
        Self::new(Code::NOT_FOUND, format!("{what} not found"))
    }
    /// 401.
    pub fn unauthenticated() -> Self {
        Self::new(
            Code::UNAUTHENTICATED,
            "send a valid token as 'Authorization: Bearer …' or sign in",
        )
    }
    /// 401 for a provider webhook whose signature is missing, wrong or stale (H01).
    pub fn bad_signature(detail: impl Into<String>) -> Self {
        Self::new(
            Code {
                code: "invalid_signature",
                status: 401,
                title: "Invalid webhook signature",
            },
            detail,
        )
    }
    /// 403.
    pub fn forbidden() -> Self {
        Self::new(Code::FORBIDDEN, "your role may not do this")
    }
    /// 403 for a cookie-authenticated write without the CSRF token.
    pub fn csrf() -> Self {
        Self::new(
            Code {
                code: "csrf_token_invalid",
                status: 403,
                title: "CSRF token missing or wrong",
            },
            "state-changing requests with a session cookie must send the session's X-CSRF-Token",
        )
    }
    /// 409.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(Code::CONFLICT, detail)
    }
    /// 409 for a single-use coupon used before.
    pub fn already_redeemed(detail: impl Into<String>) -> Self {
        Self::new(
            Code {
                code: "already_redeemed",
                status: 409,
                title: "Already redeemed",
            },
            detail,
        )
    }
    /// 410 for something that existed and no longer may be used (an expired coupon).
    pub fn gone(detail: impl Into<String>) -> Self {
        Self::new(
            Code {
                code: "expired",
                status: 410,
                title: "Expired",
            },
            detail,
        )
    }
    /// 413.
    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(
            Code {
                code: "payload_too_large",
                status: 413,
                title: "Payload too large",
            },
            detail,
        )
    }
    /// 415.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            Code {
                code: "unsupported_media_type",
                status: 415,
                title: "Unsupported media type",
            },
            "send JSON with 'Content-Type: application/json'",
        )
    }
    /// 415 for a body of a type the route does not accept (`detail` says which it does).
    pub fn unsupported_type(detail: impl Into<String>) -> Self {
        Self::new(
            Code {
                code: "unsupported_media_type",
                status: 415,
                title: "Unsupported media type",
            },
            detail,
        )
    }
    /// 422 for an idempotency key reused with another request.
    pub fn idempotency_mismatch() -> Self {
        Self::new(
            Code {
                code: "idempotency_key_reused",
                status: 422,
                title: "Idempotency key reused",
            },
            "this Idempotency-Key was used with a different request",
        )
    }
    /// 409 for an idempotency key whose first request is still running.
    pub fn idempotency_in_progress() -> Self {
        Self {
            retry_after: Some(1),
            ..Self::new(
                Code {
                    code: "idempotency_key_in_use",
                    status: 409,
                    title: "Request in progress",
                },
                "a request with this Idempotency-Key is still being processed",
            )
        }
    }
    /// 429 for too many failed sign-ins; `wait` is how long until the next may be tried.
    pub fn too_many_attempts(wait: std::time::Duration) -> Self {
        let secs = u32::try_from(wait.as_secs().max(1)).unwrap_or(u32::MAX);
        Self {
            retry_after: Some(secs),
            ..Self::new(
                Code {
                    code: "too_many_attempts",
                    status: 429,
                    title: "Too many attempts",
                },
                format!(
                    "too many failed sign-ins; try again in {} minute(s)",
                    secs.div_ceil(60)
                ),
            )
        }
    }
    /// 429 for a caller over a quota; `wait` is how long until it has room again.
    pub fn rate_limited(detail: impl Into<String>, wait: std::time::Duration) -> Self {
        let secs = u32::try_from(wait.as_secs().max(1)).unwrap_or(u32::MAX);
        Self {
            retry_after: Some(secs),
            ..Self::new(
                Code {
                    code: "rate_limited",
                    status: 429,
                    title: "Too many requests",
                },
                detail,
            )
        }
    }
    /// How long the client should wait before retrying, when the error says so.
    pub fn retry_after(&self) -> Option<u32> {
        self.retry_after
    }
    /// 500 with a logged cause.
    pub fn internal(cause: impl Into<String>) -> Self {
        Self {
            cause: Some(cause.into()),
            ..Self::new(
                Code::INTERNAL,
                "something went wrong on our side; it has been logged",
            )
        }
    }
    /// The stable code and the client-facing detail, for WebSocket error frames (a 5xx
    /// cause is logged here, never sent).
    pub(crate) fn for_socket(&self) -> (&'static str, &str) {
        if self.status().is_server_error() {
            tracing::error!(
                code = self.code.code,
                cause = self.cause.as_deref().unwrap_or(""),
                "socket request failed"
            );
        }
        (self.code.code, &self.detail)
    }

    /// The stable machine-readable code (`not_found`, `csrf_token_invalid`, …).
    pub fn code(&self) -> &'static str {
        self.code.code
    }

    /// The input that was refused, when one was (`title`, `body`, …).
    pub fn field(&self) -> Option<&'static str> {
        self.field
    }

    /// What went wrong, as the client is told (a 5xx never carries its cause here).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let field = match &e {
            DomainError::Invalid { field, .. } => Some(*field),
            _ => None,
        };
        Self {
            field,
            ..Self::new(e.code(), e.to_string())
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => d.into(),
            other => {
                let code = other.code();
                if code.status == 503 {
                    Self {
                        cause: Some(other.to_string()),
                        retry_after: Some(1),
                        ..Self::new(code, "the database is unavailable; retry shortly")
                    }
                } else {
                    Self::internal(other.to_string())
                }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(
                code = self.code.code,
                cause = self.cause.as_deref().unwrap_or(""),
                "request failed"
            );
        }
        let problem = Problem {
            type_: format!("https://kairos.dev/problems/{}", self.code.code),
            title: self.code.title.to_owned(),
            status: status.as_u16(),
            detail: self.detail,
            code: self.code.code.to_owned(),
            field: self.field.map(str::to_owned),
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for ApiError {}
