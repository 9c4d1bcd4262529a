//! `kairos staff create`.

use super::{generate_password, hash_password, stdout_line, tenant};
use crate::cli::StaffCommand;
use anyhow::{Context, bail};
use kairos_core::event::Actor;
use kairos_core::identity::Identity;
use kairos_core::party::{Role, parse_display_name};
use kairos_store::Store;
use std::io::{BufRead, IsTerminal};

/// Runs a staff command.
pub async fn run(store: Store, cmd: StaffCommand) -> anyhow::Result<()> {
    match cmd {
        StaffCommand::Create {
            tenant: slug,
            email,
            name,
            role,
        } => {
            let tenant = tenant(&store, &slug).await?;
            let email = Identity::email(&email).context("invalid --email")?.value;
            let name = parse_display_name("name", &name)?;
            if store.party_by_email(tenant.id, &email).await?.is_some() {
                bail!("{email} already has an account in tenant {}", slug.as_str());
            }
            let (password, generated) = match read_password_from_stdin()? {
                Some(p) => (p, false),
                None => (generate_password(), true),
            };
            kairos_http::auth::check_password_policy(&password)?;
            let hash = hash_password(password.clone()).await?;
            let role = Role::from(role);
            let id = store
                .create_party(
                    tenant.id,
                    role,
                    Some(&email),
                    &name,
                    Some(&hash),
                    &Actor::System,
                )
                .await
                .context("cannot create the account")?;
            eprintln!("created {role} {email} ({name}), id {id}");
            if generated {
                eprintln!("generated password (shown once):");
                stdout_line(&password)?;
            }
            Ok(())
        }
    }
}

/// The first line of stdin, unless stdin is a terminal or the line is empty.
fn read_password_from_stdin() -> anyhow::Result<Option<String>> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(None);
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    let password = line.trim_end_matches(['\r', '\n']);
    Ok((!password.is_empty()).then(|| password.to_owned()))
}
