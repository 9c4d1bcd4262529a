//! The bus sources against real brokers: Mosquitto (`KAIROS_TEST_MQTT_URL`) and NATS
//! JetStream (`KAIROS_TEST_NATS_URL`); each suite skips with a loud notice when its URL is
//! unset (CI sets both). One binary, so the link step happens once.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod flood;
mod helpers;
mod mqtt;
mod nats;
mod private_broker;
