//! Forums: threads with their replies in knowledge-base categories, moderation, solutions
//! and turning a thread into a conversation. Every change is a `forum.*` event; the flows
//! here write the thread's document in the same transaction, after the core's rules
//! (`kairos_core::forum`) allowed the change with the thread as it is inside it.

use crate::flows::WriteTx;
use crate::knowledge::KbTx;
use crate::{Result, Store, StoreError, now};
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::forum::{self, Moderation, ThreadFacts};
use kairos_core::ids::{
    CategoryId, ConversationId, CustomerId, MessageId, ReplyId, TenantId, ThreadId,
};
use kairos_core::knowledge::{ArticleVisibility, Reader};
use kairos_core::message::{Author, Body, Channel, Direction};
use kairos_core::{DomainError, Timestamp};
use serde::{Deserialize, Serialize};

/// Most threads one page returns.
pub const MAX_PAGE: u32 = 100;
/// The name an erased person's posts show.
pub const ERASED_NAME: &str = "[deleted]";

/// Who wrote a post: a customer (their id is never shown to other customers) or staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Poster {
    /// The customer, for a customer's post.
    pub customer_id: Option<CustomerId>,
    /// The name shown with the post.
    pub name: String,
}

/// One reply of a thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// Its id.
    pub id: ReplyId,
    /// Who wrote it.
    pub author: Poster,
    /// Markdown source.
    pub body: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// Hidden by staff.
    pub hidden: bool,
}

/// A thread with all its replies, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    /// Its id.
    pub id: ThreadId,
    /// Its category.
    pub category_id: CategoryId,
    /// Public or customers only.
    pub visibility: ArticleVisibility,
    /// Its language tag (picks the search analyzer).
    pub language: String,
    /// Title.
    pub title: String,
    /// Markdown source of the first post.
    pub body: String,
    /// Who started it.
    pub author: Poster,
    /// When it was started.
    pub created_at: Timestamp,
    /// When it was started or last replied to.
    pub last_activity_at: Timestamp,
    /// Hidden by staff.
    pub hidden: bool,
    /// Locked by staff.
    pub locked: bool,
    /// The reply marked as the solution.
    pub solution: Option<ReplyId>,
    /// The conversation staff opened from it.
    pub conversation_id: Option<ConversationId>,
    /// Its replies, oldest first.
    pub replies: Vec<Reply>,
    /// Its first post belonged to an erased person: title and text are gone, the thread
    /// stays for the others' replies (and is not searchable itself).
    #[serde(default)]
    pub erased: bool,
}

impl Thread {
    /// The facts the rules look at.
    pub fn facts(&self) -> ThreadFacts {
        ThreadFacts {
            hidden: self.hidden,
            locked: self.locked,
            visibility: self.visibility,
        }
    }
}

/// A new thread (validated by the caller: title, body, audience).
#[derive(Clone, Debug)]
pub struct NewThread {
    /// Its category.
    pub category_id: CategoryId,
    /// Public or customers only.
    pub visibility: ArticleVisibility,
    /// Its language tag (validated by the caller against the tenant's languages).
    pub language: String,
    /// Title.
    pub title: String,
    /// Markdown source.
    pub body: String,
}

/// Which threads a list returns: staff see hidden ones, visitors public ones only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadFilter {
    /// Include hidden threads.
    pub hidden: bool,
    /// Only public threads (not customers-only ones).
    pub public_only: bool,
    /// Only this category.
    pub category: Option<CategoryId>,
}

impl ThreadFilter {
    /// What `reader` may list (partners nothing: callers refuse them before).
    pub fn for_reader(reader: &Reader, category: Option<CategoryId>) -> Self {
        ThreadFilter {
            hidden: *reader == Reader::Staff,
            public_only: *reader != Reader::Staff && *reader != Reader::Customer,
            category,
        }
    }
}

/// The reads and writes beside the log the forum flows need in the transaction.
pub(crate) trait ForumTx {
    /// The thread's document, if it is in this tenant.
    async fn forum_thread_doc(&mut self, id: ThreadId) -> Result<Option<String>>;
    /// Inserts or replaces the thread's row.
    async fn forum_put_thread(&mut self, t: &Thread, doc: &str) -> Result<()>;
    /// Records that `customer` wrote in the thread.
    async fn forum_add_author(&mut self, thread: ThreadId, customer: CustomerId) -> Result<()>;
    /// The threads `people` wrote in.
    async fn forum_threads_of(&mut self, people: &[CustomerId]) -> Result<Vec<ThreadId>>;
    /// Deletes a thread and its author rows.
    async fn forum_delete_thread(&mut self, id: ThreadId) -> Result<()>;
    /// Deletes the author rows of `people`.
    async fn forum_forget_authors(&mut self, people: &[CustomerId]) -> Result<u64>;
}

fn decode(doc: &str) -> Result<Thread> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt(format!("forum document: {e}")))
}

async fn load<T: ForumTx>(tx: &mut T, id: ThreadId, reader: &Reader) -> Result<Thread> {
    match tx.forum_thread_doc(id).await? {
        Some(doc) => {
            let t = decode(&doc)?;
            if forum::may_read(reader, &t.facts()) {
                Ok(t)
            } else {
                Err(StoreError::not_found("thread"))
            }
        }
        None => Err(StoreError::not_found("thread")),
    }
}

async fn save<T: ForumTx>(tx: &mut T, t: &Thread) -> Result<()> {
    tx.forum_put_thread(t, &serde_json::to_string(t)?).await
}

async fn create<T: WriteTx + KbTx + ForumTx>(
    tx: &mut T,
    new: NewThread,
    author: Poster,
    at: Timestamp,
    actor: &Actor,
) -> Result<Thread> {
    if !tx.kb_category_exists(new.category_id).await? {
        return Err(DomainError::invalid("category_id", "no such category").into());
    }
    let t = Thread {
        id: ThreadId::new(),
        category_id: new.category_id,
        visibility: forum::audience(new.visibility)?,
        language: new.language,
        title: new.title,
        body: new.body,
        author,
        created_at: at,
        last_activity_at: at,
        hidden: false,
        locked: false,
        solution: None,
        conversation_id: None,
        replies: Vec::new(),
        erased: false,
    };
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::ForumThreadCreated {
            thread_id: t.id,
            category_id: t.category_id,
            visibility: t.visibility,
            language: t.language.clone(),
            title: t.title.clone(),
            body: t.body.clone(),
            customer_id: t.author.customer_id,
            author_name: t.author.name.clone(),
        },
    )])
    .await?;
    save(tx, &t).await?;
    if let Some(c) = t.author.customer_id {
        tx.forum_add_author(t.id, c).await?;
    }
    Ok(t)
}

#[allow(clippy::too_many_arguments)]
async fn reply<T: WriteTx + ForumTx>(
    tx: &mut T,
    id: ThreadId,
    body: String,
    author: Poster,
    reader: &Reader,
    at: Timestamp,
    actor: &Actor,
) -> Result<(Thread, ReplyId)> {
    let mut t = load(tx, id, reader).await?;
    forum::check_reply(reader, &t.facts())?;
    if t.replies.len() >= forum::MAX_REPLIES {
        return Err(DomainError::Conflict("the thread is full; start a new one".into()).into());
    }
    let r = Reply {
        id: ReplyId::new(),
        author,
        body,
        created_at: at,
        hidden: false,
    };
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::ForumReplied {
            thread_id: id,
            reply_id: r.id,
            body: r.body.clone(),
            customer_id: r.author.customer_id,
            author_name: r.author.name.clone(),
        },
    )])
    .await?;
    let rid = r.id;
    if let Some(c) = r.author.customer_id {
        tx.forum_add_author(id, c).await?;
    }
    t.replies.push(r);
    t.last_activity_at = at;
    save(tx, &t).await?;
    Ok((t, rid))
}

async fn moderate<T: WriteTx + KbTx + ForumTx>(
    tx: &mut T,
    id: ThreadId,
    reply: Option<ReplyId>,
    m: Moderation,
    at: Timestamp,
    actor: &Actor,
) -> Result<Thread> {
    let mut t = load(tx, id, &Reader::Staff).await?;
    let changed = match (reply, m) {
        (Some(rid), Moderation::Hide | Moderation::Unhide) => {
            let r = t
                .replies
                .iter_mut()
                .find(|r| r.id == rid)
                .ok_or(StoreError::not_found("reply"))?;
            let hide = m == Moderation::Hide;
            let changed = r.hidden != hide;
            r.hidden = hide;
            // A hidden reply is no solution any more.
            if hide && t.solution == Some(rid) {
                t.solution = None;
            }
            changed
        }
        (Some(_), _) => {
            return Err(DomainError::invalid("action", "a reply is only hidden or shown").into());
        }
        (None, Moderation::Hide | Moderation::Unhide) => {
            let hide = m == Moderation::Hide;
            std::mem::replace(&mut t.hidden, hide) != hide
        }
        (None, Moderation::Lock | Moderation::Unlock) => {
            let lock = m == Moderation::Lock;
            std::mem::replace(&mut t.locked, lock) != lock
        }
        (None, Moderation::Move { category_id }) => {
            if !tx.kb_category_exists(category_id).await? {
                return Err(DomainError::invalid("category_id", "no such category").into());
            }
            std::mem::replace(&mut t.category_id, category_id) != category_id
        }
    };
    if !changed {
        return Ok(t);
    }
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::ForumModerated {
            thread_id: id,
            reply_id: reply,
            moderation: m,
        },
    )])
    .await?;
    save(tx, &t).await?;
    Ok(t)
}

async fn mark_solution<T: WriteTx + ForumTx>(
    tx: &mut T,
    id: ThreadId,
    reply: Option<ReplyId>,
    reader: &Reader,
    caller: Option<CustomerId>,
    at: Timestamp,
    actor: &Actor,
) -> Result<Thread> {
    let mut t = load(tx, id, reader).await?;
    let is_author = caller.is_some() && caller == t.author.customer_id;
    if !forum::may_mark_solution(reader, is_author) {
        return Err(DomainError::Conflict(
            "only the thread's author or staff mark its solution".into(),
        )
        .into());
    }
    if let Some(rid) = reply {
        let found = t.replies.iter().find(|r| r.id == rid);
        forum::check_solution(found.is_some(), found.is_some_and(|r| r.hidden))?;
    }
    if t.solution == reply {
        return Ok(t);
    }
    t.solution = reply;
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::ForumSolutionMarked {
            thread_id: id,
            reply_id: reply,
        },
    )])
    .await?;
    save(tx, &t).await?;
    Ok(t)
}

async fn convert<T: WriteTx + ForumTx>(
    tx: &mut T,
    id: ThreadId,
    link: String,
    at: Timestamp,
    actor: &Actor,
) -> Result<Thread> {
    let mut t = load(tx, id, &Reader::Staff).await?;
    if t.conversation_id.is_some() {
        return Ok(t);
    }
    let author = t.author.customer_id.ok_or_else(|| {
        DomainError::Conflict("only a customer's thread becomes a conversation".into())
    })?;
    // The author may have been merged into another record since: talk to the survivor.
    let customer = crate::flows::surviving_customer(tx, author)
        .await?
        .ok_or_else(|| DomainError::Conflict("the thread's author no longer exists".into()))?;
    let conversation_id = ConversationId::new();
    let text = format!("{}\n\n— Forum thread: {link}", t.body);
    tx.append(vec![
        NewEvent::new(
            at,
            actor,
            EventData::ConversationOpened {
                conversation_id,
                customer_id: customer,
                channel: Channel::Portal,
                subject: Some(t.title.clone()),
            },
        ),
        NewEvent::new(
            at,
            actor,
            EventData::MessageAppended {
                message_id: MessageId::new(),
                conversation_id,
                direction: Direction::Inbound,
                channel: Channel::Portal,
                author: Author::Customer,
                subject: Some(t.title.clone()),
                body: Body::new(&text, None)?,
                attachments: Vec::new(),
                external_id: None,
            },
        ),
        NewEvent::new(
            at,
            actor,
            EventData::ForumConverted {
                thread_id: id,
                conversation_id,
            },
        ),
    ])
    .await?;
    t.conversation_id = Some(conversation_id);
    save(tx, &t).await?;
    Ok(t)
}

/// Erasure's part: the person's replies go; a thread they started loses its title, text and
/// author, and goes entirely if no one else's reply remains. Returns the rows changed.
pub(crate) async fn erase_posts<T: ForumTx>(tx: &mut T, people: &[CustomerId]) -> Result<u64> {
    let theirs = |p: &Poster| p.customer_id.is_some_and(|c| people.contains(&c));
    let mut n = 0;
    for id in tx.forum_threads_of(people).await? {
        let Some(doc) = tx.forum_thread_doc(id).await? else {
            continue;
        };
        let mut t = decode(&doc)?;
        t.replies.retain(|r| !theirs(&r.author));
        if t.solution
            .is_some_and(|s| !t.replies.iter().any(|r| r.id == s))
        {
            t.solution = None;
        }
        if theirs(&t.author) {
            if t.replies.is_empty() {
                tx.forum_delete_thread(id).await?;
                n += 1;
                continue;
            }
            t.author = Poster {
                customer_id: None,
                name: ERASED_NAME.into(),
            };
            t.title = ERASED_NAME.into();
            t.body = ERASED_NAME.into();
            t.erased = true;
        }
        save(tx, &t).await?;
        n += 1;
    }
    Ok(n + tx.forum_forget_authors(people).await?)
}

impl Store {
    /// Starts a thread (the caller checked who may post and validated the text).
    pub async fn forum_create_thread(
        &self,
        tenant: TenantId,
        new: NewThread,
        author: Poster,
        actor: &Actor,
    ) -> Result<Thread> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| create(tx, new, author, at, &actor))
    }

    /// Replies in a thread `reader` may read and that is not locked.
    pub async fn forum_reply(
        &self,
        tenant: TenantId,
        id: ThreadId,
        body: String,
        author: Poster,
        reader: Reader,
        actor: &Actor,
    ) -> Result<(Thread, ReplyId)> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| reply(
            tx, id, body, author, &reader, at, &actor
        ))
    }

    /// Moderates a thread, or one reply of it (the caller checked it is staff).
    pub async fn forum_moderate(
        &self,
        tenant: TenantId,
        id: ThreadId,
        reply: Option<ReplyId>,
        m: Moderation,
        actor: &Actor,
    ) -> Result<Thread> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| moderate(tx, id, reply, m, at, &actor))
    }

    /// Marks (or with `None` unmarks) the solution, as `reader` (`caller`: the customer).
    pub async fn forum_mark_solution(
        &self,
        tenant: TenantId,
        id: ThreadId,
        reply: Option<ReplyId>,
        reader: Reader,
        caller: Option<CustomerId>,
        actor: &Actor,
    ) -> Result<Thread> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| mark_solution(
            tx, id, reply, &reader, caller, at, &actor
        ))
    }

    /// Opens a conversation with the thread's author (subject: the title; first message:
    /// the thread's text and `link`) and records it on the thread; a second call returns
    /// the thread as it is. `Conflict` for a thread staff started.
    pub async fn forum_convert(
        &self,
        tenant: TenantId,
        id: ThreadId,
        link: String,
        actor: &Actor,
    ) -> Result<Thread> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| convert(tx, id, link, at, &actor))
    }

    /// One thread of the tenant (no visibility rule applied: callers ask the core).
    pub async fn forum_thread(&self, tenant: TenantId, id: ThreadId) -> Result<Option<Thread>> {
        let doc = dispatch!(self, s => s.forum_thread_row(tenant, id).await)?;
        doc.map(|d| decode(&d)).transpose()
    }

    /// Threads of the tenant that pass `filter`, newest activity first: `limit` (at most
    /// [`MAX_PAGE`]) after skipping `offset` of them.
    pub async fn forum_threads(
        &self,
        tenant: TenantId,
        filter: ThreadFilter,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<Thread>> {
        let limit = limit.min(MAX_PAGE);
        let docs = dispatch!(self, s => s.forum_thread_rows(tenant, filter, limit, offset).await)?;
        docs.iter().map(|d| decode(d)).collect()
    }

    /// Every thread a customer wrote in (the privacy export), newest activity first.
    pub async fn forum_threads_of(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<Thread>> {
        let docs = dispatch!(self, s => s.forum_author_rows(tenant, customer).await)?;
        docs.iter().map(|d| decode(d)).collect()
    }
}
