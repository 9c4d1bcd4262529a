//! A customer's time zone (quiet hours of proactive messages count in it), set like the
//! service tier: an event on the log, following merges to the surviving customer.

use crate::error::{Result, StoreError};
use crate::flows::{WriteTx, surviving_customer};
use crate::{Store, now};
use kairos_core::Timestamp;
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::{CustomerId, TenantId};

async fn set_zone<T: WriteTx>(
    tx: &mut T,
    customer: CustomerId,
    time_zone: Option<String>,
    at: Timestamp,
    actor: &Actor,
) -> Result<CustomerId> {
    let id = surviving_customer(tx, customer)
        .await?
        .ok_or(StoreError::not_found("customer"))?;
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::CustomerTimeZoneSet {
            customer_id: id,
            time_zone,
        },
    )])
    .await?;
    Ok(id)
}

impl Store {
    /// Sets (or with `None` clears) a customer's time zone, an IANA name checked by
    /// [`kairos_core::customer::parse_time_zone`]; returns the customer it was set on (the
    /// surviving one after merges).
    pub async fn set_customer_time_zone(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        time_zone: Option<String>,
        actor: &Actor,
    ) -> Result<CustomerId> {
        let (actor, at) = (actor.clone(), now());
        flow!(self, tenant, |tx| set_zone(
            tx, customer, time_zone, at, &actor
        ))
    }
}
