//! Consent records: written as `consent.recorded` events (so a grant or withdrawal is on the
//! log with everything else), read back per customer.

use crate::flows::{WriteTx, surviving_customer};
use crate::{Result, Store, StoreError, now};
use kairos_core::Timestamp;
use kairos_core::consent::{ConsentCommand, ConsentRecord};
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::{CustomerId, TenantId};

/// Appends a record for `customer` (following merges to the surviving customer).
async fn record<T: WriteTx>(
    tx: &mut T,
    customer: CustomerId,
    command: ConsentCommand,
    at: Timestamp,
    actor: &Actor,
) -> Result<ConsentRecord> {
    let id = surviving_customer(tx, customer)
        .await?
        .ok_or(StoreError::not_found("customer"))?;
    let record = ConsentRecord {
        id: uuid::Uuid::now_v7(),
        customer_id: id,
        command,
        at,
    };
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::ConsentRecorded {
            record: record.clone(),
        },
    )])
    .await?;
    Ok(record)
}

impl Store {
    /// Records a grant or withdrawal (the command validated by the caller).
    pub async fn record_consent(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        command: ConsentCommand,
        actor: &Actor,
    ) -> Result<ConsentRecord> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| record(tx, customer, command, at, &actor))
    }

    /// Every consent record of a customer, oldest first.
    pub async fn consents(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Vec<ConsentRecord>> {
        let rows = dispatch!(self, s => s.consent_rows(tenant, Some(customer), None).await)?;
        rows.into_iter().map(decode).collect()
    }

    /// One consent record of this tenant.
    pub async fn consent(&self, tenant: TenantId, id: uuid::Uuid) -> Result<Option<ConsentRecord>> {
        let rows = dispatch!(self, s => s.consent_rows(tenant, None, Some(id)).await)?;
        rows.into_iter().next().map(decode).transpose()
    }
}

/// A stored row: the record's JSON and its current customer (after merges).
fn decode((json, customer): (String, uuid::Uuid)) -> Result<ConsentRecord> {
    let mut record: ConsentRecord = serde_json::from_str(&json)
        .map_err(|e| StoreError::Corrupt(format!("consent record: {e}")))?;
    record.customer_id = CustomerId(customer);
    Ok(record)
}
