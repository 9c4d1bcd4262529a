//! The knowledge base: categories, articles with revisions, states and translations,
//! "did this help?" feedback and partner grants. Every change is a `kb.*` event; the flows
//! here write the article's document (and its revision) in the same transaction, after the
//! core's rules (`kairos_core::knowledge`) allowed the change with the state read inside it.

use crate::flows::WriteTx;
use crate::{Result, Store, StoreError, now};
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::{ArticleId, CategoryId, PartyId, TenantId};
use kairos_core::knowledge::{self, ArticleFacts, ArticleState, ArticleVisibility, Reader};
use kairos_core::{DomainError, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Most articles one list returns.
pub const MAX_LIST: u32 = 1_000;

/// A knowledge-base category.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Its id.
    pub id: CategoryId,
    /// URL slug, unique in the tenant.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// When it was created.
    pub created_at: Timestamp,
}

/// One language version of an article, as it is now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// Its id.
    pub id: ArticleId,
    /// Its category.
    pub category_id: CategoryId,
    /// Shared by all language versions of the article.
    pub translation_group: Uuid,
    /// Its language tag.
    pub language: String,
    /// Life-cycle state.
    pub state: ArticleState,
    /// Who it is for.
    pub visibility: ArticleVisibility,
    /// Current title.
    pub title: String,
    /// Current Markdown source.
    pub body: String,
    /// Current revision number (1, 2, …).
    pub revision: u32,
    /// The partner party that drafted it, if a partner did.
    pub author_party: Option<PartyId>,
    /// Who created it.
    pub created_by: Actor,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// "Did this help?" yes answers counted.
    pub helpful_yes: u64,
    /// "Did this help?" no answers counted.
    pub helpful_no: u64,
    /// Times it answered a question before a conversation was opened (absent in documents
    /// written before deflections were counted).
    #[serde(default)]
    pub deflections: u64,
    /// Files attached to it (absent in documents written before attachments existed).
    #[serde(default)]
    pub attachments: Vec<crate::kb_attachments::ArticleAttachment>,
}

impl Article {
    /// The facts the read and edit rules look at.
    pub fn facts(&self) -> ArticleFacts {
        ArticleFacts {
            state: self.state,
            visibility: self.visibility,
            category: self.category_id,
            author_party: self.author_party,
        }
    }
}

/// One revision of an article's title and body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// The article.
    pub article_id: ArticleId,
    /// 1, 2, …
    pub number: u32,
    /// Title.
    pub title: String,
    /// Markdown source.
    pub body: String,
    /// Who wrote it.
    pub author: Actor,
    /// When.
    pub at: Timestamp,
    /// The revision it restores, if it is a restore.
    pub restored_from: Option<u32>,
}

/// A new article (validated by the caller: title, body, language).
#[derive(Clone, Debug)]
pub struct NewArticle {
    /// Its category (the source's, for a translation, unless given).
    pub category_id: Option<CategoryId>,
    /// The article this one translates, if any.
    pub translation_of: Option<ArticleId>,
    /// Its language tag.
    pub language: String,
    /// Who it is for.
    pub visibility: ArticleVisibility,
    /// Title.
    pub title: String,
    /// Markdown source.
    pub body: String,
}

/// A change of state, visibility or category.
#[derive(Clone, Debug, Default)]
pub struct ArticleChange {
    /// New state.
    pub state: Option<ArticleState>,
    /// New visibility.
    pub visibility: Option<ArticleVisibility>,
    /// New category.
    pub category_id: Option<CategoryId>,
}

/// The reads and writes beside the log the knowledge-base flows need in the transaction.
pub(crate) trait KbTx {
    /// The article's document, if it is in this tenant.
    async fn kb_article_doc(&mut self, id: ArticleId) -> Result<Option<String>>;
    /// Inserts or replaces the article's row.
    async fn kb_put_article(&mut self, a: &Article, doc: &str) -> Result<()>;
    /// Inserts a revision.
    async fn kb_put_revision(&mut self, r: &Revision, doc: &str) -> Result<()>;
    /// Whether the category is in this tenant.
    async fn kb_category_exists(&mut self, id: CategoryId) -> Result<bool>;
    /// The category with this slug, if any.
    async fn kb_category_by_slug(&mut self, slug: &str) -> Result<Option<CategoryId>>;
    /// Inserts a category.
    async fn kb_put_category(&mut self, c: &Category) -> Result<()>;
    /// The article of this translation group in this language, if any.
    async fn kb_translation(&mut self, group: Uuid, language: &str) -> Result<Option<ArticleId>>;
    /// Records a vote; `false` if this voter already voted on the article.
    async fn kb_vote(&mut self, article: ArticleId, voter: &str, at: Timestamp) -> Result<bool>;
    /// Grants or revokes a partner's category.
    async fn kb_set_grant(&mut self, party: PartyId, category: CategoryId, on: bool) -> Result<()>;
}

fn decode<T: serde::de::DeserializeOwned>(doc: &str) -> Result<T> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt(format!("kb document: {e}")))
}

pub(crate) async fn load<T: KbTx>(tx: &mut T, id: ArticleId) -> Result<Article> {
    match tx.kb_article_doc(id).await? {
        Some(doc) => decode(&doc),
        None => Err(StoreError::not_found("article")),
    }
}

pub(crate) async fn save<T: KbTx>(tx: &mut T, a: &Article) -> Result<()> {
    tx.kb_put_article(a, &serde_json::to_string(a)?).await
}

async fn save_revision<T: KbTx>(tx: &mut T, r: &Revision) -> Result<()> {
    tx.kb_put_revision(r, &serde_json::to_string(r)?).await
}

/// The rule checked again inside the transaction: what the caller was allowed to do when it
/// looked may have changed since (a draft submitted, a grant revoked).
fn recheck(ok: bool) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(DomainError::Conflict("the article changed; reload it".into()).into())
    }
}

async fn create_category<T: WriteTx + KbTx>(
    tx: &mut T,
    slug: String,
    name: String,
    at: Timestamp,
    actor: &Actor,
) -> Result<Category> {
    if tx.kb_category_by_slug(&slug).await?.is_some() {
        return Err(DomainError::Conflict(format!("a category {slug} exists")).into());
    }
    let c = Category {
        id: CategoryId::new(),
        slug,
        name,
        created_at: at,
    };
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::KbCategorySaved {
            category_id: c.id,
            slug: c.slug.clone(),
            name: c.name.clone(),
        },
    )])
    .await?;
    tx.kb_put_category(&c).await?;
    Ok(c)
}

async fn create_article<T: WriteTx + KbTx>(
    tx: &mut T,
    new: NewArticle,
    reader: &Reader,
    author_party: Option<PartyId>,
    at: Timestamp,
    actor: &Actor,
) -> Result<Article> {
    let (group, source_category) = match new.translation_of {
        Some(source) => {
            let s = load(tx, source).await?;
            if !knowledge::may_read(reader, &s.facts()) {
                return Err(StoreError::not_found("article"));
            }
            (s.translation_group, Some(s.category_id))
        }
        None => (Uuid::now_v7(), None),
    };
    let category_id = new
        .category_id
        .or(source_category)
        .ok_or_else(|| DomainError::invalid("category_id", "required"))?;
    if !tx.kb_category_exists(category_id).await? {
        return Err(DomainError::invalid("category_id", "no such category").into());
    }
    if tx.kb_translation(group, &new.language).await?.is_some() {
        return Err(DomainError::Conflict(format!(
            "this article already has a {} version",
            new.language
        ))
        .into());
    }
    let a = Article {
        id: ArticleId::new(),
        category_id,
        translation_group: group,
        language: new.language,
        state: ArticleState::Draft,
        visibility: new.visibility,
        title: new.title,
        body: new.body,
        revision: 1,
        author_party,
        created_by: actor.clone(),
        created_at: at,
        updated_at: at,
        helpful_yes: 0,
        helpful_no: 0,
        deflections: 0,
        attachments: Vec::new(),
    };
    recheck(knowledge::may_edit(reader, &a.facts()))?;
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::KbArticleCreated {
            article_id: a.id,
            category_id,
            translation_group: group,
            language: a.language.clone(),
            visibility: a.visibility,
            title: a.title.clone(),
            body: a.body.clone(),
            author_party,
        },
    )])
    .await?;
    save(tx, &a).await?;
    let rev = Revision {
        article_id: a.id,
        number: 1,
        title: a.title.clone(),
        body: a.body.clone(),
        author: actor.clone(),
        at,
        restored_from: None,
    };
    save_revision(tx, &rev).await?;
    Ok(a)
}

#[allow(clippy::too_many_arguments)]
async fn revise<T: WriteTx + KbTx>(
    tx: &mut T,
    id: ArticleId,
    title: String,
    body: String,
    restored_from: Option<u32>,
    reader: &Reader,
    at: Timestamp,
    actor: &Actor,
) -> Result<Article> {
    let mut a = load(tx, id).await?;
    recheck(knowledge::may_edit(reader, &a.facts()))?;
    if a.title == title && a.body == body && restored_from.is_none() {
        return Ok(a);
    }
    a.revision += 1;
    a.title = title;
    a.body = body;
    a.updated_at = at;
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::KbArticleRevised {
            article_id: id,
            revision: a.revision,
            title: a.title.clone(),
            body: a.body.clone(),
            restored_from,
        },
    )])
    .await?;
    save(tx, &a).await?;
    let rev = Revision {
        article_id: id,
        number: a.revision,
        title: a.title.clone(),
        body: a.body.clone(),
        author: actor.clone(),
        at,
        restored_from,
    };
    save_revision(tx, &rev).await?;
    Ok(a)
}

async fn change<T: WriteTx + KbTx>(
    tx: &mut T,
    id: ArticleId,
    mut c: ArticleChange,
    editor: knowledge::Editor,
    reader: &Reader,
    at: Timestamp,
    actor: &Actor,
) -> Result<Article> {
    let mut a = load(tx, id).await?;
    recheck(knowledge::may_read(reader, &a.facts()))?;
    c.state = c.state.filter(|s| *s != a.state);
    c.visibility = c.visibility.filter(|v| *v != a.visibility);
    c.category_id = c.category_id.filter(|v| *v != a.category_id);
    // A partner changes visibility or category only of a draft it may edit.
    if editor == knowledge::Editor::Partner && (c.visibility.is_some() || c.category_id.is_some()) {
        recheck(knowledge::may_edit(reader, &a.facts()))?;
    }
    if let Some(to) = c.state {
        knowledge::transition(a.state, to)?;
        recheck(knowledge::may_transition(editor, a.state, to))?;
        a.state = to;
    }
    if let Some(v) = c.visibility {
        a.visibility = v;
    }
    if let Some(cat) = c.category_id {
        if !tx.kb_category_exists(cat).await? {
            return Err(DomainError::invalid("category_id", "no such category").into());
        }
        a.category_id = cat;
    }
    if c.state.is_none() && c.visibility.is_none() && c.category_id.is_none() {
        return Ok(a);
    }
    // A partner's change must leave the article where it may still work on it.
    recheck(editor == knowledge::Editor::Staff || knowledge::may_read(reader, &a.facts()))?;
    a.updated_at = at;
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::KbArticleChanged {
            article_id: id,
            state: c.state,
            visibility: c.visibility,
            category_id: c.category_id,
        },
    )])
    .await?;
    save(tx, &a).await?;
    Ok(a)
}

async fn feedback<T: WriteTx + KbTx>(
    tx: &mut T,
    id: ArticleId,
    voter: String,
    helpful: bool,
    reader: &Reader,
    at: Timestamp,
    actor: &Actor,
) -> Result<(Article, bool)> {
    let mut a = load(tx, id).await?;
    if !knowledge::may_read(reader, &a.facts()) {
        return Err(StoreError::not_found("article"));
    }
    if !tx.kb_vote(id, &voter, at).await? {
        return Ok((a, false));
    }
    if helpful {
        a.helpful_yes += 1;
    } else {
        a.helpful_no += 1;
    }
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::KbFeedback {
            article_id: id,
            helpful,
        },
    )])
    .await?;
    save(tx, &a).await?;
    Ok((a, true))
}

async fn grant<T: WriteTx + KbTx>(
    tx: &mut T,
    party: PartyId,
    category: CategoryId,
    granted: bool,
    at: Timestamp,
    actor: &Actor,
) -> Result<()> {
    if !tx.kb_category_exists(category).await? {
        return Err(StoreError::not_found("category"));
    }
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::KbPartnerGrant {
            party_id: party,
            category_id: category,
            granted,
        },
    )])
    .await?;
    tx.kb_set_grant(party, category, granted).await
}

impl Store {
    /// Creates a category (slug and name validated by the caller); `Conflict` if the slug
    /// is taken.
    pub async fn kb_create_category(
        &self,
        tenant: TenantId,
        slug: String,
        name: String,
        actor: &Actor,
    ) -> Result<Category> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| create_category(
            tx, slug, name, at, &actor
        ))
    }

    /// Every category of the tenant, by slug.
    pub async fn kb_categories(&self, tenant: TenantId) -> Result<Vec<Category>> {
        dispatch!(self, s => s.kb_category_rows(tenant).await)
    }

    /// Creates a draft (revision 1) as `reader`, who must be allowed to edit it there.
    pub async fn kb_create_article(
        &self,
        tenant: TenantId,
        new: NewArticle,
        reader: Reader,
        author_party: Option<PartyId>,
        actor: &Actor,
    ) -> Result<Article> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| create_article(
            tx,
            new,
            &reader,
            author_party,
            at,
            &actor
        ))
    }

    /// Replaces title and body as a new revision (`restored_from`: the revision restored).
    #[allow(clippy::too_many_arguments)]
    pub async fn kb_revise_article(
        &self,
        tenant: TenantId,
        id: ArticleId,
        title: String,
        body: String,
        restored_from: Option<u32>,
        reader: Reader,
        actor: &Actor,
    ) -> Result<Article> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| revise(
            tx,
            id,
            title,
            body,
            restored_from,
            &reader,
            at,
            &actor
        ))
    }

    /// Changes state, visibility or category, following the core's state machine.
    pub async fn kb_change_article(
        &self,
        tenant: TenantId,
        id: ArticleId,
        c: ArticleChange,
        editor: knowledge::Editor,
        reader: Reader,
        actor: &Actor,
    ) -> Result<Article> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| change(
            tx, id, c, editor, &reader, at, &actor
        ))
    }

    /// Counts a "did this help?" answer unless `voter` already answered for this article;
    /// returns the article and whether it was counted.
    pub async fn kb_feedback(
        &self,
        tenant: TenantId,
        id: ArticleId,
        voter: String,
        helpful: bool,
        reader: Reader,
        actor: &Actor,
    ) -> Result<(Article, bool)> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| feedback(
            tx, id, voter, helpful, &reader, at, &actor
        ))
    }

    /// Grants (or revokes) a partner party drafting rights in a category.
    pub async fn kb_grant(
        &self,
        tenant: TenantId,
        party: PartyId,
        category: CategoryId,
        granted: bool,
        actor: &Actor,
    ) -> Result<()> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| grant(
            tx, party, category, granted, at, &actor
        ))
    }

    /// The categories granted to a partner party.
    pub async fn kb_grants(&self, tenant: TenantId, party: PartyId) -> Result<Vec<CategoryId>> {
        dispatch!(self, s => s.kb_grant_rows(tenant, party).await)
    }

    /// One article of the tenant (no visibility rule applied: callers ask the core).
    pub async fn kb_article(&self, tenant: TenantId, id: ArticleId) -> Result<Option<Article>> {
        let docs = dispatch!(self, s => s.kb_article_rows(tenant, Some(id), None, 1).await)?;
        docs.first().map(|d| decode(d)).transpose()
    }

    /// Articles of the tenant, newest change first, optionally of one category (at most
    /// [`MAX_LIST`]; no visibility rule applied: callers ask the core).
    pub async fn kb_articles(
        &self,
        tenant: TenantId,
        category: Option<CategoryId>,
    ) -> Result<Vec<Article>> {
        let docs = dispatch!(self, s => s.kb_article_rows(tenant, None, category, MAX_LIST).await)?;
        docs.iter().map(|d| decode(d)).collect()
    }

    /// Every revision of an article, oldest first.
    pub async fn kb_revisions(&self, tenant: TenantId, id: ArticleId) -> Result<Vec<Revision>> {
        let docs = dispatch!(self, s => s.kb_revision_rows(tenant, id).await)?;
        docs.iter().map(|d| decode(d)).collect()
    }
}
