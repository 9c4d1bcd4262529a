//! Mail channel tests against a real store (SQLite, and PostgreSQL when `KAIROS_TEST_PG_URL`
//! is set) over real sockets: the SMTP listener, outbound mail through a relay, and IMAP
//! import from a real Dovecot.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod acceptance;
mod corpus;
mod dovecot;
mod follow_up;
mod helpers;
mod hostile;
mod imap;
mod outbound;
