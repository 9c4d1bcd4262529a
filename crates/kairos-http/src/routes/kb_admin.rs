//! Knowledge-base administration: the tenant's languages, and partner principals with
//! drafting rights in granted categories (docs/knowledge.md).

use super::{load_setting, save_setting};
use crate::AppState;
use crate::auth::{self, Principal};
use crate::error::{ApiError, Problem};
use crate::extract::{Json, parse_id};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use kairos_core::ids::{CategoryId, PartyId, TenantId};
use kairos_core::knowledge::{KbSettings, SETTINGS_KEY};
use kairos_core::party::{Role, parse_display_name};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(create_partner))
        .routes(routes!(list_grants))
        .routes(routes!(grant, revoke))
}

/// The tenant's knowledge-base settings (default languages `de`, `en`).
pub(crate) async fn kb_settings(
    state: &AppState,
    tenant: TenantId,
) -> Result<KbSettings, ApiError> {
    load_setting(state, tenant, SETTINGS_KEY).await
}

/// Knowledge-base settings: `languages`, the BCP 47 tags articles may be written in.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub(crate) struct KbSettingsDocument(KbSettings);

/// The knowledge-base settings (staff).
#[utoipa::path(get, path = "/api/v1/kb/settings", tag = "knowledge",
    responses((status = 200, body = KbSettingsDocument), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn get_settings(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<KbSettingsDocument>, ApiError> {
    p.require_staff()?;
    Ok(axum::Json(KbSettingsDocument(
        kb_settings(&state, p.tenant_id).await?,
    )))
}

/// Replaces the knowledge-base settings (admins).
#[utoipa::path(put, path = "/api/v1/kb/settings", tag = "knowledge", request_body = KbSettingsDocument,
    responses((status = 200, body = KbSettingsDocument), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn put_settings(
    State(state): State<AppState>,
    p: Principal,
    Json(KbSettingsDocument(settings)): Json<KbSettingsDocument>,
) -> Result<axum::Json<KbSettingsDocument>, ApiError> {
    p.require(&[Role::Admin])?;
    let settings = settings.validate()?;
    save_setting(&state, &p, SETTINGS_KEY, &settings).await?;
    Ok(axum::Json(KbSettingsDocument(settings)))
}

/// A new partner principal.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreatePartner {
    /// The partner organisation's name.
    display_name: String,
}

/// The partner party and its API token, shown once.
#[derive(Serialize, ToSchema)]
pub(crate) struct PartnerView {
    /// The party id grants are given to.
    party_id: Uuid,
    /// The `partner` token bound to the party: store it now.
    token: String,
}

/// Creates a partner party with a `partner` token bound to it (admins). It can do nothing
/// until categories are granted to it.
#[utoipa::path(post, path = "/api/v1/kb/partners", tag = "knowledge", request_body = CreatePartner,
    responses((status = 201, body = PartnerView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn create_partner(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<CreatePartner>,
) -> Result<Response, ApiError> {
    p.require(&[Role::Admin])?;
    let name = parse_display_name("display_name", &req.display_name)?;
    let party = state
        .store
        .create_party(p.tenant_id, Role::Partner, None, &name, None, &p.actor())
        .await?;
    let (token, hash) = auth::new_token();
    state
        .store
        .create_token(
            p.tenant_id,
            Role::Partner,
            Some(party),
            None,
            &hash,
            &p.actor(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(PartnerView {
            party_id: party.0,
            token,
        }),
    )
        .into_response())
}

/// The partner party, which must be a partner of this tenant.
async fn partner(state: &AppState, p: &Principal, raw: &str) -> Result<PartyId, ApiError> {
    let id: PartyId = parse_id(raw, "partner")?;
    match state.store.party(p.tenant_id, id).await? {
        Some(party) if party.role == Role::Partner => Ok(id),
        _ => Err(ApiError::not_found("partner")),
    }
}

/// The categories granted to a partner (admins).
#[utoipa::path(get, path = "/api/v1/kb/partners/{id}/categories", tag = "knowledge", params(("id" = Uuid, Path)),
    responses((status = 200, body = [Uuid]), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn list_grants(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<Uuid>>, ApiError> {
    p.require(&[Role::Admin])?;
    let party = partner(&state, &p, &id).await?;
    let grants = state.store.kb_grants(p.tenant_id, party).await?;
    Ok(axum::Json(grants.into_iter().map(|c| c.0).collect()))
}

async fn set_grant(
    state: &AppState,
    p: &Principal,
    id: &str,
    category: &str,
    on: bool,
) -> Result<StatusCode, ApiError> {
    p.require(&[Role::Admin])?;
    let party = partner(state, p, id).await?;
    let category: CategoryId = parse_id(category, "category")?;
    state
        .store
        .kb_grant(p.tenant_id, party, category, on, &p.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Grants a partner drafting rights in a category (admins).
#[utoipa::path(put, path = "/api/v1/kb/partners/{id}/categories/{category_id}", tag = "knowledge", params(("id" = Uuid, Path), ("category_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn grant(
    State(state): State<AppState>,
    p: Principal,
    Path((id, category)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    set_grant(&state, &p, &id, &category, true).await
}

/// Revokes a partner's drafting rights in a category (admins).
#[utoipa::path(delete, path = "/api/v1/kb/partners/{id}/categories/{category_id}", tag = "knowledge", params(("id" = Uuid, Path), ("category_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn revoke(
    State(state): State<AppState>,
    p: Principal,
    Path((id, category)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    set_grant(&state, &p, &id, &category, false).await
}
