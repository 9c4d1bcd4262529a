//! Store side of the anticipation runtime: executing a firing exactly once. The firing's
//! key is recorded in the same transaction as its events, so a replay after a restart, a
//! redelivered event or a second instance never sends the same message twice.

use crate::flows::{WriteTx, state, surviving_customer};
use crate::restriction::RestrictionTx;
use crate::{Result, Store, now};
use kairos_core::Timestamp;
use kairos_core::anticipation::{self, FiringCommand};
use kairos_core::ids::{ConversationId, TenantId};

/// What became of a firing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FiringOutcome {
    /// Executed now; the conversation it wrote to, if any.
    Executed(Option<ConversationId>),
    /// Executed before (same key); nothing changed.
    AlreadyExecuted,
    /// The customer no longer exists (erased); nothing was done.
    NoCustomer,
    /// The customer's restrictions exclude it (Art. 18, 21, 22); nothing was done.
    Restricted,
}

/// The reads and writes beside the log that firings need inside the write transaction.
pub(crate) trait AnticipationTx {
    /// Whether a firing with this key was executed in this tenant.
    async fn firing_exists(&mut self, key: &str) -> Result<bool>;
    /// The conversation an earlier action of the same match wrote to.
    async fn match_conversation(&mut self, match_key: &str) -> Result<Option<ConversationId>>;
    /// Records an executed firing.
    async fn insert_firing(
        &mut self,
        cmd: &FiringCommand,
        conversation: Option<ConversationId>,
        at: Timestamp,
    ) -> Result<()>;
}

async fn execute<T: WriteTx + AnticipationTx + RestrictionTx>(
    tx: &mut T,
    mut cmd: FiringCommand,
    at: Timestamp,
) -> Result<FiringOutcome> {
    if tx.firing_exists(&cmd.key).await? {
        return Ok(FiringOutcome::AlreadyExecuted);
    }
    let Some(customer) = surviving_customer(tx, cmd.customer_id).await? else {
        return Ok(FiringOutcome::NoCustomer);
    };
    cmd.customer_id = customer;
    // Checked in the same transaction: a restriction committed first always counts.
    if !tx.restrictions_of(customer).await?.allows(&cmd.effect) {
        return Ok(FiringOutcome::Restricted);
    }
    let earlier = match tx.match_conversation(&cmd.match_key).await? {
        Some(id) => tx.conversation(id).await?.map(|(c, _)| state(&c)),
        None => None,
    };
    let (conversation, events) = anticipation::decide(&cmd, earlier.as_ref(), at)?;
    tx.append(events).await?;
    tx.insert_firing(&cmd, conversation, at).await?;
    Ok(FiringOutcome::Executed(conversation))
}

impl Store {
    /// Executes one firing for its customer, at most once per key, in one transaction:
    /// its messages or note, and the `anticipation.fired` event with its explanation.
    pub async fn execute_firing(
        &self,
        tenant: TenantId,
        cmd: FiringCommand,
    ) -> Result<FiringOutcome> {
        let at = now();
        flow!(self, tenant, |tx| execute(tx, cmd, at))
    }
}
