//! Tenant settings the API and the admin pages share: routing, privacy (purposes and the
//! controller named on receipts), the retention schedule, and the organisation's display
//! name. Staff read them; admins replace them, validated by the core, each change an event
//! on the log with who made it.

use crate::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::routes::{load_setting, save_setting};
use kairos_core::consent::{self, PrivacySettings};
use kairos_core::party::{Role, parse_display_name};
use kairos_core::retention::{self, RetentionSettings};
use kairos_core::routing::{self, RoutingSettings};
use kairos_core::tenant::Tenant;

/// The tenant's routing settings (staff; default: off).
pub async fn routing_settings(
    state: &AppState,
    p: &Principal,
) -> Result<RoutingSettings, ApiError> {
    p.require_staff()?;
    load_setting(state, p.tenant_id, routing::SETTINGS_KEY).await
}

/// Validates (normalising skills and tags) and replaces the routing settings (admins).
pub async fn save_routing_settings(
    state: &AppState,
    p: &Principal,
    settings: RoutingSettings,
) -> Result<RoutingSettings, ApiError> {
    p.require(&[Role::Admin])?;
    let settings = settings.validate()?;
    save_setting(state, p, routing::SETTINGS_KEY, &settings).await?;
    Ok(settings)
}

/// The tenant's privacy settings (staff; default: the standard purposes, no controller).
pub async fn privacy_settings(
    state: &AppState,
    p: &Principal,
) -> Result<PrivacySettings, ApiError> {
    p.require_staff()?;
    load_setting(state, p.tenant_id, consent::SETTINGS_KEY).await
}

/// Validates (normalising the purposes) and replaces the privacy settings (admins).
pub async fn save_privacy_settings(
    state: &AppState,
    p: &Principal,
    settings: PrivacySettings,
) -> Result<PrivacySettings, ApiError> {
    p.require(&[Role::Admin])?;
    let settings = settings.validate()?;
    save_setting(state, p, consent::SETTINGS_KEY, &settings).await?;
    Ok(settings)
}

/// The retention schedule (staff); a tenant that never set one has the defaults.
pub async fn retention_settings(
    state: &AppState,
    p: &Principal,
) -> Result<RetentionSettings, ApiError> {
    p.require_staff()?;
    load_setting(state, p.tenant_id, retention::SETTINGS_KEY).await
}

/// Validates and replaces the retention schedule (admins). Shortening it deletes data at
/// the retention worker's next pass (within the hour).
pub async fn save_retention_settings(
    state: &AppState,
    p: &Principal,
    settings: RetentionSettings,
) -> Result<RetentionSettings, ApiError> {
    p.require(&[Role::Admin])?;
    let settings = settings.validate()?;
    save_setting(state, p, retention::SETTINGS_KEY, &settings).await?;
    Ok(settings)
}

/// The caller's tenant (staff).
pub async fn tenant(state: &AppState, p: &Principal) -> Result<Tenant, ApiError> {
    p.require_staff()?;
    state
        .store
        .tenant_by_id(p.tenant_id)
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))
}

/// Changes the organisation's display name (admins): 1–200 characters without control
/// characters, trimmed. The slug stays: sign-in, portal URLs and widget snippets use it.
pub async fn rename_tenant(
    state: &AppState,
    p: &Principal,
    name: &str,
) -> Result<Tenant, ApiError> {
    p.require(&[Role::Admin])?;
    let name = parse_display_name("name", name)?;
    state
        .store
        .rename_tenant(p.tenant_id, &name, &p.actor())
        .await?;
    tenant(state, p).await
}
