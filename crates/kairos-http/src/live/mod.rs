//! Live chat over WebSocket: one socket door for customers (widget visitors and customer
//! tokens), one for staff, a hub that fans the tenant log out to them, and the wire protocol.

pub(crate) mod caller;
pub(crate) mod frames;
pub(crate) mod hub;
pub(crate) mod protocol;
mod rate;
pub(crate) mod socket;
pub(crate) mod visitor;

pub(crate) use hub::Hub;
