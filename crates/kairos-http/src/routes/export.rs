//! A person's data as one archive (GDPR Art. 15 access, Art. 20 portability; checklist N01,
//! N03), for the person themself or an admin answering their request; and their erasure
//! (Art. 17; N04, N05), by an admin. Both are on the audit trail (the middleware records
//! them).

use super::customers::may_read_customer;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, Problem};
use crate::extract::parse_id;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::header;
use kairos_core::ids::CustomerId;
use kairos_core::party::Role;
use kairos_privacy::PrivacyError;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(erase))
}

fn privacy_error(e: PrivacyError) -> ApiError {
    match e {
        PrivacyError::Store(s) => s.into(),
        other => ApiError::internal(other.to_string()),
    }
}

/// Everything the tenant holds about the customer, as a zip archive: `person.json`
/// (following `schema.json`, also in the archive), the attachments, and a README. For the
/// customer themself or an admin; agents cannot export.
#[utoipa::path(get, path = "/api/v1/customers/{id}/export", tag = "privacy", params(("id" = Uuid, Path)),
    responses((status = 200, description = "the archive", content_type = "application/zip", body = Vec<u8>),
        (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn export(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: CustomerId = parse_id(&id, "customer")?;
    p.require(&[Role::Admin, Role::Customer])?;
    may_read_customer(&p, id)?;
    let tenant = state
        .store
        .tenant_by_id(p.tenant_id)
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))?;
    let document = kairos_privacy::export::gather(&state.store, &tenant, id)
        .await
        .map_err(privacy_error)?;
    let blobs = state
        .blobs
        .clone()
        .ok_or_else(|| ApiError::internal("no attachment store configured"))?;
    let (zip, missing) = kairos_privacy::archive::write(&document, &blobs)
        .await
        .map_err(privacy_error)?;
    for sha in missing {
        tracing::warn!(%sha, "attachment missing from the blob store; exported without its file");
    }
    let filename = format!("attachment; filename=\"kairos-export-{}.zip\"", id.0);
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, filename),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        zip,
    )
        .into_response())
}

/// What an erasure removed.
#[derive(Serialize, ToSchema)]
pub(crate) struct ErasureView {
    /// The erased customer and the records merged into it.
    customers: Vec<String>,
    /// Conversations removed.
    conversations: u64,
    /// Messages removed.
    messages: u64,
    /// Events on the log replaced by `redacted` placeholders.
    events_redacted: u64,
    /// Other rows removed (identities, consents, outbox entries, tokens, …).
    other_rows: u64,
    /// Attachment files deleted.
    blobs_deleted: u64,
}

/// Erases the person from this tenant (admins): every row about them and their
/// conversations, their attachments, and the content of every log event about them.
/// Irreversible; export first if they asked for a copy.
#[utoipa::path(post, path = "/api/v1/customers/{id}/erase", tag = "privacy", params(("id" = Uuid, Path)),
    responses((status = 200, body = ErasureView), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn erase(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<axum::Json<ErasureView>, ApiError> {
    let id: CustomerId = parse_id(&id, "customer")?;
    p.require(&[Role::Admin])?;
    let blobs = state
        .blobs
        .clone()
        .ok_or_else(|| ApiError::internal("no attachment store configured"))?;
    let done = kairos_privacy::erase::erase(&state.store, &blobs, p.tenant_id, id, &p.actor())
        .await
        .map_err(privacy_error)?;
    let r = done.report;
    // The search feeder forgets them when it reads `customer.erased`; doing it here too
    // means the index files hold nothing of the person when this answers.
    if let Some(index) = state.search.clone() {
        let (tenant, customers) = (p.tenant_id, r.customers.clone());
        tokio::task::spawn_blocking(move || {
            for c in customers {
                index.delete_by_customer(tenant, c)?;
            }
            index.commit()?;
            index.compact()
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::internal(format!("search: {e}")))?;
    }
    Ok(axum::Json(ErasureView {
        customers: r.customers.iter().map(|c| c.0.to_string()).collect(),
        conversations: r.conversations,
        messages: r.messages,
        events_redacted: r.events_redacted,
        other_rows: r.other_rows,
        blobs_deleted: done.blobs_deleted,
    }))
}
