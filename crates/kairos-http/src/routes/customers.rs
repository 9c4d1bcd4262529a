//! Customers: create, read, identities, merge, timeline.

use super::inbound::parse_identity;
use super::{SeqPageQuery, page_limit};
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query, parse_id};
use crate::views::{CustomerView, IdentityView, MessageView, Page};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use kairos_core::customer::Customer;
use kairos_core::ids::{CustomerId, TenantId};
use kairos_core::party::{Role, parse_display_name};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_customer))
        .routes(routes!(get_customer))
        .routes(routes!(add_identity))
        .routes(routes!(merge))
        .routes(routes!(timeline))
        .routes(routes!(set_tier))
        .routes(routes!(set_time_zone))
}

/// Most identities given when creating a customer.
const MAX_IDENTITIES: usize = 20;

/// Who may read customer `id`: staff any in their tenant, a customer only themself
/// (others: 404, existence is not revealed), other roles nobody (403).
pub(crate) fn may_read_customer(p: &Principal, id: CustomerId) -> Result<(), ApiError> {
    match p.role {
        Role::Admin | Role::Agent => Ok(()),
        Role::Customer if p.customer_id == Some(id) => Ok(()),
        Role::Customer => Err(ApiError::not_found("customer")),
        _ => Err(ApiError::forbidden()),
    }
}

async fn load(state: &AppState, tenant: TenantId, id: CustomerId) -> Result<Customer, ApiError> {
    state
        .store
        .customer(tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))
}

/// A new customer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateCustomer {
    /// Name.
    #[serde(default)]
    display_name: Option<String>,
    /// Identities; each must not belong to another customer.
    #[serde(default)]
    identities: Vec<IdentityView>,
}

/// Creates a customer.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = CreateCustomer,
    responses((status = 201, body = CustomerView), (status = 409, description = "an identity belongs to another customer", body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn create_customer(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<CreateCustomer>,
) -> Result<Response, ApiError> {
    p.require_staff()?;
    if req.identities.len() > MAX_IDENTITIES {
        return Err(ApiError::invalid(
            "identities",
            format!("at most {MAX_IDENTITIES}"),
        ));
    }
    let name = req
        .display_name
        .as_deref()
        .map(|n| parse_display_name("display_name", n))
        .transpose()?;
    let identities = req
        .identities
        .iter()
        .map(parse_identity)
        .collect::<Result<Vec<_>, _>>()?;
    let id = state
        .store
        .create_customer(p.tenant_id, name, identities, &p.actor())
        .await?;
    let customer = load(&state, p.tenant_id, id).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CustomerView::from(&customer)),
    )
        .into_response())
}

/// One customer with identities.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = Uuid, Path)),
    responses((status = 200, body = CustomerView), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn get_customer(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<axum::Json<CustomerView>, ApiError> {
    let id: CustomerId = parse_id(&id, "customer")?;
    may_read_customer(&p, id)?;
    let mut view = CustomerView::from(&load(&state, p.tenant_id, id).await?);
    if p.role == Role::Customer {
        // The tier is the team's business (the same rule as `customer.tier` events).
        view.tier = None;
    }
    Ok(axum::Json(view))
}

/// A service tier.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TierRequest {
    /// `gold`, `business`, … (letters, digits, `-`, `_`; at most 64); `null` or empty clears it.
    #[schema(example = "gold")]
    tier: Option<String>,
}

/// Sets a customer's service tier (staff); SLA policies with that `tier` apply to their
/// conversations from the next change on.
#[utoipa::path(put, path = "/api/v1/customers/{id}/tier", tag = "customers", params(("id" = Uuid, Path)), request_body = TierRequest,
    responses((status = 200, body = CustomerView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn set_tier(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(req): Json<TierRequest>,
) -> Result<axum::Json<CustomerView>, ApiError> {
    p.require_staff()?;
    let id: CustomerId = parse_id(&id, "customer")?;
    let tier = kairos_core::customer::parse_tier(req.tier.as_deref())?;
    let id = state
        .store
        .set_customer_tier(p.tenant_id, id, tier, &p.actor())
        .await?;
    Ok(axum::Json(CustomerView::from(
        &load(&state, p.tenant_id, id).await?,
    )))
}

/// A time zone to set.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TimeZoneRequest {
    /// An IANA time zone; `null` or empty clears it (the tenant's zone applies).
    #[schema(example = "Europe/Berlin")]
    time_zone: Option<String>,
}

/// Sets a customer's time zone (staff, or the customer themself): anticipation's quiet
/// hours count in it.
#[utoipa::path(put, path = "/api/v1/customers/{id}/time-zone", tag = "customers", params(("id" = Uuid, Path)), request_body = TimeZoneRequest,
    responses((status = 200, body = CustomerView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn set_time_zone(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(req): Json<TimeZoneRequest>,
) -> Result<axum::Json<CustomerView>, ApiError> {
    let id: CustomerId = parse_id(&id, "customer")?;
    let own = p.role == Role::Customer && p.customer_id == Some(id);
    if !(p.role.is_staff() || own) {
        return Err(if p.role == Role::Customer {
            ApiError::not_found("customer")
        } else {
            ApiError::forbidden()
        });
    }
    let zone = kairos_core::customer::parse_time_zone(req.time_zone.as_deref())?;
    let id = state
        .store
        .set_customer_time_zone(p.tenant_id, id, zone, &p.actor())
        .await?;
    Ok(axum::Json(CustomerView::from(
        &load(&state, p.tenant_id, id).await?,
    )))
}

/// Adds an identity (201 if new, 200 if the customer had it).
#[utoipa::path(post, path = "/api/v1/customers/{id}/identities", tag = "customers", params(("id" = Uuid, Path)), request_body = IdentityView,
    responses((status = 201, body = CustomerView), (status = 200, description = "already there", body = CustomerView), (status = 404, body = Problem),
        (status = 409, description = "the identity belongs to another customer (merge them)", body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn add_identity(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(req): Json<IdentityView>,
) -> Result<Response, ApiError> {
    p.require_staff()?;
    let id: CustomerId = parse_id(&id, "customer")?;
    let identity = parse_identity(&req)?;
    let added = state
        .store
        .add_identity(p.tenant_id, id, identity, &p.actor())
        .await?;
    let customer = load(&state, p.tenant_id, id).await?;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(CustomerView::from(&customer))).into_response())
}

/// Which customer to merge into this one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MergeRequest {
    /// The customer that is merged away; its identities and conversations move here.
    other: Uuid,
}

/// Merges `other` into this customer: timelines join, nothing is lost, the merge is an event.
#[utoipa::path(post, path = "/api/v1/customers/{id}/merge", tag = "customers", params(("id" = Uuid, Path)), request_body = MergeRequest,
    responses((status = 200, description = "the surviving customer", body = CustomerView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn merge(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(req): Json<MergeRequest>,
) -> Result<axum::Json<CustomerView>, ApiError> {
    p.require_staff()?;
    let id: CustomerId = parse_id(&id, "customer")?;
    let survivor = crate::workspace::merge_customers(&state, &p, id, req.other.into()).await?;
    Ok(axum::Json(CustomerView::from(&survivor)))
}

/// Every touchpoint of the customer across channels, in order. Customers see their own
/// timeline without internal notes.
#[utoipa::path(get, path = "/api/v1/customers/{id}/timeline", tag = "customers", params(("id" = Uuid, Path), SeqPageQuery),
    responses((status = 200, body = Page<MessageView>), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn timeline(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Query(q): Query<SeqPageQuery>,
) -> Result<axum::Json<Page<MessageView>>, ApiError> {
    let id: CustomerId = parse_id(&id, "customer")?;
    may_read_customer(&p, id)?;
    let limit = page_limit(q.limit, 100, 500)?;
    let customer = load(&state, p.tenant_id, id).await?;
    // A merged-away customer's touchpoints now live with the survivor.
    let owner = customer.merged_into.unwrap_or(customer.id);
    let items = state
        .store
        .timeline(
            p.tenant_id,
            owner,
            p.role.is_staff(),
            q.after.unwrap_or(0),
            limit,
        )
        .await?;
    Ok(axum::Json(Page::<MessageView>::of(&items, limit, |m| {
        m.seq.to_string()
    })))
}
