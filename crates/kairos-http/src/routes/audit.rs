//! The audit trail, read back (admins only): who read whose personal data and who changed
//! what. Verification of the hash chain is `kairos audit verify` (it needs the whole store).

use super::page_limit;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::Query;
use axum::extract::State;
use kairos_core::ids::CustomerId;
use kairos_core::party::Role;
use kairos_store::audit::AuditRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

/// Which audit entries.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    /// Only entries about this customer.
    customer: Option<Uuid>,
    /// Entries after this position (the previous page's `next_cursor`).
    after: Option<i64>,
    /// Page size, 1–500 (default 100).
    limit: Option<u32>,
}

/// One audit entry.
#[derive(Serialize, ToSchema)]
pub(crate) struct AuditView {
    /// Position in the tenant's chain.
    seq: i64,
    /// RFC 3339.
    at: String,
    /// Who (`{"kind":"party","id":…,"role":…}`, `{"kind":"system"}`).
    #[schema(value_type = Object)]
    actor: serde_json::Value,
    /// What: `METHOD /route/{template}` or `cli …`.
    action: String,
    /// The object (the route's ids).
    target: Option<String>,
    /// Whose data, when known.
    customer_id: Option<Uuid>,
    /// From where (client address, or `cli`).
    source: Option<String>,
    /// The outcome (HTTP status).
    status: u16,
    /// The previous entry's hash.
    prev_hash: String,
    /// This entry's hash (SHA-256 of its fields and `prev_hash`).
    hash: String,
}

impl From<AuditRecord> for AuditView {
    fn from(r: AuditRecord) -> Self {
        Self {
            seq: r.seq,
            at: r.at.to_rfc3339(),
            actor: serde_json::to_value(&r.entry.actor).unwrap_or_default(),
            action: r.entry.action,
            target: r.entry.target,
            customer_id: r.entry.customer_id.map(|c| c.0),
            source: r.entry.source,
            status: r.entry.status,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// A page of audit entries.
#[derive(Serialize, ToSchema)]
pub(crate) struct AuditPage {
    /// Oldest first.
    items: Vec<AuditView>,
    /// Pass as `after` for the next page; absent on the last.
    next_cursor: Option<i64>,
}

/// The tenant's audit trail (admins). Reading it is itself audited.
#[utoipa::path(get, path = "/api/v1/audit", tag = "privacy", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = Problem), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<AuditQuery>,
) -> Result<axum::Json<AuditPage>, ApiError> {
    p.require(&[Role::Admin])?;
    let limit = page_limit(q.limit, 100, 500)?;
    let records = state
        .store
        .audit_entries(
            p.tenant_id,
            q.customer.map(CustomerId),
            q.after.unwrap_or(0),
            limit,
        )
        .await?;
    let next_cursor = (records.len() == limit as usize)
        .then(|| records.last().map(|r| r.seq))
        .flatten();
    Ok(axum::Json(AuditPage {
        items: records.into_iter().map(AuditView::from).collect(),
        next_cursor,
    }))
}
