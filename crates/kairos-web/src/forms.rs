//! Form posts: the CSRF defences (checklist F08, B05) and the staff session behind them.
//!
//! Signed-in forms carry the session's CSRF token in a hidden field; the sign-in form, which
//! has no session yet, carries a token bound to a pre-session cookie (double submit, the
//! cookie `__Host-`-prefixed and HttpOnly on HTTPS, so another site can neither read nor
//! plant it). Both also refuse a post the browser says came from another site.

use crate::error::{OrPage, PageError};
use crate::i18n::Lang;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use http::{HeaderMap, HeaderValue};
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Name of the pre-session cookie the sign-in form's token is bound to.
pub(crate) fn pre_session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-kairos_presession"
    } else {
        "kairos_presession"
    }
}

/// The sign-in form's token: the pre-session cookie's value, or a new one with the
/// `Set-Cookie` that plants it.
pub(crate) fn pre_session(state: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    let name = pre_session_cookie_name(state.secure_cookies());
    if let Some(token) = kairos_http::auth::cookie(headers, name).filter(|t| t.len() >= 32) {
        return (token.to_owned(), None);
    }
    let (token, _) = kairos_http::auth::new_secret("");
    let secure = if state.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!("{name}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=7200{secure}");
    (token, HeaderValue::from_str(&cookie).ok())
}

/// The `Set-Cookie` that removes the pre-session cookie.
pub(crate) fn clear_pre_session(state: &AppState) -> HeaderValue {
    let secure = state.secure_cookies();
    let cookie = format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        pre_session_cookie_name(secure),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&cookie).unwrap_or(HeaderValue::from_static("x=; Max-Age=0"))
}

/// Whether the pre-session cookie matches the token the sign-in form sent back.
pub(crate) fn pre_session_matches(state: &AppState, headers: &HeaderMap, sent: &str) -> bool {
    use subtle::ConstantTimeEq;
    let name = pre_session_cookie_name(state.secure_cookies());
    kairos_http::auth::cookie(headers, name).is_some_and(|ours| {
        ours.len() == sent.len() && bool::from(ours.as_bytes().ct_eq(sent.as_bytes()))
    })
}

/// Whether the browser says the request came from another site (`Sec-Fetch-Site`), or its
/// `Origin` names another host than the one it was sent to. (Under `Referrer-Policy:
/// no-referrer` browsers send `Origin: null` with form posts; then only a
/// `Sec-Fetch-Site: same-origin`, which pages cannot forge, vouches for the post.)
pub(crate) fn cross_site(headers: &HeaderMap) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if !matches!(fetch_site, None | Some("same-origin" | "none")) {
        return true;
    }
    let Some(origin) = headers.get(http::header::ORIGIN) else {
        return false;
    };
    if origin == "null" {
        return fetch_site != Some("same-origin");
    }
    let host = headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, h)| h);
    !(host.is_some() && origin_host == host)
}

/// A form field the signed-in forms all have.
#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// A form posted by a signed-in staff member: the session is valid, the form's CSRF token
/// is the session's, and the caller is recorded for the audit trail.
pub(crate) struct StaffForm<T> {
    /// Who posted it.
    pub principal: Principal,
    /// The reader's language.
    pub lang: Lang,
    /// The fields.
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for StaffForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Ok(lang) = Lang::from_request_parts(&mut parts, state).await;
        if cross_site(&parts.headers) {
            return Err(PageError::new(lang, ApiError::csrf()));
        }
        let principal = kairos_http::auth::session_principal(state, &parts.headers)
            .await
            .or_page(lang)?;
        let extensions = parts.extensions.clone();
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| PageError::new(lang, ApiError::too_large("the form is too large")))?;
        let sent: CsrfField = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| PageError::new(lang, ApiError::csrf()))?;
        if !principal.csrf_matches(&sent.csrf) {
            return Err(PageError::new(lang, ApiError::csrf()));
        }
        principal.require_staff().or_page(lang)?;
        kairos_http::record_caller(&extensions, &principal);
        let form = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| PageError::new(lang, ApiError::bad_request(e.to_string())))?;
        Ok(StaffForm {
            principal,
            lang,
            form,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    /// Checklist F08: a post from another site is refused before anything else.
    #[test]
    fn posts_from_other_sites_are_recognised() {
        assert!(!cross_site(&headers(&[])));
        assert!(!cross_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        let same = [
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ];
        assert!(!cross_site(&headers(&same)));
        let other = [
            ("host", "127.0.0.1:8080"),
            ("origin", "https://evil.example"),
        ];
        assert!(cross_site(&headers(&other)));
        assert!(cross_site(&headers(&[("host", "a"), ("origin", "null")])));
        let null_same = [("origin", "null"), ("sec-fetch-site", "same-origin")];
        assert!(!cross_site(&headers(&null_same)));
    }
}
