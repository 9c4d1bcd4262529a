//! Agents and routing: profiles (skills, capacity), availability, load, and the tenant's
//! routing settings (queues). Assignment itself is done by the routing worker.

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, parse_id};
use axum::extract::{Path, State};
use http::StatusCode;
use kairos_core::ids::PartyId;
use kairos_core::party::Role;
use kairos_core::routing::{self, AgentStatus, RoutingSettings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(put_profile))
        .routes(routes!(put_status))
        .routes(routes!(get_settings, put_settings))
}

/// Most conversations one agent can be given.
const MAX_CAPACITY: u32 = 1_000;

/// An agent as routing sees them.
#[derive(Serialize, ToSchema)]
pub(crate) struct AgentView {
    /// The agent's party id.
    party_id: Uuid,
    /// Skills.
    skills: Vec<String>,
    /// Most open or pending conversations they take.
    capacity: u32,
    /// `available`, `away` or `offline`.
    status: String,
    /// Open or pending conversations assigned to them now.
    load: u32,
    /// RFC 3339.
    last_assigned_at: Option<String>,
}

/// Agents with a routing profile, with their load (staff).
#[utoipa::path(get, path = "/api/v1/agents", tag = "routing",
    responses((status = 200, body = Vec<AgentView>), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<Vec<AgentView>>, ApiError> {
    p.require_staff()?;
    let agents = state.store.agents(p.tenant_id).await?;
    Ok(axum::Json(
        agents
            .into_iter()
            .map(|a| AgentView {
                party_id: a.party_id.0,
                skills: a.skills.into_iter().collect(),
                capacity: a.capacity,
                status: a.status.as_str().to_owned(),
                load: a.load,
                last_assigned_at: a.last_assigned.map(|t| t.to_rfc3339()),
            })
            .collect(),
    ))
}

/// Skills and capacity.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfileRequest {
    /// Skills (letters, digits, `-`, `_`; case-insensitive).
    skills: Vec<String>,
    /// Most open or pending conversations routing gives them (1–1000).
    capacity: u32,
}

/// Sets an agent's skills and capacity (admins).
#[utoipa::path(put, path = "/api/v1/agents/{id}/profile", tag = "routing", params(("id" = Uuid, Path)), request_body = ProfileRequest,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn put_profile(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(req): Json<ProfileRequest>,
) -> Result<StatusCode, ApiError> {
    p.require(&[Role::Admin])?;
    let party: PartyId = parse_id(&id, "agent")?;
    let skills = routing::normalise_skills(&req.skills)?
        .into_iter()
        .collect();
    if !(1..=MAX_CAPACITY).contains(&req.capacity) {
        return Err(ApiError::invalid("capacity", format!("1–{MAX_CAPACITY}")));
    }
    state
        .store
        .set_agent_profile(p.tenant_id, party, skills, req.capacity, &p.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Availability.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusRequest {
    /// `available`, `away` or `offline`.
    status: String,
}

/// Sets the calling agent's availability (staff signed in as themselves).
#[utoipa::path(put, path = "/api/v1/agents/me/status", tag = "routing", request_body = StatusRequest,
    responses((status = 204), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn put_status(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<StatusRequest>,
) -> Result<StatusCode, ApiError> {
    p.require_staff()?;
    // A token not bound to a staff member has no availability to set.
    let party = p.party_id.ok_or_else(ApiError::forbidden)?;
    let status = AgentStatus::parse(&req.status)?;
    state
        .store
        .set_agent_status(p.tenant_id, party, status, &p.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Routing settings: `enabled`, and `queues` in order, each with `name`, `channels`, `tags`
/// and the `skills` an agent needs. See `docs/routing.md`.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub(crate) struct RoutingDocument(RoutingSettings);

/// The tenant's routing settings (default: off).
#[utoipa::path(get, path = "/api/v1/routing", tag = "routing",
    responses((status = 200, body = RoutingDocument), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn get_settings(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<RoutingDocument>, ApiError> {
    let settings = crate::admin::routing_settings(&state, &p).await?;
    Ok(axum::Json(RoutingDocument(settings)))
}

/// Replaces the routing settings (admins).
#[utoipa::path(put, path = "/api/v1/routing", tag = "routing", request_body = RoutingDocument,
    responses((status = 200, body = RoutingDocument), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn put_settings(
    State(state): State<AppState>,
    p: Principal,
    Json(RoutingDocument(settings)): Json<RoutingDocument>,
) -> Result<axum::Json<RoutingDocument>, ApiError> {
    let settings = crate::admin::save_routing_settings(&state, &p, settings).await?;
    Ok(axum::Json(RoutingDocument(settings)))
}
