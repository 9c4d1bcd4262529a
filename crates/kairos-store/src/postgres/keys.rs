//! PostgreSQL side of the signing keys.

use super::PgStore;
use crate::error::Result;
use kairos_core::Timestamp;
use sqlx::Row;

impl PgStore {
    pub(crate) async fn signing_key(
        &self,
        name: &str,
        candidate: [u8; crate::keys::SIGNING_KEY_LEN],
        now: Timestamp,
    ) -> Result<Vec<u8>> {
        sqlx::query("INSERT INTO signing_keys (name, key, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(candidate.as_slice())
            .bind(now.as_micros())
            .execute(&self.pool)
            .await?;
        let row = sqlx::query("SELECT key FROM signing_keys WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("key")?)
    }
}
