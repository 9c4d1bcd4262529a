//! Admin: SLA policies and business hours, as forms: the week as one field per day
//! (`09:00-12:00, 13:00-17:00`), holidays one per line, and each policy's targets as a
//! grid of priority × metric in minutes. The whole document is validated as
//! `PUT /api/v1/sla` validates it (`kairos_http::admin::save_sla_settings`); a refusal is
//! shown beside the field it names.

use super::canned::Empty;
use super::{AdminFrame, EditQuery, Refusal, admin, admin_form, refusal, unprocessable};
use crate::error::{OrPage, PageError};
use crate::forms::StaffForm;
use crate::i18n::Lang;
use crate::pages::{Layout, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kairos_core::business_hours::HoursSpec;
use kairos_core::conversation::Priority;
use kairos_core::sla::{Policy, SlaSettings, Targets};
use kairos_http::admin as ops;
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

const SECTION: &str = "/admin/sla";
/// Days of the week as the settings name them, Monday first.
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const PRIORITIES: [Priority; 4] = [
    Priority::Low,
    Priority::Normal,
    Priority::High,
    Priority::Urgent,
];
const METRICS: [&str; 3] = ["first_response", "next_response", "resolution"];

/// One policy as listed.
struct PolicyRow {
    index: usize,
    name: String,
    tier: String,
    /// `(priority, [minutes per metric, empty when none])`.
    targets: Vec<(&'static str, [String; 3])>,
}

/// The policy form's values.
struct PolicyDraft {
    /// The policy edited (its position), or empty for a new one.
    index: String,
    name: String,
    tier: String,
    /// `(priority, [(metric, minutes)])`.
    grid: Vec<(&'static str, Vec<(&'static str, String)>)>,
}

#[derive(Template)]
#[template(path = "admin/sla.html")]
struct SlaPage {
    l: Lang,
    layout: Layout,
    frame: AdminFrame,
    time_zone: String,
    around_the_clock: bool,
    /// `(day, intervals as text)`.
    week: Vec<(&'static str, String)>,
    holidays: String,
    policies: Vec<PolicyRow>,
    draft: PolicyDraft,
    /// `hours` or `policy`: the form a refusal belongs to.
    refused_form: &'static str,
    refusal: Refusal,
    saved: bool,
}

impl SlaPage {
    /// The refusal's text if it belongs to `form` and names `field`.
    fn error(&self, form: &str, field: &str) -> Option<&str> {
        (self.refused_form == form)
            .then(|| self.refusal.about(field))
            .flatten()
    }

    /// The refusal's text if it belongs to `form` but names none of `fields`.
    fn other(&self, form: &str, fields: &str) -> Option<&str> {
        let named: Vec<&str> = fields.split(',').collect();
        (self.refused_form == form)
            .then(|| self.refusal.general(&named))
            .flatten()
    }
}

fn minutes(secs: Option<i64>) -> String {
    secs.map(|s| (s / 60).to_string()).unwrap_or_default()
}

fn metric(t: &Targets, m: &str) -> Option<i64> {
    match m {
        "first_response" => t.first_response,
        "next_response" => t.next_response,
        _ => t.resolution,
    }
}

fn draft_of(index: Option<usize>, p: Option<&Policy>) -> PolicyDraft {
    PolicyDraft {
        index: index.map(|i| i.to_string()).unwrap_or_default(),
        name: p.map(|p| p.name.clone()).unwrap_or_default(),
        tier: p.and_then(|p| p.tier.clone()).unwrap_or_default(),
        grid: PRIORITIES
            .iter()
            .map(|pr| {
                let t = p
                    .and_then(|p| p.targets.get(pr))
                    .copied()
                    .unwrap_or_default();
                let cells = METRICS
                    .iter()
                    .map(|m| (*m, minutes(metric(&t, m))))
                    .collect();
                (pr.as_str(), cells)
            })
            .collect(),
    }
}

struct Shown {
    settings: SlaSettings,
    draft: Option<PolicyDraft>,
    edit: Option<usize>,
    refused: (&'static str, Refusal),
    saved: bool,
}

async fn show(l: Lang, layout: Layout, frame: AdminFrame, s: Shown) -> Result<Response, PageError> {
    let hours = s.settings.business_hours.clone().unwrap_or_default();
    let week = DAYS
        .iter()
        .map(|d| {
            let text = hours
                .week
                .as_ref()
                .and_then(|w| w.get(*d))
                .map(|v| v.join(", "))
                .unwrap_or_default();
            (*d, text)
        })
        .collect();
    let policies = s
        .settings
        .policies
        .iter()
        .enumerate()
        .map(|(index, p)| PolicyRow {
            index,
            name: p.name.clone(),
            tier: p.tier.clone().unwrap_or_default(),
            targets: p
                .targets
                .iter()
                .map(|(pr, t)| {
                    (
                        pr.as_str(),
                        [
                            minutes(t.first_response),
                            minutes(t.next_response),
                            minutes(t.resolution),
                        ],
                    )
                })
                .collect(),
        })
        .collect();
    let draft = s.draft.unwrap_or_else(|| {
        let p = s.edit.and_then(|i| s.settings.policies.get(i));
        draft_of(s.edit.filter(|_| p.is_some()), p)
    });
    let (refused_form, refusal) = s.refused;
    let failed = !refusal.text.is_empty();
    let page = SlaPage {
        l,
        layout,
        frame,
        time_zone: hours.time_zone.clone(),
        around_the_clock: s.settings.business_hours.is_some() && hours.week.is_none(),
        week,
        holidays: hours.holidays.join("\n"),
        policies,
        draft,
        refused_form,
        refusal,
        saved: s.saved,
    };
    Ok(unprocessable(render(&page), failed))
}

/// `GET /admin/sla[?edit={index}]`.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
    Query(q): Query<EditQuery>,
) -> Result<Response, PageError> {
    let (p, layout, frame) = admin(&state, principal, l, SECTION).await?;
    let settings = ops::sla_settings(&state, &p).await.or_page(l)?;
    let shown = Shown {
        settings,
        draft: None,
        edit: q.edit,
        refused: ("", Refusal::default()),
        saved: q.saved.is_some(),
    };
    show(l, layout, frame, shown).await
}

/// What a refused form keeps: the hours as entered, or the policy as entered.
enum Kept {
    Hours(Option<HoursSpec>),
    Policy(PolicyDraft),
}

/// Saves `settings`, or shows the page again with the refusal beside the form's field and
/// the form's input kept.
async fn save(
    state: &AppState,
    posted: (Principal, Lang, Layout, AdminFrame),
    settings: Result<SlaSettings, ApiError>,
    kept: Kept,
) -> Result<Response, PageError> {
    let (p, l, layout, frame) = posted;
    let result = match settings {
        Ok(s) => ops::save_sla_settings(state, &p, &s).await,
        Err(e) => Err(e),
    };
    match refusal(l, result)? {
        Ok(()) => Ok(Redirect::to("/admin/sla?saved=1").into_response()),
        Err(why) => {
            let mut stored = ops::sla_settings(state, &p).await.or_page(l)?;
            let (form, draft) = match kept {
                Kept::Hours(h) => {
                    stored.business_hours = h;
                    ("hours", None)
                }
                Kept::Policy(d) => ("policy", Some(d)),
            };
            let shown = Shown {
                settings: stored,
                draft,
                edit: None,
                refused: (form, why),
                saved: false,
            };
            show(l, layout, frame, shown).await
        }
    }
}

/// The business-hours form.
#[derive(Deserialize)]
pub(crate) struct HoursForm {
    #[serde(default)]
    time_zone: String,
    /// `on` when the days are ignored (open around the clock in the time zone).
    #[serde(default)]
    always: String,
    #[serde(default)]
    holidays: String,
    #[serde(flatten)]
    days: HashMap<String, String>,
}

/// `POST /admin/sla/hours`.
pub(crate) async fn save_hours(
    State(state): State<AppState>,
    posted: StaffForm<HoursForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let time_zone = form.time_zone.trim().to_owned();
    let hours = if time_zone.is_empty() {
        None
    } else {
        let week = (form.always != "on").then(|| {
            DAYS.iter()
                .filter_map(|d| {
                    let raw = form.days.get(&format!("day_{d}"))?;
                    let intervals: Vec<String> = raw
                        .split([',', ';', '\n'])
                        .map(str::trim)
                        .filter(|i| !i.is_empty())
                        .map(|i| i.replace(' ', ""))
                        .collect();
                    (!intervals.is_empty()).then(|| ((*d).to_owned(), intervals))
                })
                .collect::<BTreeMap<_, _>>()
        });
        let holidays = form
            .holidays
            .split([',', '\n', ' '])
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect();
        Some(HoursSpec {
            time_zone,
            week,
            holidays,
        })
    };
    let settings = ops::sla_settings(&state, &p).await.map(|mut s| {
        s.business_hours = hours.clone();
        s
    });
    save(&state, (p, l, layout, frame), settings, Kept::Hours(hours)).await
}

/// The policy form: its position when edited, name, tier, and minutes per
/// `<priority>_<metric>`.
#[derive(Deserialize)]
pub(crate) struct PolicyForm {
    #[serde(default)]
    index: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    tier: String,
    #[serde(flatten)]
    cells: HashMap<String, String>,
}

/// `POST /admin/sla/policies`: a new policy, or the one at `index` replaced.
pub(crate) async fn save_policy(
    State(state): State<AppState>,
    posted: StaffForm<PolicyForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let draft = PolicyDraft {
        index: form.index.trim().to_owned(),
        name: form.name.clone(),
        tier: form.tier.clone(),
        grid: PRIORITIES
            .iter()
            .map(|pr| {
                let cells = METRICS
                    .iter()
                    .map(|m| {
                        let key = format!("{}_{m}", pr.as_str());
                        (*m, form.cells.get(&key).cloned().unwrap_or_default())
                    })
                    .collect();
                (pr.as_str(), cells)
            })
            .collect(),
    };
    let policy = policy_of(&draft);
    let settings = match (policy, ops::sla_settings(&state, &p).await) {
        (Ok(policy), Ok(mut s)) => match draft.index.as_str() {
            "" => {
                s.policies.push(policy);
                Ok(s)
            }
            raw => match raw.parse::<usize>().ok().filter(|i| *i < s.policies.len()) {
                Some(i) => {
                    s.policies[i] = policy;
                    Ok(s)
                }
                None => Err(ApiError::not_found("policy")),
            },
        },
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    save(&state, (p, l, layout, frame), settings, Kept::Policy(draft)).await
}

/// The policy a form describes (targets entered in minutes).
fn policy_of(d: &PolicyDraft) -> Result<Policy, ApiError> {
    let mut targets = BTreeMap::new();
    for (pr, cells) in &d.grid {
        let mut t = Targets::default();
        for (m, raw) in cells {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let mins: i64 = raw
                .parse()
                .map_err(|_| ApiError::invalid("targets", "whole minutes"))?;
            let secs = mins.checked_mul(60);
            match *m {
                "first_response" => t.first_response = secs,
                "next_response" => t.next_response = secs,
                _ => t.resolution = secs,
            }
        }
        if t != Targets::default() {
            let priority = Priority::parse(pr)?;
            targets.insert(priority, t);
        }
    }
    let tier = d.tier.trim();
    Ok(Policy {
        name: d.name.trim().to_owned(),
        tier: (!tier.is_empty()).then(|| tier.to_owned()),
        targets,
    })
}

/// `POST /admin/sla/policies/{index}/delete`.
pub(crate) async fn delete_policy(
    State(state): State<AppState>,
    Path(index): Path<usize>,
    posted: StaffForm<Empty>,
) -> Result<Response, PageError> {
    let (p, l, _, _, _) = admin_form(&state, posted, SECTION).await?;
    let mut settings = ops::sla_settings(&state, &p).await.or_page(l)?;
    if index >= settings.policies.len() {
        return Err(PageError::new(l, ApiError::not_found("policy")));
    }
    settings.policies.remove(index);
    ops::save_sla_settings(&state, &p, &settings)
        .await
        .or_page(l)?;
    Ok(Redirect::to("/admin/sla?saved=1").into_response())
}
