//! Admin: the overview — the organisation (name and sign-in short name) and what is
//! configured in each section, with the settings that have no page yet named by their API.

use super::{AdminFrame, admin};
use crate::error::{OrPage, PageError};
use crate::i18n::Lang;
use crate::pages::{Layout, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    l: Lang,
    layout: Layout,
    frame: AdminFrame,
    name: String,
    slug: String,
    /// `(what is configured, in words; section path)`.
    counts: Vec<(String, &'static str)>,
    /// Settings kept through the API only for now.
    api_only: [&'static str; 6],
}

/// `GET /admin`.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
) -> Result<Response, PageError> {
    let (p, layout, frame) = admin(&state, principal, l, "/admin").await?;
    let t = p.tenant_id;
    let tenant = state
        .store
        .tenant_by_id(t)
        .await
        .or_page(l)?
        .ok_or_else(|| PageError::new(l, ApiError::not_found("tenant")))?;
    let staff = state.store.staff(t).await.or_page(l)?;
    let active = staff.iter().filter(|m| m.deactivated_at.is_none()).count();
    let channels = state.store.mail_addresses(t).await.or_page(l)?.len()
        + state.store.imap_accounts(Some(t)).await.or_page(l)?.len()
        + state.store.provider_channels(t).await.or_page(l)?.len();
    let policies = kairos_http::admin::sla_settings(&state, &p)
        .await
        .or_page(l)?
        .policies
        .len();
    let canned = state.store.canned_replies(t).await.or_page(l)?.len();
    Ok(render(&SettingsPage {
        l,
        layout,
        frame,
        name: tenant.name,
        slug: tenant.slug.as_str().to_owned(),
        counts: vec![
            (l.msg_count("admin-count-staff", active), "/admin/staff"),
            (
                l.msg_count("admin-count-channels", channels),
                "/admin/channels",
            ),
            (l.msg_count("admin-count-policies", policies), "/admin/sla"),
            (
                l.msg_count("admin-count-canned", canned),
                "/admin/canned-replies",
            ),
        ],
        api_only: [
            "/api/v1/routing",
            "/api/v1/privacy",
            "/api/v1/retention",
            "/api/v1/kb/settings",
            "/api/v1/context/settings",
            "/api/v1/anticipation/rules",
        ],
    }))
}
