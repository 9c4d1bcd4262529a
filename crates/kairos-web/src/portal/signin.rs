//! Signing in by a link sent by mail, and signing out.
//!
//! 1. `GET /portal/{t}/login`: the form asks for an e-mail address.
//! 2. `POST …/login`: every address gets the same answer ("if … you will get a link"),
//!    after the same work — the link is stored for the address, not for a customer, and
//!    the mail is composed and queued in the background (F06). Per address at most
//!    [`PER_ADDRESS`] links and per client [`PER_CLIENT`] requests in 15 minutes (F05):
//!    beyond the address's share nothing is sent (the answer stays the same); beyond the
//!    client's it answers 429.
//! 3. The mail links to `GET …/link?token=…` (the token in the query, so request logs,
//!    which record paths, never hold it). That page only shows a "continue" button: mail
//!    scanners that fetch links do not use up the token.
//! 4. `POST …/link` uses the token once (15-minute expiry) and opens the session for the
//!    customer owning the address — created on the first sign-in, since the click proves
//!    the mailbox.

use super::session::{self, SESSION_HOURS};
use super::{OrPortal, PortalError, PortalLayout, tenant};
use crate::forms::{clear_pre_session, cross_site, pre_session, pre_session_matches};
use crate::i18n::Lang;
use crate::pages::render;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, StatusCode, header};
use kairos_core::identity::Identity;
use kairos_core::tenant::Tenant;
use kairos_http::client_ip::ClientIp;
use kairos_http::{ApiError, AppState};
use kairos_store::StoreError;
use kairos_store::portal::{LinkIssued, LinkLimits};
use serde::Deserialize;

/// Links per e-mail address in the window.
pub(crate) const PER_ADDRESS: u32 = 3;
/// Link requests per client address in the window.
pub(crate) const PER_CLIENT: u32 = 10;
/// How long a link works, which is also the counting window: 15 minutes.
pub(crate) const LINK_MINUTES: i64 = 15;

#[derive(Template)]
#[template(path = "portal/login.html")]
struct LoginPage {
    l: Lang,
    layout: PortalLayout,
    csrf: String,
    email: String,
    error: Option<String>,
    /// The link was used, expired or unknown.
    stale: bool,
}

#[derive(Template)]
#[template(path = "portal/sent.html")]
struct SentPage {
    l: Lang,
    layout: PortalLayout,
    minutes: i64,
}

#[derive(Template)]
#[template(path = "portal/link.html")]
struct LinkPage {
    l: Lang,
    layout: PortalLayout,
    csrf: String,
    token: String,
}

fn login_page(
    state: &AppState,
    l: Lang,
    t: &Tenant,
    headers: &HeaderMap,
    email: String,
    error: Option<String>,
    stale: bool,
) -> Response {
    let (csrf, cookie) = pre_session(state, headers);
    let mut response = render(&LoginPage {
        l,
        layout: PortalLayout::new(l, t, "/login", None, ""),
        csrf,
        email,
        error,
        stale,
    });
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// `GET /portal/{t}/login`: the form (signed in: the portal's start page).
pub(crate) async fn form(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PortalError> {
    let t = tenant(&state, l, &slug).await?;
    if session::current(&state, &headers, &t)
        .await
        .or_portal(l, &t)?
        .is_some()
    {
        return Ok(Redirect::to(&format!("/portal/{slug}")).into_response());
    }
    Ok(login_page(
        &state,
        l,
        &t,
        &headers,
        String::new(),
        None,
        false,
    ))
}

/// The sign-in form's fields.
#[derive(Deserialize)]
struct LinkRequest {
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /portal/{t}/login`: stores and mails a link; the same answer for every address.
pub(crate) async fn request(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    ClientIp(client_ip): ClientIp,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<Response, PortalError> {
    let t = tenant(&state, l, &slug).await?;
    let form: LinkRequest = serde_urlencoded::from_bytes(&body)
        .map_err(|e| PortalError::new(l, Some(&t), ApiError::bad_request(e.to_string())))?;
    if cross_site(&headers) || !pre_session_matches(&state, &headers, &form.csrf) {
        return Err(PortalError::new(l, Some(&t), ApiError::csrf()));
    }
    let Ok(identity) = Identity::email(&form.email) else {
        let mut page = login_page(
            &state,
            l,
            &t,
            &headers,
            form.email.clone(),
            Some(l.msg("portal-login-invalid")),
            false,
        );
        *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(page);
    };
    let key = state.pseudonym_key().await.or_portal(l, &t)?;
    let client = kairos_store::kb_votes::vote_mark(
        &key,
        t.id,
        &format!(
            "portal-client:{}",
            client_ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
        ),
    );
    let (token, hash) = kairos_http::auth::new_secret("");
    let limits = LinkLimits {
        per_address: PER_ADDRESS,
        per_client: PER_CLIENT,
        window_micros: LINK_MINUTES * 60 * 1_000_000,
    };
    let issued = state
        .store
        .portal_issue_link(t.id, &hash, &identity.value, &client, limits)
        .await
        .or_portal(l, &t)?;
    match issued {
        LinkIssued::ClientLimited => return Err(PortalError::limited(l, &t)),
        LinkIssued::AddressLimited => {
            tracing::info!(tenant = %t.slug.as_str(), "portal: sign-in links for an address limited");
        }
        LinkIssued::Issued => {
            // In the background: the answer does not wait for (or reveal) the mail.
            let (state, t, to) = (state.clone(), t.clone(), identity.value.clone());
            tokio::spawn(async move {
                if let Err(e) = super::mail::send_link(&state, &t, &to, &token, l).await {
                    tracing::warn!(error = %e, tenant = %t.slug.as_str(), "portal: sign-in link not queued");
                }
            });
        }
    }
    Ok(render(&SentPage {
        l,
        layout: PortalLayout::new(l, &t, "/login", None, ""),
        minutes: LINK_MINUTES,
    }))
}

/// The link's query.
#[derive(Deserialize)]
pub(crate) struct LinkQuery {
    #[serde(default)]
    token: String,
}

/// `GET /portal/{t}/link?token=…`: a page with a button that signs in. Nothing is looked
/// up or used here, so a scanner fetching the link changes nothing.
pub(crate) async fn link(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path(slug): Path<String>,
    query: Result<Query<LinkQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PortalError> {
    let t = tenant(&state, l, &slug).await?;
    let token = query.map(|Query(q)| q.token).unwrap_or_default();
    let (csrf, cookie) = pre_session(&state, &headers);
    let mut response = render(&LinkPage {
        l,
        layout: PortalLayout::new(l, &t, "/login", None, ""),
        csrf,
        token: token.chars().take(128).collect(),
    });
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// The "continue" form's fields.
#[derive(Deserialize)]
struct RedeemForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /portal/{t}/link`: uses the link and signs in; a used, expired, unknown or other
/// tenant's link shows the sign-in form with "this link no longer works".
pub(crate) async fn redeem(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<Response, PortalError> {
    let t = tenant(&state, l, &slug).await?;
    let form: RedeemForm = serde_urlencoded::from_bytes(&body)
        .map_err(|e| PortalError::new(l, Some(&t), ApiError::bad_request(e.to_string())))?;
    if cross_site(&headers) || !pre_session_matches(&state, &headers, &form.csrf) {
        return Err(PortalError::new(l, Some(&t), ApiError::csrf()));
    }
    let stale = || {
        let mut page = login_page(&state, l, &t, &headers, String::new(), None, true);
        *page.status_mut() = StatusCode::GONE;
        page
    };
    if form.token.is_empty() || form.token.len() > 128 {
        return Ok(stale());
    }
    let link_hash = kairos_http::auth::hash_secret(&form.token);
    let (secret, session_hash) = kairos_http::auth::new_secret("");
    let (csrf, _) = kairos_http::auth::new_secret("");
    let lifetime = SESSION_HOURS * 3600 * 1_000_000;
    match state
        .store
        .portal_redeem_link(t.id, &link_hash, &session_hash, &csrf, lifetime)
        .await
    {
        Ok(_) => {
            let mut response = Redirect::to(&format!("/portal/{slug}")).into_response();
            let h = response.headers_mut();
            h.append(
                header::SET_COOKIE,
                session::cookie(&state, &secret, SESSION_HOURS * 3600),
            );
            h.append(header::SET_COOKIE, clear_pre_session(&state));
            Ok(response)
        }
        Err(StoreError::Domain(kairos_core::DomainError::NotFound(_))) => Ok(stale()),
        Err(e) => Err(PortalError::new(l, Some(&t), e)),
    }
}

/// `POST /portal/{t}/logout`: ends the session.
pub(crate) async fn logout(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<Response, PortalError> {
    let (t, me, _): (_, _, crate::pages::login::NoFields) =
        session::posted(&state, &headers, l, &slug, &body).await?;
    state
        .store
        .portal_sign_out(t.id, &me.hash)
        .await
        .or_portal(l, &t)?;
    let mut response = Redirect::to(&format!("/portal/{slug}/login")).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, session::cookie(&state, "", 0));
    Ok(response)
}
