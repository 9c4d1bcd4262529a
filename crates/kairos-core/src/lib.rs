//! Kairos core domain.
//!
//! The pure heart of Kairos: tenants, parties and roles, customers and their identities,
//! conversations and messages, and the tenant event log. Use cases are written as pure
//! *decisions*: a store loads a snapshot, the core decides which events follow, the store
//! appends them in one transaction.
//!
//! This crate must not depend on HTTP, SQL, sockets or an async runtime; CI checks that
//! (`cargo tree -p kairos-core -e normal`).
#![forbid(unsafe_code)]

pub mod anticipation;
pub mod business_hours;
pub mod canned;
pub mod consent;
pub mod context;
pub mod conversation;
pub mod coupon;
pub mod customer;
pub mod dashboard;
pub mod error;
pub mod event;
pub mod files;
pub mod forum;
pub mod identity;
pub mod ids;
pub mod inbound;
pub mod kb_attachment;
pub mod knowledge;
pub mod mail;
pub mod merge;
pub mod message;
pub mod netpolicy;
pub mod party;
pub mod receipt;
pub mod reply;
pub mod restriction;
pub mod retention;
pub mod routing;
pub mod sla;
pub mod tenant;
pub mod timestamp;
pub mod upload;
pub mod visibility;
pub mod widget;

pub use error::{Code, DomainError, ErrorCode};
pub use timestamp::Timestamp;
