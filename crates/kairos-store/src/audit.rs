//! The audit trail (privacy issue, item 6; checklist P03, N15): who read whose personal data and
//! who changed what, per tenant, append-only and hash-chained.
//!
//! Each row's hash is the SHA-256 of its fields and the previous row's hash, so editing,
//! inserting or deleting a row breaks the chain from there on; [`Store::audit_verify`]
//! recomputes every chain and names the first row that does not match. Rows are appended in
//! the tenant's write transaction, so a chain has no forks.

use crate::error::{Result, StoreError};
use crate::{Store, now};
use kairos_core::Timestamp;
use kairos_core::event::Actor;
use kairos_core::ids::{CustomerId, TenantId};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash a chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, as the caller records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Who.
    pub actor: Actor,
    /// What: the route's method and template (`GET /api/v1/customers/{id}`) or a CLI
    /// command (`cli privacy export`).
    pub action: String,
    /// The object acted on (the path's ids, joined by `/`).
    pub target: Option<String>,
    /// The person whose data it concerns, when known (exports list these entries).
    pub customer_id: Option<CustomerId>,
    /// From where: the client address, or `cli`.
    pub source: Option<String>,
    /// The outcome (HTTP status; 0 for CLI actions that succeeded).
    pub status: u16,
}

/// A stored audit row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Position in the tenant's chain, from 1.
    pub seq: i64,
    /// When.
    pub at: Timestamp,
    /// What was recorded.
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// The previous row's hash (hex).
    pub prev_hash: String,
    /// This row's hash (hex).
    pub hash: String,
}

/// A row whose hash does not follow from its content and predecessor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBreak {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The first row that does not verify.
    pub seq: i64,
    /// Why.
    pub reason: String,
}

/// The report of a verification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Rows checked.
    pub rows: u64,
    /// Chains checked (tenants with rows).
    pub chains: u64,
    /// The first break of each broken chain.
    pub breaks: Vec<ChainBreak>,
    /// Each chain's newest entry: `(tenant, seq, hash)`. Kept elsewhere, they reveal a
    /// truncated tail, which no chain can show by itself.
    pub heads: Vec<(TenantId, i64, String)>,
}

/// The hash of a row: SHA-256 over a fixed-order JSON of its fields and the previous hash.
pub(crate) fn row_hash(
    tenant: TenantId,
    seq: i64,
    at: Timestamp,
    entry: &AuditEntry,
    prev: &str,
) -> String {
    #[derive(Serialize)]
    struct Canonical<'a> {
        tenant: TenantId,
        seq: i64,
        at: i64,
        entry: &'a AuditEntry,
        prev: &'a str,
    }
    let canonical = Canonical {
        tenant,
        seq,
        at: at.as_micros(),
        entry,
        prev,
    };
    // Serialising a struct of plain fields cannot fail; an empty input would only make
    // verification fail loudly, never pass wrongly.
    let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}

/// The audit reads and writes inside a tenant's write transaction.
pub(crate) trait AuditTx {
    /// The newest row's `seq` and hash, if any.
    async fn audit_head(&mut self) -> Result<Option<(i64, String)>>;
    /// Inserts a row.
    async fn audit_insert(&mut self, record: &AuditRecord) -> Result<()>;
}

async fn append<T: AuditTx>(
    tx: &mut T,
    tenant: TenantId,
    entry: AuditEntry,
    at: Timestamp,
) -> Result<i64> {
    let (seq, prev) = match tx.audit_head().await? {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_owned()),
    };
    let hash = row_hash(tenant, seq, at, &entry, &prev);
    tx.audit_insert(&AuditRecord {
        seq,
        at,
        entry,
        prev_hash: prev,
        hash,
    })
    .await?;
    Ok(seq)
}

/// Checks one tenant's rows (in `seq` order, possibly a page of a longer chain).
pub(crate) struct ChainChecker {
    tenant: TenantId,
    expected_seq: i64,
    prev: String,
    broken: bool,
}

impl ChainChecker {
    pub(crate) fn new(tenant: TenantId) -> Self {
        Self {
            tenant,
            expected_seq: 1,
            prev: GENESIS.to_owned(),
            broken: false,
        }
    }

    /// Checks the next row; returns the break if this row is the first bad one.
    pub(crate) fn check(&mut self, record: &AuditRecord) -> Option<ChainBreak> {
        if self.broken {
            return None;
        }
        let reason = if record.seq != self.expected_seq {
            Some(format!(
                "expected row {} but found row {}: rows were deleted or inserted",
                self.expected_seq, record.seq
            ))
        } else if record.prev_hash != self.prev {
            Some("its prev_hash is not the previous row's hash".to_owned())
        } else if row_hash(
            self.tenant,
            record.seq,
            record.at,
            &record.entry,
            &record.prev_hash,
        ) != record.hash
        {
            Some("its content does not match its hash: the row was changed".to_owned())
        } else {
            None
        };
        self.expected_seq = record.seq + 1;
        self.prev = record.hash.clone();
        reason.map(|reason| {
            self.broken = true;
            ChainBreak {
                tenant_id: self.tenant,
                seq: record.seq,
                reason,
            }
        })
    }
}

/// Rows of the audit log read back (`(tenant, record)`), for paging.
pub(crate) type AuditRow = (TenantId, AuditRecord);

/// Decodes an actor column.
pub(crate) fn decode_actor(json: &str) -> Result<Actor> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("audit actor: {e}")))
}

/// Rows verified per page.
const VERIFY_PAGE: u32 = 5_000;

impl Store {
    /// Appends an entry to the tenant's audit chain; returns its `seq`.
    pub async fn audit(&self, tenant: TenantId, entry: AuditEntry) -> Result<i64> {
        let at = now();
        flow!(self, tenant, |tx| append(tx, tenant, entry, at))
    }

    /// A tenant's audit rows after `after`, oldest first; only those about `customer` when
    /// given.
    pub async fn audit_entries(
        &self,
        tenant: TenantId,
        customer: Option<CustomerId>,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        let rows = dispatch!(self, s => s.audit_rows(Some(tenant), customer, (tenant, after), limit).await)?;
        Ok(rows.into_iter().map(|(_, r)| r).collect())
    }

    /// Recomputes every tenant's chain and reports the first break of each.
    pub async fn audit_verify(&self) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let mut checker: Option<ChainChecker> = None;
        let mut cursor = (TenantId(uuid::Uuid::nil()), 0);
        loop {
            let page = dispatch!(self, s => s.audit_rows(None, None, cursor, VERIFY_PAGE).await)?;
            let Some((last_tenant, last)) = page.last() else {
                break;
            };
            cursor = (*last_tenant, last.seq);
            for (tenant, record) in &page {
                if checker.as_ref().is_none_or(|c| c.tenant != *tenant) {
                    checker = Some(ChainChecker::new(*tenant));
                    report.chains += 1;
                }
                report.rows += 1;
                match report.heads.last_mut() {
                    Some(head) if head.0 == *tenant => {
                        (head.1, head.2) = (record.seq, record.hash.clone())
                    }
                    _ => report
                        .heads
                        .push((*tenant, record.seq, record.hash.clone())),
                }
                if let Some(b) = checker.as_mut().and_then(|c| c.check(record)) {
                    report.breaks.push(b);
                }
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            actor: Actor::System,
            action: action.into(),
            target: None,
            customer_id: None,
            source: Some("cli".into()),
            status: 200,
        }
    }

    fn chain(tenant: TenantId, actions: &[&str]) -> Vec<AuditRecord> {
        let mut prev = GENESIS.to_owned();
        let mut out = Vec::new();
        for (i, a) in actions.iter().enumerate() {
            let seq = i as i64 + 1;
            let at = Timestamp::from_micros(seq);
            let hash = row_hash(tenant, seq, at, &entry(a), &prev);
            out.push(AuditRecord {
                seq,
                at,
                entry: entry(a),
                prev_hash: prev,
                hash: hash.clone(),
            });
            prev = hash;
        }
        out
    }

    fn first_break(tenant: TenantId, rows: &[AuditRecord]) -> Option<ChainBreak> {
        let mut c = ChainChecker::new(tenant);
        rows.iter().find_map(|r| c.check(r))
    }

    #[test]
    fn an_intact_chain_verifies_and_any_edit_names_its_row() {
        let t = TenantId(uuid::Uuid::now_v7());
        let rows = chain(t, &["a", "b", "c", "d"]);
        assert_eq!(first_break(t, &rows), None);

        let mut edited = rows.clone();
        edited[2].entry.action = "nothing to see".into();
        assert_eq!(first_break(t, &edited).map(|b| b.seq), Some(3));

        let mut deleted = rows.clone();
        deleted.remove(1);
        assert_eq!(first_break(t, &deleted).map(|b| b.seq), Some(3));

        // Rehashing the edited row does not help: the next row's prev_hash gives it away.
        let mut rehashed = rows.clone();
        rehashed[1].entry.status = 404;
        rehashed[1].hash = row_hash(
            t,
            2,
            rehashed[1].at,
            &rehashed[1].entry,
            &rehashed[1].prev_hash,
        );
        assert_eq!(first_break(t, &rehashed).map(|b| b.seq), Some(3));

        // A chain copied to another tenant does not verify there.
        assert_eq!(
            first_break(TenantId(uuid::Uuid::now_v7()), &rows).map(|b| b.seq),
            Some(1)
        );
    }
}
