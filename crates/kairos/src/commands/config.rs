//! `kairos config example|show`.

use super::stdout_line;
use crate::config::Config;

/// The commented example file, kept at the repository root.
const EXAMPLE: &str = include_str!("../../../../kairos.example.toml");

/// Prints the example configuration.
pub fn example() -> anyhow::Result<()> {
    stdout_line(EXAMPLE.trim_end())
}

/// Prints the effective configuration, passwords redacted.
pub fn show(config: &Config) -> anyhow::Result<()> {
    stdout_line(config.to_redacted_toml()?.trim_end())
}
