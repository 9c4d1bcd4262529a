//! The OpenAPI 3.1 document, generated from the annotated handlers.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Kairos API", description = "Kairos, the self-hostable service cloud: every customer touchpoint on one timeline. Errors are RFC 9457 application/problem+json. Every POST honours Idempotency-Key.", license(name = "AGPL-3.0-or-later")),
    modifiers(&BearerAuth),
    tags(
        (name = "inbound", description = "Touchpoints arriving from any channel"),
        (name = "customers", description = "Customers, identities, merges, timelines"),
        (name = "conversations", description = "Conversations and their messages"),
        (name = "events", description = "The tenant event log"),
        (name = "auth", description = "Staff sign-in"),
        (name = "admin", description = "Staff accounts (create, list, change role, deactivate), tokens, and the organisation's name"),
        (name = "canned replies", description = "Canned replies with placeholders: admins manage them, staff read them filled in for a conversation"),
        (name = "operations", description = "Health"),
        (name = "live", description = "Live chat: visitor tokens and the WebSocket doors"),
        (name = "sla", description = "Business hours, SLA policies and clocks"),
        (name = "routing", description = "Agents' skills, capacity, availability; routing queues"),
        (name = "privacy", description = "Consent records and receipts, privacy settings, retention, export and erasure, the audit trail"),
        (name = "context", description = "Context events (consent-gated at the door), feeds of reference data, and the event type → purpose mapping"),
        (name = "anticipation", description = "The tenant's anticipation rules and what the running engine does"),
        (name = "mail", description = "The e-mail channel: support addresses, sender and acknowledgement settings, the outbox, IMAP mailboxes"),
        (name = "coupons", description = "Single-use coupons: the public redemption page, redemption and QR codes (/r/{token}); a customer's coupons"),
        (name = "channels", description = "Provider channels (Twilio, Telegram, Meta): settings and their public webhooks"),
        (name = "knowledge", description = "The knowledge base: categories, articles, revisions, translations, feedback, partner drafting rights"),
        (name = "search", description = "One search over articles, and for staff every conversation and message (a customer: their own), with facets and highlighting"),
        (name = "forum", description = "Forums: threads and replies in knowledge-base categories, moderation, solutions, conversion to a conversation"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as JSON.
pub(crate) fn document() -> String {
    let (_, api) = crate::routes::api().split_for_parts();
    let mut doc = ApiDoc::openapi();
    doc.merge(api);
    doc.to_pretty_json().unwrap_or_else(|_| "{}".into())
}
