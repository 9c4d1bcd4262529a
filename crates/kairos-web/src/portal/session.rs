//! The customer's portal session: its cookie, who it stands for, and the CSRF check of
//! every signed-in form (checklist F08, F09).
//!
//! The cookie is `__Host-kairos_portal` (HTTPS: `Secure`, bound to this origin),
//! `HttpOnly`, `SameSite=Lax`: a link in a notification mail opens the portal signed in
//! (with `Strict` the browser would drop the cookie on that first navigation), while a
//! cross-site post still carries no valid CSRF token and is refused by `Sec-Fetch-Site` /
//! `Origin` as well. Every state change is a POST.

use super::{OrPortal, PortalError, tenant};
use crate::forms::cross_site;
use crate::i18n::Lang;
use http::{HeaderMap, HeaderValue};
use kairos_core::event::Actor;
use kairos_core::ids::CustomerId;
use kairos_core::tenant::Tenant;
use kairos_http::{ApiError, AppState};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// How long a portal session lasts.
pub(crate) const SESSION_HOURS: i64 = 24;

/// The cookie's name (`__Host-` on HTTPS).
pub(crate) fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-kairos_portal"
    } else {
        "kairos_portal"
    }
}

/// The `Set-Cookie` for a new session (`secret`) or, with an empty secret and no age, the
/// one that removes it.
pub(crate) fn cookie(state: &AppState, secret: &str, max_age: i64) -> HeaderValue {
    let secure = state.secure_cookies();
    let value = format!(
        "{}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("kairos_portal=; Max-Age=0"))
}

/// A signed-in customer.
#[derive(Clone, Debug)]
pub(crate) struct Me {
    /// The customer (the surviving record after merges).
    pub customer: CustomerId,
    /// The session's CSRF token.
    pub csrf: String,
    /// The SHA-256 of the session secret.
    pub hash: Vec<u8>,
}

impl Me {
    /// The actor recorded on what they do.
    pub(crate) fn actor(&self) -> Actor {
        Actor::Customer { id: self.customer }
    }
}

/// The customer signed in to `tenant`'s portal, if any. A session of another tenant, an
/// expired one, or one whose customer was erased counts as none.
pub(crate) async fn current(
    state: &AppState,
    headers: &HeaderMap,
    tenant: &Tenant,
) -> Result<Option<Me>, ApiError> {
    let name = cookie_name(state.secure_cookies());
    let Some(secret) = kairos_http::auth::cookie(headers, name) else {
        return Ok(None);
    };
    let hash = kairos_http::auth::hash_secret(secret);
    let Some(session) = state.store.portal_session(&hash).await? else {
        return Ok(None);
    };
    if session.tenant_id != tenant.id {
        return Ok(None);
    }
    // Merges point every merged record at the survivor; follow them (bounded).
    let mut id = session.customer_id;
    for _ in 0..16 {
        match state.store.customer(tenant.id, id).await? {
            None => return Ok(None),
            Some(c) => match c.merged_into {
                Some(into) if into != id => id = into,
                _ => {
                    return Ok(Some(Me {
                        customer: id,
                        csrf: session.csrf_token,
                        hash,
                    }));
                }
            },
        }
    }
    Ok(None)
}

/// The tenant and the signed-in customer of a portal page; signed out: to the sign-in page.
pub(crate) async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    slug: &str,
) -> Result<(Tenant, Me), PortalError> {
    let t = tenant(state, lang, slug).await?;
    match current(state, headers, &t).await.or_portal(lang, &t)? {
        Some(me) => Ok((t, me)),
        None => Err(PortalError::new(
            lang,
            Some(&t),
            ApiError::unauthenticated(),
        )),
    }
}

/// The field every signed-in form has.
#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// A form posted by a signed-in customer: not from another site, the session valid, its
/// CSRF token in the body (compared in constant time), then the fields.
pub(crate) async fn posted<T: DeserializeOwned>(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    slug: &str,
    body: &[u8],
) -> Result<(Tenant, Me, T), PortalError> {
    let t = tenant(state, lang, slug).await?;
    if cross_site(headers) {
        return Err(PortalError::new(lang, Some(&t), ApiError::csrf()));
    }
    let me = current(state, headers, &t)
        .await
        .or_portal(lang, &t)?
        .ok_or_else(|| PortalError::new(lang, Some(&t), ApiError::unauthenticated()))?;
    let sent: CsrfField = serde_urlencoded::from_bytes(body)
        .map_err(|_| PortalError::new(lang, Some(&t), ApiError::csrf()))?;
    use subtle::ConstantTimeEq;
    let same = sent.csrf.len() == me.csrf.len()
        && bool::from(sent.csrf.as_bytes().ct_eq(me.csrf.as_bytes()));
    if !same {
        return Err(PortalError::new(lang, Some(&t), ApiError::csrf()));
    }
    let form = serde_urlencoded::from_bytes(body)
        .map_err(|e| PortalError::new(lang, Some(&t), ApiError::bad_request(e.to_string())))?;
    Ok((t, me, form))
}
