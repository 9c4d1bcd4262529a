//! Admin: privacy — the purposes consent is asked for and the controller named on consent
//! receipts, and the retention schedule. Each form is validated as `PUT /api/v1/privacy`
//! and `PUT /api/v1/retention` validate them (`kairos_http::admin`); a refusal is shown
//! beside its field with the input kept.

use super::{AdminFrame, Refusal, admin, admin_form, refusal, unprocessable};
use crate::error::{OrPage, PageError};
use crate::forms::StaffForm;
use crate::i18n::Lang;
use crate::pages::{Layout, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kairos_core::consent::{Controller, PrivacySettings};
use kairos_core::retention::RetentionSettings;
use kairos_http::admin as ops;
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};
use serde::Deserialize;

const SECTION: &str = "/admin/privacy";

/// The controller's fields: (form and refusal field, message id, maximum length).
const CONTROLLER: [(&str, &str, usize); 5] = [
    ("controller.name", "privacy-controller-name", 200),
    ("controller.contact_email", "privacy-controller-email", 254),
    ("controller.address", "privacy-controller-address", 500),
    ("controller.policy_url", "privacy-controller-policy", 2000),
    (
        "controller.jurisdiction",
        "privacy-controller-jurisdiction",
        10,
    ),
];

/// The retention fields: (field, message id).
const PERIODS: [(&str, &str); 3] = [
    ("closed_conversations_days", "retention-conversations"),
    ("context_events_days", "retention-context"),
    ("inactive_customers_days", "retention-customers"),
];

/// The privacy form's values, as stored or as entered.
#[derive(Default)]
pub(crate) struct PrivacyForm {
    /// One purpose per line.
    purposes: String,
    controller_name: String,
    controller_contact_email: String,
    controller_address: String,
    controller_policy_url: String,
    controller_jurisdiction: String,
}

/// The retention form's values: days, empty to keep.
#[derive(Default)]
pub(crate) struct RetentionForm {
    closed_conversations_days: String,
    context_events_days: String,
    inactive_customers_days: String,
}

#[derive(Template)]
#[template(path = "admin/privacy.html")]
struct PrivacyPage {
    l: Lang,
    layout: Layout,
    frame: AdminFrame,
    privacy: PrivacyForm,
    retention: RetentionForm,
    /// `privacy` or `retention`: the form a refusal belongs to.
    refused_form: &'static str,
    refusal: Refusal,
    saved: bool,
}

impl PrivacyPage {
    /// The refusal's text if it belongs to `form` and names `field`.
    fn error(&self, form: &str, field: &str) -> Option<&str> {
        (self.refused_form == form)
            .then(|| self.refusal.about(field))
            .flatten()
    }

    /// The refusal's text if it belongs to `form` but names none of its fields.
    fn other(&self, form: &str) -> Option<&str> {
        let mut fields: Vec<&str> = vec!["purposes"];
        fields.extend(CONTROLLER.iter().map(|(f, _, _)| *f));
        fields.extend(PERIODS.iter().map(|(f, _)| *f));
        (self.refused_form == form)
            .then(|| self.refusal.general(&fields))
            .flatten()
    }

    /// The controller's fields: (field, id-safe name, label, value, maximum length).
    fn controller(&self) -> Vec<(&'static str, String, String, &str, usize)> {
        let p = &self.privacy;
        let values = [
            &p.controller_name,
            &p.controller_contact_email,
            &p.controller_address,
            &p.controller_policy_url,
            &p.controller_jurisdiction,
        ];
        CONTROLLER
            .iter()
            .zip(values)
            .map(|((field, msg, max), v)| {
                (
                    *field,
                    field.replace('.', "_"),
                    self.l.msg(msg),
                    v.as_str(),
                    *max,
                )
            })
            .collect()
    }

    /// The retention fields: (field, label, value).
    fn periods(&self) -> Vec<(&'static str, String, &str)> {
        let r = &self.retention;
        let values = [
            &r.closed_conversations_days,
            &r.context_events_days,
            &r.inactive_customers_days,
        ];
        PERIODS
            .iter()
            .zip(values)
            .map(|((field, msg), v)| (*field, self.l.msg(msg), v.as_str()))
            .collect()
    }
}

fn privacy_form(s: &PrivacySettings) -> PrivacyForm {
    let c = s.controller.as_ref();
    let get = |f: fn(&Controller) -> &String| c.map(|c| f(c).clone()).unwrap_or_default();
    PrivacyForm {
        purposes: s.purposes.join("\n"),
        controller_name: get(|c| &c.name),
        controller_contact_email: get(|c| &c.contact_email),
        controller_address: get(|c| &c.address),
        controller_policy_url: get(|c| &c.policy_url),
        controller_jurisdiction: get(|c| &c.jurisdiction),
    }
}

fn retention_form(s: &RetentionSettings) -> RetentionForm {
    let days = |d: Option<u32>| d.map(|d| d.to_string()).unwrap_or_default();
    RetentionForm {
        closed_conversations_days: days(s.closed_conversations_days),
        context_events_days: days(s.context_events_days),
        inactive_customers_days: days(s.inactive_customers_days),
    }
}

/// What a page shows besides the stored settings: a refused form's input and reason.
enum Kept {
    Nothing,
    Privacy(PrivacyForm, Refusal),
    Retention(RetentionForm, Refusal),
}

async fn show(
    state: &AppState,
    p: &Principal,
    (l, layout, frame): (Lang, Layout, AdminFrame),
    kept: Kept,
    saved: bool,
) -> Result<Response, PageError> {
    let privacy = privacy_form(&ops::privacy_settings(state, p).await.or_page(l)?);
    let retention = retention_form(&ops::retention_settings(state, p).await.or_page(l)?);
    let (privacy, retention, refused_form, refusal) = match kept {
        Kept::Nothing => (privacy, retention, "", Refusal::default()),
        Kept::Privacy(f, why) => (f, retention, "privacy", why),
        Kept::Retention(f, why) => (privacy, f, "retention", why),
    };
    let failed = !refusal.text.is_empty();
    let page = PrivacyPage {
        l,
        layout,
        frame,
        privacy,
        retention,
        refused_form,
        refusal,
        saved,
    };
    Ok(unprocessable(render(&page), failed))
}

/// The page's query.
#[derive(Deserialize, Default)]
pub(crate) struct PrivacyQuery {
    saved: Option<String>,
}

/// `GET /admin/privacy`.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
    Query(q): Query<PrivacyQuery>,
) -> Result<Response, PageError> {
    let (p, layout, frame) = admin(&state, principal, l, SECTION).await?;
    show(
        &state,
        &p,
        (l, layout, frame),
        Kept::Nothing,
        q.saved.is_some(),
    )
    .await
}

/// The privacy form as posted.
#[derive(Deserialize)]
pub(crate) struct PrivacyPost {
    #[serde(default)]
    purposes: String,
    #[serde(default, rename = "controller.name")]
    name: String,
    #[serde(default, rename = "controller.contact_email")]
    contact_email: String,
    #[serde(default, rename = "controller.address")]
    address: String,
    #[serde(default, rename = "controller.policy_url")]
    policy_url: String,
    #[serde(default, rename = "controller.jurisdiction")]
    jurisdiction: String,
}

/// `POST /admin/privacy`: purposes (one per line or comma-separated) and the controller
/// (all fields empty: none named on receipts).
pub(crate) async fn save_privacy(
    State(state): State<AppState>,
    posted: StaffForm<PrivacyPost>,
) -> Result<Response, PageError> {
    let (p, l, f, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let fields = [
        &f.name,
        &f.contact_email,
        &f.address,
        &f.policy_url,
        &f.jurisdiction,
    ];
    let controller = fields
        .iter()
        .any(|v| !v.trim().is_empty())
        .then(|| Controller {
            name: f.name.trim().to_owned(),
            contact_email: f.contact_email.trim().to_owned(),
            address: f.address.trim().to_owned(),
            policy_url: f.policy_url.trim().to_owned(),
            jurisdiction: f.jurisdiction.trim().to_owned(),
        });
    let settings = PrivacySettings {
        purposes: f
            .purposes
            .split([',', '\n'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        controller,
    };
    match refusal(l, ops::save_privacy_settings(&state, &p, settings).await)? {
        Ok(_) => Ok(Redirect::to("/admin/privacy?saved=1").into_response()),
        Err(why) => {
            let kept = PrivacyForm {
                purposes: f.purposes,
                controller_name: f.name,
                controller_contact_email: f.contact_email,
                controller_address: f.address,
                controller_policy_url: f.policy_url,
                controller_jurisdiction: f.jurisdiction,
            };
            let page = (l, layout, frame);
            show(&state, &p, page, Kept::Privacy(kept, why), false).await
        }
    }
}

/// The retention form as posted: whole days, empty to keep.
#[derive(Deserialize)]
pub(crate) struct RetentionPost {
    #[serde(default)]
    closed_conversations_days: String,
    #[serde(default)]
    context_events_days: String,
    #[serde(default)]
    inactive_customers_days: String,
}

fn days(field: &'static str, raw: &str) -> Result<Option<u32>, ApiError> {
    match raw.trim() {
        "" => Ok(None),
        n => n
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid(field, "whole days, 1–36500, or empty to keep")),
    }
}

/// The schedule the form describes.
fn retention_of(f: &RetentionPost) -> Result<RetentionSettings, ApiError> {
    Ok(RetentionSettings {
        closed_conversations_days: days("closed_conversations_days", &f.closed_conversations_days)?,
        context_events_days: days("context_events_days", &f.context_events_days)?,
        inactive_customers_days: days("inactive_customers_days", &f.inactive_customers_days)?,
    })
}

/// `POST /admin/privacy/retention`.
pub(crate) async fn save_retention(
    State(state): State<AppState>,
    posted: StaffForm<RetentionPost>,
) -> Result<Response, PageError> {
    let (p, l, f, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let settings = retention_of(&f);
    let result = match settings {
        Ok(s) => ops::save_retention_settings(&state, &p, s).await,
        Err(e) => Err(e),
    };
    match refusal(l, result)? {
        Ok(_) => Ok(Redirect::to("/admin/privacy?saved=1").into_response()),
        Err(why) => {
            let kept = RetentionForm {
                closed_conversations_days: f.closed_conversations_days,
                context_events_days: f.context_events_days,
                inactive_customers_days: f.inactive_customers_days,
            };
            let page = (l, layout, frame);
            show(&state, &p, page, Kept::Retention(kept, why), false).await
        }
    }
}
