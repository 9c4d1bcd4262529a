//! Versioned PostgreSQL migrations, embedded in the binary. Each runs in one transaction
//! under an advisory lock, so several Kairos instances starting together migrate once.

use crate::error::{Result, StoreError};
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Row};

/// `(version, name, sql)` in order.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../../migrations/postgres/0001_foundation.sql"),
    ),
    (
        3,
        "mail",
        include_str!("../../migrations/postgres/0003_mail.sql"),
    ),
    (
        4,
        "signing_keys",
        include_str!("../../migrations/postgres/0004_signing_keys.sql"),
    ),
    (
        5,
        "provider_channels",
        include_str!("../../migrations/postgres/0005_provider_channels.sql"),
    ),
    (
        6,
        "sla",
        include_str!("../../migrations/postgres/0006_sla.sql"),
    ),
    (
        7,
        "agents",
        include_str!("../../migrations/postgres/0007_agents.sql"),
    ),
    (
        8,
        "mail_message_ids",
        include_str!("../../migrations/postgres/0008_mail_message_ids.sql"),
    ),
    (
        9,
        "imap",
        include_str!("../../migrations/postgres/0009_imap.sql"),
    ),
    (
        10,
        "customer_tier",
        include_str!("../../migrations/postgres/0010_customer_tier.sql"),
    ),
    (
        11,
        "consents",
        include_str!("../../migrations/postgres/0011_consents.sql"),
    ),
    (
        12,
        "audit",
        include_str!("../../migrations/postgres/0012_audit.sql"),
    ),
    (
        13,
        "context_events",
        include_str!("../../migrations/postgres/0013_context_events.sql"),
    ),
    (
        14,
        "anticipation",
        include_str!("../../migrations/postgres/0014_anticipation.sql"),
    ),
    (
        15,
        "coupons",
        include_str!("../../migrations/postgres/0015_coupons.sql"),
    ),
    (
        16,
        "knowledge",
        include_str!("../../migrations/postgres/0016_knowledge.sql"),
    ),
    (
        17,
        "restrictions",
        include_str!("../../migrations/postgres/0017_restrictions.sql"),
    ),
    (
        18,
        "webhook_secrets",
        include_str!("../../migrations/postgres/0018_webhook_secrets.sql"),
    ),
    (
        19,
        "forums",
        include_str!("../../migrations/postgres/0019_forums.sql"),
    ),
    (
        20,
        "customer_time_zone",
        include_str!("../../migrations/postgres/0020_customer_time_zone.sql"),
    ),
    (
        21,
        "chat_follow_up",
        include_str!("../../migrations/postgres/0021_chat_follow_up.sql"),
    ),
    (
        22,
        "portal",
        include_str!("../../migrations/postgres/0022_portal.sql"),
    ),
    (
        23,
        "canned_replies",
        include_str!("../../migrations/postgres/0023_canned_replies.sql"),
    ),
    (
        24,
        "chat_uploads",
        include_str!("../../migrations/postgres/0024_chat_uploads.sql"),
    ),
    (
        25,
        "staff_invitations",
        include_str!("../../migrations/postgres/0025_staff_invitations.sql"),
    ),
];

/// Arbitrary constant naming Kairos' migration lock.
const LOCK_KEY: i64 = 0x6b61_6972_6f73;

/// Applies pending migrations; returns how many ran.
pub(crate) async fn migrate(pool: &PgPool) -> Result<usize> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum BYTEA NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    let newest: Option<i64> = sqlx::query("SELECT max(version) FROM schema_migrations")
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    let known = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
    if newest.unwrap_or(0) > known {
        return Err(StoreError::Migration(format!(
            "the database is at schema version {} but this Kairos knows only up to {known}; use a newer Kairos",
            newest.unwrap_or(0)
        )));
    }
    let mut ran = 0;
    for (version, name, sql) in MIGRATIONS {
        let sum = Sha256::digest(sql.as_bytes()).to_vec();
        let stored: Option<Vec<u8>> =
            sqlx::query("SELECT checksum FROM schema_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
        match stored {
            Some(s) if s == sum => continue,
            Some(_) => {
                return Err(StoreError::Migration(format!(
                    "migration {version} ({name}) differs from the one applied"
                )));
            }
            None => {}
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(*sql))
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::Migration(format!("{version} ({name}): {e}")))?;
        sqlx::query("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
            .bind(version)
            .bind(name)
            .bind(sum)
            .bind(crate::now().as_micros())
            .execute(&mut *tx)
            .await?;
        tracing::info!(version, name, "applied postgres migration");
        ran += 1;
    }
    tx.commit().await?;
    Ok(ran)
}
