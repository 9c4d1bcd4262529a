//! `kairos serve`.

use crate::config::Config;
use crate::startup::{Application, shutdown_signal};

/// Builds the application and serves until SIGTERM/SIGINT.
pub async fn run(config: Config) -> anyhow::Result<()> {
    if !config.secure_cookies {
        tracing::info!(
            "session cookies are not marked Secure (plain-HTTP development); set secure_cookies = true behind HTTPS"
        );
    }
    let app = Application::build(config).await?;
    app.run_until_stopped(shutdown_signal()).await
}
