//! SQLite side of chat uploads.

use super::SqliteStore;
use super::tx::SqliteTx;
use crate::error::Result;
use crate::uploads::{Upload, UploadTx};
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

impl UploadTx for SqliteTx<'_> {
    async fn purge_uploads(&mut self, before: i64) -> Result<Vec<String>> {
        let t = self.tenant().0;
        let mut stmt = self.conn().prepare_cached(
            "DELETE FROM chat_uploads WHERE tenant_id = ?1 AND created_at < ?2 RETURNING sha256",
        )?;
        let shas = stmt
            .query_map(params![t, before], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(shas)
    }

    async fn count_uploads(&mut self, uploader: &str, since: i64) -> Result<u32> {
        let t = self.tenant().0;
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT count(*) FROM chat_uploads
                 WHERE tenant_id = ?1 AND uploader = ?2 AND created_at >= ?3",
            )?
            .query_row(params![t, uploader, since], |r| r.get(0))?)
    }

    async fn insert_upload(&mut self, uploader: &str, u: &Upload) -> Result<()> {
        let t = self.tenant().0;
        self.conn()
            .prepare_cached(
                "INSERT INTO chat_uploads
                 (id, tenant_id, uploader, filename, content_type, size, sha256, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                u.id,
                t,
                uploader,
                u.filename,
                u.content_type,
                i64::try_from(u.size).unwrap_or(i64::MAX),
                u.sha256,
                u.created_at.as_micros()
            ])?;
        Ok(())
    }

    async fn delete_uploads_by(&mut self, uploaders: &[String]) -> Result<Vec<String>> {
        let t = self.tenant().0;
        let mut shas = Vec::new();
        for uploader in uploaders {
            let mut stmt = self.conn().prepare_cached(
                "DELETE FROM chat_uploads WHERE tenant_id = ?1 AND uploader = ?2 RETURNING sha256",
            )?;
            let rows = stmt.query_map(params![t, uploader], |r| r.get(0))?;
            for sha in rows {
                shas.push(sha?);
            }
        }
        Ok(shas)
    }
}

impl SqliteStore {
    /// Upload `id` of `tenant` made at or after `since`, with its uploader.
    pub(crate) async fn upload_row(
        &self,
        tenant: TenantId,
        id: Uuid,
        since: i64,
    ) -> Result<Option<(String, Upload)>> {
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT uploader, filename, content_type, size, sha256, created_at
                 FROM chat_uploads WHERE tenant_id = ?1 AND id = ?2 AND created_at >= ?3",
            )?
            .query_row(params![tenant.0, id, since], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    Upload {
                        id,
                        filename: r.get(1)?,
                        content_type: r.get(2)?,
                        size: u64::try_from(r.get::<_, i64>(3)?).unwrap_or_default(),
                        sha256: r.get(4)?,
                        created_at: Timestamp::from_micros(r.get(5)?),
                    },
                ))
            })
            .optional()?)
        })
        .await
    }
}
