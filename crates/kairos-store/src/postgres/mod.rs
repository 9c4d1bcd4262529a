//! PostgreSQL backend: a connection pool, one transaction per write. Writes of one tenant
//! are serialised by locking the tenant's row first (it holds the log's `last_seq`), which
//! keeps `seq` gap-free and in commit order, so a reader resuming from a `seq` never skips
//! an event that commits later.

mod admin;
mod agents;
mod anticipation;
mod audit;
mod batcher;
mod consent;
mod context;
mod coupons;
mod dashboard;
mod erasure;
mod forum;
mod hooks;
mod imap;
mod invitations;
mod keys;
mod knowledge;
mod mail;
mod migrate;
mod portal;
mod read;
mod restriction;
mod sla;
mod tx;
mod uploads;
mod webhooks;

use crate::Committed;
use crate::error::{Result, StoreError};
use crate::flows::WriteTx;
use crate::model::{IdempotencyBegin, SessionRecord};
use futures::future::BoxFuture;
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::{CustomerId, PartyId, TenantId, TokenId};
use kairos_core::party::Role;
use kairos_core::tenant::{Tenant, TenantSlug};
use kairos_core::{DomainError, Timestamp};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};
use std::str::FromStr;
use std::time::Duration;
use tokio::sync::broadcast;
use tx::PgTx;

/// The PostgreSQL store.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    notify: broadcast::Sender<Committed>,
    batcher: batcher::Batcher,
}

fn is_unique_violation(e: &StoreError) -> bool {
    matches!(e, StoreError::Postgres(sqlx::Error::Database(d)) if d.is_unique_violation())
}

impl PgStore {
    /// Connects, checks durability settings, and migrates.
    pub async fn open(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?
            .application_name("kairos")
            // A 2xx must mean durable: never let a session run with asynchronous commit (I05).
            .options([("synchronous_commit", "on"), ("statement_timeout", "30s")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        migrate::migrate(&pool).await?;
        let (notify, _) = broadcast::channel(1024);
        let batcher = batcher::Batcher::new(pool.clone(), notify.clone());
        Ok(Self {
            pool,
            notify,
            batcher,
        })
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn check(&self) -> Result<Vec<String>> {
        let rows = sqlx::query(crate::rows::LOG_CHECK_SQL)
            .fetch_all(&self.pool)
            .await?;
        let mut problems = rows
            .iter()
            .map(|r| {
                let (slug, last_seq, count, max): (String, i64, i64, i64) =
                    (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
                Ok(format!(
                    "tenant {slug}: last_seq {last_seq}, {count} events, newest seq {max}"
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let orphans = sqlx::query(crate::rows::ORPHAN_CHECK_SQL)
            .fetch_all(&self.pool)
            .await?;
        for r in &orphans {
            let (what, n): (String, i64) = (r.try_get(0)?, r.try_get(1)?);
            problems.push(format!("{n} {what}"));
        }
        Ok(problems)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Committed> {
        self.notify.subscribe()
    }

    pub async fn close(&self) {
        self.batcher.close();
        self.pool.close().await;
    }

    fn committed(&self, c: Option<Committed>) {
        if let Some(c) = c {
            let _ = self.notify.send(c);
        }
    }

    /// Runs one tenant write in that tenant's next group-committed batch; resolves after
    /// the batch committed.
    pub(crate) async fn write<T, F>(&self, tenant: TenantId, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a mut PgTx) -> BoxFuture<'a, Result<T>> + Send + 'static,
    {
        let (job, answer) = batcher::job(f);
        self.batcher.submit(tenant, job)?;
        answer.await.map_err(|_| {
            StoreError::Unavailable(
                "the PostgreSQL writer could not run this write; see the log".into(),
            )
        })?
    }

    pub async fn create_tenant(
        &self,
        slug: &TenantSlug,
        name: &str,
        now: Timestamp,
    ) -> Result<Tenant> {
        let tenant = Tenant {
            id: TenantId::new(),
            slug: slug.clone(),
            name: name.to_owned(),
            created_at: now,
        };
        let result = async {
            let mut tx = PgTx::begin(&self.pool, tenant.id, false).await?;
            sqlx::query("INSERT INTO tenants (id, slug, name, created_at, last_seq) VALUES ($1, $2, $3, $4, 0)")
                .bind(tenant.id.0)
                .bind(slug.as_str())
                .bind(name)
                .bind(now.as_micros())
                .execute(tx.conn())
                .await?;
            let data = EventData::TenantCreated { slug: slug.as_str().to_owned(), name: name.to_owned() };
            tx.append(vec![NewEvent::new(now, &Actor::System, data)]).await?;
            let committed = tx.commit().await?;
            self.committed(committed);
            Ok::<_, StoreError>(())
        }
        .await;
        match result {
            Err(e) if is_unique_violation(&e) => Err(DomainError::Conflict(format!(
                "a tenant with the slug '{}' exists",
                slug.as_str()
            ))
            .into()),
            other => other.map(|()| tenant),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_party(
        &self,
        tenant: TenantId,
        role: Role,
        email: Option<&str>,
        display_name: &str,
        password_hash: Option<&str>,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<PartyId> {
        let id = PartyId::new();
        let (email, display_name, password_hash, actor) = (
            email.map(str::to_owned),
            display_name.to_owned(),
            password_hash.map(str::to_owned),
            actor.clone(),
        );
        let result = self
            .write(tenant, move |tx| Box::pin(async move {
                sqlx::query("INSERT INTO parties (id, tenant_id, role, email, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(id.0)
                    .bind(tenant.0)
                    .bind(role.as_str())
                    .bind(&email)
                    .bind(&display_name)
                    .bind(&password_hash)
                    .bind(now.as_micros())
                    .execute(tx.conn())
                    .await?;
                let data = EventData::PartyCreated { party_id: id, role, email, display_name };
                tx.append(vec![NewEvent::new(now, &actor, data)]).await
            }))
            .await;
        match result {
            Err(e) if is_unique_violation(&e) => Err(DomainError::Conflict(
                "a party with this e-mail exists in the tenant".into(),
            )
            .into()),
            other => other.map(|()| id),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_token(
        &self,
        tenant: TenantId,
        role: Role,
        party: Option<PartyId>,
        customer: Option<CustomerId>,
        secret_hash: &[u8],
        now: Timestamp,
        actor: &Actor,
    ) -> Result<TokenId> {
        let id = TokenId::new();
        let (secret_hash, actor) = (secret_hash.to_vec(), actor.clone());
        self.write(tenant, move |tx| Box::pin(async move {
            sqlx::query("INSERT INTO api_tokens (id, tenant_id, role, party_id, customer_id, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id.0)
                .bind(tenant.0)
                .bind(role.as_str())
                .bind(party.map(|p| p.0))
                .bind(customer.map(|c| c.0))
                .bind(&secret_hash)
                .bind(now.as_micros())
                .execute(tx.conn())
                .await?;
            let data = EventData::TokenCreated { token_id: id, role, customer_id: customer };
            tx.append(vec![NewEvent::new(now, &actor, data)]).await
        }))
        .await?;
        Ok(id)
    }

    pub async fn create_session(
        &self,
        secret_hash: &[u8],
        s: &SessionRecord,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now.as_micros())
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO sessions (secret_hash, tenant_id, party_id, role, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(secret_hash)
            .bind(s.tenant_id.0)
            .bind(s.party_id.0)
            .bind(s.role.as_str())
            .bind(&s.csrf_token)
            .bind(now.as_micros())
            .bind(s.expires_at.as_micros())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, secret_hash: &[u8]) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE secret_hash = $1")
            .bind(secret_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn idempotency_begin(
        &self,
        tenant: TenantId,
        scope: &str,
        key: &str,
        request_hash: &[u8],
        now: Timestamp,
        stale_before: Timestamp,
    ) -> Result<IdempotencyBegin> {
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (tenant_id, scope, key, request_hash, status, response, created_at) VALUES ($1, $2, $3, $4, NULL, NULL, $5)
             ON CONFLICT (tenant_id, scope, key) DO NOTHING",
        )
        .bind(tenant.0)
        .bind(scope)
        .bind(key)
        .bind(request_hash)
        .bind(now.as_micros())
        .execute(&self.pool)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(IdempotencyBegin::Started);
        }
        let row = sqlx::query("SELECT request_hash, status, response, created_at FROM idempotency_keys WHERE tenant_id = $1 AND scope = $2 AND key = $3")
            .bind(tenant.0)
            .bind(scope)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(IdempotencyBegin::InProgress);
        };
        let stored: Vec<u8> = row.try_get(0)?;
        let status: Option<i64> = row.try_get(1)?;
        let response: Option<String> = row.try_get(2)?;
        let created: i64 = row.try_get(3)?;
        Ok(match (stored == request_hash, status, response) {
            (false, _, _) => IdempotencyBegin::Mismatch,
            (true, Some(status), Some(body)) => IdempotencyBegin::Replay {
                status: status as u16,
                body,
            },
            _ if created >= stale_before.as_micros() => IdempotencyBegin::InProgress,
            _ => {
                // Take over a key whose request died; only one taker wins the update.
                let taken = sqlx::query("UPDATE idempotency_keys SET created_at = $4 WHERE tenant_id = $1 AND scope = $2 AND key = $3 AND created_at = $5 AND status IS NULL")
                    .bind(tenant.0)
                    .bind(scope)
                    .bind(key)
                    .bind(now.as_micros())
                    .bind(created)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                if taken == 1 {
                    IdempotencyBegin::Started
                } else {
                    IdempotencyBegin::InProgress
                }
            }
        })
    }

    pub async fn idempotency_finish(
        &self,
        tenant: TenantId,
        scope: &str,
        key: &str,
        status: u16,
        body: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE idempotency_keys SET status = $4, response = $5 WHERE tenant_id = $1 AND scope = $2 AND key = $3")
            .bind(tenant.0)
            .bind(scope)
            .bind(key)
            .bind(i64::from(status))
            .bind(body)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn idempotency_abandon(
        &self,
        tenant: TenantId,
        scope: &str,
        key: &str,
    ) -> Result<()> {
        sqlx::query("DELETE FROM idempotency_keys WHERE tenant_id = $1 AND scope = $2 AND key = $3 AND status IS NULL")
            .bind(tenant.0)
            .bind(scope)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn idempotency_expire(&self, before: Timestamp) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                .bind(before.as_micros())
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}
