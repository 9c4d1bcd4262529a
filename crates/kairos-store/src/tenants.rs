//! Renaming a tenant: its display name changes through a `tenant.renamed` event, applied to
//! the `tenants` row in the same transaction. The slug never changes: sign-in, portal URLs
//! and the chat widget's snippet name it.

use crate::flows::WriteTx;
use crate::{Result, Store, now};
use kairos_core::Timestamp;
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::TenantId;

async fn rename<T: WriteTx>(tx: &mut T, name: String, at: Timestamp, actor: &Actor) -> Result<()> {
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::TenantRenamed { name },
    )])
    .await
}

impl Store {
    /// Changes the tenant's display name (validated by the caller), recorded on the log as
    /// `tenant.renamed` with who changed it.
    pub async fn rename_tenant(&self, tenant: TenantId, name: &str, actor: &Actor) -> Result<()> {
        let (name, actor, at) = (name.to_owned(), actor.clone(), now());
        flow!(self, tenant, |tx| rename(tx, name, at, &actor))
    }
}
