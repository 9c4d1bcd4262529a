//! Consent records (checklist N09, N10): a customer — or staff on their behalf — grants or
//! withdraws consent per purpose; each is an immutable record with a downloadable Kantara
//! v1.1 receipt. Withdrawing takes the same one request as granting.

use super::customers::may_read_customer;
use super::load_setting;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, parse_id};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use kairos_core::consent::{self, ConsentCommand, ConsentRecord, PrivacySettings, SETTINGS_KEY};
use kairos_core::ids::{CustomerId, TenantId};
use kairos_core::party::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, record))
        .routes(routes!(receipt))
        .routes(routes!(get_settings, put_settings))
}

/// A grant or withdrawal: `purpose` (one of the tenant's), `action` (`grant`|`withdraw`),
/// `data_categories`, `legal_basis` (default `consent`), `method` (`widget`, `portal`,
/// `chat`, `phone`, `agent`, `api`), `notice_version`.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub(crate) struct ConsentDocument(ConsentCommand);

/// One immutable consent record.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConsentView {
    /// Its id (the receipt's `consentReceiptID`).
    id: Uuid,
    /// Whose consent.
    customer_id: Uuid,
    /// The purpose.
    purpose: String,
    /// `grant` or `withdraw`.
    action: String,
    /// Data categories covered.
    data_categories: Vec<String>,
    /// The lawful basis.
    #[schema(value_type = String)]
    legal_basis: serde_json::Value,
    /// How it was collected.
    method: String,
    /// The privacy notice's version.
    notice_version: String,
    /// RFC 3339.
    at: String,
}

impl From<&ConsentRecord> for ConsentView {
    fn from(r: &ConsentRecord) -> Self {
        let c = &r.command;
        Self {
            id: r.id,
            customer_id: r.customer_id.0,
            purpose: c.purpose.clone(),
            action: match c.action {
                consent::ConsentAction::Grant => "grant".into(),
                consent::ConsentAction::Withdraw => "withdraw".into(),
            },
            data_categories: c.data_categories.clone(),
            legal_basis: serde_json::to_value(c.legal_basis).unwrap_or_default(),
            method: c.method.clone(),
            notice_version: c.notice_version.clone(),
            at: r.at.to_rfc3339(),
        }
    }
}

/// A customer's consents.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConsentList {
    /// The purposes consent is currently granted for.
    granted: Vec<String>,
    /// Every record, oldest first (the evidence).
    records: Vec<ConsentView>,
}

async fn settings(state: &AppState, tenant: TenantId) -> Result<PrivacySettings, ApiError> {
    load_setting(state, tenant, SETTINGS_KEY).await
}

/// A customer's consent records and what is granted now (staff, or the customer themself).
#[utoipa::path(get, path = "/api/v1/customers/{id}/consents", tag = "privacy", params(("id" = Uuid, Path)),
    responses((status = 200, body = ConsentList), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<axum::Json<ConsentList>, ApiError> {
    let id: CustomerId = parse_id(&id, "customer")?;
    may_read_customer(&p, id)?;
    if state.store.customer(p.tenant_id, id).await?.is_none() {
        return Err(ApiError::not_found("customer"));
    }
    let records = state.store.consents(p.tenant_id, id).await?;
    let granted = consent::current(&records)
        .into_iter()
        .filter(|(_, r)| r.command.action == consent::ConsentAction::Grant)
        .map(|(purpose, _)| purpose.to_owned())
        .collect();
    Ok(axum::Json(ConsentList {
        granted,
        records: records.iter().map(ConsentView::from).collect(),
    }))
}

/// Records a grant or withdrawal (staff, or the customer themself). Processing for a
/// withdrawn purpose stops with this request; the earlier grant stays as evidence.
#[utoipa::path(post, path = "/api/v1/customers/{id}/consents", tag = "privacy", params(("id" = Uuid, Path)), request_body = ConsentDocument,
    responses((status = 201, body = ConsentView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn record(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Json(ConsentDocument(command)): Json<ConsentDocument>,
) -> Result<Response, ApiError> {
    let id: CustomerId = parse_id(&id, "customer")?;
    let record = crate::workspace::record_consent(&state, &p, id, command).await?;
    Ok((StatusCode::CREATED, axum::Json(ConsentView::from(&record))).into_response())
}

/// The record as a Kantara Consent Receipt v1.1 (JSON, as a download; staff, or the
/// customer whose record it is).
#[utoipa::path(get, path = "/api/v1/consents/{id}/receipt", tag = "privacy", params(("id" = Uuid, Path)),
    responses((status = 200, description = "Kantara Consent Receipt v1.1", body = Object), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn receipt(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: Uuid = parse_id(&id, "consent record")?;
    if !matches!(p.role, Role::Admin | Role::Agent | Role::Customer) {
        return Err(ApiError::forbidden());
    }
    let record = state
        .store
        .consent(p.tenant_id, id)
        .await?
        .filter(|r| p.role != Role::Customer || p.customer_id == Some(r.customer_id))
        .ok_or_else(|| ApiError::not_found("consent record"))?;
    let controller = settings(&state, p.tenant_id)
        .await?
        .controller_or_placeholder();
    let body = consent::receipt(&record, &controller, "en");
    let disposition = format!(
        "attachment; filename=\"consent-receipt-{}.json\"",
        record.id
    );
    Ok((
        [(http::header::CONTENT_DISPOSITION, disposition)],
        axum::Json(body),
    )
        .into_response())
}

/// Privacy settings: `purposes` (slugs consent is asked for) and `controller` (`name`,
/// `contact_email`, `address`, `policy_url`, `jurisdiction`) named on receipts.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub(crate) struct PrivacyDocument(PrivacySettings);

/// The tenant's privacy settings (staff).
#[utoipa::path(get, path = "/api/v1/privacy", tag = "privacy",
    responses((status = 200, body = PrivacyDocument), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn get_settings(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<PrivacyDocument>, ApiError> {
    let settings = crate::admin::privacy_settings(&state, &p).await?;
    Ok(axum::Json(PrivacyDocument(settings)))
}

/// Replaces the privacy settings (admins).
#[utoipa::path(put, path = "/api/v1/privacy", tag = "privacy", request_body = PrivacyDocument,
    responses((status = 200, body = PrivacyDocument), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn put_settings(
    State(state): State<AppState>,
    p: Principal,
    Json(PrivacyDocument(settings)): Json<PrivacyDocument>,
) -> Result<axum::Json<PrivacyDocument>, ApiError> {
    let settings = crate::admin::save_privacy_settings(&state, &p, settings).await?;
    Ok(axum::Json(PrivacyDocument(settings)))
}
