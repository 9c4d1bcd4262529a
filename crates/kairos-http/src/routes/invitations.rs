//! Admin: staff invitations by e-mail (create, list, send again, revoke). The invitee
//! accepts in the web UI (`/invite/{secret}`); see [`crate::invitations`].

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, parse_id};
use crate::invitations;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use kairos_store::invitations::Invitation;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_invitation, list_invitations))
        .routes(routes!(revoke_invitation))
        .routes(routes!(resend_invitation))
}

/// A new invitation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateInvitation {
    /// The invitee's e-mail address: the mail goes there, and it becomes their login.
    email: String,
    /// Their name as colleagues see it (no control characters).
    display_name: String,
    /// `admin` or `agent`.
    #[serde(rename = "role")]
    staff_role: String,
    /// The mail's language: `en` (default) or `de`.
    #[serde(default)]
    language: String,
}

/// An invitation (never its link).
#[derive(Serialize, ToSchema)]
pub(crate) struct InvitationView {
    /// Its id.
    id: Uuid,
    /// The invitee's e-mail address.
    email: String,
    /// Their name.
    display_name: String,
    /// The role they will have.
    role: String,
    /// The mail's language.
    language: String,
    /// `pending` or `expired` (accepted and revoked ones are not listed).
    state: String,
    /// When it was sent (last; RFC 3339).
    sent_at: String,
    /// When its link stops working (RFC 3339).
    expires_at: String,
}

impl From<Invitation> for InvitationView {
    fn from(i: Invitation) -> Self {
        Self {
            id: i.id,
            state: i.state(kairos_store::now()).as_str().into(),
            email: i.email,
            display_name: i.display_name,
            role: i.role.as_str().into(),
            language: i.language,
            sent_at: i.created_at.to_rfc3339(),
            expires_at: i.expires_at.to_rfc3339(),
        }
    }
}

/// Invites a person to the staff by e-mail (admins only). The mail, from the tenant's
/// support address, carries a single-use link that works for 72 hours; the person chooses
/// their password there and is signed in. Refused (409) when someone on the staff has the
/// address, an invitation for it is pending, or the mail cannot be sent (no support address
/// or public URL).
#[utoipa::path(post, path = "/api/v1/staff/invitations", tag = "admin", request_body = CreateInvitation,
    responses((status = 201, body = InvitationView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn create_invitation(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<CreateInvitation>,
) -> Result<Response, ApiError> {
    let invitation = invitations::invite(
        &state,
        &p,
        &req.email,
        &req.display_name,
        &req.staff_role,
        &req.language,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(InvitationView::from(invitation)),
    )
        .into_response())
}

/// The tenant's open invitations.
#[derive(Serialize, ToSchema)]
pub(crate) struct InvitationList {
    /// Pending and expired ones, newest first.
    items: Vec<InvitationView>,
}

/// Lists the tenant's open invitations (admins only).
#[utoipa::path(get, path = "/api/v1/staff/invitations", tag = "admin",
    responses((status = 200, body = InvitationList), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list_invitations(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<InvitationList>, ApiError> {
    let items = invitations::list(&state, &p)
        .await?
        .into_iter()
        .map(InvitationView::from)
        .collect();
    Ok(axum::Json(InvitationList { items }))
}

/// Revokes an invitation (admins only): its link stops working. Revoking twice is no
/// error; an accepted invitation cannot be revoked (409).
#[utoipa::path(delete, path = "/api/v1/staff/invitations/{id}", tag = "admin", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
async fn revoke_invitation(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: Uuid = parse_id(&id, "invitation")?;
    invitations::revoke(&state, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends an invitation again (admins only) with a new link that works for another 72
/// hours; the old link stops working.
#[utoipa::path(post, path = "/api/v1/staff/invitations/{id}/resend", tag = "admin", params(("id" = Uuid, Path)),
    responses((status = 200, body = InvitationView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
async fn resend_invitation(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<axum::Json<InvitationView>, ApiError> {
    let id: Uuid = parse_id(&id, "invitation")?;
    Ok(axum::Json(
        invitations::resend(&state, &p, id).await?.into(),
    ))
}
