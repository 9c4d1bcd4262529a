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
mod charts;
mod error;
mod files;
mod forms;
mod headers;
mod i18n;
mod labels;
mod pages;
mod portal;
mod time;
mod widget;

pub use i18n::Lang;
pub use pages::admin::invitations::invitation_text;

use axum::Router;
use axum::routing::{get, post};
use kairos_http::AppState;
use pages::admin;

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
        .route("/admin", get(admin::settings::page))
        .route("/admin/organisation", post(admin::settings::rename))
        .route(
            "/admin/staff",
            get(admin::staff::page).post(admin::staff::create),
        )
        .route("/admin/staff/{id}/role", post(admin::staff::change_role))
        .route(
            "/admin/staff/{id}/deactivate",
            post(admin::staff::deactivate),
        )
        .route("/admin/staff/invitations", post(admin::invitations::create))
        .route(
            "/admin/staff/invitations/{id}/resend",
            post(admin::invitations::resend),
        )
        .route(
            "/admin/staff/invitations/{id}/revoke",
            post(admin::invitations::revoke),
        )
        .route(
            "/invite/{secret}",
            get(pages::invite::page).post(pages::invite::accept),
        )
        .route("/admin/channels", get(admin::channels::page))
        .route(
            "/admin/channels/addresses",
            post(admin::channels::add_address),
        )
        .route(
            "/admin/channels/addresses/remove",
            post(admin::channels::remove_address),
        )
        .route("/admin/channels/mail", post(admin::channels::save_mail))
        .route("/admin/channels/imap", post(admin::channels::add_imap))
        .route(
            "/admin/channels/imap/{id}/delete",
            post(admin::channels::remove_imap),
        )
        .route(
            "/admin/channels/providers",
            post(admin::channels::add_provider),
        )
        .route(
            "/admin/channels/providers/{id}/delete",
            post(admin::channels::remove_provider),
        )
        .route(
            "/admin/channels/secrets",
            post(admin::channels::rotate_secret),
        )
        .route(
            "/admin/channels/secrets/delete",
            post(admin::channels::delete_secret),
        )
        .route("/admin/sla", get(admin::sla::page))
        .route("/admin/sla/hours", post(admin::sla::save_hours))
        .route("/admin/sla/policies", post(admin::sla::save_policy))
        .route(
            "/admin/sla/policies/{index}/delete",
            post(admin::sla::delete_policy),
        )
        .route(
            "/admin/routing",
            get(admin::routing::page).post(admin::routing::save_enabled),
        )
        .route("/admin/routing/queues", post(admin::routing::save_queue))
        .route(
            "/admin/routing/queues/{index}/up",
            post(admin::routing::move_up),
        )
        .route(
            "/admin/routing/queues/{index}/delete",
            post(admin::routing::delete_queue),
        )
        .route(
            "/admin/privacy",
            get(admin::privacy::page).post(admin::privacy::save_privacy),
        )
        .route(
            "/admin/privacy/retention",
            post(admin::privacy::save_retention),
        )
        .route(
            "/admin/canned-replies",
            get(admin::canned::page).post(admin::canned::create),
        )
        .route("/admin/canned-replies/{id}", post(admin::canned::update))
        .route(
            "/admin/canned-replies/{id}/delete",
            post(admin::canned::delete),
        )
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
        .route("/dashboard/{table}", get(pages::dashboard_csv::download))
        .route(
            "/conversations/{id}/assign",
            post(pages::conversation::assign),
        )
        .route("/assets/{name}", get(assets::serve))
        .route("/widget.js", get(widget::loader))
        .route("/widget/{tenant}", get(widget::frame))
        .merge(portal::router())
        .layer(axum::middleware::from_fn(headers::layer))
}
