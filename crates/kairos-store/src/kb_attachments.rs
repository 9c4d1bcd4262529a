//! Files attached to knowledge-base articles (knowledge issue, item 2). The bytes live in the
//! content-addressed [`crate::blobs::BlobStore`], stored before the flow runs; the article's
//! document lists them, and every addition and removal is a `kb.article.attachment` event in
//! the same transaction, with the edit rule (`knowledge::may_edit`) checked again inside it.

use crate::flows::WriteTx;
use crate::knowledge::{Article, KbTx, load, save};
use crate::{Result, Store, StoreError, now};
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::{ArticleId, TenantId};
use kairos_core::kb_attachment::{AttachmentChange, MAX_PER_ARTICLE};
use kairos_core::knowledge::{self, Reader};
use kairos_core::{DomainError, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A file attached to an article.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleAttachment {
    /// Its id: random (v4), so download addresses cannot be guessed (checklist E02).
    pub id: Uuid,
    /// Cleaned file name (`kb_attachment::filename`); never used as a path.
    pub filename: String,
    /// Accepted media type (`kb_attachment::content_type`).
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256 of the content: its name in the blob store.
    pub sha256: String,
    /// Who attached it.
    pub added_by: Actor,
    /// When.
    pub added_at: Timestamp,
}

/// A file to attach, already checked and stored in the blob store by the caller.
#[derive(Clone, Debug)]
pub struct NewAttachment {
    /// Cleaned file name.
    pub filename: String,
    /// Accepted media type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

fn event(a: &Article, x: &ArticleAttachment, change: AttachmentChange) -> EventData {
    EventData::KbArticleAttachment {
        article_id: a.id,
        attachment_id: x.id,
        change,
        filename: x.filename.clone(),
        content_type: x.content_type.clone(),
        size: x.size,
        sha256: x.sha256.clone(),
    }
}

/// The article as `reader` may see it, and whether it may edit it (checked inside the
/// transaction: a draft may have been submitted or a grant revoked since the caller looked).
async fn editable<T: KbTx>(tx: &mut T, id: ArticleId, reader: &Reader) -> Result<Article> {
    let a = load(tx, id).await?;
    if !knowledge::may_read(reader, &a.facts()) {
        return Err(StoreError::not_found("article"));
    }
    Ok(a)
}

fn recheck_edit(reader: &Reader, a: &Article) -> Result<()> {
    if knowledge::may_edit(reader, &a.facts()) {
        Ok(())
    } else {
        Err(DomainError::Conflict("the article changed; reload it".into()).into())
    }
}

async fn attach<T: WriteTx + KbTx>(
    tx: &mut T,
    id: ArticleId,
    new: NewAttachment,
    reader: &Reader,
    at: Timestamp,
    actor: &Actor,
) -> Result<(Article, ArticleAttachment, bool)> {
    let mut a = editable(tx, id, reader).await?;
    recheck_edit(reader, &a)?;
    // The same file under the same name again is the same attachment (a retried upload).
    if let Some(x) = a
        .attachments
        .iter()
        .find(|x| x.sha256 == new.sha256 && x.filename == new.filename)
    {
        let x = x.clone();
        return Ok((a, x, false));
    }
    if a.attachments.len() >= MAX_PER_ARTICLE {
        return Err(DomainError::invalid("attachments", "at most 50 per article").into());
    }
    let x = ArticleAttachment {
        id: uuid::Builder::from_random_bytes(rand::random()).into_uuid(),
        filename: new.filename,
        content_type: new.content_type,
        size: new.size,
        sha256: new.sha256,
        added_by: actor.clone(),
        added_at: at,
    };
    tx.append(vec![NewEvent::new(
        at,
        actor,
        event(&a, &x, AttachmentChange::Added),
    )])
    .await?;
    a.attachments.push(x.clone());
    a.updated_at = at;
    save(tx, &a).await?;
    Ok((a, x, true))
}

async fn detach<T: WriteTx + KbTx>(
    tx: &mut T,
    id: ArticleId,
    attachment: Uuid,
    reader: &Reader,
    at: Timestamp,
    actor: &Actor,
) -> Result<(Article, ArticleAttachment)> {
    let mut a = editable(tx, id, reader).await?;
    let Some(i) = a.attachments.iter().position(|x| x.id == attachment) else {
        return Err(StoreError::not_found("attachment"));
    };
    recheck_edit(reader, &a)?;
    let x = a.attachments.remove(i);
    tx.append(vec![NewEvent::new(
        at,
        actor,
        event(&a, &x, AttachmentChange::Removed),
    )])
    .await?;
    a.updated_at = at;
    save(tx, &a).await?;
    Ok((a, x))
}

impl Store {
    /// Attaches a file (its blob already stored) to an article `reader` may edit; answers
    /// the article, the attachment and whether it is new (the same content under the same
    /// name is answered with the existing one). `NotFound` if the reader may not see the
    /// article, `Conflict` if it may not (or no longer) edit it.
    pub async fn kb_attach(
        &self,
        tenant: TenantId,
        id: ArticleId,
        new: NewAttachment,
        reader: Reader,
        actor: &Actor,
    ) -> Result<(Article, ArticleAttachment, bool)> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| attach(tx, id, new, &reader, at, &actor))
    }

    /// Takes an attachment off an article `reader` may edit and answers it; its blob is the
    /// caller's to delete if nothing names it any more ([`Store::blob_in_use`]).
    pub async fn kb_detach(
        &self,
        tenant: TenantId,
        id: ArticleId,
        attachment: Uuid,
        reader: Reader,
        actor: &Actor,
    ) -> Result<(Article, ArticleAttachment)> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| detach(
            tx, id, attachment, &reader, at, &actor
        ))
    }
}
