//! The audit middleware (privacy issue, item 6; checklist P03, N15): every staff read of personal
//! data and every state-changing staff request is appended to the tenant's hash-chained audit
//! trail — who, what, which object, whose data, from where, with what outcome.
//!
//! The middleware wraps the matched route and hands the handler an [`AuditSlot`]; the
//! [`Principal`] extractor fills it, so the entry names exactly the caller the handler acted
//! for, without authenticating twice. A read whose entry cannot be written is not answered:
//! no personal data leaves without its record.

use crate::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use axum::extract::{ConnectInfo, MatchedPath, RawPathParams, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kairos_core::ids::{ConversationId, CustomerId, MessageId};
use kairos_core::party::Role;
use kairos_store::audit::AuditEntry;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Where the [`Principal`] extractor leaves the caller for the audit middleware.
#[derive(Clone, Default)]
pub(crate) struct AuditSlot(Arc<Mutex<Option<Principal>>>);

impl AuditSlot {
    /// Records the caller the handler authenticated.
    pub(crate) fn fill(&self, principal: &Principal) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(principal.clone());
        }
    }

    fn take(&self) -> Option<Principal> {
        self.0.lock().ok().and_then(|mut s| s.take())
    }
}

/// GET routes that hand out personal data: a staff read of one is audited. (The middleware
/// audits every GET route not in [`NON_PERSONAL_READS`]; this list makes the split explicit
/// and a test checks that every route is in exactly one of them.)
#[cfg(test)]
pub(crate) const PERSONAL_READS: &[&str] = &[
    "/api/v1/conversations",
    "/api/v1/conversations/{id}",
    "/api/v1/conversations/{id}/messages",
    "/api/v1/conversations/{id}/suggestions",
    "/api/v1/messages/{message_id}/attachments/{index}",
    "/api/v1/search",
    "/api/v1/customers/{id}",
    "/api/v1/customers/{id}/consents",
    "/api/v1/customers/{id}/context-events",
    "/api/v1/customers/{id}/decisions",
    "/api/v1/customers/{id}/restrictions",
    "/api/v1/customers/{id}/timeline",
    "/api/v1/customers/{id}/export",
    "/api/v1/consents/{id}/receipt",
    "/api/v1/customers/{id}/coupons",
    "/api/v1/coupons/{id}",
    "/api/v1/events",
    "/api/v1/events/stream",
    "/api/v1/staff/socket",
    "/api/v1/mail/outbox",
    "/api/v1/audit",
    // With `conversation_id` it is filled in with the customer's name.
    "/api/v1/canned-replies/{id}",
];

/// GET routes that hold no personal data (settings, health, the caller's own identity, and
/// sockets or hooks staff do not use): not audited. Every GET route is in exactly one list
/// (a test enforces it), so a new route cannot be forgotten.
pub(crate) const NON_PERSONAL_READS: &[&str] = &[
    "/api/v1/agents",
    "/api/v1/anticipation/rules",
    "/api/v1/anticipation/secrets",
    "/api/v1/anticipation/status",
    "/api/v1/auth/me",
    "/api/v1/canned-replies",
    "/api/v1/channels",
    "/api/v1/chat/socket",
    "/api/v1/context/settings",
    "/api/v1/conversations/{id}/sla",
    "/api/v1/hooks/{channel_id}",
    // Forum threads are public content of the tenant and show display names, never customer
    // ids (a customer's own posts reach them through the privacy export, not a list here).
    "/api/v1/forum/search",
    "/api/v1/forum/threads",
    "/api/v1/forum/threads/{id}",
    "/api/v1/kb/articles",
    "/api/v1/kb/articles/{id}",
    "/api/v1/kb/articles/{id}/attachments/{attachment_id}",
    "/api/v1/kb/articles/{id}/diff",
    "/api/v1/kb/articles/{id}/revisions",
    "/api/v1/kb/categories",
    "/api/v1/kb/partners/{id}/categories",
    "/api/v1/kb/search",
    "/api/v1/kb/settings",
    "/api/v1/kb/suggest",
    "/api/v1/mail/addresses",
    "/api/v1/mail/imap",
    "/api/v1/mail/settings",
    "/api/v1/privacy",
    "/api/v1/retention",
    "/api/v1/routing",
    "/api/v1/sla",
    // The team's own accounts (no customer data).
    "/api/v1/staff",
    // The organisation's name and slug.
    "/api/v1/tenant",
    // Invitations to the team: the invitee's name, e-mail and role (no customer data).
    "/api/v1/staff/invitations",
    // The chat widget's settings: which sites may show it.
    "/api/v1/widget",
    "/healthz",
    "/readyz",
    // Public coupon pages: the holder of the token, never staff, and no identity on them.
    "/r/{token}",
    "/r/{token}/qr.png",
    "/r/{token}/qr.svg",
    "/metrics",
    "/api/openapi.json",
];

/// The middleware (a route layer: it needs the matched route).
pub(crate) async fn layer(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    params: Result<RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
    mut request: Request,
    next: Next,
) -> Response {
    let slot = AuditSlot::default();
    request.extensions_mut().insert(slot.clone());
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let source = state
        .trusted_proxies
        .client_ip(peer, request.headers())
        .map(|ip| ip.to_string());
    let method = request.method().clone();
    let template = matched.map(|m| m.as_str().to_owned()).unwrap_or_default();
    let response = next.run(request).await;

    let Some(principal) = slot.take() else {
        return response;
    };
    let staff = matches!(principal.role, Role::Admin | Role::Agent);
    // Fail safe: a read route not known to be free of personal data is audited.
    let audited = !method.is_safe() || !NON_PERSONAL_READS.contains(&template.as_str());
    if !staff || !audited {
        return response;
    }
    let ids: Vec<String> = params
        .iter()
        .flat_map(|p| p.iter().map(|(_, v)| v.to_owned()))
        .collect();
    // Whose data: only when the request reached it (a probe of a foreign id names nobody).
    let customer_id = match response.status().is_success() {
        true => about_whom(&state, &principal, &template, ids.first()).await,
        false => None,
    };
    let entry = AuditEntry {
        actor: principal.actor(),
        action: format!("{method} {template}"),
        target: (!ids.is_empty()).then(|| ids.join("/")),
        customer_id,
        source,
        status: response.status().as_u16(),
    };
    match state.store.audit(principal.tenant_id, entry).await {
        Ok(_) => response,
        Err(e) => {
            tracing::error!(error = %e, "audit entry not written; withholding the response");
            ApiError::internal("the access could not be recorded").into_response()
        }
    }
}

/// The customer whose data a route's first path id leads to, if any.
async fn about_whom(
    state: &AppState,
    principal: &Principal,
    template: &str,
    first_id: Option<&String>,
) -> Option<CustomerId> {
    let id: uuid::Uuid = first_id?.parse().ok()?;
    let tenant = principal.tenant_id;
    // The web UI's profile and its merge and consent pages name the customer first.
    if template.starts_with("/api/v1/customers/{id}") || template.starts_with("/customers/{id}") {
        return Some(CustomerId(id));
    }
    // The web UI's conversation page reads the same data as the API's.
    if template.starts_with("/api/v1/conversations/{id}") || template == "/conversations/{id}" {
        let conversation = state
            .store
            .conversation(tenant, ConversationId(id))
            .await
            .ok()??;
        return Some(conversation.customer_id);
    }
    if template.starts_with("/api/v1/messages/{message_id}") {
        let message = state.store.message(tenant, MessageId(id)).await.ok()??;
        let conversation = state
            .store
            .conversation(tenant, message.conversation_id)
            .await
            .ok()??;
        return Some(conversation.customer_id);
    }
    if template.starts_with("/api/v1/coupons/{id}") {
        return Some(
            state
                .store
                .coupon(tenant, id.into())
                .await
                .ok()??
                .customer_id,
        );
    }
    if template.starts_with("/api/v1/consents/{id}") {
        return Some(state.store.consent(tenant, id).await.ok()??.customer_id);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_read_route_is_classified_exactly_once() {
        let doc: serde_json::Value =
            serde_json::from_str(&crate::openapi::document()).expect("the OpenAPI document");
        let mut reads: Vec<String> = doc["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .filter(|(_, ops)| ops.get("get").is_some())
            .map(|(path, _)| path.clone())
            .collect();
        reads.extend(["/metrics", "/api/openapi.json"].map(String::from));
        for path in &reads {
            let personal = PERSONAL_READS.contains(&path.as_str());
            let other = NON_PERSONAL_READS.contains(&path.as_str());
            assert!(
                personal != other,
                "{path} must be in exactly one audit list"
            );
        }
        for listed in PERSONAL_READS.iter().chain(NON_PERSONAL_READS) {
            assert!(
                reads.iter().any(|r| r == listed),
                "{listed} is listed but not a route"
            );
        }
    }
}
