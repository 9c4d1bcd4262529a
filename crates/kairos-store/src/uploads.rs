//! Files sent in a chat, between their upload and the message that carries them
//! (`kairos_core::upload`). A row names who may attach the file; the bytes are already in
//! the [`crate::blobs::BlobStore`]. Storing one purges the tenant's rows older than a day
//! in the same transaction and counts the uploader's last hour (checklist E05); the blobs
//! of purged rows are the caller's to delete when nothing else names them.

use crate::{Result, Store, now};
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;
use kairos_core::message::Attachment;
use kairos_core::upload::{MAX_PER_HOUR, TTL_MICROS, Uploader};
use uuid::Uuid;

/// Uploads are attachable for this much less than they are kept, so a file attached in
/// its last minutes is never purged between the check and the message's commit.
const GRACE_MICROS: i64 = 15 * 60 * 1_000_000;

/// A stored upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    /// Its id: random (v4), the handle its uploader attaches it by.
    pub id: Uuid,
    /// Cleaned file name.
    pub filename: String,
    /// Accepted media type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256 of the content: its name in the blob store.
    pub sha256: String,
    /// When it was uploaded.
    pub created_at: Timestamp,
}

impl Upload {
    /// The message attachment it becomes.
    pub fn attachment(&self) -> Attachment {
        Attachment {
            filename: self.filename.clone(),
            content_type: self.content_type.clone(),
            size: self.size,
            sha256: self.sha256.clone(),
        }
    }

    /// Until when it can be attached.
    pub fn expires_at(&self) -> Timestamp {
        Timestamp::from_micros(self.created_at.as_micros() + TTL_MICROS - GRACE_MICROS)
    }
}

/// What became of an upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadStored {
    /// Stored. `purged` names the blobs of expired rows removed on the way.
    Stored {
        /// The upload.
        upload: Upload,
        /// Blobs of purged rows, to delete unless still named elsewhere.
        purged: Vec<String>,
    },
    /// The uploader had their share for the hour; nothing stored.
    Limited,
}

/// The writes uploads need inside the tenant's write transaction.
pub(crate) trait UploadTx {
    /// Deletes this tenant's uploads created before `before`; returns their blobs.
    async fn purge_uploads(&mut self, before: i64) -> Result<Vec<String>>;
    /// This tenant's uploads by `uploader` created at or after `since`.
    async fn count_uploads(&mut self, uploader: &str, since: i64) -> Result<u32>;
    /// Stores an upload.
    async fn insert_upload(&mut self, uploader: &str, upload: &Upload) -> Result<()>;
    /// Deletes this tenant's uploads by any of `uploaders`; returns their blobs.
    async fn delete_uploads_by(&mut self, uploaders: &[String]) -> Result<Vec<String>>;
}

async fn store<T: UploadTx>(tx: &mut T, uploader: String, upload: Upload) -> Result<UploadStored> {
    let at = upload.created_at.as_micros();
    let purged = tx.purge_uploads(at - TTL_MICROS).await?;
    if tx.count_uploads(&uploader, at - 3600 * 1_000_000).await? >= MAX_PER_HOUR {
        return Ok(UploadStored::Limited);
    }
    tx.insert_upload(&uploader, &upload).await?;
    Ok(UploadStored::Stored { upload, purged })
}

/// A checked file to record as an upload (its bytes already in the blob store).
#[derive(Clone, Debug)]
pub struct NewUpload {
    /// Cleaned file name.
    pub filename: String,
    /// Accepted media type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

impl Store {
    /// Records an upload by `uploader`, unless they made [`MAX_PER_HOUR`] in the last hour.
    pub async fn add_upload(
        &self,
        tenant: TenantId,
        uploader: Uploader,
        new: NewUpload,
    ) -> Result<UploadStored> {
        let upload = Upload {
            id: uuid::Builder::from_random_bytes(rand::random()).into_uuid(),
            filename: new.filename,
            content_type: new.content_type,
            size: new.size,
            sha256: new.sha256,
            created_at: now(),
        };
        let key = uploader.key();
        flow!(self, tenant, |tx| store(tx, key, upload))
    }

    /// The uploads named by `ids` that one of `uploaders` made and that can still be
    /// attached, in the order asked; ids that are unknown, someone else's or expired are
    /// left out (so the caller compares the counts).
    pub async fn uploads_for(
        &self,
        tenant: TenantId,
        uploaders: &[Uploader],
        ids: &[Uuid],
    ) -> Result<Vec<Upload>> {
        let keys: Vec<String> = uploaders.iter().map(Uploader::key).collect();
        let since = now().as_micros() - (TTL_MICROS - GRACE_MICROS);
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            let row = dispatch!(self, s => s.upload_row(tenant, *id, since).await)?;
            if let Some((uploader, upload)) = row
                && keys.contains(&uploader)
                && !found.iter().any(|u: &Upload| u.id == upload.id)
            {
                found.push(upload);
            }
        }
        Ok(found)
    }

    /// Forgets the uploads `uploaders` have not attached (erasure); returns their blobs.
    pub async fn forget_uploads(
        &self,
        tenant: TenantId,
        uploaders: &[Uploader],
    ) -> Result<Vec<String>> {
        let keys: Vec<String> = uploaders.iter().map(Uploader::key).collect();
        flow!(self, tenant, |tx| tx.delete_uploads_by(&keys))
    }
}
