//! Integration tests of the search index: the acceptance, scopes on every query
//! shape, hostile input, erasure down to the index files, checkpoints.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod acceptance;
mod erasure;
mod helpers;
mod hostile;
mod scopes;
