//! The single SQLite writer: one thread, one connection, group commit.
//!
//! SQLite allows one writer at a time, so instead of many connections fighting over the
//! lock (and `SQLITE_BUSY`, checklist J03), every write is a job sent to this thread. The
//! thread takes all jobs waiting, runs each inside its own savepoint (a failing job rolls
//! back alone), commits once — one fsync for the whole batch — and only then answers each
//! job. Nothing is acknowledged before its commit is durable.

use crate::Committed;
use crate::error::{Result, StoreError};
use rusqlite::Connection;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use tokio::sync::{broadcast, oneshot};

/// Most jobs committed together; bounds the latency one batch adds to its first job.
const MAX_BATCH: usize = 1024;

/// What a job left behind: whether it succeeded, the log position it wrote, and how to
/// answer its caller once the commit's outcome is known.
pub(crate) struct Done {
    ok: bool,
    committed: Option<Committed>,
    answer: Box<dyn FnOnce(Result<()>) + Send>,
}

/// A unit of work run on the writer's connection.
type Job = Box<dyn FnOnce(&Connection) -> Done + Send>;

/// Handle to the writer thread.
#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub fn start(
        conn: Connection,
        notify: broadcast::Sender<Committed>,
    ) -> std::io::Result<(Self, std::thread::JoinHandle<()>)> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let handle = std::thread::Builder::new()
            .name("kairos-sqlite-writer".into())
            .spawn(move || run(conn, rx, notify))?;
        Ok((Self { jobs }, handle))
    }

    /// Runs `f` in the next batch; resolves after the batch committed. `f` returns its value
    /// and the log position it wrote (if any).
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<(T, Option<Committed>)> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<T>>();
        let job: Job = Box::new(move |conn| match f(conn) {
            Ok((value, committed)) => Done {
                ok: true,
                committed,
                answer: Box::new(move |commit| {
                    let _ = tx.send(commit.map(|()| value));
                }),
            },
            Err(e) => Done {
                ok: false,
                committed: None,
                answer: Box::new(move |_| {
                    let _ = tx.send(Err(e));
                }),
            },
        });
        self.jobs
            .send(job)
            .map_err(|_| StoreError::Unavailable("the SQLite writer has stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::Unavailable("the SQLite writer dropped a job".into()))?
    }
}

fn run(conn: Connection, rx: mpsc::Receiver<Job>, notify: broadcast::Sender<Committed>) {
    while let Ok(first) = rx.recv() {
        let mut batch = Vec::with_capacity(64);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&conn, batch, &notify);
    }
    tracing::debug!("sqlite writer: all handles dropped, stopping");
}

fn commit_batch(conn: &Connection, batch: Vec<Job>, notify: &broadcast::Sender<Committed>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "sqlite writer: cannot begin a transaction");
        // Answer every job with the failure; nothing of theirs ran.
        for job in batch {
            drop(job);
        }
        return;
    }
    let mut done = Vec::with_capacity(batch.len());
    for job in batch {
        let savepoint = run_cached(conn, "SAVEPOINT job");
        let outcome = match savepoint {
            Ok(()) => catch_unwind(AssertUnwindSafe(|| job(conn))).ok(),
            Err(e) => {
                tracing::error!(error = %e, "sqlite writer: cannot open a savepoint");
                None
            }
        };
        let ok = outcome.as_ref().is_some_and(|d| d.ok);
        let end = if ok {
            run_cached(conn, "RELEASE job")
        } else {
            conn.execute_batch("ROLLBACK TO job; RELEASE job")
        };
        if let Err(e) = end {
            tracing::error!(error = %e, "sqlite writer: cannot end a savepoint");
        }
        // A job that panicked is dropped here: its caller sees the writer "drop a job".
        if let Some(d) = outcome {
            done.push(d);
        }
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => {
            let mut newest: Vec<Committed> = Vec::new();
            for d in &done {
                if let Some(c) = d.committed {
                    match newest.iter_mut().find(|n| n.tenant_id == c.tenant_id) {
                        Some(n) => n.seq = n.seq.max(c.seq),
                        None => newest.push(c),
                    }
                }
            }
            for d in done {
                (d.answer)(Ok(()));
            }
            for c in newest {
                // No subscriber is fine: nobody is streaming right now.
                let _ = notify.send(c);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "sqlite writer: commit failed");
            let _ = conn.execute_batch("ROLLBACK");
            for d in done {
                (d.answer)(Err(StoreError::Unavailable(format!("commit failed: {e}"))));
            }
        }
    }
}

/// Runs a parameterless statement through the statement cache (the writer runs these for
/// every job; parsing them each time showed up in profiles).
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}
