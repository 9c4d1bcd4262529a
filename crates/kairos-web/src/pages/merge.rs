//! Merging two customers from the profile: find the other customer (by name, an identity
//! such as the e-mail address, or the id), confirm on a page that shows both, then the
//! API's merge use case moves the other's identities, conversations and consents here.

use super::{Layout, render, staff};
use crate::error::{OrPage, PageError};
use crate::forms::StaffForm;
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kairos_core::customer::Customer;
use kairos_core::ids::CustomerId;
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};
use serde::Deserialize;

/// Customers listed for one search.
const FOUND: u32 = 20;

/// A customer as the merge pages show them.
struct Card {
    id: String,
    name: String,
    tier: String,
    identities: Vec<(&'static str, String)>,
}

impl Card {
    fn of(c: &Customer) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.display_name.clone().unwrap_or_default(),
            tier: c.tier.clone().unwrap_or_default(),
            identities: c
                .identities
                .iter()
                .map(|i| (i.kind.as_str(), i.value.clone()))
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "merge_find.html")]
struct FindPage {
    l: Lang,
    layout: Layout,
    this: Card,
    q: String,
    searched: bool,
    found: Vec<Card>,
}

#[derive(Template)]
#[template(path = "merge_confirm.html")]
struct ConfirmPage {
    l: Lang,
    layout: Layout,
    this_id: String,
    other_id: String,
    /// The other customer, then this one, each under its heading.
    cards: Vec<(String, Card)>,
    csrf: String,
}

/// The search's query.
#[derive(Deserialize, Default)]
pub(crate) struct FindQuery {
    q: Option<String>,
}

fn parse_id(raw: &str, l: Lang) -> Result<CustomerId, PageError> {
    raw.parse()
        .map_err(|_| PageError::new(l, ApiError::not_found("customer")))
}

/// A customer of the caller's tenant that was not merged away (else 404).
async fn live_customer(
    state: &AppState,
    p: &Principal,
    id: CustomerId,
    l: Lang,
) -> Result<Customer, PageError> {
    state
        .store
        .customer(p.tenant_id, id)
        .await
        .or_page(l)?
        .filter(|c| c.merged_into.is_none())
        .ok_or_else(|| PageError::new(l, ApiError::not_found("customer")))
}

/// `GET /customers/{id}/merge?q=…`: find the customer to merge into this one.
pub(crate) async fn find(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
    Path(id): Path<String>,
    Query(query): Query<FindQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, l)?;
    let (p, layout) = staff(&state, principal, l, &format!("/customers/{id}/merge")).await?;
    let this = live_customer(&state, &p, id, l).await?;
    let q = query.q.unwrap_or_default().trim().to_owned();
    let mut found = Vec::new();
    if let Ok(other) = q.parse::<CustomerId>() {
        if let Some(c) = state.store.customer(p.tenant_id, other).await.or_page(l)? {
            found.push(c);
        }
    } else if !q.is_empty() {
        for m in state
            .store
            .find_customers(p.tenant_id, &q, FOUND)
            .await
            .or_page(l)?
        {
            if let Some(c) = state.store.customer(p.tenant_id, m.id).await.or_page(l)? {
                found.push(c);
            }
        }
    }
    let found = found
        .iter()
        .filter(|c| c.id != id && c.merged_into.is_none())
        .map(Card::of)
        .collect();
    Ok(render(&FindPage {
        l,
        layout,
        this: Card::of(&this),
        searched: !q.is_empty(),
        q,
        found,
    }))
}

/// `GET /customers/{id}/merge/{other}`: both customers side by side, and the form.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
    Path((id, other)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (id, other) = (parse_id(&id, l)?, parse_id(&other, l)?);
    let path = format!("/customers/{id}/merge/{other}");
    let (p, layout) = staff(&state, principal, l, &path).await?;
    if id == other {
        return Err(PageError::new(l, ApiError::not_found("customer")));
    }
    let this = live_customer(&state, &p, id, l).await?;
    let that = live_customer(&state, &p, other, l).await?;
    Ok(render(&ConfirmPage {
        l,
        layout,
        this_id: this.id.to_string(),
        other_id: that.id.to_string(),
        cards: vec![
            (l.msg("merge-other"), Card::of(&that)),
            (l.msg("merge-this"), Card::of(&this)),
        ],
        csrf: p.csrf_token().unwrap_or_default().to_owned(),
    }))
}

/// The merge form's field.
#[derive(Deserialize)]
pub(crate) struct MergeForm {
    #[serde(default)]
    other: String,
}

/// `POST /customers/{id}/merge`: merges `other` into this customer through the API's use
/// case, then shows the profile with the result.
pub(crate) async fn merge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: StaffForm<MergeForm>,
) -> Result<Response, PageError> {
    let StaffForm {
        principal: p,
        lang: l,
        form,
    } = posted;
    let id = parse_id(&id, l)?;
    let other = parse_id(&form.other, l)?;
    kairos_http::workspace::merge_customers(&state, &p, id, other)
        .await
        .or_page(l)?;
    Ok(Redirect::to(&format!("/customers/{id}?done=merged")).into_response())
}
