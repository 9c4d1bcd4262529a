//! A customer's time zone (quiet hours of proactive messages count in it), set like the
//! service tier: an event on the log, following merges to the surviving customer.

use crate::error::Result;
use crate::flows::append_for_survivor;
use crate::{Store, now};
use kairos_core::event::{Actor, EventData};
use kairos_core::ids::{CustomerId, TenantId};

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
        flow!(self, tenant, |tx| append_for_survivor(
            tx,
            customer,
            at,
            &actor,
            |customer_id| EventData::CustomerTimeZoneSet {
                customer_id,
                time_zone
            }
        ))
    }
}
