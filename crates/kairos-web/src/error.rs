//! Errors as pages: a signed-out visitor is sent to the sign-in page, everything else gets
//! a short page in their language with the right status (never an internal detail).

use crate::i18n::Lang;
use crate::pages::{Layout, render};
use askama::Template;
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use kairos_http::ApiError;

/// An error on the way to a page.
pub(crate) struct PageError {
    lang: Lang,
    error: ApiError,
}

impl PageError {
    /// Wraps `error` for a reader of `lang`.
    pub(crate) fn new(lang: Lang, error: impl Into<ApiError>) -> Self {
        Self {
            lang,
            error: error.into(),
        }
    }
}

/// `result.or_page(lang)?` in page handlers.
pub(crate) trait OrPage<T> {
    /// Turns the error into a page error in `lang`.
    fn or_page(self, lang: Lang) -> Result<T, PageError>;
}

impl<T, E: Into<ApiError>> OrPage<T> for Result<T, E> {
    fn or_page(self, lang: Lang) -> Result<T, PageError> {
        self.map_err(|e| PageError::new(lang, e))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Lang,
    layout: Layout,
    title: String,
    detail: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.error.status();
        if status == StatusCode::UNAUTHORIZED {
            return Redirect::to("/login").into_response();
        }
        let l = self.lang;
        let (title, detail) = match status {
            StatusCode::NOT_FOUND => (l.msg("error-not-found"), l.msg("error-not-found-detail")),
            StatusCode::FORBIDDEN if self.error.code() == "csrf_token_invalid" => {
                (l.msg("error-expired"), l.msg("error-expired-detail"))
            }
            StatusCode::FORBIDDEN => (l.msg("error-forbidden"), l.msg("error-forbidden-detail")),
            s if s.is_client_error() => (l.msg("error-bad-request"), l.msg("error-retry")),
            _ => {
                tracing::error!(error = ?self.error, "UI page failed");
                (l.msg("error-internal"), l.msg("error-retry"))
            }
        };
        let page = ErrorPage {
            l,
            layout: Layout::anonymous(l, "/"),
            title,
            detail,
        };
        let mut response = render(&page);
        *response.status_mut() = status;
        response
    }
}
