//! Canned replies: created, edited and deleted by admins, read by staff. Validation
//! (lengths, known placeholders) is the core's (`kairos_core::canned`); the number per
//! tenant and unique titles are checked here, inside the write transaction. Each change is
//! a `canned_reply.changed` event on the log.

use crate::flows::WriteTx;
use crate::{Result, Store, StoreError, now};
use kairos_core::canned::{self, CannedReply};
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::{CannedReplyId, TenantId};
use kairos_core::{DomainError, Timestamp};

/// The writes beside the log canned replies need inside the write transaction.
pub(crate) trait CannedTx {
    /// How many the tenant has.
    async fn canned_count(&mut self) -> Result<usize>;
    /// The id of the tenant's reply titled `title`, if any.
    async fn canned_by_title(&mut self, title: &str) -> Result<Option<CannedReplyId>>;
    /// Inserts a new reply.
    async fn insert_canned(&mut self, reply: &CannedReply) -> Result<()>;
    /// Replaces title and body; `false` if the tenant has no such reply.
    async fn update_canned(&mut self, reply: &CannedReply) -> Result<bool>;
    /// Deletes it; `false` if the tenant has no such reply.
    async fn delete_canned(&mut self, id: CannedReplyId) -> Result<bool>;
}

fn changed(id: CannedReplyId, deleted: bool, at: Timestamp, actor: &Actor) -> Vec<NewEvent> {
    vec![NewEvent::new(
        at,
        actor,
        EventData::CannedReplyChanged {
            canned_reply_id: id,
            deleted,
        },
    )]
}

fn title_taken() -> StoreError {
    DomainError::invalid("title", "another canned reply has this title").into()
}

async fn save<T: WriteTx + CannedTx>(
    tx: &mut T,
    reply: CannedReply,
    new: bool,
    actor: &Actor,
) -> Result<CannedReply> {
    match tx.canned_by_title(&reply.title).await? {
        Some(other) if other != reply.id => return Err(title_taken()),
        _ => {}
    }
    if new {
        if tx.canned_count().await? >= canned::MAX_PER_TENANT {
            return Err(DomainError::Conflict(format!(
                "a tenant keeps at most {} canned replies",
                canned::MAX_PER_TENANT
            ))
            .into());
        }
        tx.insert_canned(&reply).await?;
    } else if !tx.update_canned(&reply).await? {
        return Err(StoreError::not_found("canned reply"));
    }
    tx.append(changed(reply.id, false, reply.updated_at, actor))
        .await?;
    Ok(reply)
}

async fn delete<T: WriteTx + CannedTx>(
    tx: &mut T,
    id: CannedReplyId,
    at: Timestamp,
    actor: &Actor,
) -> Result<()> {
    if !tx.delete_canned(id).await? {
        return Err(StoreError::not_found("canned reply"));
    }
    tx.append(changed(id, true, at, actor)).await
}

impl Store {
    /// Creates a canned reply (title and body validated by the core; at most
    /// [`canned::MAX_PER_TENANT`] per tenant; titles unique).
    pub async fn create_canned_reply(
        &self,
        tenant: TenantId,
        title: &str,
        body: &str,
        actor: &Actor,
    ) -> Result<CannedReply> {
        let at = now();
        let reply = CannedReply {
            id: CannedReplyId::new(),
            title: canned::parse_title(title)?,
            body: canned::parse_body(body)?,
            created_at: at,
            updated_at: at,
            updated_by: actor_party(actor),
        };
        let actor = actor.clone();
        flow!(self, tenant, |tx| save(tx, reply, true, &actor))
    }

    /// Replaces a canned reply's title and body (validated as on creation).
    pub async fn update_canned_reply(
        &self,
        tenant: TenantId,
        id: CannedReplyId,
        title: &str,
        body: &str,
        actor: &Actor,
    ) -> Result<CannedReply> {
        let (title, body) = (canned::parse_title(title)?, canned::parse_body(body)?);
        let existing = self
            .canned_reply(tenant, id)
            .await?
            .ok_or_else(|| StoreError::not_found("canned reply"))?;
        let reply = CannedReply {
            title,
            body,
            updated_at: now(),
            updated_by: actor_party(actor),
            ..existing
        };
        let actor = actor.clone();
        flow!(self, tenant, |tx| save(tx, reply, false, &actor))
    }

    /// Deletes a canned reply.
    pub async fn delete_canned_reply(
        &self,
        tenant: TenantId,
        id: CannedReplyId,
        actor: &Actor,
    ) -> Result<()> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| delete(tx, id, at, &actor))
    }

    /// The tenant's canned replies, by title.
    pub async fn canned_replies(&self, tenant: TenantId) -> Result<Vec<CannedReply>> {
        dispatch!(self, s => s.canned_rows(tenant, None).await)
    }

    /// One canned reply of the tenant.
    pub async fn canned_reply(
        &self,
        tenant: TenantId,
        id: CannedReplyId,
    ) -> Result<Option<CannedReply>> {
        let rows = dispatch!(self, s => s.canned_rows(tenant, Some(id)).await)?;
        Ok(rows.into_iter().next())
    }
}

fn actor_party(actor: &Actor) -> Option<kairos_core::ids::PartyId> {
    match actor {
        Actor::Party { id, .. } => *id,
        _ => None,
    }
}
