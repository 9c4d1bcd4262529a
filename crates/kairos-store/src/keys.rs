//! Server-wide signing keys: created once by whichever instance asks first, then shared by
//! every instance on the same database, so a token signed by one verifies on another.

use crate::{Result, Store, StoreError};

/// The length of every signing key, in bytes.
pub const SIGNING_KEY_LEN: usize = 32;

impl Store {
    /// The signing key called `name`; stores `candidate` if there is none yet (the first
    /// caller's random bytes win, later callers get the stored key).
    pub async fn signing_key(
        &self,
        name: &str,
        candidate: [u8; SIGNING_KEY_LEN],
    ) -> Result<[u8; SIGNING_KEY_LEN]> {
        let now = crate::now();
        let stored = match self {
            Store::Sqlite(s) => s.signing_key(name, candidate, now).await?,
            Store::Postgres(s) => s.signing_key(name, candidate, now).await?,
        };
        stored.try_into().map_err(|_| {
            StoreError::Unavailable(format!("signing key {name:?} has the wrong length"))
        })
    }
}
