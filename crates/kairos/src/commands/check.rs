//! `kairos check`: is the database consistent (after a crash, a restore, a disk scare)?

use kairos_store::Store;

/// Prints `ok` on stdout, or each problem on stderr and fails.
pub async fn run(store: Store) -> anyhow::Result<()> {
    let problems = store.check().await?;
    if problems.is_empty() {
        super::stdout_line("ok")
    } else {
        for p in &problems {
            eprintln!("problem: {p}");
        }
        anyhow::bail!("{} problem(s) found", problems.len())
    }
}
