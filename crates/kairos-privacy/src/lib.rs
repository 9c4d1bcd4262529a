//! Kairos privacy operations (GDPR Art. 15, 17, 20; checklist section N): a person's export
//! as documented JSON plus attachments in one archive, its re-import into another tenant,
//! and erasure.
//!
//! Use cases over the store and the blob store; the pure rules (consent, visibility) live in
//! the core. Never depends on HTTP.
#![forbid(unsafe_code)]

pub mod archive;
pub mod document;
pub mod erase;
mod error;
pub mod export;
pub mod import;

pub use error::PrivacyError;
