//! Store errors.

use kairos_core::{Code, DomainError, ErrorCode};
use thiserror::Error;

/// Everything a store operation can fail with.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A domain rule refused the change (validation, not found, conflict).
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("postgres: {0}")]
    Postgres(#[from] sqlx::Error),
    /// A migration failed or the schema is newer than this binary.
    #[error("migration: {0}")]
    Migration(String),
    /// Stored data could not be decoded (a bug or a hand-edited database).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The store is shutting down or its writer is gone.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
}

/// Result with [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

impl ErrorCode for StoreError {
    fn code(&self) -> Code {
        match self {
            StoreError::Domain(e) => e.code(),
            StoreError::Unavailable(_) => Code::UNAVAILABLE,
            StoreError::Postgres(
                sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed,
            ) => Code::UNAVAILABLE,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy
                        | rusqlite::ErrorCode::DiskFull
                        | rusqlite::ErrorCode::DatabaseLocked
                ) =>
            {
                Code::UNAVAILABLE
            }
            _ => Code::INTERNAL,
        }
    }
}

impl StoreError {
    /// Shorthand for a not-found domain error.
    pub fn not_found(what: &'static str) -> Self {
        StoreError::Domain(DomainError::NotFound(what))
    }
}
