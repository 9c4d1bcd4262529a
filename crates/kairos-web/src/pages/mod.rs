//! The pages: the frame they share, and one module per page.

pub(crate) mod admin;
pub(crate) mod conversation;
pub(crate) mod customer;
pub(crate) mod dashboard;
pub(crate) mod dashboard_csv;
pub(crate) mod inbox;
pub(crate) mod invite;
pub(crate) mod login;
pub(crate) mod merge;

use crate::assets;
use crate::error::{OrPage, PageError};
use crate::i18n::Lang;
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;
use kairos_core::ids::PartyId;
use kairos_http::AppState;
use kairos_http::auth::Principal;
use std::collections::HashMap;

/// What the frame around every page needs.
pub(crate) struct Layout {
    /// The current path, for the language switch.
    pub path: String,
    /// The stylesheet's URL.
    pub css: String,
    /// The script's URL.
    pub js: String,
    /// The icon's URL.
    pub icon: String,
    /// The signed-in staff member's name and the session's CSRF token (for signing out).
    pub user: Option<(String, String)>,
    /// Every language, with whether it is the current one.
    pub langs: Vec<(Lang, bool)>,
    /// The signed-in staff member's party id (the live script tells others' views from
    /// its own); empty when signed out.
    pub me: String,
    /// Whether the signed-in staff member is an admin (the navigation shows the admin
    /// pages).
    pub admin: bool,
}

impl Layout {
    /// The frame for a visitor who is not signed in.
    pub(crate) fn anonymous(lang: Lang, path: &str) -> Self {
        Self {
            path: path.to_owned(),
            css: assets::url("app.css"),
            js: assets::url("app.js"),
            icon: assets::url("favicon.svg"),
            user: None,
            me: String::new(),
            admin: false,
            langs: Lang::ALL.iter().map(|l| (*l, *l == lang)).collect(),
        }
    }

    /// The frame for a signed-in staff member.
    pub(crate) fn signed_in(lang: Lang, path: &str, p: &Principal, name: String) -> Self {
        Self {
            user: Some((name, p.csrf_token().unwrap_or_default().to_owned())),
            me: p.party_id.map(|id| id.to_string()).unwrap_or_default(),
            admin: p.role == kairos_core::party::Role::Admin,
            ..Self::anonymous(lang, path)
        }
    }
}

/// Renders a page (a template that cannot render is our bug: 500).
pub(crate) fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// The caller of a page, which must be signed-in staff; with their frame.
pub(crate) async fn staff(
    state: &AppState,
    principal: Result<Principal, kairos_http::ApiError>,
    lang: Lang,
    path: &str,
) -> Result<(Principal, Layout), PageError> {
    let p = principal.or_page(lang)?;
    p.require_staff().or_page(lang)?;
    let layout = frame(state, &p, lang, path).await?;
    Ok((p, layout))
}

/// The frame of a page for signed-in staff member `p`.
pub(crate) async fn frame(
    state: &AppState,
    p: &Principal,
    lang: Lang,
    path: &str,
) -> Result<Layout, PageError> {
    let name = match p.party_id {
        Some(id) => Names::default().get(state, p, id).await.or_page(lang)?,
        None => String::new(),
    };
    Ok(Layout::signed_in(lang, path, p, name))
}

/// Timeline entries read per store call.
const TIMELINE_PAGE: u32 = 500;
/// Store calls at most per page view (a history beyond 20 × 500 touchpoints shows the
/// newest of its first 10,000 until the store reads backwards).
const TIMELINE_PAGES: usize = 20;

/// The newest `n` touchpoints of customer `owner` (staff view: notes included), newest
/// first. The store reads a timeline forwards, so this pages through it and keeps the tail.
pub(crate) async fn latest_timeline(
    state: &AppState,
    p: &Principal,
    owner: kairos_core::ids::CustomerId,
    n: usize,
) -> Result<Vec<kairos_core::message::Message>, kairos_http::ApiError> {
    let mut tail = std::collections::VecDeque::with_capacity(n + TIMELINE_PAGE as usize);
    let mut after = 0;
    for _ in 0..TIMELINE_PAGES {
        let page = state
            .store
            .timeline(p.tenant_id, owner, true, after, TIMELINE_PAGE)
            .await?;
        let full = page.len() == TIMELINE_PAGE as usize;
        if let Some(last) = page.last() {
            after = last.seq;
        }
        tail.extend(page);
        while tail.len() > n {
            tail.pop_front();
        }
        if !full {
            break;
        }
    }
    Ok(tail.into_iter().rev().collect())
}

/// Staff names by id, looked up once per page.
#[derive(Default)]
pub(crate) struct Names(HashMap<PartyId, String>);

impl Names {
    /// The display name of staff member `id` (empty if there is none).
    pub(crate) async fn get(
        &mut self,
        state: &AppState,
        p: &Principal,
        id: PartyId,
    ) -> Result<String, kairos_http::ApiError> {
        if let Some(name) = self.0.get(&id) {
            return Ok(name.clone());
        }
        let name = state
            .store
            .party(p.tenant_id, id)
            .await?
            .map(|party| party.display_name)
            .unwrap_or_default();
        self.0.insert(id, name.clone());
        Ok(name)
    }
}
