//! Kairos workflow: workers that follow each tenant's event log and write their decisions
//! back to it. The decisions themselves are the core's (`kairos_core::sla`); this crate
//! only schedules them: which tenants to look at, from which `seq`, and when a clock is due.
#![forbid(unsafe_code)]

pub mod conversation_index;
pub mod forum_index;
pub mod hooks;
pub mod kb_index;
pub mod outbound;
pub mod retention;
pub mod routing;
pub mod sla;

use kairos_core::Timestamp;
use std::sync::Arc;

/// Where a worker gets the time from: the wall clock in production, a hand-moved one in
/// tests.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The wall clock.
pub fn system_clock() -> Clock {
    Arc::new(kairos_store::now)
}
