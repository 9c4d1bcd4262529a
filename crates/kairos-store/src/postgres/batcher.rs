//! Group commit for PostgreSQL: one writer task per tenant.
//!
//! A tenant's writes are serialised anyway (each locks the tenant row that holds
//! `last_seq`), so running them one transaction each caps a tenant at one commit round trip
//! per write. Instead each tenant has a task that takes every waiting job, runs them in one
//! transaction — each in its own savepoint, so a failing job rolls back alone — commits once
//! and only then answers each caller. Nothing is acknowledged before the commit.

use super::tx::PgTx;
use crate::Committed;
use crate::error::{Result, StoreError};
use futures::future::BoxFuture;
use kairos_core::ids::TenantId;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, mpsc, oneshot};

/// Most jobs committed together.
const MAX_BATCH: usize = 512;

/// What a job left behind: success, and how to answer once the commit's fate is known.
pub(crate) struct Done {
    ok: bool,
    answer: Box<dyn FnOnce(Result<()>) + Send>,
}

/// A unit of work inside a tenant's batch transaction.
pub(crate) type Job = Box<dyn for<'a> FnOnce(&'a mut PgTx) -> BoxFuture<'a, Done> + Send>;

/// Wraps a typed write into a [`Job`] and the receiver of its answer.
pub(crate) fn job<T, F>(f: F) -> (Job, oneshot::Receiver<Result<T>>)
where
    T: Send + 'static,
    F: for<'a> FnOnce(&'a mut PgTx) -> BoxFuture<'a, Result<T>> + Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    let job: Job = Box::new(move |pg| {
        Box::pin(async move {
            match f(pg).await {
                Ok(value) => Done {
                    ok: true,
                    answer: Box::new(move |commit| {
                        let _ = tx.send(commit.map(|()| value));
                    }),
                },
                Err(e) => Done {
                    ok: false,
                    answer: Box::new(move |_| {
                        let _ = tx.send(Err(e));
                    }),
                },
            }
        })
    });
    (job, rx)
}

/// The per-tenant writer tasks.
#[derive(Clone)]
pub(crate) struct Batcher {
    pool: PgPool,
    notify: broadcast::Sender<Committed>,
    tenants: Arc<Mutex<HashMap<TenantId, mpsc::UnboundedSender<Job>>>>,
}

impl Batcher {
    pub fn new(pool: PgPool, notify: broadcast::Sender<Committed>) -> Self {
        Self {
            pool,
            notify,
            tenants: Arc::default(),
        }
    }

    /// Queues `job` on `tenant`'s writer, starting it if needed.
    pub fn submit(&self, tenant: TenantId, job: Job) -> Result<()> {
        let mut tenants = self
            .tenants
            .lock()
            .map_err(|_| StoreError::Unavailable("writer registry poisoned".into()))?;
        let sender = tenants.entry(tenant).or_insert_with(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run(self.pool.clone(), tenant, rx, self.notify.clone()));
            tx
        });
        match sender.send(job) {
            Ok(()) => Ok(()),
            Err(mpsc::error::SendError(job)) => {
                // The task ended (it never should); start a fresh one.
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(run(self.pool.clone(), tenant, rx, self.notify.clone()));
                let _ = tx.send(job);
                *sender = tx;
                Ok(())
            }
        }
    }

    /// Stops the writer tasks after they finish what is queued.
    pub fn close(&self) {
        if let Ok(mut t) = self.tenants.lock() {
            t.clear();
        }
    }
}

async fn run(
    pool: PgPool,
    tenant: TenantId,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    notify: broadcast::Sender<Committed>,
) {
    let mut batch = Vec::with_capacity(64);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        commit_batch(&pool, tenant, std::mem::take(&mut batch), &notify).await;
    }
}

async fn commit_batch(
    pool: &PgPool,
    tenant: TenantId,
    batch: Vec<Job>,
    notify: &broadcast::Sender<Committed>,
) {
    let mut tx = match PgTx::begin(pool, tenant, true).await {
        Ok(tx) => tx,
        Err(e) => {
            let message = e.to_string();
            for job in batch {
                // Give each job its own error without running it: a failed BEGIN or an
                // unknown tenant fails them all alike.
                drop(job);
                tracing::debug!(%message, "postgres writer: batch not started");
            }
            tracing::warn!(error = %message, "postgres writer: cannot begin a batch");
            return;
        }
    };
    let mut done = Vec::with_capacity(batch.len());
    for job in batch {
        let before = tx.seq_mark();
        if let Err(e) = sqlx::query("SAVEPOINT job").execute(tx.conn()).await {
            tracing::error!(error = %e, "postgres writer: cannot open a savepoint");
            continue;
        }
        let d = job(&mut tx).await;
        let end = if d.ok {
            "RELEASE SAVEPOINT job"
        } else {
            "ROLLBACK TO SAVEPOINT job"
        };
        if !d.ok {
            tx.reset_seq(before);
        }
        if let Err(e) = sqlx::query(end).execute(tx.conn()).await {
            tracing::error!(error = %e, "postgres writer: cannot end a savepoint");
        }
        done.push(d);
    }
    match tx.commit().await {
        Ok(committed) => {
            for d in done {
                (d.answer)(Ok(()));
            }
            if let Some(c) = committed {
                let _ = notify.send(c);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "postgres writer: commit failed");
            for d in done {
                (d.answer)(Err(StoreError::Unavailable(format!("commit failed: {e}"))));
            }
        }
    }
}
