//! Kairos web UI: the agent workspace and the customer portal (`/portal/{tenant}`, with
//! its own sessions opened by sign-in links sent by mail) as server-rendered HTML.
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
mod error;
mod forms;
mod headers;
mod i18n;
mod labels;
mod pages;
mod portal;
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
        .route("/assets/{name}", get(assets::serve))
        .merge(portal::router())
        .layer(axum::middleware::from_fn(headers::layer))
}
