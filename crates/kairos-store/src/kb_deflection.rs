//! Deflection (knowledge issue, item 5): a suggested article answered someone's question
//! before they opened a conversation. Counted per article, once per reader (the same keyed
//! pseudonyms as "did this help?" votes, under their own prefix), for the tenant's
//! self-service figures.

use crate::flows::WriteTx;
use crate::knowledge::{Article, KbTx, load, save};
use crate::{Result, Store, StoreError, now};
use kairos_core::Timestamp;
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::{ArticleId, TenantId};
use kairos_core::knowledge::{self, Reader};

async fn deflected<T: WriteTx + KbTx>(
    tx: &mut T,
    id: ArticleId,
    reader: &Reader,
    mark: String,
    at: Timestamp,
) -> Result<(Article, bool)> {
    let mut a = load(tx, id).await?;
    if !knowledge::may_read(reader, &a.facts()) {
        return Err(StoreError::not_found("article"));
    }
    if !tx.kb_vote(id, &mark, at).await? {
        return Ok((a, false));
    }
    a.deflections += 1;
    let data = EventData::KbDeflected { article_id: id };
    tx.append(vec![NewEvent::new(at, &Actor::System, data)])
        .await?;
    save(tx, &a).await?;
    Ok((a, true))
}

impl Store {
    /// Counts a deflection of an article the reader may read, once per `mark` (a voter
    /// pseudonym, see [`crate::kb_votes`]); answers the article and whether it counted.
    pub async fn kb_deflected(
        &self,
        tenant: TenantId,
        id: ArticleId,
        reader: Reader,
        mark: String,
    ) -> Result<(Article, bool)> {
        let at = now();
        flow!(self, tenant, |tx| deflected(tx, id, &reader, mark, at))
    }
}
