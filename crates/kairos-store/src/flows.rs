//! The write use cases, written once for every backend.
//!
//! Each flow reads what the core needs through [`WriteTx`] (inside the backend's write
//! transaction), lets the core decide, and appends the decided events; appending applies
//! each event to the backend's tables in the same transaction.

use crate::error::{Result, StoreError};
use kairos_core::conversation::{Conversation, ConversationPatch};
use kairos_core::customer::Customer;
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::identity::Identity;
use kairos_core::ids::{ConversationId, CustomerId, MessageId};
use kairos_core::inbound::{
    self, ConversationState, InboundCommand, InboundDecision, InboundIds, InboundSnapshot,
};
use kairos_core::merge::{self, AddIdentity};
use kairos_core::message::Channel;
use kairos_core::receipt::{self, SeenKind};
use kairos_core::reply::{self, PostMessage};
use kairos_core::{DomainError, Timestamp};

/// A write transaction bound to one tenant: the reads the flows need, and `append`.
pub(crate) trait WriteTx {
    /// The tenant log's newest `seq` as this transaction sees it.
    async fn latest_seq(&mut self) -> Result<i64>;
    /// The ids of the message with this channel and external id, if stored.
    async fn message_by_external_id(
        &mut self,
        channel: Channel,
        external_id: &str,
    ) -> Result<Option<InboundIds>>;
    /// The customer owning this identity (identities move on merge, so this is live).
    async fn customer_by_identity(&mut self, identity: &Identity) -> Result<Option<CustomerId>>;
    /// `None` if the customer does not exist in this tenant, else its `merged_into`.
    async fn customer_merged_into(&mut self, id: CustomerId) -> Result<Option<Option<CustomerId>>>;
    /// A conversation of this tenant with its last used channel.
    async fn conversation(&mut self, id: ConversationId)
    -> Result<Option<(Conversation, Channel)>>;
    /// The follow-up address a chat visitor left on a conversation of this tenant.
    async fn follow_up_of(&mut self, id: ConversationId) -> Result<Option<String>>;
    /// The customer's newest conversation that is not closed.
    async fn open_conversation_of(
        &mut self,
        customer: CustomerId,
    ) -> Result<Option<ConversationState>>;
    /// Appends events (giving each the next `seq`) and applies them to the tables.
    async fn append(&mut self, events: Vec<NewEvent>) -> Result<()>;
}

/// The live customer `id` stands for in this tenant: itself, or the customer it was merged
/// into (merges point every merged record straight at the survivor; the bound only guards a
/// hand-edited database). `None` if there is no such customer.
pub(crate) async fn surviving_customer<T: WriteTx>(
    tx: &mut T,
    id: CustomerId,
) -> Result<Option<CustomerId>> {
    let mut id = id;
    for _ in 0..16 {
        match tx.customer_merged_into(id).await? {
            None => return Ok(None),
            Some(Some(into)) => id = into,
            Some(None) => return Ok(Some(id)),
        }
    }
    Ok(None)
}

/// Appends the event `about` builds for the customer `id` stands for (the survivor after
/// merges: a setting follows the person); returns that customer.
pub(crate) async fn append_for_survivor<T: WriteTx>(
    tx: &mut T,
    id: CustomerId,
    at: Timestamp,
    actor: &Actor,
    about: impl FnOnce(CustomerId) -> EventData,
) -> Result<CustomerId> {
    let id = surviving_customer(tx, id)
        .await?
        .ok_or(StoreError::not_found("customer"))?;
    tx.append(vec![NewEvent::new(at, actor, about(id))]).await?;
    Ok(id)
}

pub(crate) fn state(c: &Conversation) -> ConversationState {
    ConversationState {
        id: c.id,
        customer_id: c.customer_id,
        status: c.status,
    }
}

/// Inbound touchpoint; returns the ids and whether it was new.
pub(crate) async fn inbound<T: WriteTx>(
    tx: &mut T,
    cmd: InboundCommand,
    now: Timestamp,
    actor: &Actor,
) -> Result<(InboundIds, bool)> {
    let mut snap = InboundSnapshot::default();
    if let Some(ext) = &cmd.external_id {
        snap.duplicate = tx.message_by_external_id(cmd.channel, ext).await?;
        if let Some(ids) = snap.duplicate {
            return Ok((ids, false));
        }
    }
    snap.customer = tx.customer_by_identity(&cmd.from).await?;
    if let Some(id) = cmd.conversation_id {
        snap.named_conversation = tx.conversation(id).await?.map(|(c, _)| state(&c));
        if snap.named_conversation.is_some() {
            snap.named_follow_up = tx.follow_up_of(id).await?;
        }
    }
    if let Some(customer) = snap.customer {
        snap.open_conversation = tx.open_conversation_of(customer).await?;
    }
    match inbound::decide(cmd, &snap, now, actor)? {
        InboundDecision::Duplicate(ids) => Ok((ids, false)),
        InboundDecision::Append { ids, events } => {
            tx.append(events).await?;
            Ok((ids, true))
        }
    }
}

/// Creates a customer with its identities; refuses identities another customer owns.
pub(crate) async fn create_customer<T: WriteTx>(
    tx: &mut T,
    display_name: Option<String>,
    identities: Vec<Identity>,
    now: Timestamp,
    actor: &Actor,
) -> Result<CustomerId> {
    let id = CustomerId::new();
    let mut events = vec![NewEvent::new(
        now,
        actor,
        EventData::CustomerCreated {
            customer_id: id,
            display_name,
        },
    )];
    let mut seen = std::collections::HashSet::new();
    for identity in identities {
        if !seen.insert(identity.clone()) {
            continue;
        }
        let owner = tx.customer_by_identity(&identity).await?;
        if let AddIdentity::Append(event) = merge::add_identity(id, identity, owner, now, actor)? {
            events.push(*event);
        }
    }
    tx.append(events).await?;
    Ok(id)
}

async fn live_customer<T: WriteTx>(tx: &mut T, id: CustomerId) -> Result<()> {
    match tx.customer_merged_into(id).await? {
        Some(None) => Ok(()),
        Some(Some(_)) => {
            Err(DomainError::Conflict("this customer was merged into another one".into()).into())
        }
        None => Err(StoreError::not_found("customer")),
    }
}

/// Adds an identity; returns whether it was new for this customer.
pub(crate) async fn add_identity<T: WriteTx>(
    tx: &mut T,
    customer: CustomerId,
    identity: Identity,
    now: Timestamp,
    actor: &Actor,
) -> Result<bool> {
    live_customer(tx, customer).await?;
    let owner = tx.customer_by_identity(&identity).await?;
    match merge::add_identity(customer, identity, owner, now, actor)? {
        AddIdentity::AlreadyThere => Ok(false),
        AddIdentity::Append(event) => {
            tx.append(vec![*event]).await?;
            Ok(true)
        }
    }
}

/// Merges `from` into `into`.
pub(crate) async fn merge<T: WriteTx>(
    tx: &mut T,
    into: CustomerId,
    from: CustomerId,
    now: Timestamp,
    actor: &Actor,
) -> Result<()> {
    live_customer(tx, into).await?;
    live_customer(tx, from).await?;
    let event = merge::merge(into, from, now, actor)?;
    tx.append(vec![event]).await
}

/// Applies a patch; returns the conversation as it is afterwards.
pub(crate) async fn patch_conversation<T: WriteTx>(
    tx: &mut T,
    id: ConversationId,
    patch: &ConversationPatch,
    now: Timestamp,
    actor: &Actor,
) -> Result<Conversation> {
    let (mut conversation, _) = tx
        .conversation(id)
        .await?
        .ok_or(StoreError::not_found("conversation"))?;
    let changes = conversation.diff(patch)?;
    if !changes.is_empty() {
        conversation.apply(&changes, now);
        tx.append(vec![NewEvent::new(
            now,
            actor,
            EventData::ConversationChanged {
                conversation_id: id,
                changes,
            },
        )])
        .await?;
    }
    Ok(conversation)
}

/// Posts a message into a conversation. `only_customer` restricts it to that customer's
/// conversations (customer callers), answering not-found otherwise.
pub(crate) async fn post_message<T: WriteTx>(
    tx: &mut T,
    id: ConversationId,
    only_customer: Option<CustomerId>,
    msg: PostMessage,
    now: Timestamp,
    actor: &Actor,
) -> Result<MessageId> {
    let (conversation, last_channel) = tx
        .conversation(id)
        .await?
        .ok_or(StoreError::not_found("conversation"))?;
    if only_customer.is_some_and(|c| c != conversation.customer_id) {
        return Err(StoreError::not_found("conversation"));
    }
    let (message_id, events) = reply::post(&state(&conversation), last_channel, msg, now, actor)?;
    tx.append(events).await?;
    Ok(message_id)
}

/// Records a delivery or read receipt. `only_customer` restricts it to that customer's
/// conversations (customer callers), answering not-found otherwise.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn mark_seen<T: WriteTx>(
    tx: &mut T,
    id: ConversationId,
    only_customer: Option<CustomerId>,
    kind: SeenKind,
    up_to_seq: i64,
    now: Timestamp,
    actor: &Actor,
) -> Result<()> {
    let (conversation, _) = tx
        .conversation(id)
        .await?
        .ok_or(StoreError::not_found("conversation"))?;
    if only_customer.is_some_and(|c| c != conversation.customer_id) {
        return Err(StoreError::not_found("conversation"));
    }
    let latest = tx.latest_seq().await?;
    let event = receipt::mark_seen(id, kind, up_to_seq, latest, now, actor)?;
    tx.append(vec![event]).await
}

/// Records a chat visitor's follow-up address on their conversation (`only_customer`:
/// restricted to that customer's conversations, not-found otherwise).
pub(crate) async fn set_follow_up<T: WriteTx>(
    tx: &mut T,
    id: ConversationId,
    only_customer: Option<CustomerId>,
    email: &str,
    now: Timestamp,
    actor: &Actor,
) -> Result<()> {
    let (conversation, _) = tx
        .conversation(id)
        .await?
        .ok_or(StoreError::not_found("conversation"))?;
    if only_customer.is_some_and(|c| c != conversation.customer_id) {
        return Err(StoreError::not_found("conversation"));
    }
    let event = kairos_core::widget::follow_up(id, email, now, actor)?;
    tx.append(vec![event]).await
}

/// Loads a customer with identities — shared shape for both backends' readers.
pub(crate) fn customer_from_parts(
    id: CustomerId,
    display_name: Option<String>,
    merged_into: Option<CustomerId>,
    created_at: Timestamp,
    identities: Vec<Identity>,
    tier: Option<String>,
    time_zone: Option<String>,
) -> Customer {
    Customer {
        id,
        display_name,
        identities,
        tier,
        time_zone,
        merged_into,
        created_at,
    }
}
