//! Accepting a staff invitation: `/invite/{secret}` shows who is invited to which
//! organisation and asks for a password; posting it creates the account and signs the person
//! in. A link that is unknown, used, revoked or expired gets a page that says so (404, 410).
//! Look-ups and attempts are throttled per client address (`kairos_http::invitations`).

use super::{Layout, render};
use crate::error::PageError;
use crate::forms::{clear_pre_session, cross_site, pre_session, pre_session_matches};
use crate::i18n::Lang;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, StatusCode, header};
use kairos_http::client_ip::ClientIp;
use kairos_http::invitations::{self, Accepted, Lookup};
use kairos_http::{ApiError, AppState};
use kairos_store::invitations::{Invitation, InvitationState};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    l: Lang,
    layout: Layout,
    csrf: String,
    /// The link's secret (the form posts back to it).
    secret: String,
    /// The organisation's name.
    tenant: String,
    name: String,
    email: String,
    role: &'static str,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "invite_gone.html")]
struct GonePage {
    l: Lang,
    layout: Layout,
    /// Why the link does not work: `unknown`, `expired`, `used`, `revoked` or `throttled`.
    why: &'static str,
    /// The same, said to the person.
    text: String,
}

fn gone(l: Lang, path: &str, why: &'static str) -> Response {
    let status = match why {
        "unknown" => StatusCode::NOT_FOUND,
        "throttled" => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::GONE,
    };
    let mut response = render(&GonePage {
        l,
        layout: Layout::anonymous(l, path),
        why,
        text: l.msg(&format!("invite-gone-{why}")),
    });
    *response.status_mut() = status;
    response
}

fn refused(l: Lang, path: &str, state: InvitationState) -> Response {
    gone(l, path, state.as_str())
}

/// 429 with `Retry-After`, as the sign-in page does.
fn throttled(l: Lang, path: &str, e: &ApiError) -> Response {
    let mut response = gone(l, path, "throttled");
    if let Some(secs) = e.retry_after() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, secs.into());
    }
    response
}

async fn form(
    state: &AppState,
    l: Lang,
    headers: &HeaderMap,
    secret: &str,
    invitation: &Invitation,
    error: Option<String>,
) -> Result<Response, PageError> {
    let tenant = state
        .store
        .tenant_by_id(invitation.tenant_id)
        .await
        .map_err(|e| PageError::new(l, e))?
        .map(|t| t.name)
        .unwrap_or_default();
    let (csrf, cookie) = pre_session(state, headers);
    let failed = error.is_some();
    let mut response = render(&InvitePage {
        l,
        layout: Layout::anonymous(l, &format!("/invite/{secret}")),
        csrf,
        secret: secret.to_owned(),
        tenant,
        name: invitation.display_name.clone(),
        email: invitation.email.clone(),
        role: invitation.role.as_str(),
        error,
    });
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// `GET /invite/{secret}`: the password form, or why the link does not work.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Path(secret): Path<String>,
) -> Result<Response, PageError> {
    let path = format!("/invite/{secret}");
    match invitations::lookup(&state, client, &secret).await {
        Ok(Lookup::Pending(invitation)) => {
            form(&state, l, &headers, &secret, &invitation, None).await
        }
        Ok(Lookup::Refused(s)) => Ok(refused(l, &path, s)),
        Ok(Lookup::Unknown) => Ok(gone(l, &path, "unknown")),
        Err(e) if e.status() == StatusCode::TOO_MANY_REQUESTS => Ok(throttled(l, &path, &e)),
        Err(e) => Err(PageError::new(l, e)),
    }
}

/// The password form's fields.
#[derive(Deserialize)]
struct AcceptForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /invite/{secret}`: creates the account with the chosen password and signs in
/// (to the inbox); a password the policy refuses shows the form again (422).
pub(crate) async fn accept(
    State(state): State<AppState>,
    l: Lang,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Path(secret): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let path = format!("/invite/{secret}");
    let posted: AcceptForm = serde_urlencoded::from_bytes(&body)
        .map_err(|e| PageError::new(l, ApiError::bad_request(e.to_string())))?;
    if cross_site(&headers) || !pre_session_matches(&state, &headers, &posted.csrf) {
        return Err(PageError::new(l, ApiError::csrf()));
    }
    match invitations::accept(&state, client, &secret, posted.password).await {
        Ok(Accepted::SignedIn(_, cookie)) => {
            let mut response = Redirect::to("/inbox").into_response();
            let h = response.headers_mut();
            h.append(header::SET_COOKIE, cookie);
            h.append(header::SET_COOKIE, clear_pre_session(&state));
            Ok(response)
        }
        Ok(Accepted::Refused(s)) => Ok(refused(l, &path, s)),
        Ok(Accepted::Unknown) => Ok(gone(l, &path, "unknown")),
        Err(e) if e.status() == StatusCode::TOO_MANY_REQUESTS => Ok(throttled(l, &path, &e)),
        Err(e) if e.field() == Some("password") => {
            // Looked up again only to show the form: the link was pending a moment ago.
            match invitations::lookup(&state, client, &secret).await {
                Ok(Lookup::Pending(invitation)) => {
                    let why = format!("{} {}", l.msg("invite-password-refused"), e.detail());
                    form(&state, l, &headers, &secret, &invitation, Some(why)).await
                }
                _ => Ok(gone(l, &path, "unknown")),
            }
        }
        Err(e) => Err(PageError::new(l, e)),
    }
}
