//! Kairos context: the door context events come through (HTTP, MQTT and NATS share it) and
//! the anticipation runtime behind it.
//!
//! The door validates an event, maps its type to a consent purpose and lets the store
//! decide, inside the tenant's write transaction, whether the customer's consent covers it;
//! feeds of reference data (flight status) come in under their own, consent-free types.
//! The runtime keeps one engine (`kairos-anticipation`) per tenant whose rules are switched
//! on, answers its look-back from the store, moves its clock, and executes its firings
//! through the store exactly once each (and delivers `webhook` firings, signed, after that).
#![forbid(unsafe_code)]

pub mod door;
mod execute;
mod history;
pub mod runtime;
mod webhook;

pub use door::{BodyError, ContextDoor, EventResult, Status, split_body};
pub use execute::Verdict;
pub use runtime::{Clock, RuntimeConfig, RuntimeHandle, RuntimeStatus, spawn};
pub use webhook::signature;
