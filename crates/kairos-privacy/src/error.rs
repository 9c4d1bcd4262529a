//! Errors of the privacy operations.

use kairos_core::{Code, ErrorCode};
use kairos_store::StoreError;
use thiserror::Error;

/// What an export, import or erasure can fail with.
#[derive(Debug, Error)]
pub enum PrivacyError {
    /// The store failed or refused (not found, conflict, …).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The archive is not a valid export (bad zip, missing or malformed `person.json`,
    /// attachment that does not match its hash, over a limit).
    #[error("invalid export archive: {0}")]
    InvalidArchive(String),
    /// Reading or writing files failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

impl From<kairos_core::DomainError> for PrivacyError {
    fn from(e: kairos_core::DomainError) -> Self {
        PrivacyError::Store(StoreError::Domain(e))
    }
}

impl ErrorCode for PrivacyError {
    fn code(&self) -> Code {
        match self {
            PrivacyError::Store(e) => e.code(),
            PrivacyError::InvalidArchive(_) => Code::INVALID_INPUT,
            PrivacyError::Io(_) => Code::INTERNAL,
        }
    }
}
