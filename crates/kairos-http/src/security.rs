//! Response hardening shared by every route.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;
use http::header;

/// Compares secrets in time independent of where they differ (full length, C01/H01).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Put in a response's extensions by a page meant to be framed by other sites (the chat
/// widget's frame): it then gets no `X-Frame-Options: DENY`, and must bring its own CSP
/// with a `frame-ancestors` list instead.
#[derive(Clone, Copy, Debug)]
pub struct FramingAllowed;

/// Adds headers every API response should carry: no caching of personal data (F07), no
/// sniffing, no framing, and a CSP that lets a JSON response do nothing if opened as a page.
pub(crate) async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let framable = response.extensions().get::<FramingAllowed>().is_some();
    let h = response.headers_mut();
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !framable {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ));
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn constant_time_eq_needs_full_length() {
        assert!(super::constant_time_eq(b"abc", b"abc"));
        assert!(!super::constant_time_eq(b"abc", b"ab"));
        assert!(!super::constant_time_eq(b"", b"a"));
    }
}
