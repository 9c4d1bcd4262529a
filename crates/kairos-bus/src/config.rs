//! `[context_sources]`: which brokers to take context events from. Absent tables are off.
//! Deserialised from TOML (unknown keys refused); [`BusConfig::validate`] names the key of
//! every problem.

use crate::payload::{DEFAULT_MAX_PAYLOAD_BYTES, is_tenant_name};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// The default JetStream stream.
pub const DEFAULT_STREAM: &str = "KAIROS_CONTEXT";
/// The default subject prefix: events for tenant `acme` go to `kairos.context.acme`.
pub const DEFAULT_SUBJECT_PREFIX: &str = "kairos.context";
/// The default durable consumer, shared by all Kairos instances.
pub const DEFAULT_CONSUMER: &str = "kairos";
/// The largest payload limit one may configure (16 MiB).
pub const MAX_PAYLOAD_LIMIT: usize = 16 * 1024 * 1024;

/// The `[context_sources]` table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusConfig {
    /// `[context_sources.mqtt]`; `None`: no MQTT source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mqtt: Option<MqttConfig>,
    /// `[context_sources.nats]`; `None`: no NATS source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nats: Option<NatsConfig>,
}

/// `[context_sources.mqtt]`: an MQTT 5 broker (QoS 1, persistent session, manual acks).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MqttConfig {
    /// `mqtt://[user[:password]@]host[:port]` (port 1883 by default), or `mqtts://…` for
    /// TLS (port 8883); a secret.
    pub url: String,
    /// For `mqtts://`: a PEM file of the CA certificates to trust instead of the public
    /// (Mozilla) roots, e.g. a private CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// The client id; it names the persistent session, so keep it stable and unique per
    /// instance.
    #[serde(default = "default_client_id")]
    pub client_id: String,
    /// How long the broker keeps the session (subscriptions, queued messages) while Kairos
    /// is away, in seconds (default 7 days).
    #[serde(default = "default_session_expiry")]
    pub session_expiry_secs: u32,
    /// The largest payload taken, in bytes (default 256 KiB); the broker is told to drop
    /// bigger packets.
    #[serde(default = "default_max_payload")]
    pub max_payload_bytes: usize,
    /// The topic filters, one `[[context_sources.mqtt.subscriptions]]` each.
    pub subscriptions: Vec<MqttSubscription>,
}

/// One topic filter and whose events it carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MqttSubscription {
    /// An MQTT topic filter, e.g. `kairos/+/context` or `site/hall-a/#`.
    pub topic: String,
    /// The tenant (slug or UUID) of every message on it; if absent, the filter has exactly
    /// one `+` level and that level of each topic names the tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

/// `[context_sources.nats]`: a NATS JetStream stream read through a shared durable pull
/// consumer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsConfig {
    /// `nats://[user:password@]host[:port]`; a secret.
    pub url: String,
    /// The stream, created if missing (default `KAIROS_CONTEXT`).
    #[serde(default = "default_stream")]
    pub stream: String,
    /// Subjects are `<prefix>.<tenant>`; the stream takes `<prefix>.>` (default
    /// `kairos.context`).
    #[serde(default = "default_subject_prefix")]
    pub subject_prefix: String,
    /// The durable consumer all instances share, so each message is handled once (default
    /// `kairos`).
    #[serde(default = "default_consumer")]
    pub consumer: String,
    /// The largest payload taken, in bytes (default 256 KiB; also the new stream's message
    /// size limit).
    #[serde(default = "default_max_payload")]
    pub max_payload_bytes: usize,
    /// Deliveries of one message before JetStream gives up on it (default 20).
    #[serde(default = "default_max_deliver")]
    pub max_deliver: i64,
    /// Seconds a delivered message may stay unacknowledged before redelivery (default 60).
    #[serde(default = "default_ack_wait")]
    pub ack_wait_secs: u64,
    /// A new stream keeps an unconsumed message this many days (default 7).
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
    /// A new stream holds at most this many bytes, refusing new messages beyond (default 1 GiB).
    #[serde(default = "default_stream_bytes")]
    pub max_stream_bytes: i64,
}

fn default_client_id() -> String {
    "kairos".into()
}
fn default_session_expiry() -> u32 {
    7 * 24 * 3600
}
fn default_max_payload() -> usize {
    DEFAULT_MAX_PAYLOAD_BYTES
}
fn default_stream() -> String {
    DEFAULT_STREAM.into()
}
fn default_subject_prefix() -> String {
    DEFAULT_SUBJECT_PREFIX.into()
}
fn default_consumer() -> String {
    DEFAULT_CONSUMER.into()
}
fn default_max_deliver() -> i64 {
    20
}
fn default_ack_wait() -> u64 {
    60
}
fn default_retention_days() -> u32 {
    7
}
fn default_stream_bytes() -> i64 {
    1 << 30
}

impl NatsConfig {
    /// Defaults for the stream at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            stream: default_stream(),
            subject_prefix: default_subject_prefix(),
            consumer: default_consumer(),
            max_payload_bytes: default_max_payload(),
            max_deliver: default_max_deliver(),
            ack_wait_secs: default_ack_wait(),
            retention_days: default_retention_days(),
            max_stream_bytes: default_stream_bytes(),
        }
    }
}

impl MqttConfig {
    /// Defaults for the broker at `url` with these subscriptions.
    pub fn new(url: impl Into<String>, subscriptions: Vec<MqttSubscription>) -> Self {
        Self {
            url: url.into(),
            ca_file: None,
            client_id: default_client_id(),
            session_expiry_secs: default_session_expiry(),
            max_payload_bytes: default_max_payload(),
            subscriptions,
        }
    }
}

/// A configuration problem, naming its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The key, e.g. `context_sources.mqtt.subscriptions[1].topic`.
    pub key: String,
    /// What is wrong (never the secret value).
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.problem)
    }
}

impl std::error::Error for ConfigError {}

/// A broker address from `scheme://[user[:password]@]host[:port]`.
#[derive(Clone, PartialEq, Eq)]
pub struct BrokerUrl {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// User name, if any.
    pub username: Option<String>,
    /// Password, if any.
    pub password: Option<String>,
    /// Whether to speak TLS (`mqtts://`).
    pub tls: bool,
}

impl fmt::Debug for BrokerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// Parses `mqtt://…` (plain) or `mqtts://…` (TLS).
pub fn parse_mqtt_url(url: &str) -> Result<BrokerUrl, String> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("mqtts://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("mqtt://") {
        (false, r)
    } else {
        return Err("expected mqtt://[user[:password]@]host[:port] or mqtts://…".into());
    };
    let (userinfo, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, rest),
    };
    let hostport = hostport.strip_suffix('/').unwrap_or(hostport);
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
            h,
            p.parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or("the port is not a number from 1 to 65535")?,
        ),
        _ => (hostport, if tls { 8883 } else { 1883 }),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || host.contains(['/', '?', '#', ' ']) {
        return Err("expected mqtt://[user[:password]@]host[:port] (no path or query)".into());
    }
    let (username, password) = match userinfo {
        None => (None, None),
        Some(u) => match u.split_once(':') {
            Some((n, p)) => (Some(n.to_owned()), Some(p.to_owned())),
            None => (Some(u.to_owned()), None),
        },
    };
    Ok(BrokerUrl {
        host: host.to_owned(),
        port,
        username,
        password,
        tls,
    })
}

/// Whether `filter` is a well-formed MQTT topic filter (wildcards fill whole levels, `#`
/// only last) and how many `+` levels it has.
fn filter_plus_levels(filter: &str) -> Result<usize, String> {
    if filter.is_empty() || filter.len() > 1024 || filter.contains('\0') {
        return Err("expected a topic filter such as kairos/+/context".into());
    }
    if filter.starts_with('$') {
        return Err(
            "filters starting with $ (system topics, shared subscriptions) are not supported"
                .into(),
        );
    }
    let levels: Vec<&str> = filter.split('/').collect();
    let mut plus = 0;
    for (i, level) in levels.iter().enumerate() {
        match *level {
            "+" => plus += 1,
            "#" if i + 1 == levels.len() => {}
            l if l.contains(['+', '#']) => {
                return Err("`+` and `#` must fill a whole level, `#` only the last".into());
            }
            _ => {}
        }
    }
    Ok(plus)
}

/// A NATS subject token or dotted prefix: printable ASCII without spaces or wildcards.
fn is_subject(s: &str, dotted: bool) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.split('.').all(|t| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_graphic() && !matches!(b, b'*' | b'>'))
        })
        && (dotted || !s.contains('.'))
}

impl BusConfig {
    /// Every problem in the table, each naming its key (`context_sources.…`).
    pub fn validate(&self) -> Vec<ConfigError> {
        let mut errors = Vec::new();
        let mut err = |key: String, problem: String| errors.push(ConfigError { key, problem });
        if let Some(m) = &self.mqtt {
            let k = "context_sources.mqtt";
            match parse_mqtt_url(&m.url) {
                Err(p) => err(format!("{k}.url"), p),
                Ok(u) => match &m.ca_file {
                    Some(_) if !u.tls => {
                        err(format!("{k}.ca_file"), "only for mqtts:// URLs".into());
                    }
                    Some(f) if !f.is_file() => {
                        err(
                            format!("{k}.ca_file"),
                            format!("{} is not a readable file", f.display()),
                        );
                    }
                    _ => {}
                },
            }
            if m.client_id.is_empty() || m.client_id.len() > 128 || m.client_id.contains('\0') {
                err(format!("{k}.client_id"), "1 to 128 characters".into());
            }
            if m.session_expiry_secs == 0 {
                err(
                    format!("{k}.session_expiry_secs"),
                    "must be positive: a session that ends at disconnect loses the messages published meanwhile".into(),
                );
            }
            check_limit(
                &mut err,
                format!("{k}.max_payload_bytes"),
                m.max_payload_bytes,
            );
            if m.subscriptions.is_empty() {
                err(
                    format!("{k}.subscriptions"),
                    "at least one topic filter".into(),
                );
            }
            for (i, s) in m.subscriptions.iter().enumerate() {
                let key = format!("{k}.subscriptions[{i}]");
                match (filter_plus_levels(&s.topic), &s.tenant) {
                    (Err(p), _) => err(format!("{key}.topic"), p),
                    (Ok(_), Some(t)) if !is_tenant_name(t) => {
                        err(format!("{key}.tenant"), "a tenant slug or UUID".into());
                    }
                    (Ok(n), None) if n != 1 => err(
                        format!("{key}.topic"),
                        format!(
                            "without `tenant`, exactly one `+` level names the tenant ({n} found)"
                        ),
                    ),
                    _ => {}
                }
            }
        }
        if let Some(n) = &self.nats {
            let k = "context_sources.nats";
            if !(n.url.starts_with("nats://") || n.url.starts_with("tls://")) {
                err(
                    format!("{k}.url"),
                    "expected nats://[user:password@]host[:port]".into(),
                );
            }
            if !is_subject(&n.stream, false) || n.stream.contains(['/', '\\']) {
                err(
                    format!("{k}.stream"),
                    "a stream name: no spaces, dots or wildcards".into(),
                );
            }
            if !is_subject(&n.subject_prefix, true) {
                err(
                    format!("{k}.subject_prefix"),
                    "dotted subject tokens without wildcards, e.g. kairos.context".into(),
                );
            }
            if !is_subject(&n.consumer, false) || n.consumer.contains(['/', '\\']) {
                err(
                    format!("{k}.consumer"),
                    "a consumer name: no spaces, dots or wildcards".into(),
                );
            }
            check_limit(
                &mut err,
                format!("{k}.max_payload_bytes"),
                n.max_payload_bytes,
            );
            if !(1..=1000).contains(&n.max_deliver) {
                err(format!("{k}.max_deliver"), "1 to 1000".into());
            }
            if !(1..=3600).contains(&n.ack_wait_secs) {
                err(format!("{k}.ack_wait_secs"), "1 to 3600 seconds".into());
            }
            if !(1..=365).contains(&n.retention_days) {
                err(format!("{k}.retention_days"), "1 to 365 days".into());
            }
            if n.max_stream_bytes < 1 << 20 {
                err(format!("{k}.max_stream_bytes"), "at least 1 MiB".into());
            }
        }
        errors
    }

    /// The same configuration with every URL passed through `redact` (for display).
    pub fn map_urls(&self, redact: impl Fn(&str) -> String) -> Self {
        let mut c = self.clone();
        if let Some(m) = &mut c.mqtt {
            m.url = redact(&m.url);
        }
        if let Some(n) = &mut c.nats {
            n.url = redact(&n.url);
        }
        c
    }
}

fn check_limit(err: &mut impl FnMut(String, String), key: String, limit: usize) {
    if !(1024..=MAX_PAYLOAD_LIMIT).contains(&limit) {
        err(key, format!("1024 to {MAX_PAYLOAD_LIMIT} bytes"));
    }
}

#[cfg(test)]
mod tests;
