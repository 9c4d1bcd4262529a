//! Versioned SQLite migrations, embedded in the binary.
//!
//! Each migration runs in its own transaction together with its row in
//! `schema_migrations`, so a crash half-way leaves the previous version intact (J09). A
//! database migrated by a newer Kairos, or whose applied migration text changed, is refused.

use crate::error::{Result, StoreError};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// `(version, name, sql)` in order.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../../migrations/sqlite/0001_foundation.sql"),
    ),
    (
        3,
        "mail",
        include_str!("../../migrations/sqlite/0003_mail.sql"),
    ),
    (
        4,
        "signing_keys",
        include_str!("../../migrations/sqlite/0004_signing_keys.sql"),
    ),
    (
        5,
        "provider_channels",
        include_str!("../../migrations/sqlite/0005_provider_channels.sql"),
    ),
    (
        6,
        "sla",
        include_str!("../../migrations/sqlite/0006_sla.sql"),
    ),
    (
        7,
        "agents",
        include_str!("../../migrations/sqlite/0007_agents.sql"),
    ),
    (
        8,
        "mail_message_ids",
        include_str!("../../migrations/sqlite/0008_mail_message_ids.sql"),
    ),
    (
        9,
        "imap",
        include_str!("../../migrations/sqlite/0009_imap.sql"),
    ),
    (
        10,
        "customer_tier",
        include_str!("../../migrations/sqlite/0010_customer_tier.sql"),
    ),
    (
        11,
        "consents",
        include_str!("../../migrations/sqlite/0011_consents.sql"),
    ),
    (
        12,
        "audit",
        include_str!("../../migrations/sqlite/0012_audit.sql"),
    ),
    (
        13,
        "context_events",
        include_str!("../../migrations/sqlite/0013_context_events.sql"),
    ),
    (
        14,
        "anticipation",
        include_str!("../../migrations/sqlite/0014_anticipation.sql"),
    ),
    (
        15,
        "coupons",
        include_str!("../../migrations/sqlite/0015_coupons.sql"),
    ),
    (
        16,
        "knowledge",
        include_str!("../../migrations/sqlite/0016_knowledge.sql"),
    ),
    (
        17,
        "restrictions",
        include_str!("../../migrations/sqlite/0017_restrictions.sql"),
    ),
    (
        18,
        "webhook_secrets",
        include_str!("../../migrations/sqlite/0018_webhook_secrets.sql"),
    ),
    (
        19,
        "forums",
        include_str!("../../migrations/sqlite/0019_forums.sql"),
    ),
    (
        20,
        "customer_time_zone",
        include_str!("../../migrations/sqlite/0020_customer_time_zone.sql"),
    ),
    (
        21,
        "chat_follow_up",
        include_str!("../../migrations/sqlite/0021_chat_follow_up.sql"),
    ),
    (
        22,
        "portal",
        include_str!("../../migrations/sqlite/0022_portal.sql"),
    ),
    (
        23,
        "canned_replies",
        include_str!("../../migrations/sqlite/0023_canned_replies.sql"),
    ),
    (
        24,
        "chat_uploads",
        include_str!("../../migrations/sqlite/0024_chat_uploads.sql"),
    ),
    (
        25,
        "staff_invitations",
        include_str!("../../migrations/sqlite/0025_staff_invitations.sql"),
    ),
];

fn checksum(sql: &str) -> Vec<u8> {
    Sha256::digest(sql.as_bytes()).to_vec()
}

/// Applies pending migrations; returns how many ran.
pub(crate) fn migrate(conn: &mut Connection) -> Result<usize> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum BLOB NOT NULL, applied_at INTEGER NOT NULL)",
    )?;
    let newest: Option<i64> =
        conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })?;
    let known = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
    if newest.unwrap_or(0) > known {
        return Err(StoreError::Migration(format!(
            "the database is at schema version {} but this Kairos knows only up to {known}; use a newer Kairos",
            newest.unwrap_or(0)
        )));
    }
    let mut ran = 0;
    for (version, name, sql) in MIGRATIONS {
        let stored: Option<Vec<u8>> = conn
            .query_row(
                "SELECT checksum FROM schema_migrations WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()?;
        match stored {
            Some(sum) if sum == checksum(sql) => continue,
            Some(_) => {
                return Err(StoreError::Migration(format!(
                    "migration {version} ({name}) differs from the one applied"
                )));
            }
            None => {}
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Migration(format!("{version} ({name}): {e}")))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)",
            params![version, name, checksum(sql), crate::now().as_micros()],
        )?;
        tx.commit()?;
        tracing::info!(version, name, "applied sqlite migration");
        ran += 1;
    }
    Ok(ran)
}
