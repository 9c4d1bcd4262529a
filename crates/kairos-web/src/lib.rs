//! Kairos web UI: the agent workspace as server-rendered HTML.
//!
//! Pages are askama templates (checked at compile time, HTML-escaped by default), styled by
//! one hand-written stylesheet and progressively enhanced by one small hand-written script;
//! both are embedded in the binary under content-hashed names. Text comes from Fluent
//! catalogues in German and English. Authentication is the HTTP edge's staff session (the
//! same cookie as `/api/v1/auth/login`); forms carry the session's CSRF token in their body.
//! The binary mounts [`router`] with `kairos_http::app_with`, so the UI shares the API's
//! middleware (request ids, body limits, audit trail of staff reads, hardening).
#![forbid(unsafe_code)]

mod assets;
mod charts;
mod error;
mod forms;
mod headers;
mod i18n;
mod labels;
mod pages;
mod time;

pub use i18n::Lang;

use axum::Router;
use axum::routing::{get, post};
use kairos_http::AppState;

/// The UI's routes (pages, form posts, assets), to merge into the HTTP application.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::login::root))
        .route("/login", get(pages::login::form).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/inbox", get(pages::inbox::page))
        .route("/conversations/{id}", get(pages::conversation::page))
        .route(
            "/conversations/{id}/messages",
            post(pages::conversation::post_message),
        )
        .route(
            "/conversations/{id}/status",
            post(pages::conversation::set_status),
        )
        .route("/customers/{id}", get(pages::customer::page))
        .route(
            "/customers/{id}/consents",
            post(pages::customer::record_consent),
        )
        .route(
            "/customers/{id}/merge",
            get(pages::merge::find).post(pages::merge::merge),
        )
        .route("/customers/{id}/merge/{other}", get(pages::merge::confirm))
        .route("/dashboard", get(pages::dashboard::page))
        .route(
            "/conversations/{id}/assign",
            post(pages::conversation::assign),
        )
        .route("/assets/{name}", get(assets::serve))
        .layer(axum::middleware::from_fn(headers::layer))
}
