//! Knowledge-base voters' pseudonyms: how a vote is keyed, and how erasure finds a person's
//! votes again (checklist N04: a keyed pseudonym the server can recompute is still personal
//! data).

use crate::{Result, Store};
use kairos_core::ids::{CustomerId, TenantId};

/// The name of the server key that pseudonymises knowledge-base voters (the visitor-token
/// key: one secret fewer to keep).
pub const VOTE_KEY_NAME: &str = "visitor-token";

/// A voter's pseudonym: hex HMAC-SHA256 under the server key of `kb-vote/{tenant}/{who}`,
/// where `who` is `customer:{id}` or `address:{ip}:{day}`. Keyed, so it cannot be reversed
/// by trying every address; recomputable from a customer id, so erasure can find it.
pub fn vote_mark(key: &[u8], tenant: TenantId, who: &str) -> String {
    use hmac::Mac;
    // HMAC accepts keys of any length.
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(format!("kb-vote/{}/{who}", tenant.0).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// What a pseudonym counts: "did this help?" votes and deflections are counted apart, so
/// one reader may do each once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tally {
    /// A "did this help?" answer.
    Vote,
    /// A suggested article that answered the question (deflection).
    Deflection,
}

impl Tally {
    /// Every tally, for erasure.
    pub const ALL: [Tally; 2] = [Tally::Vote, Tally::Deflection];

    fn prefix(self) -> &'static str {
        match self {
            Tally::Vote => "",
            Tally::Deflection => "deflect/",
        }
    }
}

/// A signed-in customer's pseudonym for `tally`.
pub fn customer_mark(key: &[u8], tenant: TenantId, tally: Tally, customer: CustomerId) -> String {
    vote_mark(
        key,
        tenant,
        &format!("{}customer:{customer}", tally.prefix()),
    )
}

/// A visitor's pseudonym for `tally`: their address on one day (`day`: days since the epoch).
pub fn visitor_mark(key: &[u8], tenant: TenantId, tally: Tally, address: &str, day: i64) -> String {
    vote_mark(
        key,
        tenant,
        &format!("{}address:{address}:{day}", tally.prefix()),
    )
}

/// All of a customer's pseudonyms (every tally), for erasure to find them.
pub fn customer_marks(key: &[u8], tenant: TenantId, customer: CustomerId) -> Vec<String> {
    Tally::ALL
        .iter()
        .map(|t| customer_mark(key, tenant, *t, customer))
        .collect()
}

/// Deleting votes inside the tenant's write transaction.
pub(crate) trait VoteTx {
    /// Deletes the tenant's votes with these pseudonyms; returns how many.
    async fn delete_votes(&mut self, marks: &[String]) -> Result<u64>;
}

impl Store {
    /// Deletes the votes with these pseudonyms (erasure); returns how many.
    pub async fn kb_forget_votes(&self, tenant: TenantId, marks: Vec<String>) -> Result<u64> {
        flow!(
            self,
            tenant,
            |tx| async move { tx.delete_votes(&marks).await }
        )
    }
}
