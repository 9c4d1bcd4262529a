//! The retention worker (privacy issue, item 5; checklist N08): once an hour (and shortly
//! after start) every tenant's schedule is applied — resolved and closed conversations past
//! their period are purged, context events past theirs deleted, and customers inactive past
//! theirs erased — one conversation or person per transaction, each recorded on the
//! tenant's log (`conversation.purged`, `context.purged`, `customer.erased`).

use crate::Clock;
use kairos_core::event::Actor;
use kairos_core::ids::TenantId;
use kairos_core::retention::{self, RetentionSettings};
use kairos_privacy::PrivacyError;
use kairos_store::blobs::BlobStore;
use kairos_store::{Store, StoreError};
use std::time::Duration;
use tokio::sync::watch;

/// How often schedules run.
pub const INTERVAL: Duration = Duration::from_secs(3600);
/// Deletions per tenant and kind per pass (the next pass continues).
const BATCH: u32 = 500;

/// What one pass deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// Conversations purged.
    pub conversations: u64,
    /// Customers erased.
    pub customers: u64,
    /// Context events deleted.
    pub context_events: u64,
    /// Attachment files deleted.
    pub blobs: u64,
}

/// Applies every tenant's schedule once.
pub async fn run_once(store: &Store, blobs: &BlobStore, clock: &Clock) -> Result<Pass, StoreError> {
    let mut pass = Pass::default();
    for tenant in store.tenant_ids().await? {
        if let Err(e) = tenant_pass(store, blobs, clock, tenant, &mut pass).await {
            tracing::warn!(tenant = %tenant.0, error = %e, "retention: pass failed; retrying next time");
        }
    }
    if pass != Pass::default() {
        store.scrub().await?;
        tracing::info!(?pass, "retention: pass done");
    }
    Ok(pass)
}

async fn tenant_pass(
    store: &Store,
    blobs: &BlobStore,
    clock: &Clock,
    tenant: TenantId,
    pass: &mut Pass,
) -> Result<(), PrivacyError> {
    let settings: RetentionSettings = match store.setting(tenant, retention::SETTINGS_KEY).await? {
        Some(v) => serde_json::from_value(v).map_err(StoreError::from)?,
        None => RetentionSettings::default(),
    };
    let now = clock();
    if let Some(days) = settings.closed_conversations_days {
        let due = store
            .conversations_done_before(tenant, retention::cutoff(now, days), BATCH)
            .await?;
        for id in due {
            if let Some(purged) = store.purge_conversation(tenant, id).await? {
                pass.conversations += 1;
                pass.blobs +=
                    kairos_privacy::erase::delete_unreferenced(store, blobs, &purged.blobs).await?;
            }
        }
    }
    if let Some(days) = settings.context_events_days {
        pass.context_events += store
            .purge_context_events(tenant, retention::cutoff(now, days))
            .await?;
    }
    if let Some(days) = settings.inactive_customers_days {
        let due = store
            .customers_inactive_since(tenant, retention::cutoff(now, days), BATCH)
            .await?;
        for id in due {
            match kairos_privacy::erase::erase(store, blobs, tenant, id, &Actor::System).await {
                Ok(done) => {
                    pass.customers += 1;
                    pass.blobs += done.blobs_deleted;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "retention: erasing an inactive customer failed")
                }
            }
        }
    }
    Ok(())
}

/// Runs passes until `stop` turns true: the first a minute after start, then hourly.
pub async fn run(store: Store, blobs: BlobStore, clock: Clock, mut stop: watch::Receiver<bool>) {
    let mut next = Duration::from_secs(60);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(next) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        if let Err(e) = run_once(&store, &blobs, &clock).await {
            tracing::warn!(error = %e, "retention: pass failed");
        }
        next = INTERVAL;
    }
}
