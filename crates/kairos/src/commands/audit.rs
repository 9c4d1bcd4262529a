//! `kairos audit verify`: has anyone edited the audit trail behind Kairos' back?

use crate::cli::AuditCommand;
use kairos_store::Store;

/// Runs an audit subcommand.
pub async fn run(store: Store, cmd: AuditCommand) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Verify => verify(store).await,
    }
}

async fn verify(store: Store) -> anyhow::Result<()> {
    let report = store.audit_verify().await?;
    if report.breaks.is_empty() {
        for (tenant, seq, hash) in &report.heads {
            eprintln!("tenant {}: newest entry {seq}, hash {hash}", tenant.0);
        }
        return super::stdout_line(&format!(
            "ok: {} entries in {} chains verified",
            report.rows, report.chains
        ));
    }
    for b in &report.breaks {
        eprintln!(
            "tampered: tenant {} audit entry {}: {}",
            b.tenant_id.0, b.seq, b.reason
        );
    }
    anyhow::bail!(
        "the audit trail does not verify: {} broken chain(s)",
        report.breaks.len()
    )
}
