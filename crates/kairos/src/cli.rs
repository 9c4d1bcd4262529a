//! The command line: one binary, a few subcommands, global options that every command
//! shares. Each doc comment here is the `--help` text users read.

use crate::config::LogFormat;
use clap::{Args, Parser, Subcommand, ValueEnum};
use kairos_core::ids::CustomerId;
use kairos_core::party::Role;
use kairos_core::tenant::TenantSlug;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Kairos, the self-hostable service cloud: every customer touchpoint on one timeline. One binary runs the server and administers it.
///
/// Settings come from, in order of precedence: command-line flags, `KAIROS_*` environment
/// variables, the TOML file given with `--config`, and built-in defaults.
#[derive(Debug, Parser)]
#[command(name = "kairos", version, propagate_version = true)]
pub struct Cli {
    /// Options every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command.
#[derive(Debug, Default, Clone, Args)]
pub struct GlobalArgs {
    /// Directory for the embedded SQLite database (`kairos.db`) and other local files.
    /// Created if missing. [default: ./kairos-data]
    #[arg(long, env = "KAIROS_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Use PostgreSQL at this URL (`postgres://user:pass@host/db`) instead of SQLite.
    /// `sqlite://DIR` selects SQLite with DIR as the data directory.
    #[arg(
        long,
        env = "KAIROS_DATABASE_URL",
        global = true,
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Read the database URL from this file (for secrets mounted as files, e.g. Docker or
    /// Kubernetes secrets). `--database-url` wins when both are given.
    #[arg(
        long,
        env = "KAIROS_DATABASE_URL_FILE",
        global = true,
        value_name = "PATH"
    )]
    pub database_url_file: Option<PathBuf>,

    /// Read settings from this TOML file (see `kairos config example`). Unknown keys are
    /// an error.
    #[arg(long, env = "KAIROS_CONFIG", global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Log format on stderr: `text` for people, `json` for log collectors. [default: text]
    #[arg(long, env = "KAIROS_LOG_FORMAT", global = true, value_enum)]
    pub log_format: Option<LogFormat>,

    /// Which logs to show, in tracing EnvFilter syntax, e.g. `info` or
    /// `info,kairos_store=debug`. [default: info]
    #[arg(long, env = "KAIROS_LOG_LEVEL", global = true, value_name = "FILTER")]
    pub log_level: Option<String>,
}

/// Options of the HTTP server (used by `serve`, and shown by `config show`).
#[derive(Debug, Default, Clone, Args)]
pub struct ServerArgs {
    /// Address and port the HTTP server listens on. [default: 127.0.0.1:8080]
    #[arg(long, env = "KAIROS_LISTEN", value_name = "ADDR:PORT")]
    pub listen: Option<SocketAddr>,

    /// Give session cookies the `Secure` flag (browsers then send them over HTTPS only).
    /// Defaults to true, except when listening on a loopback address (127.0.0.0/8, ::1),
    /// so that a browser on http://127.0.0.1 works during development. Set to false when
    /// serving plain HTTP on another address (not recommended).
    #[arg(long, env = "KAIROS_SECURE_COOKIES", value_name = "BOOL")]
    pub secure_cookies: Option<bool>,

    /// Also receive e-mail by SMTP on this address (e.g. 0.0.0.0:25 behind your MX, or
    /// 127.0.0.1:2525). Mail is taken for the support addresses tenants configured
    /// (`POST /api/v1/mail/addresses`); nothing is relayed. [default: off]
    #[arg(long, env = "KAIROS_SMTP_LISTEN", value_name = "ADDR:PORT")]
    pub smtp_listen: Option<SocketAddr>,

    /// Send outbound mail (agents' e-mail replies, acknowledgements) through this relay:
    /// smtp://host:25 (plain), smtp://host:587?tls=required (STARTTLS),
    /// smtps://host:465 (TLS); credentials as smtp://user:password@host. Without a relay,
    /// mail waits in the outbox. [default: none]
    #[arg(long, env = "KAIROS_SMTP_RELAY", value_name = "URL")]
    pub smtp_relay: Option<String>,

    /// Let tenants connect Kairos to private, loopback and link-local addresses (an IMAP
    /// server on your internal network). Off: public addresses only. [default: false]
    #[arg(long, env = "KAIROS_ALLOW_PRIVATE_HOSTS", value_name = "BOOL")]
    pub allow_private_hosts: Option<bool>,

    /// The host name Kairos greets SMTP clients with and signs outbound Message-IDs under.
    /// [default: localhost]
    #[arg(long, env = "KAIROS_MAIL_HOSTNAME", value_name = "NAME")]
    pub mail_hostname: Option<String>,

    /// The URL people and providers reach this server at (e.g. https://help.acme.example).
    /// Provider webhook URLs are built from it; Twilio signs the URL it posts to, so behind
    /// a proxy it must be what Twilio sees. [default: none]
    #[arg(long, env = "KAIROS_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,

    /// Reverse proxies (addresses or networks, comma-separated, e.g. 10.0.0.0/8,::1) whose
    /// X-Forwarded-For names the client. Sign-in limits and logs then see the client's
    /// address instead of the proxy's; nobody else's X-Forwarded-For is believed.
    /// [default: none]
    #[arg(
        long,
        env = "KAIROS_TRUSTED_PROXIES",
        value_name = "LIST",
        value_delimiter = ','
    )]
    pub trusted_proxies: Option<Vec<String>>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server until SIGTERM or Ctrl-C, then finish in-flight requests
    /// (at most 30 s) and flush the database.
    Serve(ServerArgs),
    /// Create or upgrade the database schema, then exit (`serve` does this too).
    Migrate,
    /// Check the database: SQLite's integrity check, and that every tenant's event log is
    /// gap-free and agrees with its last position, and that no message, conversation, identity
    /// or consent record has lost its owner. Prints `ok` or the problems (exit 1).
    Check,
    /// Manage tenants (the companies served by this instance).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// The audit trail of staff reads of personal data and admin changes.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// A person's data: export (GDPR Art. 15, 20) and re-import.
    #[command(subcommand)]
    Privacy(PrivacyCommand),
    /// The search index (articles, forums, conversations, messages) in `<data dir>/search`.
    #[command(subcommand)]
    Search(SearchCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage staff accounts (people who log in to the inbox).
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Fill a `demo` tenant with staff, customers and conversations in German and
    /// English, and print an admin token on stdout. Safe to run again: it adds nothing
    /// twice, only prints a new token.
    Demo,
    /// Seed many conversations quickly for load tests; writes their ids, one per line,
    /// to a file and prints the file's path on stdout.
    BenchSeed(BenchSeedArgs),
    /// Print the OpenAPI 3.1 document of the HTTP API (JSON) on stdout.
    Openapi,
    /// Show configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Check and test anticipation rule files (no server or database needed).
    #[command(subcommand)]
    Rules(RulesCommand),
}

/// `kairos rules …`
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Parse and check a rule file; prints a summary, or `FILE:LINE:COL: problem` and exits 1.
    Check {
        /// The rule file.
        file: PathBuf,
    },
    /// Replay events (JSON lines) against a rule file and print what would fire and why,
    /// the way the live engine would decide. After the last event the clock runs on until
    /// every window could have closed, so absences and held messages show up too.
    Test {
        /// The rule file.
        file: PathBuf,
        /// Events to replay, one JSON object per line, in arrival order.
        #[arg(long, value_name = "FILE.jsonl")]
        events: PathBuf,
        /// Stored history to start from (JSON lines), for `was …` look-backs before the
        /// replayed events.
        #[arg(long, value_name = "FILE.jsonl")]
        history: Option<PathBuf>,
        /// The customers' time zone (IANA name), for quiet hours and times in messages.
        #[arg(long, default_value = "UTC", value_name = "ZONE")]
        time_zone: String,
        /// Stop the clock here (RFC 3339) instead of running it out.
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// Print the firings as JSON lines instead of the report.
        #[arg(long)]
        json: bool,
    },
}

/// `kairos tenant …`
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant.
    Create {
        /// Short URL-safe name: 2–63 characters of a-z, 0-9 and '-', starting with a letter.
        #[arg(value_parser = parse_slug)]
        slug: TenantSlug,
        /// Display name. [default: the slug]
        #[arg(long)]
        name: Option<String>,
    },
}

/// `kairos token …`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it on stdout (only the token, newline-terminated).
    /// It is shown once: Kairos keeps only its SHA-256.
    Create {
        /// The tenant the token works in (its slug).
        #[arg(long, value_parser = parse_slug)]
        tenant: TenantSlug,
        /// The one role the token carries: admin, agent, customer, expert, partner or
        /// concierge.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// For `--role customer`: the customer (UUID) the token acts as.
        #[arg(long, value_name = "ID")]
        customer: Option<CustomerId>,
    },
}

/// The roles a staff account may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StaffRole {
    /// Runs the tenant: settings, staff, tokens, and everything an agent may do.
    Admin,
    /// Works conversations and customers.
    Agent,
}

impl From<StaffRole> for Role {
    fn from(r: StaffRole) -> Self {
        match r {
            StaffRole::Admin => Role::Admin,
            StaffRole::Agent => Role::Agent,
        }
    }
}

/// `kairos audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every tenant's hash chain. Prints the number of entries checked and each
    /// chain's newest hash (keep those elsewhere: they also reveal a truncated tail), or
    /// names the first altered, inserted or deleted entry of each broken chain (exit 1).
    Verify,
}

/// `kairos search …`
#[derive(Debug, Subcommand)]
pub enum SearchCommand {
    /// Rebuild the index from every tenant's event log (with a progress bar on stderr) into
    /// a fresh directory, then swap it in. Stop the server first.
    Reindex,
}

/// `kairos privacy …`
#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// Export everything a tenant holds about one person — profile, identities,
    /// conversations and messages, attachments, consents, context events, scores, audit
    /// entries — as one zip archive (`person.json` per `schema.json`, plus the files).
    /// Prints the archive's path on stdout. Recorded on the tenant's audit trail.
    Export {
        /// The tenant (its slug).
        #[arg(long, value_parser = parse_slug)]
        tenant: TenantSlug,
        /// The customer's id.
        #[arg(long)]
        customer: uuid::Uuid,
        /// Where to write the archive. [default: ./<customer id>.zip]
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Import an export archive into a tenant as a new customer with the same timeline.
    /// Refused whole if one of the person's identities or message ids exists there already.
    /// Prints the new customer's id on stdout.
    Import {
        /// The tenant (its slug).
        #[arg(long, value_parser = parse_slug)]
        tenant: TenantSlug,
        /// The archive.
        archive: std::path::PathBuf,
    },
    /// Erase a person from a tenant (GDPR Art. 17): their rows, conversations, messages,
    /// attachments and consents are deleted, every log event about them is redacted, and the
    /// database files are scrubbed. Irreversible. Recorded on the audit trail.
    Erase {
        /// The tenant (its slug).
        #[arg(long, value_parser = parse_slug)]
        tenant: TenantSlug,
        /// The customer's id.
        #[arg(long)]
        customer: uuid::Uuid,
    },
    /// Print the JSON Schema of `person.json`.
    Schema,
}

/// `kairos staff …`
#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Create a staff account. The password is read from stdin (first line) when stdin
    /// is not a terminal; otherwise, or when that line is empty, a random one is generated
    /// and printed on stdout.
    Create {
        /// The tenant (its slug).
        #[arg(long, value_parser = parse_slug)]
        tenant: TenantSlug,
        /// Login e-mail address.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Role of the account.
        #[arg(long, value_enum)]
        role: StaffRole,
    },
}

/// `kairos bench-seed …`
#[derive(Debug, Args)]
pub struct BenchSeedArgs {
    /// The tenant to seed (must exist; see `kairos tenant create`).
    #[arg(long, value_parser = parse_slug)]
    pub tenant: TenantSlug,
    /// How many conversations to create (each with a new customer and one inbound e-mail).
    #[arg(long, value_name = "N")]
    pub conversations: u64,
    /// How many writes to keep in flight.
    #[arg(long, default_value_t = 64, value_name = "N")]
    pub concurrency: usize,
    /// Where to write the conversation ids. [default: DATA_DIR/seed-ids.txt, or
    /// ./seed-ids.txt with PostgreSQL]
    #[arg(long, value_name = "PATH")]
    pub ids_out: Option<PathBuf>,
}

/// `kairos config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented example `kairos.toml` with every key.
    Example,
    /// Print the effective configuration (after flags, environment and file) as TOML,
    /// with passwords redacted.
    Show(ServerArgs),
}

fn parse_slug(raw: &str) -> Result<TenantSlug, String> {
    TenantSlug::parse(raw).map_err(|e| e.to_string())
}

fn parse_role(raw: &str) -> Result<Role, String> {
    raw.parse::<Role>().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
