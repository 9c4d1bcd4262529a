//! Coupons (anticipation issue 7). The public side needs no account: `/r/{token}` is what a
//! coupon's QR code encodes — a status page (or JSON) that names the offer, value, expiry
//! and status, never the customer — and a POST there redeems it, once. The staff side lists
//! a customer's coupons.
//!
//! Brute force and enumeration (checklist A10, E02, I01): a token is 192 bits derived with
//! a server secret, so guessing one is hopeless at any request rate and the routes need no
//! per-IP limiter (which behind a proxy would need trusted client addresses, G02). Malformed
//! tokens are refused before any database access, unknown and malformed ones get the same
//! 404, the look-up is by SHA-256 (no prefix or timing oracle on the token), and misses are
//! counted (`kairos_coupon_lookups_total{result="unknown"}`) so probing shows on a dashboard.
//! Redemption is one transaction in the tenant's writer: of concurrent attempts one wins.

use super::customers::may_read_customer;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::parse_id;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use kairos_core::coupon::{self, Coupon, RedeemError};
use kairos_core::ids::{CouponId, CustomerId};
use kairos_core::party::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Largest redemption body (`{"by": …}`).
const MAX_REDEEM_BODY: usize = 1024;
/// QR codes are rendered at least this many pixels wide.
const QR_SIZE: u32 = 320;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(page, redeem))
        .routes(routes!(qr_svg))
        .routes(routes!(qr_png))
        .routes(routes!(list))
        .routes(routes!(get_one))
}

/// What anyone holding the token may see: the offer, never whose it is.
#[derive(Serialize, ToSchema)]
pub(crate) struct PublicCoupon {
    /// What it offers.
    offer: String,
    /// Value in minor units of `currency`.
    value_minor: i64,
    /// ISO 4217 code.
    currency: String,
    /// The value for people, e.g. `15.00 EUR`.
    value: String,
    /// RFC 3339.
    expires_at: String,
    /// `valid`, `redeemed` or `expired`.
    status: String,
    /// When it was redeemed (RFC 3339), if it was.
    redeemed_at: Option<String>,
}

impl PublicCoupon {
    fn new(c: &Coupon) -> Self {
        Self {
            offer: c.offer.clone(),
            value_minor: c.value_minor,
            currency: c.currency.clone(),
            value: coupon::format_value(c.value_minor, &c.currency),
            expires_at: c.expires_at.to_rfc3339(),
            status: c.status(kairos_store::now()).as_str().to_owned(),
            redeemed_at: c.redeemed_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// A coupon as staff (and its customer) see it; never its token.
#[derive(Serialize, ToSchema)]
pub(crate) struct CouponView {
    /// Its id.
    id: Uuid,
    /// Whose it is.
    customer_id: Uuid,
    /// What it offers.
    offer: String,
    /// Value in minor units of `currency`.
    value_minor: i64,
    /// ISO 4217 code.
    currency: String,
    /// RFC 3339.
    issued_at: String,
    /// RFC 3339.
    expires_at: String,
    /// `valid`, `redeemed` or `expired`.
    status: String,
    /// RFC 3339, if redeemed.
    redeemed_at: Option<String>,
    /// Who redeemed it, as they said.
    redeemed_by: Option<String>,
    /// The anticipation firing that issued it (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    firing_key: Option<String>,
}

fn view(c: &Coupon, staff: bool) -> CouponView {
    CouponView {
        id: c.id.0,
        customer_id: c.customer_id.0,
        offer: c.offer.clone(),
        value_minor: c.value_minor,
        currency: c.currency.clone(),
        issued_at: c.issued_at.to_rfc3339(),
        expires_at: c.expires_at.to_rfc3339(),
        status: c.status(kairos_store::now()).as_str().to_owned(),
        redeemed_at: c.redeemed_at.map(|t| t.to_rfc3339()),
        redeemed_by: c.redeemed_by.clone(),
        firing_key: staff.then(|| c.firing_key.clone()),
    }
}

/// A customer's coupons.
#[derive(Serialize, ToSchema)]
pub(crate) struct CouponList {
    /// Oldest first.
    items: Vec<CouponView>,
}

/// The optional redemption body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RedeemRequest {
    /// Who takes the coupon (a till, a counter), at most 200 characters.
    by: Option<String>,
}

/// The coupon behind a token; malformed and unknown tokens are the same 404, and the
/// malformed ones never reach the database.
async fn find(state: &AppState, token: &str) -> Result<Coupon, ApiError> {
    let found = state.store.coupon_by_token(token).await?;
    let result = if found.is_some() { "found" } else { "unknown" };
    metrics::counter!("kairos_coupon_lookups_total", "result" => result).increment(1);
    found
        .map(|(_, c)| c)
        .ok_or_else(|| ApiError::not_found("coupon"))
}

/// JSON when asked for (or when HTML is not: API clients, `curl`), else the page.
fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("application/json") || !accept.contains("text/html")
}

/// A coupon's status (public): JSON with `Accept: application/json` (or without `text/html`),
/// else a small HTML page.
#[utoipa::path(get, path = "/r/{token}", tag = "coupons", params(("token" = String, Path, description = "The coupon's redemption token")),
    responses((status = 200, description = "The status page (text/html), or JSON", body = PublicCoupon), (status = 404, body = Problem)))]
async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let json = wants_json(&headers);
    let found = match find(&state, &token).await {
        Ok(c) => Some(c),
        Err(e) if json || e.status() != StatusCode::NOT_FOUND => return Err(e),
        Err(_) => None,
    };
    if json {
        let c = found.ok_or_else(|| ApiError::not_found("coupon"))?;
        return Ok(axum::Json(PublicCoupon::new(&c)).into_response());
    }
    let status = match &found {
        Some(_) => StatusCode::OK,
        None => StatusCode::NOT_FOUND,
    };
    let html = render(found.as_ref().map(PublicCoupon::new).as_ref());
    Ok((
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        html,
    )
        .into_response())
}

/// Redeems the coupon, once (public: holding the token is the permission). Optional body
/// `{"by": "till 3"}`.
#[utoipa::path(post, path = "/r/{token}", tag = "coupons", params(("token" = String, Path, description = "The coupon's redemption token")),
    request_body(content = RedeemRequest, description = "optional"),
    responses((status = 200, body = PublicCoupon), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "already redeemed", body = Problem), (status = 410, description = "expired", body = Problem),
        (status = 413, body = Problem), (status = 422, body = Problem)))]
async fn redeem(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    if !coupon::token_well_formed(&token) {
        return Err(ApiError::not_found("coupon"));
    }
    if body.len() > MAX_REDEEM_BODY {
        return Err(ApiError::too_large("a redemption body is at most 1 KiB"));
    }
    let by = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let req: RedeemRequest = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
        coupon::validate_by(req.by.as_deref())?;
        req.by
    };
    match state.store.redeem_coupon(&token, by).await? {
        Ok((_, c)) => Ok(axum::Json(PublicCoupon::new(&c)).into_response()),
        Err(RedeemError::NotFound) => {
            metrics::counter!("kairos_coupon_lookups_total", "result" => "unknown").increment(1);
            Err(ApiError::not_found("coupon"))
        }
        Err(RedeemError::AlreadyRedeemed { at }) => Err(ApiError::already_redeemed(format!(
            "this coupon was already redeemed at {}",
            at.to_rfc3339()
        ))),
        Err(RedeemError::Expired { at }) => Err(ApiError::gone(format!(
            "this coupon expired at {}",
            at.to_rfc3339()
        ))),
    }
}

/// The absolute redemption URL of a token.
fn redemption_url(state: &AppState, token: &str) -> Result<String, ApiError> {
    let base = state.base_url().ok_or_else(|| {
        ApiError::internal("neither KAIROS_PUBLIC_URL nor a listen address is known")
    })?;
    Ok(format!("{base}{}", coupon::redemption_path(token)))
}

/// The QR code of the token's redemption URL drawn by `draw`, rendered off the async
/// workers (rust-conventions §12). The image is cacheable by the holder's browser (the QR
/// of a token never changes), never by shared caches (the URL inside is the coupon).
async fn qr_response(
    state: &AppState,
    token: &str,
    content_type: &'static str,
    draw: fn(qrcode::QrCode) -> Result<Vec<u8>, ApiError>,
) -> Result<Response, ApiError> {
    find(state, token).await?;
    let url = redemption_url(state, token)?;
    let body = tokio::task::spawn_blocking(move || {
        let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| ApiError::internal(format!("QR code: {e}")))?;
        draw(code)
    })
    .await
    .map_err(|e| ApiError::internal(format!("QR rendering: {e}")))??;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=86400, immutable"),
            ),
        ],
        body,
    )
        .into_response())
}

fn draw_svg(code: qrcode::QrCode) -> Result<Vec<u8>, ApiError> {
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(QR_SIZE, QR_SIZE)
        .build()
        .into_bytes())
}

fn draw_png(code: qrcode::QrCode) -> Result<Vec<u8>, ApiError> {
    let img = code
        .render::<image::Luma<u8>>()
        .min_dimensions(QR_SIZE, QR_SIZE)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| ApiError::internal(format!("PNG: {e}")))?;
    Ok(out.into_inner())
}

/// The QR code of the coupon's redemption URL as SVG (public).
#[utoipa::path(get, path = "/r/{token}/qr.svg", tag = "coupons", params(("token" = String, Path, description = "The coupon's redemption token")),
    responses((status = 200, description = "image/svg+xml", content_type = "image/svg+xml", body = String), (status = 404, body = Problem)))]
async fn qr_svg(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    qr_response(&state, &token, "image/svg+xml", draw_svg).await
}

/// The QR code of the coupon's redemption URL as PNG (public).
#[utoipa::path(get, path = "/r/{token}/qr.png", tag = "coupons", params(("token" = String, Path, description = "The coupon's redemption token")),
    responses((status = 200, description = "image/png", content_type = "image/png"), (status = 404, body = Problem)))]
async fn qr_png(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    qr_response(&state, &token, "image/png", draw_png).await
}

/// A customer's coupons (staff, or the customer themself); never their tokens.
#[utoipa::path(get, path = "/api/v1/customers/{id}/coupons", tag = "coupons", params(("id" = Uuid, Path)),
    responses((status = 200, body = CouponList), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<axum::Json<CouponList>, ApiError> {
    let id: CustomerId = parse_id(&id, "customer")?;
    may_read_customer(&p, id)?;
    if state.store.customer(p.tenant_id, id).await?.is_none() {
        return Err(ApiError::not_found("customer"));
    }
    let staff = p.role != Role::Customer;
    let items = state.store.coupons_of(p.tenant_id, id).await?;
    Ok(axum::Json(CouponList {
        items: items.iter().map(|c| view(c, staff)).collect(),
    }))
}

/// One coupon (staff).
#[utoipa::path(get, path = "/api/v1/coupons/{id}", tag = "coupons", params(("id" = Uuid, Path)),
    responses((status = 200, body = CouponView), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn get_one(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<axum::Json<CouponView>, ApiError> {
    p.require_staff()?;
    let id: CouponId = parse_id(&id, "coupon")?;
    let c = state
        .store
        .coupon(p.tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("coupon"))?;
    Ok(axum::Json(view(&c, true)))
}

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The status page: self-contained, no script, no style, no image, so the API's strict
/// CSP (`default-src 'none'`) holds for it too (B05). It shows no customer data.
fn render(found: Option<&PublicCoupon>) -> String {
    let (title, body) = match found {
        None => (
            "Coupon not found".to_owned(),
            "<p>This code does not belong to any coupon.</p>".to_owned(),
        ),
        Some(c) => {
            let status = match c.status.as_str() {
                "valid" => "Valid: show this code at the counter to redeem it.".to_owned(),
                "redeemed" => format!(
                    "Already redeemed ({}).",
                    escape(c.redeemed_at.as_deref().unwrap_or(""))
                ),
                _ => "Expired.".to_owned(),
            };
            (
                escape(&c.offer),
                format!(
                    "<dl><dt>Value</dt><dd>{}</dd><dt>Valid until</dt><dd><time datetime=\"{e}\">{e}</time></dd>\
                     <dt>Status</dt><dd id=\"status\" data-status=\"{}\">{}</dd></dl>",
                    escape(&c.value),
                    escape(&c.status),
                    status,
                    e = escape(&c.expires_at),
                ),
            )
        }
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title></head>\
         <body><main><h1>{title}</h1>{body}</main></body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_escapes_the_offer() {
        let c = PublicCoupon {
            offer: "<script>alert(1)</script>\"'&".into(),
            value_minor: 1500,
            currency: "EUR".into(),
            value: "15.00 EUR".into(),
            expires_at: "2026-12-24T00:00:00Z".into(),
            status: "valid".into(),
            redeemed_at: None,
        };
        let html = render(Some(&c));
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"));
        assert!(html.contains("15.00 EUR") && html.contains("data-status=\"valid\""));
    }
}
