//! Restriction and objection over HTTP (privacy issue, item 4; checklist N11, N13, N17): the
//! person (or staff for them) switches off profiling, proactive messages or automated
//! decisions — as few steps as giving consent — and sees every automated decision about
//! them with its rule, version and reasons; they contest one, a human upholds or overturns it.

use super::customers::may_read_customer;
use super::page_limit;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query, parse_id};
use axum::extract::{Path, State};
use kairos_core::ids::CustomerId;
use kairos_core::party::Role;
use kairos_core::restriction::{Restrictions, RestrictionsCommand, ReviewStatus};
use kairos_store::restriction::Decision;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_restrictions, put_restrictions))
        .routes(routes!(list_decisions))
        .routes(routes!(review_decision))
}

/// `profiling`, `proactive`, `automation`: true means the person is excluded.
#[derive(Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub(crate) struct RestrictionsView(Restrictions);

/// Switches to change (others are kept) and an optional `reason` (≤ 2000 bytes).
#[derive(Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub(crate) struct RestrictionsDocument(RestrictionsCommand);

/// An automated decision about the person, with what it used and its review.
#[derive(Serialize, ToSchema)]
pub(crate) struct DecisionView {
    /// Its key (name it when contesting).
    key: String,
    /// The rule that decided.
    rule: String,
    /// The rule's version.
    rule_version: u32,
    /// What it did: `notify`, `coupon`, `touchpoint`, `open_conversation`, `webhook`, `emit`.
    action: String,
    /// The text it sent or noted.
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    /// One line per matched event and policy check: the inputs it used.
    explanation: Vec<String>,
    /// The conversation it wrote to.
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation_id: Option<Uuid>,
    /// When (RFC 3339).
    fired_at: String,
    /// `contested`, `upheld`, `overturned`, or absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    review: Option<&'static str>,
    /// The person's reason or the reviewer's note.
    #[serde(skip_serializing_if = "Option::is_none")]
    review_note: Option<String>,
}

impl From<Decision> for DecisionView {
    fn from(d: Decision) -> Self {
        Self {
            key: d.key,
            rule: d.rule,
            rule_version: d.rule_version,
            action: d.action,
            text: d.text,
            explanation: d.explanation,
            conversation_id: d.conversation_id.map(|c| c.0),
            fired_at: d.fired_at.to_rfc3339(),
            review: d.review.map(|r| r.as_str()),
            review_note: d.review_note,
        }
    }
}

/// The automated decisions about a person, newest first.
#[derive(Serialize, ToSchema)]
pub(crate) struct DecisionList {
    /// The decisions.
    decisions: Vec<DecisionView>,
}

/// Paging of the list.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionQuery {
    /// Most decisions, 1–1000 (default 100).
    limit: Option<u32>,
}

/// A review step: the person `contested`; staff `upheld` or `overturned`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewDocument {
    /// The decision's key.
    key: String,
    /// `contested` (the person), `upheld` or `overturned` (staff).
    #[schema(value_type = String)]
    status: ReviewStatus,
    /// The person's reason or the reviewer's note (≤ 2000 bytes).
    note: Option<String>,
}

async fn existing(state: &AppState, p: &Principal, id: &str) -> Result<CustomerId, ApiError> {
    let id: CustomerId = parse_id(id, "customer")?;
    may_read_customer(p, id)?;
    if state.store.customer(p.tenant_id, id).await?.is_none() {
        return Err(ApiError::not_found("customer"));
    }
    Ok(id)
}

/// What the person is excluded from (staff, or the person themself).
#[utoipa::path(get, path = "/api/v1/customers/{id}/restrictions", tag = "privacy", params(("id" = Uuid, Path)),
    responses((status = 200, body = RestrictionsView), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn get_restrictions(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<axum::Json<RestrictionsView>, ApiError> {
    let id = existing(&state, &p, &id).await?;
    let r = state.store.restrictions(p.tenant_id, id).await?;
    Ok(axum::Json(RestrictionsView(r)))
}

/// Changes the restrictions (staff, or the person themself); they count from this request
/// on: no matching after `profiling`, no rule-started message after `proactive`, no
/// automated decision at all after `automation`.
#[utoipa::path(put, path = "/api/v1/customers/{id}/restrictions", tag = "privacy", params(("id" = Uuid, Path)), request_body = RestrictionsDocument,
    responses((status = 200, body = RestrictionsView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn put_restrictions(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(RestrictionsDocument(cmd)): Json<RestrictionsDocument>,
) -> Result<axum::Json<RestrictionsView>, ApiError> {
    let id = existing(&state, &p, &id).await?;
    let r = state
        .store
        .set_restrictions(p.tenant_id, id, cmd, &p.actor())
        .await?;
    Ok(axum::Json(RestrictionsView(r)))
}

/// The automated decisions about the person, with the rule, version and inputs of each
/// (staff, or the person themself; Art. 15(1)(h), 22).
#[utoipa::path(get, path = "/api/v1/customers/{id}/decisions", tag = "privacy", params(("id" = Uuid, Path), DecisionQuery),
    responses((status = 200, body = DecisionList), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn list_decisions(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Query(q): Query<DecisionQuery>,
) -> Result<axum::Json<DecisionList>, ApiError> {
    let id = existing(&state, &p, &id).await?;
    let limit = page_limit(q.limit, 100, 1000)?;
    let decisions = state.store.decisions(p.tenant_id, id, limit).await?;
    Ok(axum::Json(DecisionList {
        decisions: decisions.into_iter().map(DecisionView::from).collect(),
    }))
}

/// Contests a decision (the person) or reviews it (staff: upheld or overturned, once).
#[utoipa::path(post, path = "/api/v1/customers/{id}/decisions/review", tag = "privacy", params(("id" = Uuid, Path)), request_body = ReviewDocument,
    responses((status = 200, body = DecisionView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn review_decision(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(doc): Json<ReviewDocument>,
) -> Result<axum::Json<DecisionView>, ApiError> {
    let id = existing(&state, &p, &id).await?;
    if doc.key.is_empty() || doc.key.len() > 1024 {
        return Err(ApiError::invalid("key", "1 to 1024 bytes"));
    }
    let by_staff = matches!(p.role, Role::Admin | Role::Agent);
    let d = state
        .store
        .review_decision(
            p.tenant_id,
            id,
            doc.key,
            doc.status,
            doc.note,
            by_staff,
            &p.actor(),
        )
        .await?;
    Ok(axum::Json(DecisionView::from(d)))
}
