//! The embeddable chat widget (docs/ui.md#chat-widget): `GET /widget.js`, the loader a
//! company puts on its site with one `<script>` tag, and `GET /widget/{tenant}`, the chat
//! page the loader opens in an iframe. The chat runs on Kairos' own origin under the UI's
//! strict policy; only `frame-ancestors` differs — the sites the tenant listed
//! (`PUT /api/v1/widget`), else none but Kairos itself (checklist B05).

use crate::assets;
use crate::i18n::Lang;
use crate::pages::render;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use kairos_core::widget::{SETTINGS_KEY, WidgetSettings};
use kairos_http::{AppState, FramingAllowed};

/// The frame's policy: the UI's, with the tenant's sites as `frame-ancestors`.
pub(crate) fn frame_csp(ancestors: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; frame-ancestors {ancestors}; \
         form-action 'self'; base-uri 'none'"
    )
}

/// How long browsers and proxies may keep the loader: its URL is fixed on other sites, so
/// it cannot carry a content hash; five minutes, then revalidated by `ETag`.
const LOADER_CACHE: &str = "public, max-age=300";

/// `GET /widget.js`: the loader. Cacheable for a short while, revalidated by `ETag`, and
/// loadable by any site (`Cross-Origin-Resource-Policy: cross-origin`).
pub(crate) async fn loader(headers: HeaderMap) -> Response {
    let Some((body, etag)) = assets::content("widget.js") else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let etag = HeaderValue::from_str(etag).ok();
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .zip(etag.as_ref())
        .is_some_and(|(theirs, ours)| theirs == ours);
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
            body,
        )
            .into_response()
    };
    let h = response.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(LOADER_CACHE),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    if let Some(etag) = etag {
        h.insert(header::ETAG, etag);
    }
    response
}

#[derive(Template)]
#[template(path = "widget.html")]
struct FramePage {
    l: Lang,
    title: String,
    css: String,
    js: String,
    tenant: String,
    prechat: bool,
    origins: String,
    /// The file picker's `accept`: the types the server takes.
    accept: String,
}

/// `GET /widget/{tenant}`: the chat in the frame. Unknown tenants get a plain 404.
pub(crate) async fn frame(
    State(state): State<AppState>,
    l: Lang,
    Path(slug): Path<String>,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, l.msg("widget-not-found")).into_response();
    if slug.len() > 128 {
        return not_found();
    }
    let tenant = match state.store.tenant_by_slug(&slug).await {
        Ok(Some(t)) => t,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::warn!(error = %e, "widget: reading the tenant failed");
            return (StatusCode::SERVICE_UNAVAILABLE, l.msg("error-internal")).into_response();
        }
    };
    let settings = match state.store.setting(tenant.id, SETTINGS_KEY).await {
        Ok(Some(v)) => serde_json::from_value::<WidgetSettings>(v).unwrap_or_default(),
        Ok(None) => WidgetSettings::default(),
        Err(e) => {
            tracing::warn!(error = %e, "widget: reading the settings failed");
            return (StatusCode::SERVICE_UNAVAILABLE, l.msg("error-internal")).into_response();
        }
    };
    let mut response = render(&FramePage {
        title: tenant.name.clone(),
        l,
        css: assets::url("widget.css"),
        js: assets::url("widget-frame.js"),
        tenant: tenant.slug.as_str().to_owned(),
        prechat: settings.prechat_form,
        origins: settings.allowed_origins.join(" "),
        accept: kairos_core::files::allowed_types()
            .collect::<Vec<_>>()
            .join(","),
    });
    let csp = frame_csp(&settings.frame_ancestors());
    match HeaderValue::from_str(&csp) {
        Ok(v) => {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, v);
            response.extensions_mut().insert(FramingAllowed);
        }
        // Cannot happen with parsed origins; if it did, the UI's policy (no framing) stays.
        Err(e) => tracing::error!(error = %e, "widget: frame policy is not a header value"),
    }
    response
}
