//! `POST /api/v1/inbound`: one touchpoint arrives from any channel.

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::Json;
use crate::views::{AttachmentView, IdentityView};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::inbound::InboundCommand;
use kairos_core::message::{self, Attachment, Body, Channel, MAX_ATTACHMENTS};
use kairos_core::party::parse_display_name;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(inbound))
}

/// One touchpoint from any channel. Unknown fields are refused.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct InboundRequest {
    /// `email`, `chat`, `sms`, `voice`, `social`, `portal` or `api`.
    #[schema(example = "email")]
    channel: String,
    /// Who sent it.
    from: IdentityView,
    /// The sender's name, if the channel knows it.
    #[serde(default)]
    display_name: Option<String>,
    /// Subject, where the channel has one.
    #[serde(default)]
    subject: Option<String>,
    /// Plain-text content.
    #[serde(default)]
    body: String,
    /// HTML content (sanitised with an allow-list before it is stored).
    #[serde(default)]
    html: Option<String>,
    /// Attachment metadata (content is uploaded separately).
    #[serde(default)]
    attachments: Vec<AttachmentView>,
    /// The channel's own message id; the same id twice gives one message.
    #[serde(default)]
    external_id: Option<String>,
    /// The conversation this continues, if the channel knows it. Ignored unless it is an
    /// open conversation of the same customer.
    #[serde(default)]
    conversation_id: Option<Uuid>,
}

/// Where a touchpoint landed.
#[derive(Serialize, ToSchema)]
pub(crate) struct InboundResponse {
    /// The customer it was resolved to (created if new).
    customer_id: Uuid,
    /// The conversation it joined (opened if none was open).
    conversation_id: Uuid,
    /// The message.
    message_id: Uuid,
    /// `false` when the `external_id` had been seen before.
    created: bool,
}

/// Parses attachment metadata from the wire.
pub(crate) fn parse_attachments(raw: Vec<AttachmentView>) -> Result<Vec<Attachment>, ApiError> {
    if raw.len() > MAX_ATTACHMENTS {
        return Err(ApiError::invalid(
            "attachments",
            format!("at most {MAX_ATTACHMENTS}"),
        ));
    }
    raw.into_iter()
        .map(|a| {
            let att = Attachment {
                filename: a.filename,
                content_type: a.content_type,
                size: a.size,
                sha256: a.sha256,
            };
            att.validate()?;
            Ok(att)
        })
        .collect()
}

/// Parses an identity from the wire.
pub(crate) fn parse_identity(raw: &IdentityView) -> Result<Identity, ApiError> {
    let kind = IdentityKind::parse(&raw.kind)?;
    Ok(Identity::parse(
        kind,
        &raw.value,
        raw.network.as_deref(),
        None,
    )?)
}

impl InboundRequest {
    fn into_command(self) -> Result<InboundCommand, ApiError> {
        Ok(InboundCommand {
            channel: Channel::parse(&self.channel)?,
            from: parse_identity(&self.from)?,
            display_name: self
                .display_name
                .as_deref()
                .map(|n| parse_display_name("display_name", n))
                .transpose()?,
            subject: message::parse_subject(self.subject.as_deref())?,
            body: Body::new(&self.body, self.html.as_deref())?,
            attachments: parse_attachments(self.attachments)?,
            external_id: message::parse_external_id(self.external_id.as_deref())?,
            conversation_id: self.conversation_id.map(Into::into),
        })
    }
}

/// Accepts one touchpoint: resolves or creates the customer by the sender's identity, finds
/// their open conversation (or opens one) and appends the message. Answered only once the
/// write is durable.
#[utoipa::path(
    post, path = "/api/v1/inbound", tag = "inbound",
    request_body = InboundRequest,
    responses(
        (status = 201, description = "stored", body = InboundResponse),
        (status = 200, description = "the external_id was seen before; the same ids", body = InboundResponse),
        (status = 400, description = "unreadable or unknown fields", body = Problem),
        (status = 403, description = "role may not post touchpoints", body = Problem),
        (status = 422, description = "invalid value", body = Problem),
    ),
    security(("bearer" = []))
)]
async fn inbound(
    State(state): State<AppState>,
    principal: Principal,
    Json(req): Json<InboundRequest>,
) -> Result<Response, ApiError> {
    principal.require_staff()?;
    let cmd = req.into_command()?;
    let (ids, created) = state
        .store
        .inbound(principal.tenant_id, cmd, &principal.actor())
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = InboundResponse {
        customer_id: ids.customer_id.0,
        conversation_id: ids.conversation_id.0,
        message_id: ids.message_id.0,
        created,
    };
    Ok((status, axum::Json(body)).into_response())
}
