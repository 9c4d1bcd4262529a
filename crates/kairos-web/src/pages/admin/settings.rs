//! Admin: the overview — the organisation (its display name, which admins change here, and
//! its sign-in short name, which never changes) and what is configured in each section,
//! with the settings that have no page yet named by their API.

use super::{AdminFrame, Refusal, admin, admin_form, refusal, unprocessable};
use crate::error::{OrPage, PageError};
use crate::forms::StaffForm;
use crate::i18n::Lang;
use crate::pages::{Layout, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kairos_http::admin as ops;
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};
use serde::Deserialize;

const SECTION: &str = "/admin";

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    l: Lang,
    layout: Layout,
    frame: AdminFrame,
    /// The name in the rename field (as entered, after a refusal).
    name: String,
    slug: String,
    /// `(what is configured, in words; section path)`.
    counts: Vec<(String, &'static str)>,
    /// Settings kept through the API only for now.
    api_only: [&'static str; 3],
    refusal: Refusal,
    saved: bool,
}

impl SettingsPage {
    /// A refusal about no field of the form.
    fn general_error(&self) -> Option<&str> {
        self.refusal.general(&["name"])
    }
}

/// The page's query: whether the name was just saved.
#[derive(Deserialize, Default)]
pub(crate) struct SettingsQuery {
    saved: Option<String>,
}

async fn show(
    state: &AppState,
    p: &Principal,
    (l, layout, frame): (Lang, Layout, AdminFrame),
    draft: Option<String>,
    refusal: Refusal,
    saved: bool,
) -> Result<Response, PageError> {
    let t = p.tenant_id;
    let tenant = ops::tenant(state, p).await.or_page(l)?;
    let staff = state.store.staff(t).await.or_page(l)?;
    let active = staff.iter().filter(|m| m.deactivated_at.is_none()).count();
    let channels = state.store.mail_addresses(t).await.or_page(l)?.len()
        + state.store.imap_accounts(Some(t)).await.or_page(l)?.len()
        + state.store.provider_channels(t).await.or_page(l)?.len();
    let policies = ops::sla_settings(state, p).await.or_page(l)?.policies.len();
    let queues = ops::routing_settings(state, p)
        .await
        .or_page(l)?
        .queues
        .len();
    let purposes = ops::privacy_settings(state, p)
        .await
        .or_page(l)?
        .purposes
        .len();
    let canned = state.store.canned_replies(t).await.or_page(l)?.len();
    let refused = !refusal.text.is_empty();
    let page = SettingsPage {
        l,
        layout,
        frame,
        name: draft.unwrap_or(tenant.name),
        slug: tenant.slug.as_str().to_owned(),
        counts: vec![
            (l.msg_count("admin-count-staff", active), "/admin/staff"),
            (
                l.msg_count("admin-count-channels", channels),
                "/admin/channels",
            ),
            (l.msg_count("admin-count-policies", policies), "/admin/sla"),
            (l.msg_count("admin-count-queues", queues), "/admin/routing"),
            (
                l.msg_count("admin-count-purposes", purposes),
                "/admin/privacy",
            ),
            (
                l.msg_count("admin-count-canned", canned),
                "/admin/canned-replies",
            ),
        ],
        api_only: [
            "/api/v1/kb/settings",
            "/api/v1/context/settings",
            "/api/v1/anticipation/rules",
        ],
        refusal,
        saved,
    };
    Ok(unprocessable(render(&page), refused))
}

/// `GET /admin`.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
    Query(q): Query<SettingsQuery>,
) -> Result<Response, PageError> {
    let (p, layout, frame) = admin(&state, principal, l, SECTION).await?;
    show(
        &state,
        &p,
        (l, layout, frame),
        None,
        Refusal::default(),
        q.saved.is_some(),
    )
    .await
}

/// The organisation form.
#[derive(Deserialize)]
pub(crate) struct OrganisationForm {
    #[serde(default)]
    name: String,
}

/// `POST /admin/organisation`: renames the organisation as `PATCH /api/v1/tenant` does.
pub(crate) async fn rename(
    State(state): State<AppState>,
    posted: StaffForm<OrganisationForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    match refusal(l, ops::rename_tenant(&state, &p, &form.name).await)? {
        Ok(_) => Ok(Redirect::to("/admin?saved=1").into_response()),
        Err(why) => show(&state, &p, (l, layout, frame), Some(form.name), why, false).await,
    }
}
