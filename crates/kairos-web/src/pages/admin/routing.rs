//! Admin: routing — whether Kairos assigns conversations itself, and the queues in order,
//! each with the channels and tags it takes and the skills an agent needs. The whole
//! document is validated as `PUT /api/v1/routing` validates it
//! (`kairos_http::admin::save_routing_settings`); a refusal is shown beside its field.

use super::canned::Empty;
use super::{AdminFrame, EditQuery, Refusal, admin, admin_form, refusal, unprocessable};
use crate::error::{OrPage, PageError};
use crate::forms::StaffForm;
use crate::i18n::Lang;
use crate::pages::{Layout, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kairos_core::message::Channel;
use kairos_core::routing::{Queue, RoutingSettings};
use kairos_http::admin as ops;
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};
use serde::Deserialize;
use std::collections::HashMap;

const SECTION: &str = "/admin/routing";

/// One queue as listed.
struct QueueRow {
    index: usize,
    name: String,
    /// Channel codes (empty: any).
    channels: Vec<&'static str>,
    tags: String,
    skills: String,
}

/// The queue form's values.
struct QueueDraft {
    /// The queue edited (its position), or empty for a new one.
    index: String,
    name: String,
    /// `(channel code, checked)`, every channel.
    channels: Vec<(&'static str, bool)>,
    tags: String,
    skills: String,
}

#[derive(Template)]
#[template(path = "admin/routing.html")]
struct RoutingPage {
    l: Lang,
    layout: Layout,
    frame: AdminFrame,
    enabled: bool,
    queues: Vec<QueueRow>,
    draft: QueueDraft,
    /// `enabled` or `queue`: the form a refusal belongs to.
    refused_form: &'static str,
    refusal: Refusal,
    saved: bool,
}

impl RoutingPage {
    /// The refusal's text if it belongs to `form` and names `field`.
    fn error(&self, form: &str, field: &str) -> Option<&str> {
        (self.refused_form == form)
            .then(|| self.refusal.about(field))
            .flatten()
    }

    /// The refusal's text if it belongs to `form` but names none of the queue's fields.
    fn other(&self, form: &str) -> Option<&str> {
        (self.refused_form == form)
            .then(|| {
                self.refusal
                    .general(&["name", "channels", "tags", "skills"])
            })
            .flatten()
    }
}

fn words(v: &[String]) -> String {
    v.join(", ")
}

fn draft_of(index: Option<usize>, q: Option<&Queue>) -> QueueDraft {
    QueueDraft {
        index: index.map(|i| i.to_string()).unwrap_or_default(),
        name: q.map(|q| q.name.clone()).unwrap_or_default(),
        channels: Channel::ALL
            .iter()
            .map(|c| (c.as_str(), q.is_some_and(|q| q.channels.contains(c))))
            .collect(),
        tags: q.map(|q| words(&q.tags)).unwrap_or_default(),
        skills: q.map(|q| words(&q.skills)).unwrap_or_default(),
    }
}

struct Shown {
    settings: RoutingSettings,
    draft: Option<QueueDraft>,
    edit: Option<usize>,
    refused: (&'static str, Refusal),
    saved: bool,
}

fn show(l: Lang, layout: Layout, frame: AdminFrame, s: Shown) -> Response {
    let queues = s
        .settings
        .queues
        .iter()
        .enumerate()
        .map(|(index, q)| QueueRow {
            index,
            name: q.name.clone(),
            channels: q.channels.iter().map(Channel::as_str).collect(),
            tags: words(&q.tags),
            skills: words(&q.skills),
        })
        .collect();
    let draft = s.draft.unwrap_or_else(|| {
        let q = s.edit.and_then(|i| s.settings.queues.get(i));
        draft_of(s.edit.filter(|_| q.is_some()), q)
    });
    let (refused_form, refusal) = s.refused;
    let failed = !refusal.text.is_empty();
    let page = RoutingPage {
        l,
        layout,
        frame,
        enabled: s.settings.enabled,
        queues,
        draft,
        refused_form,
        refusal,
        saved: s.saved,
    };
    unprocessable(render(&page), failed)
}

/// `GET /admin/routing[?edit={index}]`.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
    Query(q): Query<EditQuery>,
) -> Result<Response, PageError> {
    let (p, layout, frame) = admin(&state, principal, l, SECTION).await?;
    let settings = ops::routing_settings(&state, &p).await.or_page(l)?;
    let shown = Shown {
        settings,
        draft: None,
        edit: q.edit,
        refused: ("", Refusal::default()),
        saved: q.saved.is_some(),
    };
    Ok(show(l, layout, frame, shown))
}

/// Saves `settings`, or shows the page again with the refusal beside the form's field and
/// the queue as entered kept.
async fn save(
    state: &AppState,
    posted: (Principal, Lang, Layout, AdminFrame),
    settings: Result<RoutingSettings, ApiError>,
    form: &'static str,
    draft: Option<QueueDraft>,
) -> Result<Response, PageError> {
    let (p, l, layout, frame) = posted;
    let result = match settings {
        Ok(s) => ops::save_routing_settings(state, &p, s).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match refusal(l, result)? {
        Ok(()) => Ok(Redirect::to("/admin/routing?saved=1").into_response()),
        Err(why) => {
            let settings = ops::routing_settings(state, &p).await.or_page(l)?;
            let shown = Shown {
                settings,
                draft,
                edit: None,
                refused: (form, why),
                saved: false,
            };
            Ok(show(l, layout, frame, shown))
        }
    }
}

/// The on/off form.
#[derive(Deserialize)]
pub(crate) struct EnabledForm {
    /// `on` when Kairos assigns conversations itself.
    #[serde(default)]
    enabled: String,
}

/// `POST /admin/routing`: automatic assignment on or off.
pub(crate) async fn save_enabled(
    State(state): State<AppState>,
    posted: StaffForm<EnabledForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let settings = ops::routing_settings(&state, &p).await.map(|mut s| {
        s.enabled = form.enabled == "on";
        s
    });
    save(&state, (p, l, layout, frame), settings, "enabled", None).await
}

/// The queue form: its position when edited, name, tags and skills (comma-separated), and
/// `channel_<code>=on` per channel it takes.
#[derive(Deserialize)]
pub(crate) struct QueueForm {
    #[serde(default)]
    index: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    skills: String,
    #[serde(flatten)]
    checks: HashMap<String, String>,
}

fn list(raw: &str) -> Vec<String> {
    raw.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `POST /admin/routing/queues`: a new queue (last), or the one at `index` replaced.
pub(crate) async fn save_queue(
    State(state): State<AppState>,
    posted: StaffForm<QueueForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let draft = QueueDraft {
        index: form.index.trim().to_owned(),
        name: form.name.clone(),
        channels: Channel::ALL
            .iter()
            .map(|c| {
                let key = format!("channel_{}", c.as_str());
                (c.as_str(), form.checks.get(&key).is_some_and(|v| v == "on"))
            })
            .collect(),
        tags: form.tags.clone(),
        skills: form.skills.clone(),
    };
    let queue = Queue {
        name: form.name.trim().to_owned(),
        channels: Channel::ALL
            .into_iter()
            .zip(&draft.channels)
            .filter(|(_, (_, on))| *on)
            .map(|(c, _)| c)
            .collect(),
        tags: list(&form.tags),
        skills: list(&form.skills),
    };
    let settings =
        ops::routing_settings(&state, &p)
            .await
            .and_then(|mut s| match draft.index.as_str() {
                "" => {
                    s.queues.push(queue);
                    Ok(s)
                }
                raw => match raw.parse::<usize>().ok().filter(|i| *i < s.queues.len()) {
                    Some(i) => {
                        s.queues[i] = queue;
                        Ok(s)
                    }
                    None => Err(ApiError::not_found("queue")),
                },
            });
    save(
        &state,
        (p, l, layout, frame),
        settings,
        "queue",
        Some(draft),
    )
    .await
}

/// `POST /admin/routing/queues/{index}/up`: the queue one place earlier (it is tried
/// before the one it passes).
pub(crate) async fn move_up(
    State(state): State<AppState>,
    Path(index): Path<usize>,
    posted: StaffForm<Empty>,
) -> Result<Response, PageError> {
    change(state, index, posted, |queues, i| {
        if i > 0 {
            queues.swap(i - 1, i);
        }
    })
    .await
}

/// `POST /admin/routing/queues/{index}/delete`.
pub(crate) async fn delete_queue(
    State(state): State<AppState>,
    Path(index): Path<usize>,
    posted: StaffForm<Empty>,
) -> Result<Response, PageError> {
    change(state, index, posted, |queues, i| {
        queues.remove(i);
    })
    .await
}

async fn change(
    state: AppState,
    index: usize,
    posted: StaffForm<Empty>,
    edit: impl FnOnce(&mut Vec<Queue>, usize),
) -> Result<Response, PageError> {
    let (p, l, _, _, _) = admin_form(&state, posted, SECTION).await?;
    let mut settings = ops::routing_settings(&state, &p).await.or_page(l)?;
    if index >= settings.queues.len() {
        return Err(PageError::new(l, ApiError::not_found("queue")));
    }
    edit(&mut settings.queues, index);
    ops::save_routing_settings(&state, &p, settings)
        .await
        .or_page(l)?;
    Ok(Redirect::to("/admin/routing?saved=1").into_response())
}
