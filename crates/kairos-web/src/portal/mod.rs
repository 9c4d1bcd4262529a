//! The customer portal under `/portal/{tenant}` (docs/ui.md): sign-in by a link sent by
//! mail, the customer's conversations across channels, the knowledge base, and "my data".
//!
//! Customers have their own session (`__Host-kairos_portal`, separate from staff
//! sessions and unknown to the API); every form carries the session's CSRF token, and
//! what a customer sees goes through the same rules as the API's customer role: only their
//! own conversations, never internal notes, only articles `knowledge::may_read` allows.

pub(crate) mod conversations;
pub(crate) mod data;
pub(crate) mod kb;
mod mail;
pub(crate) mod session;
pub(crate) mod signin;

use crate::assets;
use crate::i18n::Lang;
use crate::pages::render;
use askama::Template;
use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use http::StatusCode;
use kairos_core::tenant::Tenant;
use kairos_http::{ApiError, AppState};

/// The portal's routes.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/portal/{tenant}", get(conversations::home))
        .route(
            "/portal/{tenant}/login",
            get(signin::form).post(signin::request),
        )
        .route(
            "/portal/{tenant}/link",
            get(signin::link).post(signin::redeem),
        )
        .route("/portal/{tenant}/logout", post(signin::logout))
        .route(
            "/portal/{tenant}/messages/{id}/files/{index}",
            get(conversations::file),
        )
        .route(
            "/portal/{tenant}/new",
            get(conversations::new_form).post(conversations::create),
        )
        .route(
            "/portal/{tenant}/new/suggestions",
            get(conversations::suggest),
        )
        .route(
            "/portal/{tenant}/conversations/{id}",
            get(conversations::page),
        )
        .route(
            "/portal/{tenant}/conversations/{id}/messages",
            post(conversations::reply),
        )
        .route("/portal/{tenant}/kb", get(kb::index))
        .route("/portal/{tenant}/kb/{id}", get(kb::article))
        .route("/portal/{tenant}/kb/{id}/answered", post(kb::answered))
        .route("/portal/{tenant}/kb/{id}/files/{file}", get(kb::file))
        .route("/portal/{tenant}/data", get(data::page))
        .route("/portal/{tenant}/data/consents", post(data::consent))
        .route(
            "/portal/{tenant}/data/consents/{id}/receipt",
            get(data::receipt),
        )
        .route("/portal/{tenant}/data/export", get(data::export))
        .route(
            "/portal/{tenant}/data/restrictions",
            post(data::restrictions),
        )
        .route("/portal/{tenant}/data/erasure", post(data::erasure))
}

/// The frame around every portal page.
pub(crate) struct PortalLayout {
    /// The current path, for the language switch.
    pub path: String,
    /// The stylesheets' and script's URLs.
    pub css: String,
    /// The portal's own stylesheet.
    pub portal_css: String,
    /// The script.
    pub js: String,
    /// The portal's own script (suggestions while typing).
    pub portal_js: String,
    /// The icon.
    pub icon: String,
    /// Every language, with whether it is the current one.
    pub langs: Vec<(Lang, bool)>,
    /// The tenant's slug (the portal's base is `/portal/{slug}`).
    pub slug: String,
    /// The tenant's name.
    pub name: String,
    /// The session's CSRF token when a customer is signed in (for signing out).
    pub csrf: Option<String>,
    /// The navigation entry of this page: `requests`, `new`, `kb`, `data` or empty.
    pub section: &'static str,
}

impl PortalLayout {
    /// The frame of `tenant`'s portal at `path` (relative to `/portal/{slug}`).
    pub(crate) fn new(
        lang: Lang,
        tenant: &Tenant,
        path: &str,
        csrf: Option<&str>,
        section: &'static str,
    ) -> Self {
        let slug = tenant.slug.as_str().to_owned();
        Self {
            path: format!("/portal/{slug}{path}"),
            css: assets::url("app.css"),
            portal_css: assets::url("portal.css"),
            js: assets::url("app.js"),
            portal_js: assets::url("portal.js"),
            icon: assets::url("favicon.svg"),
            langs: Lang::ALL.iter().map(|l| (*l, *l == lang)).collect(),
            slug,
            name: tenant.name.clone(),
            csrf: csrf.map(str::to_owned),
            section,
        }
    }

    /// The portal's base path, `/portal/{slug}`.
    pub(crate) fn base(&self) -> String {
        format!("/portal/{}", self.slug)
    }
}

/// Finds the tenant of a portal URL (unknown: 404).
pub(crate) async fn tenant(
    state: &AppState,
    lang: Lang,
    slug: &str,
) -> Result<Tenant, PortalError> {
    if slug.len() > 63 {
        return Err(PortalError::new(lang, None, ApiError::not_found("tenant")));
    }
    state
        .store
        .tenant_by_slug(slug)
        .await
        .map_err(|e| PortalError::new(lang, None, e))?
        .ok_or_else(|| PortalError::new(lang, None, ApiError::not_found("tenant")))
}

/// Why a portal page cannot be shown (boxed: errors travel through every handler).
pub(crate) struct PortalError(Box<Failure>);

/// What [`PortalError`] holds.
struct Failure {
    lang: Lang,
    /// The tenant, when known (its sign-in page and frame).
    tenant: Option<Tenant>,
    error: ApiError,
    /// Too many requests (429) rather than `error`.
    limited: bool,
}

impl PortalError {
    /// Wraps `error` for a reader of `lang` in `tenant`'s portal.
    pub(crate) fn new(lang: Lang, tenant: Option<&Tenant>, error: impl Into<ApiError>) -> Self {
        Self(Box::new(Failure {
            lang,
            tenant: tenant.cloned(),
            error: error.into(),
            limited: false,
        }))
    }

    /// Too many requests from this client.
    pub(crate) fn limited(lang: Lang, tenant: &Tenant) -> Self {
        let mut e = Self::new(lang, Some(tenant), ApiError::forbidden());
        e.0.limited = true;
        e
    }
}

/// `result.or_portal(lang, &tenant)?` in portal handlers.
pub(crate) trait OrPortal<T> {
    /// Turns the error into a portal error.
    fn or_portal(self, lang: Lang, tenant: &Tenant) -> Result<T, PortalError>;
}

impl<T, E: Into<ApiError>> OrPortal<T> for Result<T, E> {
    fn or_portal(self, lang: Lang, tenant: &Tenant) -> Result<T, PortalError> {
        self.map_err(|e| PortalError::new(lang, Some(tenant), e))
    }
}

#[derive(Template)]
#[template(path = "portal/error.html")]
struct ErrorPage {
    l: Lang,
    layout: PortalLayout,
    title: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct PlainErrorPage {
    l: Lang,
    layout: crate::pages::Layout,
    title: String,
    detail: String,
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let failure = *self.0;
        let l = failure.lang;
        let status = if failure.limited {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            failure.error.status()
        };
        if let (StatusCode::UNAUTHORIZED, Some(t)) = (status, &failure.tenant) {
            return Redirect::to(&format!("/portal/{}/login", t.slug.as_str())).into_response();
        }
        let (title, detail) = match status {
            StatusCode::TOO_MANY_REQUESTS => {
                (l.msg("portal-limited"), l.msg("portal-limited-detail"))
            }
            StatusCode::NOT_FOUND => (l.msg("error-not-found"), l.msg("error-not-found-detail")),
            StatusCode::FORBIDDEN if failure.error.code() == "csrf_token_invalid" => {
                (l.msg("error-expired"), l.msg("error-expired-detail"))
            }
            StatusCode::FORBIDDEN => (l.msg("error-forbidden"), l.msg("error-forbidden-detail")),
            s if s.is_client_error() => (l.msg("error-bad-request"), l.msg("error-retry")),
            _ => {
                tracing::error!(error = ?failure.error, "portal page failed");
                (l.msg("error-internal"), l.msg("error-retry"))
            }
        };
        let mut response = match &failure.tenant {
            Some(t) => render(&ErrorPage {
                l,
                layout: PortalLayout::new(l, t, "", None, ""),
                title,
                detail,
            }),
            None => render(&PlainErrorPage {
                l,
                layout: crate::pages::Layout::anonymous(l, "/"),
                title,
                detail,
            }),
        };
        *response.status_mut() = status;
        response
    }
}

impl Lang {
    /// A consent purpose's name: the default purposes in the reader's language, a
    /// tenant's own purposes as they are.
    pub fn purpose(self, code: &str) -> String {
        match code {
            "service" => self.msg("purpose-service"),
            "location" => self.msg("purpose-location"),
            "travel" => self.msg("purpose-travel"),
            "personalised-offers" => self.msg("purpose-personalised-offers"),
            "profiling" => self.msg("purpose-profiling"),
            "partner-sharing" => self.msg("purpose-partner-sharing"),
            other => other.to_owned(),
        }
    }
}
