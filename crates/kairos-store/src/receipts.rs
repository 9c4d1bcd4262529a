//! The customer's stored receipts for a conversation. Receipts live on the log only
//! (`conversation.seen`, high-water marks); the agent workspace reads the newest ones when a
//! conversation page opens, so its "read" marker survives a reload.

use crate::Store;
use crate::error::Result;
use kairos_core::ids::{ConversationId, TenantId};

/// How far the customer has confirmed a conversation: the highest `up_to_seq` of their
/// receipts of each kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CustomerReceipts {
    /// Messages up to this log position reached the customer's device.
    pub delivered: Option<i64>,
    /// Messages up to this log position were read by the customer.
    pub read: Option<i64>,
}

impl Store {
    /// The customer's receipts for `conversation` recorded after log position `after`. The
    /// log has no index by conversation, so callers bound the scan: a receipt for a message
    /// is always recorded after it, so `after` is the oldest message the answer is about.
    pub async fn customer_receipts(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        after: i64,
    ) -> Result<CustomerReceipts> {
        dispatch!(self, s => s.customer_receipts(tenant, conversation, after).await)
    }
}
