//! The stylesheet and the script, embedded in the binary and served under content-hashed
//! names (`app.3f9c….css`): a new build changes the name, so a year-long immutable cache is
//! safe, and no asset is ever fetched from elsewhere.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// One embedded file.
pub(crate) struct Asset {
    /// The name pages link to: stem, hash, extension.
    pub name: String,
    body: &'static [u8],
    content_type: &'static str,
    etag: String,
}

/// Every asset, by logical name.
static ASSETS: LazyLock<Vec<(&'static str, Asset)>> = LazyLock::new(|| {
    vec![
        asset(
            "app.css",
            include_bytes!("../assets/app.css"),
            "text/css; charset=utf-8",
        ),
        asset(
            "portal.css",
            include_bytes!("../assets/portal.css"),
            "text/css; charset=utf-8",
        ),
        asset(
            "app.js",
            include_bytes!("../assets/app.js"),
            "text/javascript; charset=utf-8",
        ),
        asset(
            "widget.js",
            include_bytes!("../assets/widget.js"),
            "text/javascript; charset=utf-8",
        ),
        asset(
            "widget-frame.js",
            include_bytes!("../assets/widget-frame.js"),
            "text/javascript; charset=utf-8",
        ),
        asset(
            "widget.css",
            include_bytes!("../assets/widget.css"),
            "text/css; charset=utf-8",
        ),
        asset(
            "portal.js",
            include_bytes!("../assets/portal.js"),
            "text/javascript; charset=utf-8",
        ),
        asset(
            "favicon.svg",
            include_bytes!("../assets/favicon.svg"),
            "image/svg+xml",
        ),
    ]
});

fn asset(
    logical: &'static str,
    body: &'static [u8],
    content_type: &'static str,
) -> (&'static str, Asset) {
    let hash = hex::encode(&Sha256::digest(body)[..8]);
    let (stem, ext) = logical.rsplit_once('.').unwrap_or((logical, ""));
    let asset = Asset {
        name: format!("{stem}.{hash}.{ext}"),
        body,
        content_type,
        etag: format!("\"{hash}\""),
    };
    (logical, asset)
}

/// The URL of asset `logical` (`app.css` → `/assets/app.<hash>.css`).
pub(crate) fn url(logical: &str) -> String {
    ASSETS
        .iter()
        .find(|(l, _)| *l == logical)
        .map(|(_, a)| format!("/assets/{}", a.name))
        .unwrap_or_default()
}

/// The body and `ETag` of asset `logical` (the widget loader is served under a fixed name).
pub(crate) fn content(logical: &str) -> Option<(&'static [u8], &'static str)> {
    ASSETS
        .iter()
        .find(|(l, _)| *l == logical)
        .map(|(_, a)| (a.body, a.etag.as_str()))
}

/// `GET /assets/{name}`: only the current hashed names exist.
pub(crate) async fn serve(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some((_, asset)) = ASSETS.iter().find(|(_, a)| a.name == name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let etag = HeaderValue::from_str(&asset.etag).ok();
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .zip(etag.as_ref())
        .is_some_and(|(theirs, ours)| theirs == ours);
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response()
    };
    let h = response.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Some(etag) = etag {
        h.insert(header::ETAG, etag);
    }
    response
}
