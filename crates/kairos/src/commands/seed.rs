//! `kairos bench-seed`: many conversations, fast, in bounded memory.
//!
//! Inbound writes run `concurrency` at a time (the SQLite writer group-commits them); ids
//! are streamed to the output file as they complete, so memory does not grow with N.

use super::{stdout_line, tenant};
use crate::cli::BenchSeedArgs;
use anyhow::Context;
use futures::StreamExt;
use kairos_core::event::Actor;
use kairos_core::identity::Identity;
use kairos_core::inbound::InboundCommand;
use kairos_core::message::{Body, Channel};
use kairos_store::Store;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

/// Seeds `args.conversations` conversations and writes their ids.
pub async fn run(store: Store, args: BenchSeedArgs, default_out: PathBuf) -> anyhow::Result<()> {
    let tenant = tenant(&store, &args.tenant).await?;
    let path = args.ids_out.unwrap_or(default_out);
    let file = std::fs::File::create(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::with_capacity(64 * 1024, file);
    let n = args.conversations;
    let step = (n / 10).max(1);
    let started = Instant::now();

    let mut results = futures::stream::iter(0..n)
        .map(|i| {
            let store = store.clone();
            async move {
                let cmd = InboundCommand {
                    channel: Channel::Email,
                    from: Identity::email(&format!("seed-{i}@bench.example"))?,
                    display_name: Some(format!("Seed Customer {i}")),
                    subject: Some(format!("Bench conversation {i}")),
                    body: Body::new(&format!("Hello, this is seeded message {i}. My order has not arrived yet; could you check?"), None)?,
                    attachments: vec![],
                    // Deterministic: seeding again finds duplicates and only re-lists the ids.
                    external_id: Some(format!("<seed-{i}@bench.example>")),
                    conversation_id: None,
                };
                let (ids, _new) = store.inbound(tenant.id, cmd, &Actor::System).await?;
                anyhow::Ok(ids.conversation_id)
            }
        })
        .buffer_unordered(args.concurrency.max(1));

    let mut done = 0u64;
    while let Some(result) = results.next().await {
        let id = result.context("seeding failed")?;
        writeln!(out, "{id}").with_context(|| format!("cannot write {}", path.display()))?;
        done += 1;
        if done.is_multiple_of(step) || done == n {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "seeded {done}/{n} ({}%) in {secs:.1}s, {:.0}/s",
                done * 100 / n.max(1),
                done as f64 / secs.max(1e-9)
            );
        }
    }
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    stdout_line(&path.display().to_string())
}
