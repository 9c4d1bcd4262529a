//! `kairos privacy export|import|erase`: a person's data out of one tenant, into another, or
//! gone.

use crate::cli::PrivacyCommand;
use anyhow::Context;
use kairos_core::event::Actor;
use kairos_core::ids::CustomerId;
use kairos_store::Store;
use kairos_store::audit::AuditEntry;
use kairos_store::blobs::BlobStore;
use std::path::PathBuf;

/// Runs a privacy subcommand (`schema` needs no store and is handled by the caller).
pub async fn run(store: Store, blobs: PathBuf, cmd: PrivacyCommand) -> anyhow::Result<()> {
    let blobs = BlobStore::open(&blobs)
        .with_context(|| format!("cannot open the attachment store {}", blobs.display()))?;
    match cmd {
        PrivacyCommand::Export {
            tenant,
            customer,
            out,
        } => {
            let tenant = super::tenant(&store, &tenant).await?;
            let customer = CustomerId(customer);
            let export = kairos_privacy::export::gather(&store, &tenant, customer).await?;
            let (zip, missing) = kairos_privacy::archive::write(&export, &blobs).await?;
            for sha in missing {
                eprintln!(
                    "warning: attachment {sha} is not in the attachment store; listed without its file"
                );
            }
            let out = out.unwrap_or_else(|| PathBuf::from(format!("{}.zip", customer.0)));
            std::fs::write(&out, zip).with_context(|| format!("cannot write {}", out.display()))?;
            record(&store, tenant.id, "cli privacy export", customer).await?;
            super::stdout_line(&out.display().to_string())
        }
        PrivacyCommand::Import { tenant, archive } => {
            let tenant = super::tenant(&store, &tenant).await?;
            let bytes = std::fs::read(&archive)
                .with_context(|| format!("cannot read {}", archive.display()))?;
            let unpacked = kairos_privacy::archive::read(bytes).await?;
            let id =
                kairos_privacy::import::import(&store, &blobs, tenant.id, unpacked, &Actor::System)
                    .await?;
            record(&store, tenant.id, "cli privacy import", id).await?;
            super::stdout_line(&id.0.to_string())
        }
        PrivacyCommand::Erase { tenant, customer } => {
            let tenant = super::tenant(&store, &tenant).await?;
            let customer = CustomerId(customer);
            let done =
                kairos_privacy::erase::erase(&store, &blobs, tenant.id, customer, &Actor::System)
                    .await?;
            record(&store, tenant.id, "cli privacy erase", customer).await?;
            let r = done.report;
            super::stdout_line(&format!(
                "erased {} customer record(s): {} conversations, {} messages, {} events redacted, {} other rows, {} attachment files",
                r.customers.len(),
                r.conversations,
                r.messages,
                r.events_redacted,
                r.other_rows,
                done.blobs_deleted
            ))
        }
        PrivacyCommand::Schema => {
            super::stdout_line(kairos_privacy::document::schema_json().trim_end())
        }
    }
}

async fn record(
    store: &Store,
    tenant: kairos_core::ids::TenantId,
    action: &str,
    customer: CustomerId,
) -> anyhow::Result<()> {
    let entry = AuditEntry {
        actor: Actor::System,
        action: action.to_owned(),
        target: Some(customer.0.to_string()),
        customer_id: Some(customer),
        source: Some("cli".to_owned()),
        status: 0,
    };
    store
        .audit(tenant, entry)
        .await
        .context("cannot record the export on the audit trail")?;
    Ok(())
}
