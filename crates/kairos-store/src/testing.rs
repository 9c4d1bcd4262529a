//! Test support (feature `testing`): a fresh PostgreSQL database per test, created on the
//! server `KAIROS_TEST_PG_URL` names, or a loud notice and `None` when it names none — so a
//! newcomer's `cargo test` still runs and says what it skipped, and CI (which sets the URL)
//! fails if the server is unreachable.

use crate::Store;

/// A store on a new database `kairos_t_<uuid>`, or `None` (after a notice naming `suite`)
/// without `KAIROS_TEST_PG_URL`. Panics if the URL is set but unusable: that is a broken
/// test environment, never a reason to skip.
pub async fn fresh_postgres(suite: &str) -> Option<Store> {
    let Ok(url) = std::env::var("KAIROS_TEST_PG_URL") else {
        eprintln!(
            "\n*** NOTICE: KAIROS_TEST_PG_URL is not set: PostgreSQL {suite} tests did NOT run ***\n"
        );
        return None;
    };
    let name = format!("kairos_t_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap_or_else(|e| panic!("KAIROS_TEST_PG_URL is set but PostgreSQL is unreachable: {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
    admin.close().await;
    let (base, _) = url
        .rsplit_once('/')
        .unwrap_or_else(|| panic!("KAIROS_TEST_PG_URL must end in /<database>: {url}"));
    Some(
        Store::open_postgres(&format!("{base}/{name}"))
            .await
            .unwrap_or_else(|e| panic!("cannot open the test database {name}: {e}")),
    )
}

/// Every file under `dir` (recursively) whose bytes contain `needle`: the erasure tests'
/// grep of a data directory.
pub fn files_containing(dir: &std::path::Path, needle: &str) -> std::io::Result<Vec<String>> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                // A file deleted since the listing (a search-index merge) holds nothing.
                let bytes = match std::fs::read(&path) {
                    Ok(b) => b,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    hits.push(path.display().to_string());
                }
            }
        }
    }
    Ok(hits)
}

/// Lets every invitation of `tenant` run out now (the expired-link tests).
pub async fn expire_invitations(
    store: &Store,
    tenant: kairos_core::ids::TenantId,
) -> crate::Result<()> {
    match store {
        Store::Sqlite(s) => s.expire_invitations(tenant).await,
        Store::Postgres(s) => s.expire_invitations(tenant).await,
    }
}
