//! Admin: inviting staff by e-mail, sending an invitation again, revoking it — the same
//! operations as `/api/v1/staff/invitations` (`kairos_http::invitations`). The staff page
//! lists the open invitations; the invitee accepts on `/invite/{secret}`.

use super::canned::Empty;
use super::staff::{Draft, show};
use super::{admin_form, refusal};
use crate::error::PageError;
use crate::forms::StaffForm;
use crate::i18n::Lang;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use kairos_http::{ApiError, AppState};
use serde::Deserialize;
use uuid::Uuid;

const SECTION: &str = "/admin/staff";

/// The invitation mail in the invitation's language (the web UI's catalogues; installed
/// with `AppState::with_invitation_text`).
pub fn invitation_text(
    language: &str,
    tenant: &str,
    name: &str,
    link: &str,
    hours: i64,
) -> (String, String) {
    let l = Lang::parse(language).unwrap_or(Lang::En);
    (
        l.msg_with("invite-mail-subject", "tenant", tenant),
        format!(
            "{}\n\n{}\n\n{link}\n\n{}\n\n{}\n",
            l.msg_with("invite-mail-hello", "name", name),
            l.msg_with("invite-mail-intro", "tenant", tenant),
            l.msg_with("invite-mail-expiry", "hours", hours),
            l.msg("invite-mail-ignore"),
        ),
    )
}

/// The invitation form.
#[derive(Deserialize)]
pub(crate) struct InviteForm {
    #[serde(default)]
    pub(crate) display_name: String,
    #[serde(default)]
    pub(crate) email: String,
    #[serde(default)]
    pub(crate) role: String,
}

/// `POST /admin/staff/invitations`: invites, in the admin's language.
pub(crate) async fn create(
    State(state): State<AppState>,
    posted: StaffForm<InviteForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let result = kairos_http::invitations::invite(
        &state,
        &p,
        &form.email,
        &form.display_name,
        &form.role,
        l.code(),
    )
    .await;
    match refusal(l, result)? {
        Ok(_) => Ok(Redirect::to("/admin/staff?invited=1").into_response()),
        Err(why) => {
            show(
                &state,
                &p,
                l,
                (layout, frame),
                Draft::Invite(&form, why),
                None,
            )
            .await
        }
    }
}

fn parse_id(raw: &str, l: Lang) -> Result<Uuid, PageError> {
    raw.parse()
        .map_err(|_| PageError::new(l, ApiError::not_found("invitation")))
}

/// `POST /admin/staff/invitations/{id}/resend`: a new link, another 72 hours.
pub(crate) async fn resend(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: StaffForm<Empty>,
) -> Result<Response, PageError> {
    let (p, l, _, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let id = parse_id(&id, l)?;
    let result = kairos_http::invitations::resend(&state, &p, id).await;
    match refusal(l, result)? {
        Ok(_) => Ok(Redirect::to("/admin/staff?invited=1").into_response()),
        Err(why) => show(&state, &p, l, (layout, frame), Draft::Other(why), None).await,
    }
}

/// `POST /admin/staff/invitations/{id}/revoke`.
pub(crate) async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: StaffForm<Empty>,
) -> Result<Response, PageError> {
    let (p, l, _, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let id = parse_id(&id, l)?;
    let result = kairos_http::invitations::revoke(&state, &p, id).await;
    match refusal(l, result)? {
        Ok(()) => Ok(Redirect::to("/admin/staff?saved=1").into_response()),
        Err(why) => show(&state, &p, l, (layout, frame), Draft::Other(why), None).await,
    }
}
