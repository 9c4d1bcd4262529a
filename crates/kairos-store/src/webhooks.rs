//! Webhook secrets: named per tenant, drawn by the server (32 random bytes, base64url),
//! shown once to the admin who creates or rotates one, read by the anticipation runtime to
//! sign its `webhook` deliveries. The value is stored as is — signing needs it, a hash would
//! not do (encrypting secrets at rest is an open follow-up); the log only says that a name
//! changed (`webhook_secret.changed`), never the value.

use crate::flows::WriteTx;
use crate::{Result, Store, StoreError, now};
use base64::Engine;
use kairos_core::Timestamp;
use kairos_core::anticipation::validate_secret_name;
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::TenantId;

/// A webhook secret's name and when its current value was drawn (never the value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookSecretInfo {
    /// Its name.
    pub name: String,
    /// When the current value was created.
    pub created_at: Timestamp,
}

/// The writes beside the log that webhook secrets need inside the write transaction.
pub(crate) trait WebhookSecretTx {
    /// Stores (or replaces) this tenant's secret `name`.
    async fn put_webhook_secret(&mut self, name: &str, secret: &str, at: Timestamp) -> Result<()>;
    /// Removes it; `false` if there was none.
    async fn delete_webhook_secret(&mut self, name: &str) -> Result<bool>;
}

async fn put<T: WriteTx + WebhookSecretTx>(
    tx: &mut T,
    name: String,
    secret: String,
    at: Timestamp,
    actor: &Actor,
) -> Result<String> {
    tx.put_webhook_secret(&name, &secret, at).await?;
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::WebhookSecretChanged {
            name,
            deleted: false,
        },
    )])
    .await?;
    Ok(secret)
}

async fn delete<T: WriteTx + WebhookSecretTx>(
    tx: &mut T,
    name: String,
    at: Timestamp,
    actor: &Actor,
) -> Result<()> {
    if !tx.delete_webhook_secret(&name).await? {
        return Err(StoreError::not_found("webhook secret"));
    }
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::WebhookSecretChanged {
            name,
            deleted: true,
        },
    )])
    .await?;
    Ok(())
}

impl Store {
    /// Creates or rotates the tenant's webhook secret `name` (validated: 1–64 of
    /// `a-z0-9-_`); returns the new value, which is shown once and never listed.
    pub async fn rotate_webhook_secret(
        &self,
        tenant: TenantId,
        name: &str,
        actor: &Actor,
    ) -> Result<String> {
        validate_secret_name(name)?;
        let bytes: [u8; 32] = rand::random();
        let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let (name, actor, at) = (name.to_owned(), actor.clone(), now());
        flow!(self, tenant, |tx| put(tx, name, secret, at, &actor))
    }

    /// Deletes the tenant's webhook secret `name` (not found if there is none).
    pub async fn delete_webhook_secret(
        &self,
        tenant: TenantId,
        name: &str,
        actor: &Actor,
    ) -> Result<()> {
        validate_secret_name(name)?;
        let (name, actor, at) = (name.to_owned(), actor.clone(), now());
        flow!(self, tenant, |tx| delete(tx, name, at, &actor))
    }

    /// The tenant's webhook secrets by name (names and creation times only).
    pub async fn webhook_secrets(&self, tenant: TenantId) -> Result<Vec<WebhookSecretInfo>> {
        let rows = dispatch!(self, s => s.webhook_secret_rows(tenant).await)?;
        Ok(rows
            .into_iter()
            .map(|(name, at)| WebhookSecretInfo {
                name,
                created_at: Timestamp::from_micros(at),
            })
            .collect())
    }

    /// The value of the tenant's webhook secret `name`, for signing (`None` if unknown).
    pub async fn webhook_secret(&self, tenant: TenantId, name: &str) -> Result<Option<String>> {
        let name = name.to_owned();
        dispatch!(self, s => s.webhook_secret_value(tenant, name).await)
    }
}
