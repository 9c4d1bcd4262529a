//! Outbound mail: composing replies and acknowledgements, the outbox worker, the relay.

pub mod compose;
pub mod relay;
pub mod worker;

pub use relay::{Relay, SendError};
pub use worker::OutboxConfig;
