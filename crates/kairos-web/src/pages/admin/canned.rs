//! Admin: canned replies — list, create, edit, delete. Validation (length, known
//! placeholders, unique titles, the number per tenant) is the store's and the core's, as
//! for `POST /api/v1/canned-replies`.

use super::{AdminFrame, Refusal, admin, admin_form, refusal, unprocessable};
use crate::error::{OrPage, PageError};
use crate::forms::StaffForm;
use crate::i18n::Lang;
use crate::pages::{Layout, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kairos_core::canned::{BODY_MAX, CannedReply, PLACEHOLDERS, TITLE_MAX};
use kairos_core::ids::CannedReplyId;
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};
use serde::Deserialize;

const SECTION: &str = "/admin/canned-replies";

#[derive(Template)]
#[template(path = "admin/canned.html")]
struct CannedPage {
    l: Lang,
    layout: Layout,
    frame: AdminFrame,
    replies: Vec<CannedReply>,
    /// The reply being edited (its id), or empty for a new one.
    editing: String,
    title: String,
    body: String,
    placeholders: Vec<String>,
    refusal: Refusal,
    /// A refusal about no field of the form.
    general_error: Option<String>,
    saved: bool,
    title_max: usize,
    body_max: usize,
}

/// The page's query: which reply to edit, whether one was just saved.
#[derive(Deserialize, Default)]
pub(crate) struct CannedQuery {
    edit: Option<String>,
    saved: Option<String>,
}

/// The form's fields.
#[derive(Deserialize)]
pub(crate) struct CannedForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

fn parse_id(raw: &str, l: Lang) -> Result<CannedReplyId, PageError> {
    raw.parse()
        .map_err(|_| PageError::new(l, ApiError::not_found("canned reply")))
}

#[allow(clippy::too_many_arguments)]
async fn show(
    state: &AppState,
    p: &Principal,
    l: Lang,
    layout: Layout,
    frame: AdminFrame,
    editing: Option<CannedReplyId>,
    draft: Option<(String, String)>,
    refusal: Refusal,
    saved: bool,
) -> Result<Response, PageError> {
    let replies = state.store.canned_replies(p.tenant_id).await.or_page(l)?;
    let (title, body) = match (draft, editing) {
        (Some(d), _) => d,
        (None, Some(id)) => {
            let r = replies
                .iter()
                .find(|r| r.id == id)
                .ok_or_else(|| PageError::new(l, ApiError::not_found("canned reply")))?;
            (r.title.clone(), r.body.clone())
        }
        (None, None) => (String::new(), String::new()),
    };
    let refused = !refusal.text.is_empty();
    let page = CannedPage {
        l,
        layout,
        frame,
        replies,
        editing: editing.map(|id| id.to_string()).unwrap_or_default(),
        title,
        body,
        placeholders: PLACEHOLDERS
            .iter()
            .map(|(n, _)| format!("{{{{{n}}}}}"))
            .collect(),
        general_error: refusal.general(&["title", "body"]).map(str::to_owned),
        refusal,
        saved,
        title_max: TITLE_MAX,
        body_max: BODY_MAX,
    };
    Ok(unprocessable(render(&page), refused))
}

/// `GET /admin/canned-replies[?edit={id}]`.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
    Query(q): Query<CannedQuery>,
) -> Result<Response, PageError> {
    let (p, layout, frame) = admin(&state, principal, l, SECTION).await?;
    let editing = q.edit.as_deref().map(|raw| parse_id(raw, l)).transpose()?;
    show(
        &state,
        &p,
        l,
        layout,
        frame,
        editing,
        None,
        Refusal::default(),
        q.saved.is_some(),
    )
    .await
}

/// `POST /admin/canned-replies`: a new reply.
pub(crate) async fn create(
    State(state): State<AppState>,
    posted: StaffForm<CannedForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let result = state
        .store
        .create_canned_reply(p.tenant_id, &form.title, &form.body, &p.actor())
        .await
        .map_err(ApiError::from);
    match refusal(l, result)? {
        Ok(_) => Ok(Redirect::to("/admin/canned-replies?saved=1").into_response()),
        Err(why) => {
            let draft = Some((form.title, form.body));
            show(&state, &p, l, layout, frame, None, draft, why, false).await
        }
    }
}

/// `POST /admin/canned-replies/{id}`: new title and body.
pub(crate) async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: StaffForm<CannedForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let id = parse_id(&id, l)?;
    let result = state
        .store
        .update_canned_reply(p.tenant_id, id, &form.title, &form.body, &p.actor())
        .await
        .map_err(ApiError::from);
    match refusal(l, result)? {
        Ok(_) => Ok(Redirect::to("/admin/canned-replies?saved=1").into_response()),
        Err(why) => {
            let draft = Some((form.title, form.body));
            show(&state, &p, l, layout, frame, Some(id), draft, why, false).await
        }
    }
}

/// No fields but the CSRF token.
#[derive(Deserialize)]
pub(crate) struct Empty {}

/// `POST /admin/canned-replies/{id}/delete`.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: StaffForm<Empty>,
) -> Result<Response, PageError> {
    let (p, l, _, _, _) = admin_form(&state, posted, SECTION).await?;
    let id = parse_id(&id, l)?;
    state
        .store
        .delete_canned_reply(p.tenant_id, id, &p.actor())
        .await
        .or_page(l)?;
    Ok(Redirect::to("/admin/canned-replies?saved=1").into_response())
}
