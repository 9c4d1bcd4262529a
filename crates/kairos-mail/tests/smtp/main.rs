//! SMTP listener tests against a real store (SQLite, and PostgreSQL when
//! `KAIROS_TEST_PG_URL` is set), over real sockets.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod corpus;
mod helpers;
mod hostile;
mod outbound;
