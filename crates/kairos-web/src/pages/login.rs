//! Signing in and out.

use super::{Layout, render};
use crate::error::{OrPage, PageError};
use crate::forms::{StaffForm, cross_site, pre_session, pre_session_matches};
use crate::i18n::Lang;
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, StatusCode, header};
use kairos_http::client_ip::ClientIp;
use kairos_http::{ApiError, AppState};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Lang,
    layout: Layout,
    csrf: String,
    tenant: String,
    email: String,
    error: Option<String>,
    /// No organisation exists yet: the page says how to create one.
    first_run: bool,
}

/// `GET /`: the inbox for a signed-in member, else the sign-in page.
pub(crate) async fn root(State(state): State<AppState>, headers: HeaderMap) -> Redirect {
    match kairos_http::auth::session_principal(&state, &headers).await {
        Ok(_) => Redirect::to("/inbox"),
        Err(_) => Redirect::to("/login"),
    }
}

/// `GET /login`: the sign-in form.
pub(crate) async fn form(State(state): State<AppState>, l: Lang, headers: HeaderMap) -> Response {
    if kairos_http::auth::session_principal(&state, &headers)
        .await
        .is_ok()
    {
        return Redirect::to("/inbox").into_response();
    }
    page(&state, l, &headers, String::new(), String::new(), None).await
}

async fn page(
    state: &AppState,
    l: Lang,
    headers: &HeaderMap,
    tenant: String,
    email: String,
    error: Option<String>,
) -> Response {
    let (csrf, cookie) = pre_session(state, headers);
    // An empty installation says how to begin; once any organisation exists, nothing about
    // organisations is said here.
    let first_run = state
        .store
        .tenant_ids()
        .await
        .is_ok_and(|tenants| tenants.is_empty());
    let failed = error.is_some();
    let mut response = render(&LoginPage {
        l,
        layout: Layout::anonymous(l, "/login"),
        csrf,
        tenant,
        email,
        error,
        first_run,
    });
    if failed {
        *response.status_mut() = StatusCode::UNAUTHORIZED;
    }
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The sign-in form's fields.
#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /login`: signs in and goes to the inbox; a failure says only that tenant, e-mail
/// and password do not match (F06), with the form filled in again but the password.
pub(crate) async fn submit(
    State(state): State<AppState>,
    l: Lang,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let form: LoginForm = serde_urlencoded::from_bytes(&body)
        .map_err(|e| PageError::new(l, ApiError::bad_request(e.to_string())))?;
    if cross_site(&headers) || !pre_session_matches(&state, &headers, &form.csrf) {
        return Err(PageError::new(l, ApiError::csrf()));
    }
    let tenant = form.tenant.trim().to_owned();
    match kairos_http::auth::sign_in(&state, client, &tenant, &form.email, form.password).await {
        Ok((_, cookie)) => {
            let mut response = Redirect::to("/inbox").into_response();
            let h = response.headers_mut();
            h.append(header::SET_COOKIE, cookie);
            // The pre-session token has done its work; a new one comes with the next form.
            h.append(header::SET_COOKIE, crate::forms::clear_pre_session(&state));
            Ok(response)
        }
        Err(e) if e.status() == StatusCode::UNAUTHORIZED => Ok(page(
            &state,
            l,
            &headers,
            tenant,
            form.email,
            Some(l.msg("login-failed")),
        )
        .await),
        Err(e) if e.status() == StatusCode::TOO_MANY_REQUESTS => {
            let minutes = e.retry_after().unwrap_or(60).div_ceil(60);
            let message = l.msg_count("login-throttled", minutes as usize);
            let mut response = page(&state, l, &headers, tenant, form.email, Some(message)).await;
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            if let Some(secs) = e.retry_after() {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, secs.into());
            }
            Ok(response)
        }
        Err(e) => Err(PageError::new(l, e)),
    }
}

/// The sign-out form's fields (only its CSRF token).
#[derive(Deserialize)]
pub(crate) struct NoFields {}

/// `POST /logout`: ends the session, back to the sign-in page.
pub(crate) async fn logout(
    State(state): State<AppState>,
    posted: StaffForm<NoFields>,
) -> Result<Response, PageError> {
    let cookie = kairos_http::auth::sign_out(&state, &posted.principal)
        .await
        .or_page(posted.lang)?;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}
