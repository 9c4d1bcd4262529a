//! `kairos search reindex`: rebuilds the search index (articles, forums, conversations and
//! messages) from every tenant's log into a fresh directory, then swaps it in
//! (docs/search.md). Run it with the server stopped: the server holds the index's writer
//! lock, which this command checks first.

use crate::cli::SearchCommand;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use kairos_search::{IndexOptions, SearchIndex};
use kairos_store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Runs a search subcommand.
pub async fn run(store: Store, data_dir: PathBuf, cmd: SearchCommand) -> anyhow::Result<()> {
    match cmd {
        SearchCommand::Reindex => reindex(store, &data_dir).await,
    }
}

async fn reindex(store: Store, data_dir: &Path) -> anyhow::Result<()> {
    let live = data_dir.join("search");
    let fresh = data_dir.join("search.new");
    let old = data_dir.join("search.old");
    if live.exists() {
        // Opening takes the writer lock: a running server holds it.
        drop(SearchIndex::open(&live).map_err(|e| {
            anyhow::anyhow!("the search index is in use or unreadable ({e}); stop the server first")
        }));
    }
    for dir in [&fresh, &old] {
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("cannot remove {}", dir.display()))?;
        }
    }
    let index = Arc::new(
        SearchIndex::open_with(&fresh, IndexOptions::default())
            .with_context(|| format!("cannot create {}", fresh.display()))?,
    );
    let tenants = store.tenant_ids().await?;
    let bar = ProgressBar::new(tenants.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} tenants {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut events = 0u64;
    for tenant in &tenants {
        let done = events;
        let progress = bar.clone();
        let at = kairos_workflow::kb_index::catch_up_reporting(
            &store,
            &index,
            *tenant,
            0,
            true,
            &mut move |seq| progress.set_message(format!("{} events", done + seq)),
        )
        .await?;
        events += at;
        bar.inc(1);
    }
    bar.finish_with_message(format!("{events} events"));
    let idx = index.clone();
    tokio::task::spawn_blocking(move || idx.compact())
        .await?
        .context("compacting the index")?;
    let documents = index.num_docs();
    drop(index);
    if live.exists() {
        std::fs::rename(&live, &old).context("moving the old index aside")?;
    }
    std::fs::rename(&fresh, &live).context("moving the new index in place")?;
    if old.exists() {
        std::fs::remove_dir_all(&old).context("removing the old index")?;
    }
    super::stdout_line(&format!(
        "reindexed {documents} documents (articles, forum posts, conversations, messages) from {events} events of {} tenants",
        tenants.len()
    ))
}
