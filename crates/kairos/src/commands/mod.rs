//! One module per subcommand. Commands print their *result* on stdout (a token, a path,
//! a document) and everything else on stderr, so `TOKEN=$(kairos token create …)` works.

mod audit;
mod check;
mod config;
mod demo;
mod privacy;
mod rules;
mod search;
mod seed;
mod serve;
mod staff;
mod tenant;
mod token;

use crate::cli::{Cli, Command, ConfigCommand};
use crate::config::Config;
use crate::startup::open_store;
use crate::telemetry;
use anyhow::Context;
use kairos_core::tenant::{Tenant, TenantSlug};
use kairos_store::Store;
use std::io::Write;

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let server = match &cli.command {
        Command::Serve(args) | Command::Config(ConfigCommand::Show(args)) => Some(args),
        _ => None,
    };
    let config = Config::load(&cli.global, server)?;
    telemetry::init_logging(&config);
    tracing::debug!(?config, "configuration");
    match cli.command {
        Command::Serve(_) => serve::run(config).await,
        Command::Openapi => stdout_line(kairos_http::openapi_json().trim_end()),
        Command::Config(ConfigCommand::Example) => config::example(),
        Command::Config(ConfigCommand::Show(_)) => config::show(&config),
        Command::Rules(cmd) => rules::run(cmd),
        Command::Migrate => {
            with_store(&config, |_| async {
                eprintln!("the database schema is up to date");
                Ok(())
            })
            .await
        }
        Command::Check => with_store(&config, check::run).await,
        Command::Audit(cmd) => with_store(&config, |store| audit::run(store, cmd)).await,
        Command::Privacy(crate::cli::PrivacyCommand::Schema) => {
            stdout_line(kairos_privacy::document::schema_json().trim_end())
        }
        Command::Privacy(cmd) => {
            let blobs = config.data_dir.join("blobs");
            with_store(&config, |store| privacy::run(store, blobs, cmd)).await
        }
        Command::Search(cmd) => {
            let dir = config.data_dir.clone();
            with_store(&config, |store| search::run(store, dir, cmd)).await
        }
        Command::Tenant(cmd) => with_store(&config, |store| tenant::run(store, cmd)).await,
        Command::Token(cmd) => with_store(&config, |store| token::run(store, cmd)).await,
        Command::Staff(cmd) => with_store(&config, |store| staff::run(store, cmd)).await,
        Command::Demo => with_store(&config, demo::run).await,
        Command::BenchSeed(args) => {
            let default_out = match config.database {
                crate::config::Database::Sqlite => config.data_dir.join("seed-ids.txt"),
                crate::config::Database::Postgres(_) => "./seed-ids.txt".into(),
            };
            with_store(&config, |store| seed::run(store, args, default_out)).await
        }
    }
}

/// Opens the store, runs `f`, and closes the store (flushing writes) even when `f` failed.
async fn with_store<F, Fut>(config: &Config, f: F) -> anyhow::Result<()>
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let store = open_store(config).await?;
    let result = f(store.clone()).await;
    store.close().await;
    result
}

/// Writes one line to stdout (the `print_stdout` lint keeps stray `println!`s out).
fn stdout_line(line: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .context("cannot write to stdout")
}

/// The tenant with this slug, or an error that says how to create it.
async fn tenant(store: &Store, slug: &TenantSlug) -> anyhow::Result<Tenant> {
    store
        .tenant_by_slug(slug.as_str())
        .await
        .context("cannot look up the tenant")?
        .with_context(|| {
            format!(
                "tenant {} not found (create it with `kairos tenant create {}`)",
                slug.as_str(),
                slug.as_str()
            )
        })
}

/// A random password of 20 letters and digits (about 119 bits).
fn generate_password() -> String {
    use rand::Rng;
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}

/// Hashes a password with argon2id off the async workers.
async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || kairos_http::auth::hash_password(&password))
        .await
        .context("the hashing task failed")?
        .context("cannot hash the password")
}
