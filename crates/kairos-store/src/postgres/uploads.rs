//! PostgreSQL side of chat uploads.

use super::PgStore;
use super::tx::PgTx;
use crate::error::Result;
use crate::uploads::{Upload, UploadTx};
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;
use sqlx::Row as _;
use uuid::Uuid;

impl UploadTx for PgTx {
    async fn purge_uploads(&mut self, before: i64) -> Result<Vec<String>> {
        let t = self.tenant().0;
        let rows = sqlx::query(
            "DELETE FROM chat_uploads WHERE tenant_id = $1 AND created_at < $2 RETURNING sha256",
        )
        .bind(t)
        .bind(before)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?)
    }

    async fn count_uploads(&mut self, uploader: &str, since: i64) -> Result<u32> {
        let t = self.tenant().0;
        let n: i64 = sqlx::query(
            "SELECT count(*) FROM chat_uploads
             WHERE tenant_id = $1 AND uploader = $2 AND created_at >= $3",
        )
        .bind(t)
        .bind(uploader)
        .bind(since)
        .fetch_one(self.conn())
        .await?
        .try_get(0)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn insert_upload(&mut self, uploader: &str, u: &Upload) -> Result<()> {
        let t = self.tenant().0;
        sqlx::query(
            "INSERT INTO chat_uploads
             (id, tenant_id, uploader, filename, content_type, size, sha256, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(u.id)
        .bind(t)
        .bind(uploader)
        .bind(&u.filename)
        .bind(&u.content_type)
        .bind(i64::try_from(u.size).unwrap_or(i64::MAX))
        .bind(&u.sha256)
        .bind(u.created_at.as_micros())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn delete_uploads_by(&mut self, uploaders: &[String]) -> Result<Vec<String>> {
        let t = self.tenant().0;
        let rows = sqlx::query(
            "DELETE FROM chat_uploads WHERE tenant_id = $1 AND uploader = ANY($2) RETURNING sha256",
        )
        .bind(t)
        .bind(uploaders)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?)
    }
}

impl PgStore {
    /// Upload `id` of `tenant` made at or after `since`, with its uploader.
    pub(crate) async fn upload_row(
        &self,
        tenant: TenantId,
        id: Uuid,
        since: i64,
    ) -> Result<Option<(String, Upload)>> {
        let row = sqlx::query(
            "SELECT uploader, filename, content_type, size, sha256, created_at
             FROM chat_uploads WHERE tenant_id = $1 AND id = $2 AND created_at >= $3",
        )
        .bind(tenant.0)
        .bind(id)
        .bind(since)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some((
            r.try_get(0)?,
            Upload {
                id,
                filename: r.try_get(1)?,
                content_type: r.try_get(2)?,
                size: u64::try_from(r.try_get::<i64, _>(3)?).unwrap_or_default(),
                sha256: r.try_get(4)?,
                created_at: Timestamp::from_micros(r.try_get(5)?),
            },
        )))
    }
}
