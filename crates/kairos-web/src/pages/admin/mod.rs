//! The admin pages: settings (with the organisation's name), staff and roles, channels, SLA
//! and business hours, routing, canned replies, privacy and retention. Admins only: an agent gets the 403 page, a visitor the sign-in page. Every form
//! is a CSRF-checked POST ([`StaffForm`]) that checks the admin role before anything else
//! and calls the same validation and store functions as the API (`kairos_http::admin`).
//! A refused form shows the page again with the reason beside the field (422).

pub(crate) mod canned;
pub(crate) mod channels;
pub(crate) mod invitations;
pub(crate) mod privacy;
pub(crate) mod routing;
pub(crate) mod settings;
pub(crate) mod sla;
pub(crate) mod staff;

use super::Layout;
use crate::error::{OrPage, PageError};
use crate::forms::StaffForm;
use crate::i18n::Lang;
use http::StatusCode;
use kairos_core::party::Role;
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};

/// The admin sections, in the order the admin navigation shows them: (path, message id).
pub(crate) const SECTIONS: [(&str, &str); 7] = [
    ("/admin", "admin-settings"),
    ("/admin/staff", "admin-staff"),
    ("/admin/channels", "admin-channels"),
    ("/admin/sla", "admin-sla"),
    ("/admin/routing", "admin-routing"),
    ("/admin/canned-replies", "admin-canned"),
    ("/admin/privacy", "admin-privacy"),
];

/// What every admin page shows around its content.
pub(crate) struct AdminFrame {
    /// Every section (path, message id), for the navigation.
    pub sections: &'static [(&'static str, &'static str)],
    /// The section's path (marks the current navigation entry).
    pub section: &'static str,
    /// The session's CSRF token for the page's forms.
    pub csrf: String,
}

/// The caller of an admin page, which must be a signed-in admin; with their frame.
pub(crate) async fn admin(
    state: &AppState,
    principal: Result<Principal, ApiError>,
    l: Lang,
    section: &'static str,
) -> Result<(Principal, Layout, AdminFrame), PageError> {
    let p = principal.or_page(l)?;
    p.require(&[Role::Admin]).or_page(l)?;
    let layout = super::frame(state, &p, l, section).await?;
    let frame = AdminFrame {
        sections: &SECTIONS,
        section,
        csrf: p.csrf_token().unwrap_or_default().to_owned(),
    };
    Ok((p, layout, frame))
}

/// A posted admin form whose poster is an admin (refused before anything else otherwise),
/// with the admin frame to show a result page in.
pub(crate) async fn admin_form<T>(
    state: &AppState,
    posted: StaffForm<T>,
    section: &'static str,
) -> Result<(Principal, Lang, T, Layout, AdminFrame), PageError> {
    let StaffForm {
        principal: p,
        lang: l,
        form,
    } = posted;
    p.require(&[Role::Admin]).or_page(l)?;
    let layout = super::frame(state, &p, l, section).await?;
    let frame = AdminFrame {
        sections: &SECTIONS,
        section,
        csrf: p.csrf_token().unwrap_or_default().to_owned(),
    };
    Ok((p, l, form, layout, frame))
}

/// Why a form was refused, for the field it names.
#[derive(Default)]
pub(crate) struct Refusal {
    /// The field (`title`, `body`, …), empty when the refusal is about the whole form.
    pub field: String,
    /// The reason in the reader's language, with the validator's detail.
    pub text: String,
}

impl Refusal {
    /// The refusal for a client error (`None` for anything else, which is the page's error).
    pub(crate) fn from_api(l: Lang, e: &ApiError) -> Option<Refusal> {
        if !e.status().is_client_error() || e.status() == StatusCode::FORBIDDEN {
            return None;
        }
        let lead = match e.code() {
            "conflict" => l.msg("admin-conflict"),
            _ => l.msg("admin-invalid"),
        };
        Some(Refusal {
            field: e.field().unwrap_or_default().to_owned(),
            text: format!("{lead} {}", e.detail()),
        })
    }

    /// The text if the refusal names `field`.
    pub(crate) fn about(&self, field: &str) -> Option<&str> {
        (!self.text.is_empty() && self.field == field).then_some(self.text.as_str())
    }

    /// The text if the refusal names no field the form shows (`fields`).
    pub(crate) fn general(&self, fields: &[&str]) -> Option<&str> {
        (!self.text.is_empty() && !fields.contains(&self.field.as_str()))
            .then_some(self.text.as_str())
    }
}

/// `Ok(())`, or the refusal of a client error, or the page error of anything else.
pub(crate) fn refusal<T>(l: Lang, r: Result<T, ApiError>) -> Result<Result<T, Refusal>, PageError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(e) => match Refusal::from_api(l, &e) {
            Some(refusal) => Ok(Err(refusal)),
            None => Err(PageError::new(l, e)),
        },
    }
}

/// Sets 422 on a page that shows a refused form.
pub(crate) fn unprocessable(
    mut response: axum::response::Response,
    refused: bool,
) -> axum::response::Response {
    if refused {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// The query of a section page with a list: which entry's form is open, and whether a
/// save just happened.
#[derive(serde::Deserialize, Default)]
pub(crate) struct EditQuery {
    /// The entry whose edit form is shown.
    pub edit: Option<usize>,
    /// Set after a save (shows the notice).
    pub saved: Option<String>,
}
