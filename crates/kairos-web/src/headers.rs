//! Headers on every UI response: a strict Content-Security-Policy (checklist B05), no
//! caching of pages (F07), no sniffing, no framing, no referrer; and the language cookie
//! when a page was asked for with `?lang=`.

use crate::i18n::{self, Lang};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderValue, header};

/// The policy: everything from this origin only, no inline script or style, no plugins, no
/// framing, forms post only here, no `<base>` games.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; \
    form-action 'self'; base-uri 'none'";

/// The middleware.
pub(crate) async fn layer(request: Request, next: Next) -> Response {
    let chosen = request.uri().query().and_then(i18n::lang_from_query);
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    // The widget's frame brings its own policy (other `frame-ancestors`); every other
    // response gets this one.
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    // Pages show personal data: never stored by the browser or a proxy. Assets set their
    // own (long) caching before they get here.
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    if let Some(lang) = chosen {
        h.append(header::SET_COOKIE, lang_cookie(lang));
    }
    response
}

/// The preference cookie: a language code, nothing secret, so readable by the page's
/// script is fine; SameSite=Lax keeps it on links from elsewhere.
fn lang_cookie(lang: Lang) -> HeaderValue {
    HeaderValue::from_static(match lang {
        Lang::De => "kairos_lang=de; Path=/; SameSite=Lax; Max-Age=31536000",
        Lang::En => "kairos_lang=en; Path=/; SameSite=Lax; Max-Age=31536000",
    })
}
