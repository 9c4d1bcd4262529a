//! Kairos e-mail channel.
//!
//! - [`parse`]: the only module that names the MIME parser; bounded, hostile-input safe.
//! - [`smtp`]: the inbound SMTP listener (session state machine, DATA decoder, server).
//! - [`ingest`]: raw mail → attachments in the blob store → one inbound touchpoint.
//! - [`imap`]: importing from IMAP mailboxes, exactly once across restarts.
//! - [`thread_token`]: signed Message-IDs that thread replies into their conversation.
//! - [`outbound`]: composing replies and acknowledgements, the outbox worker, the relay.
//!
//! May depend on the core and the store; never on HTTP.

pub mod imap;
pub mod ingest;
pub mod outbound;
pub mod parse;
pub mod smtp;
pub mod thread_token;

pub use ingest::{Ingested, Mailroom, Refusal, Source};
