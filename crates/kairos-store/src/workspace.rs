//! Reads for the agent workspace beyond the plain conversation list: the inbox's "SLA due
//! soon" and "by tier" views, the staff an agent can assign to, and finding a customer by
//! name or identity (to merge them).

use crate::Store;
use crate::error::Result;
use crate::model::ConversationFilter;
use kairos_core::Timestamp;
use kairos_core::conversation::Conversation;
use kairos_core::ids::{ConversationId, CustomerId, PartyId, TenantId};

/// A conversation with a running SLA clock due by some time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlaDue {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Its earliest running clock's due time.
    pub due_at: Timestamp,
    /// Whether a running clock of it is already breached.
    pub breached: bool,
}

/// A staff member (admin or agent) of a tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffMember {
    /// Their party id.
    pub id: PartyId,
    /// Their name.
    pub display_name: String,
}

/// A customer found by a search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerMatch {
    /// Their id.
    pub id: CustomerId,
    /// Their name, if known.
    pub display_name: Option<String>,
}

/// Longest search text used (characters).
const MAX_QUERY: usize = 100;

/// A `LIKE` pattern matching `query` anywhere, case-insensitively (the column is
/// lower-cased too); `%`, `_` and `\` in it match themselves.
pub(crate) fn like_pattern(query: &str) -> String {
    let mut p = String::from("%");
    for ch in query
        .trim()
        .chars()
        .take(MAX_QUERY)
        .flat_map(char::to_lowercase)
    {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

impl Store {
    /// Conversations with a running SLA clock due by `by` (breached ones too), the earliest
    /// due first.
    pub async fn sla_due(
        &self,
        tenant: TenantId,
        by: Timestamp,
        limit: u32,
    ) -> Result<Vec<SlaDue>> {
        dispatch!(self, s => s.sla_due(tenant, by, limit).await)
    }

    /// Like [`Store::conversations`], only of customers in service tier `tier`.
    pub async fn conversations_in_tier(
        &self,
        tenant: TenantId,
        tier: &str,
        filter: &ConversationFilter,
    ) -> Result<Vec<Conversation>> {
        let tier = Some(tier.to_owned());
        dispatch!(self, s => s.conversations_where(tenant, filter, tier).await)
    }

    /// The tenant's staff (admins and agents), by name.
    pub async fn staff_members(&self, tenant: TenantId) -> Result<Vec<StaffMember>> {
        dispatch!(self, s => s.staff_members(tenant).await)
    }

    /// Customers (not merged away) whose name or an identity contains `query`
    /// (case-insensitive), by name.
    pub async fn find_customers(
        &self,
        tenant: TenantId,
        query: &str,
        limit: u32,
    ) -> Result<Vec<CustomerMatch>> {
        dispatch!(self, s => s.find_customers(tenant, query, limit).await)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(super::like_pattern(" Anna "), "%anna%");
        assert_eq!(super::like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
