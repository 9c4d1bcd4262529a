//! `kairos token create`: prints only the token on stdout.

use super::{stdout_line, tenant};
use crate::cli::TokenCommand;
use anyhow::{Context, bail};
use kairos_core::event::Actor;
use kairos_core::party::Role;
use kairos_store::Store;

/// Runs a token command.
pub async fn run(store: Store, cmd: TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create {
            tenant: slug,
            role,
            customer,
        } => {
            let tenant = tenant(&store, &slug).await?;
            match (role, customer) {
                (Role::Customer, None) => bail!("--role customer needs --customer ID"),
                (Role::Customer, Some(id)) => {
                    if store.customer(tenant.id, id).await?.is_none() {
                        bail!("customer {id} not found in tenant {}", slug.as_str());
                    }
                }
                (_, Some(_)) => bail!("--customer is only for --role customer"),
                (_, None) => {}
            }
            let (token, hash) = kairos_http::auth::new_token();
            let id = store
                .create_token(tenant.id, role, None, customer, &hash, &Actor::System)
                .await
                .context("cannot store the token")?;
            eprintln!(
                "created {role} token {id} for tenant {} (shown once; Kairos keeps only its hash)",
                slug.as_str()
            );
            stdout_line(&token)
        }
    }
}
