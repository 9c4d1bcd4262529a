//! Configuration: flags > `KAIROS_*` environment > TOML file > defaults.
//!
//! clap reads flags and environment into `Option`s ([`GlobalArgs`], [`ServerArgs`]); a
//! `None` there falls back to the TOML file ([`FileConfig`], unknown keys refused), then to
//! the default. The result is one validated [`Config`]; all problems are reported together.

use crate::cli::{GlobalArgs, ServerArgs};
use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Default data directory.
pub const DEFAULT_DATA_DIR: &str = "./kairos-data";
/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default mail host name.
pub const DEFAULT_MAIL_HOSTNAME: &str = "localhost";

/// Log output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Where the data lives.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// Embedded SQLite: `kairos.db` in [`Config::data_dir`].
    Sqlite,
    /// PostgreSQL at this URL (a secret: it may hold a password).
    Postgres(String),
}

/// The effective configuration.
#[derive(Clone)]
pub struct Config {
    /// Directory for SQLite and local files.
    pub data_dir: PathBuf,
    /// Which database.
    pub database: Database,
    /// HTTP listen address (port 0 picks a free port; see `Application::local_addr`).
    pub listen: SocketAddr,
    /// Whether session cookies are `Secure`.
    pub secure_cookies: bool,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter (EnvFilter syntax).
    pub log_level: String,
    /// SMTP listen address; `None`: no SMTP listener.
    pub smtp_listen: Option<SocketAddr>,
    /// Host name for the SMTP greeting and outbound Message-IDs.
    pub mail_hostname: String,
    /// Relay URL for outbound mail (a secret: it may hold a password).
    pub smtp_relay: Option<String>,
    /// Whether tenants' integrations may reach private and local addresses.
    pub allow_private_hosts: bool,
    /// The public base URL (webhook URLs are built from it); `None`: not configured.
    pub public_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or networks).
    pub trusted_proxies: Vec<String>,
    /// Context events from MQTT and NATS (`[context_sources]`; URLs are secrets); empty:
    /// none.
    pub context_sources: kairos_bus::BusConfig,
    /// How far behind the clock a context event may be and still be matched, in seconds.
    pub anticipation_lateness_secs: u64,
}

/// Default of `anticipation_lateness_secs`: five minutes.
pub const DEFAULT_ANTICIPATION_LATENESS_SECS: u64 = 300;

impl Config {
    /// Defaults with SQLite in `data_dir` (handy for tests: then set `listen` to
    /// `127.0.0.1:0`).
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        let listen: SocketAddr = ([127, 0, 0, 1], 8080).into();
        Self {
            data_dir: data_dir.into(),
            database: Database::Sqlite,
            listen,
            secure_cookies: default_secure_cookies(&listen),
            log_format: LogFormat::Text,
            log_level: "info".into(),
            smtp_listen: None,
            mail_hostname: DEFAULT_MAIL_HOSTNAME.into(),
            smtp_relay: None,
            allow_private_hosts: false,
            public_url: None,
            trusted_proxies: Vec::new(),
            context_sources: kairos_bus::BusConfig::default(),
            anticipation_lateness_secs: DEFAULT_ANTICIPATION_LATENESS_SECS,
        }
    }

    /// Merges flags/environment (`global`, `server`) over the TOML file over defaults.
    pub fn load(global: &GlobalArgs, server: Option<&ServerArgs>) -> anyhow::Result<Self> {
        let file = match &global.config {
            Some(path) => FileConfig::read(path)?,
            None => FileConfig::default(),
        };
        let server = server.cloned().unwrap_or_default();
        let mut errors = Vec::new();

        let cli_url = url_or_file(
            global.database_url.clone(),
            global.database_url_file.as_deref(),
            &mut errors,
        );
        let file_url = url_or_file(
            file.database_url.clone(),
            file.database_url_file.as_deref(),
            &mut errors,
        );
        let mut data_dir = global
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| DEFAULT_DATA_DIR.into());
        let database = match cli_url.or(file_url) {
            None => Database::Sqlite,
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Database::Postgres(url)
            }
            Some(url) if url.starts_with("sqlite://") => {
                data_dir = PathBuf::from(&url["sqlite://".len()..]);
                Database::Sqlite
            }
            Some(url) => {
                errors.push(format!(
                    "database URL {}: expected postgres://… or sqlite://DIR",
                    redact_url(&url)
                ));
                Database::Sqlite
            }
        };
        if data_dir.as_os_str().is_empty() {
            errors.push("data directory: must not be empty".into());
        }

        let listen = server
            .listen
            .or(file.listen)
            .unwrap_or_else(|| ([127, 0, 0, 1], 8080).into());
        let secure_cookies = server
            .secure_cookies
            .or(file.secure_cookies)
            .unwrap_or_else(|| default_secure_cookies(&listen));
        let log_format = global.log_format.or(file.log_format).unwrap_or_default();
        let log_level = global
            .log_level
            .clone()
            .or(file.log_level)
            .unwrap_or_else(|| "info".into());
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&log_level) {
            errors.push(format!("log level {log_level:?}: {e}"));
        }

        let smtp_listen = server.smtp_listen.or(file.smtp_listen);
        let smtp_relay = server.smtp_relay.clone().or(file.smtp_relay);
        let allow_private_hosts = server
            .allow_private_hosts
            .or(file.allow_private_hosts)
            .unwrap_or(false);
        if let Some(url) = &smtp_relay
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            errors.push(format!(
                "SMTP relay {}: expected smtp://… or smtps://…",
                redact_url(url)
            ));
        }
        let mail_hostname = server
            .mail_hostname
            .clone()
            .or(file.mail_hostname)
            .unwrap_or_else(|| DEFAULT_MAIL_HOSTNAME.into());
        if mail_hostname.is_empty()
            || mail_hostname.len() > 253
            || !mail_hostname
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        {
            errors.push(format!(
                "mail host name {mail_hostname:?}: expected a DNS name such as mail.example.com"
            ));
        }

        let public_url = server
            .public_url
            .clone()
            .or(file.public_url)
            .map(|u| u.trim_end_matches('/').to_owned());
        if let Some(u) = &public_url
            && (!(u.starts_with("https://") || u.starts_with("http://"))
                || u.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            errors.push(format!(
                "public URL {u:?}: expected http(s)://host[:port][/prefix]"
            ));
        }

        let trusted_proxies = server
            .trusted_proxies
            .clone()
            .or(file.trusted_proxies)
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>();
        if let Err(e) = kairos_http::client_ip::TrustedProxies::parse(&trusted_proxies) {
            errors.push(e.to_string());
        }

        let context_sources = file.context_sources.unwrap_or_default();
        errors.extend(context_sources.validate().iter().map(|e| e.to_string()));
        let anticipation_lateness_secs = file
            .anticipation_lateness_secs
            .unwrap_or(DEFAULT_ANTICIPATION_LATENESS_SECS);
        if anticipation_lateness_secs > 86_400 {
            errors.push(format!(
                "anticipation_lateness_secs {anticipation_lateness_secs}: at most 86400 (a day)"
            ));
        }

        if !errors.is_empty() {
            bail!("invalid configuration: {}", errors.join("; "));
        }
        Ok(Self {
            data_dir,
            database,
            listen,
            secure_cookies,
            log_format,
            log_level,
            smtp_listen,
            mail_hostname,
            smtp_relay,
            allow_private_hosts,
            public_url,
            trusted_proxies,
            context_sources,
            anticipation_lateness_secs,
        })
    }

    /// The effective configuration as TOML, with passwords redacted.
    pub fn to_redacted_toml(&self) -> anyhow::Result<String> {
        let view = FileConfig {
            data_dir: Some(self.data_dir.clone()),
            database_url: match &self.database {
                Database::Sqlite => None,
                Database::Postgres(url) => Some(redact_url(url)),
            },
            database_url_file: None,
            listen: Some(self.listen),
            secure_cookies: Some(self.secure_cookies),
            log_format: Some(self.log_format),
            log_level: Some(self.log_level.clone()),
            smtp_listen: self.smtp_listen,
            mail_hostname: Some(self.mail_hostname.clone()),
            smtp_relay: self.smtp_relay.as_deref().map(redact_url),
            allow_private_hosts: Some(self.allow_private_hosts),
            public_url: self.public_url.clone(),
            trusted_proxies: Some(self.trusted_proxies.clone()),
            context_sources: self.redacted_context_sources(),
            anticipation_lateness_secs: Some(self.anticipation_lateness_secs),
        };
        toml::to_string(&view).context("cannot render the configuration")
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let database = match &self.database {
            Database::Sqlite => "sqlite".to_owned(),
            Database::Postgres(url) => redact_url(url),
        };
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("database", &database)
            .field("listen", &self.listen)
            .field("secure_cookies", &self.secure_cookies)
            .field("log_format", &self.log_format)
            .field("log_level", &self.log_level)
            .field("smtp_listen", &self.smtp_listen)
            .field("mail_hostname", &self.mail_hostname)
            .field("smtp_relay", &self.smtp_relay.as_deref().map(redact_url))
            .field("allow_private_hosts", &self.allow_private_hosts)
            .field("public_url", &self.public_url)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("context_sources", &self.redacted_context_sources())
            .field(
                "anticipation_lateness_secs",
                &self.anticipation_lateness_secs,
            )
            .finish()
    }
}

impl Config {
    /// `[context_sources]` with passwords in broker URLs redacted; `None` if empty.
    fn redacted_context_sources(&self) -> Option<kairos_bus::BusConfig> {
        let c = &self.context_sources;
        (c.mqtt.is_some() || c.nats.is_some()).then(|| c.map_urls(redact_url))
    }
}

/// Secure cookies unless the server listens on loopback only, where a browser on
/// `http://127.0.0.1` must get its session cookie over plain HTTP.
fn default_secure_cookies(listen: &SocketAddr) -> bool {
    !listen.ip().is_loopback()
}

/// The keys `kairos.toml` may contain; anything else is an error naming the key.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// See `--data-dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// See `--database-url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// See `--database-url-file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url_file: Option<PathBuf>,
    /// See `--listen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    /// See `--secure-cookies`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure_cookies: Option<bool>,
    /// See `--log-format`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    /// See `--log-level`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_level: Option<String>,
    /// See `--smtp-listen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_listen: Option<SocketAddr>,
    /// See `--mail-hostname`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_hostname: Option<String>,
    /// See `--smtp-relay`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_relay: Option<String>,
    /// See `--allow-private-hosts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_private_hosts: Option<bool>,
    /// See `--public-url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// See `--trusted-proxies`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_proxies: Option<Vec<String>>,
    /// `[context_sources.mqtt]` and `[context_sources.nats]`: brokers to take context events
    /// from (see docs/configuration.md); absent: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_sources: Option<kairos_bus::BusConfig>,
    /// How far behind the clock a context event may arrive and still be matched, in seconds
    /// (0–86400, default 300): raise it for devices that upload in batches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anticipation_lateness_secs: Option<u64>,
}

impl FileConfig {
    /// Reads and parses a TOML file.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the config file {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("config file {}", path.display()))
    }

    /// Parses TOML text.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        // toml's message spans several lines (with a source excerpt); keep the first for a
        // one-line error, which names the key and its line.
        toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", one_line(&e.to_string())))
    }
}

fn one_line(msg: &str) -> String {
    msg.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('|') && !l.ends_with('|'))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The URL itself, else the trimmed content of the file.
fn url_or_file(
    url: Option<String>,
    file: Option<&Path>,
    errors: &mut Vec<String>,
) -> Option<String> {
    if url.is_some() {
        return url;
    }
    let path = file?;
    match std::fs::read_to_string(path) {
        Ok(s) => Some(s.trim().to_owned()),
        Err(e) => {
            errors.push(format!(
                "cannot read the database URL file {}: {e}",
                path.display()
            ));
            None
        }
    }
}

/// Replaces the password in `scheme://user:password@host/…` (and a `password=` query
/// parameter) with `***`.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let rest = scheme_end + 3;
        let authority_end = out[rest..]
            .find(['/', '?', '#'])
            .map_or(out.len(), |i| rest + i);
        if let Some(at) = out[rest..authority_end].rfind('@') {
            let userinfo = &out[rest..rest + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(rest + colon + 1..rest + at, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (base, query) = out.split_at(q + 1);
        let query = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&");
        out = format!("{base}{query}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://kairos:s3cret@db:5432/kairos"),
            "postgres://kairos:***@db:5432/kairos"
        );
        assert_eq!(
            redact_url("postgres://kairos@db/kairos?password=x&sslmode=require"),
            "postgres://kairos@db/kairos?password=***&sslmode=require"
        );
        assert_eq!(redact_url("postgres://db/kairos"), "postgres://db/kairos");
        let mut c = Config::with_data_dir("x");
        c.database = Database::Postgres("postgres://u:hunter2@h/d".into());
        c.smtp_relay = Some("smtps://mailer:hunter2@relay.example:465".into());
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(!c.to_redacted_toml().unwrap().contains("hunter2"));
    }

    #[test]
    fn context_sources_are_read_checked_and_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kairos.toml");
        let text = r#"
[context_sources.mqtt]
url = "mqtt://kairos:hunter2@127.0.0.1:1883"
client_id = "kairos-1"
[[context_sources.mqtt.subscriptions]]
topic = "kairos/+/context"
[[context_sources.mqtt.subscriptions]]
topic = "site/hall-a/#"
tenant = "acme"
[context_sources.nats]
url = "nats://kairos:hunter2@127.0.0.1:4222"
"#;
        std::fs::write(&path, text).unwrap();
        let global = GlobalArgs {
            config: Some(path.clone()),
            ..Default::default()
        };
        let c = Config::load(&global, None).unwrap();
        let mqtt = c.context_sources.mqtt.as_ref().unwrap();
        assert_eq!(mqtt.subscriptions.len(), 2);
        assert_eq!(c.context_sources.nats.as_ref().unwrap().consumer, "kairos");
        let shown = c.to_redacted_toml().unwrap();
        assert!(!shown.contains("hunter2") && !format!("{c:?}").contains("hunter2"));
        let again: FileConfig = FileConfig::parse(&shown).unwrap();
        assert_eq!(
            again
                .context_sources
                .unwrap()
                .mqtt
                .unwrap()
                .subscriptions
                .len(),
            2
        );
        assert!(
            Config::load(&GlobalArgs::default(), None)
                .unwrap()
                .context_sources
                .mqtt
                .is_none()
        );

        std::fs::write(
            &path,
            "[context_sources.mqtt]\nurl = \"mqtp://h\"\nsubscriptions = [{ topic = \"a/#\" }]\n",
        )
        .unwrap();
        let err = Config::load(&global, None).unwrap_err().to_string();
        assert!(err.contains("context_sources.mqtt.url"), "{err}");
        assert!(
            err.contains("context_sources.mqtt.subscriptions[0].topic"),
            "{err}"
        );
        let err = FileConfig::parse("[context_sources.nats]\nurl = \"nats://h\"\nstreem = \"X\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("streem"), "{err}");
    }

    #[test]
    fn the_example_context_sources_parse() {
        let example = include_str!("../../../kairos.example.toml");
        let start = example.find("# [context_sources.mqtt]").unwrap();
        let block: String = example[start..]
            .lines()
            .map(|l| l.strip_prefix('#').unwrap_or(l).trim_start())
            .collect::<Vec<_>>()
            .join("\n");
        let c = FileConfig::parse(&block).unwrap().context_sources.unwrap();
        assert_eq!(c.mqtt.unwrap().subscriptions.len(), 2);
        assert_eq!(c.nats.unwrap().stream, "KAIROS_CONTEXT");
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = FileConfig::parse("listen = \"127.0.0.1:1\"\nlisten_addr = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("listen_addr"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn flags_beat_the_file_and_defaults_fill_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kairos.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/kairos\"\n",
        )
        .unwrap();
        let global = GlobalArgs {
            config: Some(path),
            ..Default::default()
        };
        let c = Config::load(&global, None).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert!(c.secure_cookies, "not loopback: secure by default");
        assert_eq!(c.data_dir, PathBuf::from("/srv/kairos"));
        let server = ServerArgs {
            listen: Some("127.0.0.1:7000".parse().unwrap()),
            ..Default::default()
        };
        let c = Config::load(&global, Some(&server)).unwrap();
        assert_eq!(c.listen.port(), 7000);
        assert!(!c.secure_cookies, "loopback: plain-HTTP development");
        assert_eq!(
            Config::load(&GlobalArgs::default(), None).unwrap().data_dir,
            PathBuf::from(DEFAULT_DATA_DIR)
        );
    }

    #[test]
    fn sqlite_urls_name_the_data_dir() {
        let global = GlobalArgs {
            database_url: Some("sqlite:///var/lib/kairos".into()),
            ..Default::default()
        };
        let c = Config::load(&global, None).unwrap();
        assert!(c.database == Database::Sqlite);
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/kairos"));
        let bad = GlobalArgs {
            database_url: Some("mysql://x".into()),
            log_level: Some("[".into()),
            ..Default::default()
        };
        let err = Config::load(&bad, None).unwrap_err().to_string();
        assert!(
            err.contains("mysql") && err.contains("log level"),
            "all errors together: {err}"
        );
    }
}
