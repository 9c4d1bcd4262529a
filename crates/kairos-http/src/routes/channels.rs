//! Provider channels' settings (admins): create (the secrets are shown in that one answer),
//! list (secrets redacted), delete.

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, parse_id};
use axum::extract::{Path, State};
use http::StatusCode;
use kairos_core::party::Role;
use kairos_store::hooks::ProviderChannel;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_channels, create_channel))
        .routes(routes!(delete_channel))
}

/// A new provider channel.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewChannel {
    /// `twilio`, `telegram` or `meta`.
    #[schema(example = "twilio")]
    provider: String,
    /// A name for people.
    #[schema(example = "Support SMS")]
    name: String,
    /// The provider's settings: twilio `{account_sid, auth_token, phone_number, webhook_url?,
    /// api_base_url?}`, telegram `{bot_token, secret_token, api_base_url?}`, meta
    /// `{app_secret, verify_token, access_token, phone_number_id, api_base_url?}`.
    #[schema(value_type = Object)]
    config: serde_json::Value,
}

/// A provider channel.
#[derive(Serialize, ToSchema)]
pub(crate) struct ChannelView {
    /// Its id.
    id: Uuid,
    /// `twilio`, `telegram` or `meta`.
    provider: String,
    /// Its name.
    name: String,
    /// The settings: with secrets in the answer to create, redacted everywhere else.
    #[schema(value_type = Object)]
    config: serde_json::Value,
    /// Where the provider must post its webhooks (`None` if no public URL is configured).
    webhook_url: Option<String>,
    /// When it was created (RFC 3339).
    created_at: String,
}

/// The tenant's provider channels.
#[derive(Serialize, ToSchema)]
pub(crate) struct ChannelList {
    /// Oldest first.
    items: Vec<ChannelView>,
}

pub(crate) use crate::admin::{stored_config, webhook_url};

fn view(state: &AppState, ch: &ProviderChannel, reveal: bool) -> Result<ChannelView, ApiError> {
    let cfg = stored_config(ch)?;
    Ok(ChannelView {
        id: ch.id,
        provider: ch.provider.clone(),
        name: ch.name.clone(),
        config: if reveal {
            cfg.to_json()
        } else {
            cfg.redacted()
        },
        webhook_url: webhook_url(state, ch.id, &cfg),
        created_at: ch.created_at.to_rfc3339(),
    })
}

/// The tenant's provider channels, secrets redacted (staff).
#[utoipa::path(get, path = "/api/v1/channels", tag = "channels",
    responses((status = 200, body = ChannelList), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list_channels(
    State(state): State<AppState>,
    p: Principal,
) -> Result<axum::Json<ChannelList>, ApiError> {
    p.require_staff()?;
    let items = state
        .store
        .provider_channels(p.tenant_id)
        .await?
        .iter()
        .map(|ch| view(&state, ch, false))
        .collect::<Result<_, _>>()?;
    Ok(axum::Json(ChannelList { items }))
}

/// Creates a provider channel (admins). The answer is the only one that shows the secrets.
#[utoipa::path(post, path = "/api/v1/channels", tag = "channels", request_body = NewChannel,
    responses((status = 201, body = ChannelView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn create_channel(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<NewChannel>,
) -> Result<(StatusCode, axum::Json<ChannelView>), ApiError> {
    let (ch, _) =
        crate::admin::create_channel(&state, &p, &req.provider, &req.name, req.config).await?;
    Ok((StatusCode::CREATED, axum::Json(view(&state, &ch, true)?)))
}

/// Deletes a provider channel (admins); its webhook answers 404 from then on. Deleting a
/// channel the tenant does not have is not an error: the outcome is the same.
#[utoipa::path(delete, path = "/api/v1/channels/{id}", tag = "channels", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn delete_channel(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    p.require(&[Role::Admin])?;
    // Not a UUID: there is no such channel, which is the outcome asked for.
    if let Ok(id) = parse_id::<Uuid>(&id, "channel") {
        state.store.delete_provider_channel(p.tenant_id, id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
