//! Admin: staff and roles — list, create, change a role, deactivate, and the open
//! invitations by e-mail (sent from [`super::invitations`]). The same operations as
//! `POST /api/v1/staff`, `PUT /api/v1/staff/{id}/role` and
//! `POST /api/v1/staff/{id}/deactivate` (`kairos_http::admin`): a change ends the staff
//! member's sessions, tokens and sockets at once (checklist F04).

use super::canned::Empty;
use super::invitations::InviteForm;
use super::{AdminFrame, Refusal, admin, admin_form, refusal, unprocessable};
use crate::error::{OrPage, PageError};
use crate::forms::StaffForm;
use crate::i18n::Lang;
use crate::pages::{Layout, render};
use crate::time::{When, when};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kairos_core::ids::PartyId;
use kairos_core::party::Role;
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};
use kairos_store::invitations::InvitationState;
use kairos_store::staff::StaffChange;
use serde::Deserialize;

const SECTION: &str = "/admin/staff";

/// One open invitation as listed.
struct Pending {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    expires: When,
    expired: bool,
}

/// What the page shows again after a refused form.
pub(crate) enum Draft<'a> {
    /// Nothing was refused.
    None,
    /// The new-account form, refused.
    Create(&'a NewStaffForm, Refusal),
    /// The invitation form, refused.
    Invite(&'a InviteForm, Refusal),
    /// A row's action (role, deactivate, send again, revoke), refused.
    Other(Refusal),
}

/// One staff member as listed.
struct Member {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    deactivated: Option<When>,
    /// The signed-in admin themself (no role change or deactivation offered).
    me: bool,
}

#[derive(Template)]
#[template(path = "admin/staff.html")]
struct StaffPage {
    l: Lang,
    layout: Layout,
    frame: AdminFrame,
    members: Vec<Member>,
    invitations: Vec<Pending>,
    /// The new-account form's fields after a refusal (never the password).
    name: String,
    email: String,
    role: String,
    refusal: Refusal,
    /// The invitation form's fields after a refusal.
    invite_name: String,
    invite_email: String,
    invite_role: String,
    invite_refusal: Refusal,
    general_error: Option<String>,
    /// What was just done (`admin-saved`, `invite-sent`).
    notice: Option<&'static str>,
    roles: [&'static str; 2],
    /// How long an invitation link works.
    hours: i64,
}

/// The page's query.
#[derive(Deserialize, Default)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
    invited: Option<String>,
}

/// The new-account form.
#[derive(Deserialize)]
pub(crate) struct NewStaffForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

/// The role form.
#[derive(Deserialize)]
pub(crate) struct RoleForm {
    #[serde(default)]
    role: String,
}

/// The staff page, with `draft` shown again after a refusal.
pub(crate) async fn show(
    state: &AppState,
    p: &Principal,
    l: Lang,
    (layout, frame): (Layout, AdminFrame),
    draft: Draft<'_>,
    notice: Option<&'static str>,
) -> Result<Response, PageError> {
    let members = state
        .store
        .staff(p.tenant_id)
        .await
        .or_page(l)?
        .into_iter()
        .map(|m| Member {
            id: m.id.to_string(),
            name: m.display_name,
            email: m.email.unwrap_or_default(),
            role: m.role.as_str(),
            deactivated: m.deactivated_at.map(|at| when(at, l)),
            me: p.party_id == Some(m.id),
        })
        .collect();
    let now = kairos_store::now();
    let invitations = kairos_http::invitations::list(state, p)
        .await
        .or_page(l)?
        .into_iter()
        .map(|i| Pending {
            id: i.id.to_string(),
            expired: i.state(now) == InvitationState::Expired,
            expires: when(i.expires_at, l),
            name: i.display_name,
            email: i.email,
            role: i.role.as_str(),
        })
        .collect();
    let (create, invite, refusal, invite_refusal) = match draft {
        Draft::None => (None, None, Refusal::default(), Refusal::default()),
        Draft::Create(d, r) => (Some(d), None, r, Refusal::default()),
        Draft::Invite(d, r) => (None, Some(d), Refusal::default(), r),
        Draft::Other(r) => (None, None, r, Refusal::default()),
    };
    let refused = !refusal.text.is_empty() || !invite_refusal.text.is_empty();
    let fields = ["display_name", "email", "role", "password"];
    let general_error = refusal
        .general(&fields)
        .or_else(|| invite_refusal.general(&fields[..3]))
        .map(str::to_owned);
    let page = StaffPage {
        l,
        layout,
        frame,
        members,
        invitations,
        name: create.map(|d| d.display_name.clone()).unwrap_or_default(),
        email: create.map(|d| d.email.clone()).unwrap_or_default(),
        role: create
            .map(|d| d.role.clone())
            .unwrap_or_else(|| "agent".into()),
        invite_name: invite.map(|d| d.display_name.clone()).unwrap_or_default(),
        invite_email: invite.map(|d| d.email.clone()).unwrap_or_default(),
        invite_role: invite
            .map(|d| d.role.clone())
            .unwrap_or_else(|| "agent".into()),
        general_error,
        refusal,
        invite_refusal,
        notice,
        roles: ["agent", "admin"],
        hours: kairos_http::invitations::INVITATION_HOURS,
    };
    Ok(unprocessable(render(&page), refused))
}

/// `GET /admin/staff`.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let (p, layout, frame) = admin(&state, principal, l, SECTION).await?;
    let notice = if q.invited.is_some() {
        Some("invite-sent")
    } else {
        q.saved.is_some().then_some("admin-saved")
    };
    show(&state, &p, l, (layout, frame), Draft::None, notice).await
}

/// `POST /admin/staff`: a new staff account.
pub(crate) async fn create(
    State(state): State<AppState>,
    posted: StaffForm<NewStaffForm>,
) -> Result<Response, PageError> {
    let (p, l, mut form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let password = std::mem::take(&mut form.password);
    let result = kairos_http::admin::create_staff(
        &state,
        &p,
        &form.email,
        &form.display_name,
        &form.role,
        password,
    )
    .await;
    match refusal(l, result)? {
        Ok(_) => Ok(Redirect::to("/admin/staff?saved=1").into_response()),
        Err(why) => {
            show(
                &state,
                &p,
                l,
                (layout, frame),
                Draft::Create(&form, why),
                None,
            )
            .await
        }
    }
}

fn parse_id(raw: &str, l: Lang) -> Result<PartyId, PageError> {
    raw.parse()
        .map_err(|_| PageError::new(l, ApiError::not_found("staff member")))
}

async fn change(
    state: AppState,
    id: String,
    posted_as: (Principal, Lang, Layout, AdminFrame),
    what: Result<StaffChange, ApiError>,
) -> Result<Response, PageError> {
    let (p, l, layout, frame) = posted_as;
    let party = parse_id(&id, l)?;
    let result = match what {
        Ok(what) => kairos_http::admin::change_staff(&state, &p, party, what).await,
        Err(e) => Err(e),
    };
    match refusal(l, result)? {
        Ok(()) => Ok(Redirect::to("/admin/staff?saved=1").into_response()),
        Err(why) => show(&state, &p, l, (layout, frame), Draft::Other(why), None).await,
    }
}

/// `POST /admin/staff/{id}/role`.
pub(crate) async fn change_role(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: StaffForm<RoleForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let what = form
        .role
        .parse::<Role>()
        .map(StaffChange::Role)
        .map_err(ApiError::from);
    change(state, id, (p, l, layout, frame), what).await
}

/// `POST /admin/staff/{id}/deactivate`.
pub(crate) async fn deactivate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: StaffForm<Empty>,
) -> Result<Response, PageError> {
    let (p, l, _, layout, frame) = admin_form(&state, posted, SECTION).await?;
    change(
        state,
        id,
        (p, l, layout, frame),
        Ok(StaffChange::Deactivate),
    )
    .await
}
