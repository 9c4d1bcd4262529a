//! The search feeder: follows each tenant's log from the index's checkpoint
//! (`SearchIndex::last_indexed_seq`) and writes what the events touched — articles, forum
//! threads with their replies ([`crate::forum_index`]), conversations and messages
//! ([`crate::conversation_index`]) — as it is now in the store, into the index. A lagging or fresh index catches up from its last `seq`; applying a
//! document twice is harmless (upserts replace by id). Erasure and retention deletions are
//! followed by a compaction, so the index files no longer hold what was deleted.

use crate::conversation_index::{self, Touched};
use crate::forum_index;
use kairos_core::event::{Event, EventData};
use kairos_core::ids::{ArticleId, TenantId, ThreadId};
use kairos_core::knowledge::{ArticleState, ArticleVisibility};
use kairos_search::{Document, Kind, Language, SearchIndex, State, Visibility};
use kairos_store::knowledge::Article;
use kairos_store::log_watch::{LogWatch, Wake};
use kairos_store::{Store, StoreError};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Events read per page.
const PAGE: u32 = 1_000;
/// Without article changes, the checkpoint is committed only this far behind the log (a
/// commit costs a file sync; re-reading a few thousand events after a restart costs little).
const COMMIT_LAG: u64 = 10_000;

/// What can stop a round.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The index failed.
    #[error("search index: {0}")]
    Index(String),
}

/// The article an event is about, if it is a knowledge-base article event.
fn article_of(data: &EventData) -> Option<ArticleId> {
    match data {
        EventData::KbArticleCreated { article_id, .. }
        | EventData::KbArticleRevised { article_id, .. }
        | EventData::KbArticleChanged { article_id, .. }
        | EventData::KbFeedback { article_id, .. } => Some(*article_id),
        _ => None,
    }
}

/// The search document of an article, or `None` for a language the index cannot analyse
/// (German and English, with or without a region, are indexed).
pub fn document(tenant: TenantId, a: &Article, seq: u64) -> Option<Document> {
    let language = match a.language.split('-').next() {
        Some("de") => Language::De,
        Some("en") => Language::En,
        _ => return None,
    };
    Some(Document {
        tenant,
        id: a.id.0,
        kind: Kind::Article,
        language,
        title: a.title.clone(),
        body: a.body.clone(),
        category: Some(a.category_id.to_string()),
        state: match a.state {
            ArticleState::Draft => State::Draft,
            ArticleState::InReview => State::InReview,
            ArticleState::Published => State::Published,
            ArticleState::Archived => State::Archived,
        },
        channel: None,
        visibility: match a.visibility {
            ArticleVisibility::Public => Visibility::Public,
            ArticleVisibility::Customers => Visibility::Customers,
            ArticleVisibility::Internal => Visibility::Internal,
        },
        owner: None,
        parent: Some(a.translation_group),
        seq,
    })
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> kairos_search::Result<T> + Send + 'static,
) -> Result<T, FeedError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| FeedError::Index(e.to_string()))?
        .map_err(|e| FeedError::Index(e.to_string()))
}

/// What applying a page did.
#[derive(Clone, Copy, Debug, Default)]
struct Applied {
    /// Documents changed.
    changed: bool,
    /// Data was deleted for good (erasure, retention): compact after the commit.
    forgot: bool,
}

/// Applies one page of events.
async fn apply(
    store: &Store,
    index: &Arc<SearchIndex>,
    tenant: TenantId,
    events: &[Event],
) -> Result<Applied, FeedError> {
    let touched: BTreeSet<ArticleId> = events.iter().filter_map(|e| article_of(&e.data)).collect();
    let threads: BTreeSet<ThreadId> = events
        .iter()
        .filter_map(|e| forum_index::thread_of(&e.data))
        .collect();
    // Conversations, messages and erasures (which also remove the person's forum posts).
    let mut conversations = Touched::default();
    for e in events {
        conversations.note(&e.data);
    }
    let last = events.last().map_or(0, |e| e.seq.max(0) as u64);
    let (mut docs, mut gone) = (Vec::new(), Vec::new());
    for id in &touched {
        match store.kb_article(tenant, *id).await? {
            Some(a) => match document(tenant, &a, last) {
                Some(d) => docs.push(d),
                None => gone.push(id.0),
            },
            None => gone.push(id.0),
        }
    }
    for id in &threads {
        // A thread is never deleted but by erasure, whose event removes its documents.
        if let Some(t) = store.forum_thread(tenant, *id).await? {
            docs.extend(forum_index::documents(tenant, &t, last));
        }
    }
    let talk = conversation_index::changes(store, tenant, &conversations, last).await?;
    docs.extend(talk.docs);
    let idx = index.clone();
    blocking(move || {
        // Deletions first: a conversation gone since is not written back.
        for id in gone {
            idx.delete(tenant, id)?;
        }
        for customer in talk.erased {
            idx.delete_by_customer(tenant, customer)?;
        }
        for c in talk.gone {
            idx.delete(tenant, c.0)?;
            idx.delete_by_parent(tenant, c.0)?;
        }
        idx.upsert(&docs)?;
        idx.advance(tenant, last);
        Ok(())
    })
    .await?;
    Ok(Applied {
        changed: !touched.is_empty() || !threads.is_empty() || !conversations.is_empty(),
        forgot: conversations.forgets(),
    })
}

/// Brings the index up to date with `tenant`'s log from `from` (at least the index's own
/// checkpoint) and commits when articles changed or the checkpoint lags far; returns the
/// position read up to. `force` always commits (reindexing, tests).
pub async fn catch_up(
    store: &Store,
    index: &Arc<SearchIndex>,
    tenant: TenantId,
    from: u64,
    force: bool,
) -> Result<u64, FeedError> {
    catch_up_reporting(store, index, tenant, from, force, &mut |_| {}).await
}

/// [`catch_up`], calling `on_page` with the position reached after each page of events
/// (a progress bar).
pub async fn catch_up_reporting(
    store: &Store,
    index: &Arc<SearchIndex>,
    tenant: TenantId,
    from: u64,
    force: bool,
    on_page: &mut (dyn FnMut(u64) + Send),
) -> Result<u64, FeedError> {
    let committed = index.last_indexed_seq(tenant);
    let mut after = from.max(committed);
    let mut applied = Applied::default();
    loop {
        let events = store.events(tenant, after as i64, PAGE).await?;
        let Some(last) = events.last().map(|e| e.seq.max(0) as u64) else {
            break;
        };
        let page = apply(store, index, tenant, &events).await?;
        applied.changed |= page.changed;
        applied.forgot |= page.forgot;
        after = last;
        on_page(after);
        if events.len() < PAGE as usize {
            break;
        }
    }
    if force || applied.changed || after.saturating_sub(committed) >= COMMIT_LAG {
        let idx = index.clone();
        blocking(move || idx.commit()).await?;
    }
    if applied.forgot {
        let idx = index.clone();
        blocking(move || idx.compact()).await?;
    }
    Ok(after)
}

/// Keeps the index current with every tenant's log until `stop`.
pub async fn run(store: Store, index: Arc<SearchIndex>, mut stop: watch::Receiver<bool>) {
    let mut log = LogWatch::new(&store).await;
    let mut positions: HashMap<TenantId, u64> = HashMap::new();
    let mut sweep = tokio::time::interval(Duration::from_secs(60));
    loop {
        for tenant in log.take() {
            let from = positions.get(&tenant).copied().unwrap_or(0);
            match catch_up(&store, &index, tenant, from, false).await {
                Ok(at) => {
                    positions.insert(tenant, at);
                }
                Err(e) => {
                    tracing::warn!(error = %e, %tenant, "search feeder: failed; retrying later");
                }
            }
        }
        match log.wait(&mut sweep, &mut stop).await {
            Wake::Stop => return,
            Wake::Tick => log.mark_all().await,
            Wake::Changed => {}
        }
    }
}
