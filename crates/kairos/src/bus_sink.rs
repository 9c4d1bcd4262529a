//! The glue between the brokers and the door: MQTT and NATS messages go through the same
//! checks as `POST /api/v1/context-events` (tenant by slug or id, consent, storage, engine).

use kairos_bus::{ContextSink, SinkError, SinkReport};
use kairos_context::{ContextDoor, Status};
use kairos_core::ids::TenantId;
use kairos_store::Store;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

/// Hands bus messages to the context door.
pub struct DoorSink {
    store: Store,
    door: ContextDoor,
}

impl DoorSink {
    /// A sink over `door`, resolving tenants in `store`.
    pub fn new(store: Store, door: ContextDoor) -> Self {
        Self { store, door }
    }

    async fn tenant(&self, name: &str) -> Result<TenantId, SinkError> {
        let transient = |e: kairos_store::StoreError| SinkError::Transient(e.to_string());
        let found = match name.parse::<uuid::Uuid>() {
            Ok(id) => self
                .store
                .tenant_by_id(TenantId(id))
                .await
                .map_err(transient)?,
            Err(_) => self.store.tenant_by_slug(name).await.map_err(transient)?,
        };
        found
            .map(|t| t.id)
            .ok_or_else(|| SinkError::Permanent("no such tenant".into()))
    }
}

impl ContextSink for DoorSink {
    fn ingest(
        &self,
        tenant: &str,
        events: Vec<Value>,
    ) -> Pin<Box<dyn Future<Output = Result<SinkReport, SinkError>> + Send + '_>> {
        let tenant = tenant.to_owned();
        Box::pin(async move {
            let id = self.tenant(&tenant).await?;
            let results = self
                .door
                .ingest(id, events)
                .await
                .map_err(|e| SinkError::Transient(e.to_string()))?;
            let count = |s: Status| results.iter().filter(|r| r.status == s).count();
            Ok(SinkReport {
                accepted: count(Status::Accepted),
                duplicates: count(Status::Duplicate),
                refused: count(Status::Refused),
            })
        })
    }
}
