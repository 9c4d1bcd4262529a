//! Kairos anticipation engine.
//!
//! Context events in, proactive actions out: a temporal rule language (sequence,
//! `within` windows, absence on a timer, counting, partitions, correlation, look-back into
//! history, reference tables fed by other streams) and a matcher that decides which
//! actions fire, after cooldowns, caps and quiet hours in the customer's time zone.
//!
//! The crate is pure: no clock, no I/O, no async runtime, no database. The caller feeds
//! events ([`Engine::process`]), moves time ([`Engine::advance_to`]), answers history and
//! time-zone questions ([`History`]), gates consent *before* calling in, and executes the
//! [`Firing`]s it gets back. Nothing here knows about airports: scenarios are rule files
//! and events (see `examples/anticipation/`).
#![forbid(unsafe_code)]

pub mod ast;
mod compile;
mod engine;
pub mod error;
pub mod event;
mod expr;
pub mod firing;
pub mod history;
pub mod lexer;
mod parser;
mod simulate;
mod template;
pub mod value;

pub use compile::{RuleInfo, RuleSet};
pub use engine::{Disposition, Engine, EngineConfig, StateSize, Stats};
pub use error::{Limits, RuleError};
pub use event::{Attributes, ContextEvent, EventError, EventView};
pub use firing::{Action, Firing, Output, Reason, Suppression};
pub use history::{History, HistoryQuery, MemoryHistory, NoHistory};
pub use simulate::{Simulation, report, simulate};
pub use value::{Value, ValueRef};
