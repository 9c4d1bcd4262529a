//! HTTP API tests: the real router over real stores (SQLite always; PostgreSQL when
//! `KAIROS_TEST_PG_URL` is set). One binary, so the test link step happens once.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod acceptance;
mod admin;
mod anticipation;
mod audit;
mod channel_switch;
mod chat_files;
mod consents;
mod context;
mod coupons;
mod export;
mod forum;
mod forum_guard;
mod forum_search;
mod helpers;
mod hooks;
mod hooks_out;
mod hostile;
mod idempotency;
mod kb_attachments;
mod kb_attachments_guard;
mod kb_search;
mod knowledge;
mod live;
mod mail;
mod matrix;
mod restrictions;
mod routing;
mod search;
mod sessions;
mod sign_in_limits;
mod sla;
mod stream;
mod tenant;
mod time_zone;
mod webhook_secrets;
mod widget_chat;
