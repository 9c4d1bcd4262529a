//! Use cases the web UI shares with the API's routes, so a form and a request decide alike.

use crate::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use kairos_core::consent::{ConsentCommand, ConsentRecord, PrivacySettings};
use kairos_core::conversation::{Conversation, ConversationPatch};
use kairos_core::customer::Customer;
use kairos_core::ids::{ConversationId, CustomerId};
use kairos_core::party::Role;

/// Changes a conversation (`PATCH /api/v1/conversations/{id}`): staff only; an assignee
/// must be a staff member of the caller's tenant (another tenant's party or a customer is
/// refused like one that does not exist: checklist A01).
pub async fn patch_conversation(
    state: &AppState,
    p: &Principal,
    id: ConversationId,
    patch: ConversationPatch,
) -> Result<Conversation, ApiError> {
    p.require_staff()?;
    if let Some(Some(assignee)) = patch.assignee {
        let party = state.store.party(p.tenant_id, assignee).await?;
        if !party.is_some_and(|party| party.role.is_staff()) {
            return Err(ApiError::invalid(
                "assignee",
                "not a staff member of this tenant",
            ));
        }
    }
    Ok(state
        .store
        .patch_conversation(p.tenant_id, id, patch, &p.actor())
        .await?)
}

/// A knowledge article suggested for a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// The article's id.
    pub id: uuid::Uuid,
    /// Its title (plain text).
    pub title: String,
    /// Where the customer reads it, when the server knows its public address.
    pub link: Option<String>,
}

/// Articles that may answer the conversation's latest customer messages
/// (`GET /api/v1/conversations/{id}/suggestions`): only ones its customer may read.
pub async fn conversation_suggestions(
    state: &AppState,
    p: &Principal,
    id: ConversationId,
) -> Result<Vec<Suggestion>, ApiError> {
    let hits = crate::routes::suggestions_for(state, p, id).await?;
    Ok(hits
        .into_iter()
        .map(|(hit, title, link)| Suggestion {
            id: hit.id(),
            title,
            link,
        })
        .collect())
}

/// Merges customer `other` into `survivor` (`POST /api/v1/customers/{id}/merge`, staff):
/// identities, conversations, consents and restrictions move to the survivor; the merge is
/// an event. Answers the survivor as it is afterwards.
pub async fn merge_customers(
    state: &AppState,
    p: &Principal,
    survivor: CustomerId,
    other: CustomerId,
) -> Result<Customer, ApiError> {
    p.require_staff()?;
    state
        .store
        .merge_customers(p.tenant_id, survivor, other, &p.actor())
        .await?;
    state
        .store
        .customer(p.tenant_id, survivor)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))
}

/// The tenant's privacy settings (purposes, controller).
pub async fn privacy_settings(
    state: &AppState,
    tenant: kairos_core::ids::TenantId,
) -> Result<PrivacySettings, ApiError> {
    crate::routes::load_setting(state, tenant, kairos_core::consent::SETTINGS_KEY).await
}

/// Records a grant or withdrawal for customer `id` (`POST /api/v1/customers/{id}/consents`):
/// by staff, or by the customer themself, who cannot claim `agent` or `phone` as the
/// method. The purpose must be one of the tenant's.
pub async fn record_consent(
    state: &AppState,
    p: &Principal,
    id: CustomerId,
    command: ConsentCommand,
) -> Result<ConsentRecord, ApiError> {
    crate::routes::may_read_customer(p, id)?;
    let command = command.validate(&privacy_settings(state, p.tenant_id).await?.purposes)?;
    if p.role == Role::Customer && matches!(command.method.as_str(), "agent" | "phone") {
        return Err(ApiError::invalid(
            "method",
            "a customer records consent through widget, portal, chat or api",
        ));
    }
    Ok(state
        .store
        .record_consent(p.tenant_id, id, command, &p.actor())
        .await?)
}
