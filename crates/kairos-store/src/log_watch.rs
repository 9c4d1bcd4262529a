//! Which tenants' logs have moved: the loop every log-following worker (SLA, routing, the
//! mail outbox) shares. Commit notices mark a tenant; a lost notice (the broadcast lagged)
//! marks every tenant, so a worker may look twice but never misses a change.

use crate::{Committed, Store};
use kairos_core::ids::TenantId;
use std::collections::HashSet;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::watch;
use tokio::time::Interval;

/// Why [`LogWatch::wait`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// A tenant's log moved (see [`LogWatch::take`]).
    Changed,
    /// The worker's interval ticked.
    Tick,
    /// The worker must stop.
    Stop,
}

/// Tracks tenants whose logs moved since the worker last looked.
pub struct LogWatch {
    store: Store,
    notices: broadcast::Receiver<Committed>,
    dirty: HashSet<TenantId>,
}

impl LogWatch {
    /// Starts watching; every existing tenant counts as moved, so the worker catches up.
    pub async fn new(store: &Store) -> Self {
        let notices = store.subscribe();
        let mut watch = Self {
            store: store.clone(),
            notices,
            dirty: HashSet::new(),
        };
        watch.mark_all().await;
        watch
    }

    /// The tenants that moved; the set is emptied.
    pub fn take(&mut self) -> Vec<TenantId> {
        self.dirty.drain().collect()
    }

    /// Looks at `tenant` again next round (its step failed).
    pub fn again(&mut self, tenant: TenantId) {
        self.dirty.insert(tenant);
    }

    /// Marks every tenant.
    pub async fn mark_all(&mut self) {
        match self.store.tenant_ids().await {
            Ok(ids) => self.dirty.extend(ids),
            Err(e) => tracing::warn!(error = %e, "cannot list tenants; following new commits only"),
        }
    }

    /// Waits for a commit notice, a tick of `tick`, or `stop`; notices already waiting are
    /// taken together, so a burst of commits is one round.
    pub async fn wait(&mut self, tick: &mut Interval, stop: &mut watch::Receiver<bool>) -> Wake {
        if *stop.borrow() {
            return Wake::Stop;
        }
        let wake = tokio::select! {
            _ = stop.changed() => return Wake::Stop,
            _ = tick.tick() => Wake::Tick,
            notice = self.notices.recv() => match notice {
                Ok(n) => { self.dirty.insert(n.tenant_id); Wake::Changed }
                Err(RecvError::Lagged(_)) => { self.mark_all().await; Wake::Changed }
                Err(RecvError::Closed) => return Wake::Stop,
            },
        };
        while let Ok(n) = self.notices.try_recv() {
            self.dirty.insert(n.tenant_id);
        }
        if *stop.borrow() { Wake::Stop } else { wake }
    }
}
