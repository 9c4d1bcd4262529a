//! SQLite side of the signing keys.

use super::SqliteStore;
use crate::error::Result;
use kairos_core::Timestamp;
use rusqlite::params;

impl SqliteStore {
    pub(crate) async fn signing_key(
        &self,
        name: &str,
        candidate: [u8; crate::keys::SIGNING_KEY_LEN],
        now: Timestamp,
    ) -> Result<Vec<u8>> {
        let name = name.to_owned();
        self.writer
            .run(move |conn| {
                conn.prepare_cached("INSERT INTO signing_keys (name, key, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING")?
                    .execute(params![name, candidate.as_slice(), now.as_micros()])?;
                let key: Vec<u8> = conn
                    .prepare_cached("SELECT key FROM signing_keys WHERE name = ?1")?
                    .query_row([&name], |r| r.get(0))?;
                Ok((key, None))
            })
            .await
    }
}
