//! Erasure (GDPR Art. 17; checklist N04, N05): the person leaves every store — the
//! database (rows deleted, log events redacted; see `kairos_store::erasure`), the attachment
//! store (blobs no other message names, and chat uploads never sent), and the database files' free space and write-ahead
//! log. What must be kept by law (ledger postings, once there are any) stays pseudonymised
//! under the customer id, which leads nowhere afterwards.

use crate::PrivacyError;
use kairos_core::event::Actor;
use kairos_core::ids::{CustomerId, TenantId};
use kairos_core::upload::Uploader;
use kairos_store::Store;
use kairos_store::blobs::BlobStore;
use kairos_store::erasure::ErasureReport;
use kairos_store::kb_votes;

/// What an erasure did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Erased {
    /// The database part.
    pub report: ErasureReport,
    /// Attachment blobs deleted (those no other message names keep theirs).
    pub blobs_deleted: u64,
}

/// Deletes those of `shas` that no message, knowledge-base article or pending chat upload
/// names any more; returns how many files went. Content-addressed: the same file may belong
/// to another person's message, or be attached to an article, too.
pub async fn delete_unreferenced(
    store: &Store,
    blobs: &BlobStore,
    shas: &[String],
) -> Result<u64, PrivacyError> {
    let mut deleted = 0;
    for sha in shas {
        if !store.blob_in_use(sha).await? && blobs.delete(sha).await? {
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// Erases `customer` from `tenant` (following a merge to the whole person).
pub async fn erase(
    store: &Store,
    blobs: &BlobStore,
    tenant: TenantId,
    customer: CustomerId,
    actor: &Actor,
) -> Result<Erased, PrivacyError> {
    let report = store.erase_person(tenant, customer, actor).await?;
    // Knowledge-base votes and deflections carry a keyed pseudonym of the customer id: recompute and delete.
    let key = store
        .signing_key(kb_votes::VOTE_KEY_NAME, rand::random())
        .await?;
    let marks = report
        .customers
        .iter()
        .flat_map(|c| kb_votes::customer_marks(&key, tenant, *c))
        .collect();
    store.kb_forget_votes(tenant, marks).await?;
    // Files they uploaded in a chat but never sent go too.
    let uploaders: Vec<Uploader> = report
        .customers
        .iter()
        .map(|c| Uploader::Customer(*c))
        .collect();
    let mut shas = report.blobs.clone();
    shas.extend(store.forget_uploads(tenant, &uploaders).await?);
    let blobs_deleted = delete_unreferenced(store, blobs, &shas).await?;
    store.scrub().await?;
    tracing::info!(
        tenant = %tenant.0,
        customer = %customer.0,
        conversations = report.conversations,
        messages = report.messages,
        events_redacted = report.events_redacted,
        blobs_deleted,
        "person erased"
    );
    Ok(Erased {
        report,
        blobs_deleted,
    })
}
