//! Errors of the search crate. Tantivy's errors are carried as text so that callers never
//! name tantivy (it stays behind this crate).

use std::path::PathBuf;

/// A search-index failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The index engine failed (I/O, a lock held by another writer, …).
    #[error("search index: {0}")]
    Index(String),
    /// The index directory cannot be created or opened.
    #[error("search index directory {path}: {1}", path = .0.display())]
    Directory(PathBuf, String),
    /// The index was written with another schema; it has to be rebuilt.
    #[error("the search index at {} has another schema; rebuild it (kairos search reindex)", .0.display())]
    Incompatible(PathBuf),
    /// Stored data that cannot be read back.
    #[error("search index data: {0}")]
    Corrupt(String),
}

impl Error {
    pub(crate) fn index(e: impl std::fmt::Display) -> Self {
        Error::Index(e.to_string())
    }
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
