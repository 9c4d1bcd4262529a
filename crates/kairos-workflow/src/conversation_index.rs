//! Conversations and messages in the search index (staff find every conversation, a customer
//! their own, never an internal note): which documents a log event touches, and how they are
//! built from the store as it is now. The feeder in [`crate::kb_index`] applies them.

use kairos_core::conversation::{Conversation, Status};
use kairos_core::event::EventData;
use kairos_core::ids::{ConversationId, CustomerId, MessageId, TenantId};
use kairos_core::message::{Direction, Message};
use kairos_search::{Document, Kind, Language, State, Visibility};
use kairos_store::{Store, StoreError};
use std::collections::BTreeSet;

/// Messages read per page when a whole conversation is indexed again.
const MESSAGE_PAGE: u32 = 500;

/// What a page of events asks of the index, for conversations.
#[derive(Debug, Default)]
pub(crate) struct Touched {
    /// Conversations to index again with all their messages (status, owner or tags changed).
    pub whole: BTreeSet<ConversationId>,
    /// Single new messages (and their conversation's document).
    pub messages: BTreeSet<(ConversationId, MessageId)>,
    /// Customers whose merge moved conversations to them.
    pub merged_into: BTreeSet<CustomerId>,
    /// Erased customers: every document they own goes.
    pub erased: BTreeSet<CustomerId>,
    /// Conversations deleted by retention: they and their messages go.
    pub purged: BTreeSet<ConversationId>,
}

impl Touched {
    /// Notes what one event touches.
    pub(crate) fn note(&mut self, data: &EventData) {
        match data {
            EventData::ConversationOpened {
                conversation_id, ..
            } => {
                self.whole.insert(*conversation_id);
            }
            EventData::ConversationChanged {
                conversation_id, ..
            } => {
                self.whole.insert(*conversation_id);
            }
            EventData::MessageAppended {
                message_id,
                conversation_id,
                ..
            } => {
                self.messages.insert((*conversation_id, *message_id));
            }
            EventData::CustomersMerged { into, .. } => {
                self.merged_into.insert(*into);
            }
            EventData::CustomerErased {
                customer_id,
                merged,
                ..
            } => {
                self.erased.insert(*customer_id);
                self.erased.extend(merged.iter().copied());
            }
            EventData::ConversationPurged {
                conversation_id, ..
            } => {
                self.purged.insert(*conversation_id);
            }
            _ => {}
        }
    }

    /// Whether anything conversational changed.
    pub(crate) fn is_empty(&self) -> bool {
        self.whole.is_empty()
            && self.messages.is_empty()
            && self.merged_into.is_empty()
            && self.erased.is_empty()
            && self.purged.is_empty()
    }

    /// Whether the index must forget data for good (compaction after the commit).
    pub(crate) fn forgets(&self) -> bool {
        !self.erased.is_empty() || !self.purged.is_empty()
    }
}

/// What to write: documents to upsert, and conversations (with their messages) to delete.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// Documents as they are now.
    pub docs: Vec<Document>,
    /// Conversations gone from the store: delete them and every message under them.
    pub gone: Vec<ConversationId>,
    /// Customers whose documents all go.
    pub erased: Vec<CustomerId>,
}

fn state(status: Status) -> State {
    match status {
        Status::Open => State::Open,
        Status::Pending => State::Pending,
        Status::Resolved => State::Resolved,
        Status::Closed => State::Closed,
    }
}

/// The search document of a conversation: its subject and tags, owned by its customer.
pub fn conversation_document(tenant: TenantId, c: &Conversation, seq: u64) -> Document {
    let title = c.subject.clone().unwrap_or_default();
    Document {
        tenant,
        id: c.id.0,
        kind: Kind::Conversation,
        language: Language::guess(&title),
        body: c.tags.join(" "),
        title,
        category: None,
        state: state(c.status),
        channel: c.channels.first().copied(),
        visibility: Visibility::Customers,
        owner: Some(c.customer_id),
        parent: None,
        seq,
    }
}

/// The search document of a message: internal notes are staff-only; the state is its
/// conversation's status.
pub fn message_document(tenant: TenantId, c: &Conversation, m: &Message, seq: u64) -> Document {
    Document {
        tenant,
        id: m.id.0,
        kind: Kind::Message,
        language: Language::guess(&m.body.text),
        title: m
            .subject
            .clone()
            .or_else(|| c.subject.clone())
            .unwrap_or_default(),
        body: m.body.text.clone(),
        category: None,
        state: state(c.status),
        channel: Some(m.channel),
        visibility: match m.direction {
            Direction::Note => Visibility::Internal,
            Direction::Inbound | Direction::Outbound => Visibility::Customers,
        },
        owner: Some(c.customer_id),
        parent: Some(c.id.0),
        seq,
    }
}

/// A conversation's document and those of all its messages, notes included.
async fn whole(
    store: &Store,
    tenant: TenantId,
    c: &Conversation,
    seq: u64,
    out: &mut Vec<Document>,
) -> Result<(), StoreError> {
    out.push(conversation_document(tenant, c, seq));
    let mut after = 0;
    loop {
        let page = store
            .messages(tenant, c.id, true, after, MESSAGE_PAGE)
            .await?;
        out.extend(page.iter().map(|m| message_document(tenant, c, m, seq)));
        match page.last() {
            Some(m) if page.len() == MESSAGE_PAGE as usize => after = m.seq,
            _ => return Ok(()),
        }
    }
}

/// Reads what `touched` names from the store as it is now.
pub(crate) async fn changes(
    store: &Store,
    tenant: TenantId,
    touched: &Touched,
    seq: u64,
) -> Result<Changes, StoreError> {
    let mut out = Changes {
        erased: touched.erased.iter().copied().collect(),
        ..Changes::default()
    };
    let mut whole_ids = touched.whole.clone();
    for customer in &touched.merged_into {
        let mut before = None;
        loop {
            let page = store
                .conversations(
                    tenant,
                    &kairos_store::ConversationFilter {
                        customer: Some(*customer),
                        before,
                        limit: 200,
                        ..Default::default()
                    },
                )
                .await?;
            whole_ids.extend(page.iter().map(|c| c.id));
            match page.last() {
                Some(c) if page.len() == 200 => before = Some(c.id),
                _ => break,
            }
        }
    }
    for id in &whole_ids {
        match store.conversation(tenant, *id).await? {
            Some(c) => whole(store, tenant, &c, seq, &mut out.docs).await?,
            None => out.gone.push(*id),
        }
    }
    let mut seen: BTreeSet<ConversationId> = BTreeSet::new();
    for (cid, mid) in &touched.messages {
        if whole_ids.contains(cid) {
            continue;
        }
        let Some(c) = store.conversation(tenant, *cid).await? else {
            out.gone.push(*cid);
            continue;
        };
        if seen.insert(*cid) {
            out.docs.push(conversation_document(tenant, &c, seq));
        }
        if let Some(m) = store.message(tenant, *mid).await? {
            out.docs.push(message_document(tenant, &c, &m, seq));
        }
    }
    out.gone.extend(touched.purged.iter().copied());
    Ok(out)
}
