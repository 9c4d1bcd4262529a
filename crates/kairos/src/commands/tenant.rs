//! `kairos tenant create`.

use crate::cli::TenantCommand;
use anyhow::{Context, bail};
use kairos_core::party::parse_display_name;
use kairos_store::Store;

/// Runs a tenant command.
pub async fn run(store: Store, cmd: TenantCommand) -> anyhow::Result<()> {
    match cmd {
        TenantCommand::Create { slug, name } => {
            let name = parse_display_name("name", name.as_deref().unwrap_or(slug.as_str()))?;
            if store.tenant_by_slug(slug.as_str()).await?.is_some() {
                bail!("tenant {} already exists", slug.as_str());
            }
            let tenant = store
                .create_tenant(&slug, &name)
                .await
                .context("cannot create the tenant")?;
            eprintln!(
                "created tenant {} ({}), id {}",
                tenant.slug.as_str(),
                tenant.name,
                tenant.id
            );
            Ok(())
        }
    }
}
