//! Kairos, the binary: command line, configuration, telemetry and the server's startup.
//!
//! The only crate that may depend on clap, anyhow, tracing-subscriber and the Prometheus
//! exporter. It is a library too, so integration tests can build the server in process
//! with [`startup::Application::build`] on `127.0.0.1:0`.
#![forbid(unsafe_code)]

pub mod bus_sink;
pub mod cli;
pub mod commands;
pub mod config;
pub mod startup;
pub mod telemetry;
