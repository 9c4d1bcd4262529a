//! The SLA worker: starts, pauses and stops clocks as conversations change, and records a
//! breach when a running clock passes its due time.

use crate::Clock;
use kairos_core::ids::TenantId;
use kairos_core::sla::{SETTINGS_KEY, SlaConfig, SlaSettings};
use kairos_store::log_watch::{LogWatch, Wake};
use kairos_store::{Store, StoreError};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::watch;

/// The consumer name the worker's cursor is stored under.
pub const CONSUMER: &str = kairos_store::sla::SLA_CONSUMER;
/// Events taken per transaction.
const BATCH: u32 = 500;
/// How often due clocks are looked for.
const TICK: Duration = Duration::from_millis(500);

/// Follows every tenant's log and the clocks' due times until `stop` turns true.
pub async fn run(store: Store, clock: Clock, mut stop: watch::Receiver<bool>) {
    let mut worker = Worker {
        store: store.clone(),
        clock,
        cursors: HashMap::new(),
    };
    let mut log = LogWatch::new(&store).await;
    let mut tick = tokio::time::interval(TICK);
    loop {
        for tenant in log.take() {
            if let Err(e) = worker.catch_up(tenant).await {
                tracing::warn!(error = %e, "sla worker: following the log failed; retrying");
                log.again(tenant);
            }
        }
        if let Err(e) = worker.breaches().await {
            tracing::warn!(error = %e, "sla worker: checking due clocks failed");
        }
        if log.wait(&mut tick, &mut stop).await == Wake::Stop {
            return;
        }
    }
}

struct Worker {
    store: Store,
    clock: Clock,
    /// In-memory positions of tenants whose position is not stored (yet): without SLA
    /// settings there is nothing to write for them.
    cursors: HashMap<TenantId, i64>,
}

impl Worker {
    async fn config(&self, tenant: TenantId) -> Result<Option<SlaConfig>, StoreError> {
        let Some(value) = self.store.setting(tenant, SETTINGS_KEY).await? else {
            return Ok(None);
        };
        match serde_json::from_value::<SlaSettings>(value).map(|s| s.validate()) {
            Ok(Ok(cfg)) => Ok(Some(cfg)),
            // Settings are validated when saved; a bad stored value stops SLA, not the worker.
            _ => {
                tracing::warn!(%tenant, "sla worker: stored SLA settings are invalid; ignoring them");
                Ok(None)
            }
        }
    }

    /// Brings the tenant's clocks up to its log head.
    async fn catch_up(&mut self, tenant: TenantId) -> Result<(), StoreError> {
        let Some(cfg) = self.config(tenant).await? else {
            // No SLA here: remember how far the log is, so switching SLA on later does not
            // start clocks for old conversations.
            let head = self.store.log_head(tenant).await?;
            self.cursors.insert(tenant, head);
            return Ok(());
        };
        let mut cursor = match self.store.consumer_cursor(tenant, CONSUMER).await? {
            Some(c) => c,
            None => match self.cursors.get(&tenant) {
                Some(c) => *c,
                None => self.store.log_head(tenant).await?,
            },
        };
        loop {
            let events = self.store.events(tenant, cursor, BATCH).await?;
            if events.is_empty() {
                // Until the first batch is stored, the position lives here.
                self.cursors.insert(tenant, cursor);
                return Ok(());
            }
            match self
                .store
                .sla_follow(tenant, CONSUMER, cursor, events, cfg.clone())
                .await
            {
                Ok(next) => cursor = next,
                Err(StoreError::Domain(kairos_core::DomainError::Conflict(_))) => {
                    // Another instance moved the cursor: continue from where it is.
                    cursor = self
                        .store
                        .consumer_cursor(tenant, CONSUMER)
                        .await?
                        .unwrap_or(cursor);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Records breaches of clocks due by now.
    async fn breaches(&self) -> Result<(), StoreError> {
        let now = (self.clock)();
        for (tenant, conversation) in self.store.sla_overdue(now, 500).await? {
            let n = self.store.sla_breach(tenant, conversation, now).await?;
            if n > 0 {
                metrics::counter!("kairos_sla_breaches_total").increment(n as u64);
            }
        }
        Ok(())
    }
}
