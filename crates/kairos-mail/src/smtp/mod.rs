//! Inbound SMTP: a pure session state machine, the DATA decoder, and the TCP server.

pub mod data;
pub mod server;
pub mod session;

pub use server::{Delivery, SmtpConfig, SmtpServer};
pub use session::SessionLimits;
