//! PostgreSQL reads.

use super::PgStore;
use super::tx::{conversation_row, load_conversation};
use crate::error::{Result, StoreError};
use crate::flows::customer_from_parts;
use crate::model::{ConversationFilter, PartyRecord, SessionRecord, TokenRecord};
use crate::rows::{CONVERSATION_COLUMNS, ConversationRow, EventRow, MESSAGE_COLUMNS, MessageRow};
use kairos_core::Timestamp;
use kairos_core::conversation::Conversation;
use kairos_core::customer::Customer;
use kairos_core::event::Event;
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::{ConversationId, CustomerId, MessageId, PartyId, TenantId};
use kairos_core::message::Message;
use kairos_core::party::Role;
use kairos_core::tenant::{Tenant, TenantSlug};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row};
use uuid::Uuid;

fn message_row(r: &PgRow) -> Result<Message> {
    MessageRow {
        id: r.try_get(0)?,
        conversation_id: r.try_get(1)?,
        seq: r.try_get(2)?,
        direction: r.try_get(3)?,
        channel: r.try_get(4)?,
        author: r.try_get(5)?,
        subject: r.try_get(6)?,
        body_text: r.try_get(7)?,
        body_html: r.try_get(8)?,
        attachments: r.try_get(9)?,
        external_id: r.try_get(10)?,
        created_at: r.try_get(11)?,
    }
    .into_domain()
}

fn role(s: &str) -> Result<Role> {
    s.parse()
        .map_err(|e: kairos_core::DomainError| StoreError::Corrupt(e.to_string()))
}

impl PgStore {
    pub async fn tenant(&self, slug: Option<&str>, id: Option<TenantId>) -> Result<Option<Tenant>> {
        let row = sqlx::query("SELECT id, slug, name, created_at FROM tenants WHERE ($1::text IS NULL OR slug = $1) AND ($2::uuid IS NULL OR id = $2)")
            .bind(slug)
            .bind(id.map(|t| t.0))
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let slug: String = r.try_get(1)?;
            Ok(Tenant {
                id: r.try_get::<Uuid, _>(0)?.into(),
                slug: TenantSlug::parse(&slug)?,
                name: r.try_get(2)?,
                created_at: Timestamp::from_micros(r.try_get(3)?),
            })
        })
        .transpose()
    }

    pub async fn party(
        &self,
        tenant: TenantId,
        id: Option<PartyId>,
        email: Option<&str>,
    ) -> Result<Option<PartyRecord>> {
        let row = sqlx::query("SELECT id, role, email, display_name, password_hash, created_at FROM parties WHERE tenant_id = $1 AND (id = $2 OR email = $3)")
            .bind(tenant.0)
            .bind(id.map(|p| p.0))
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let r_role: String = r.try_get(1)?;
            Ok(PartyRecord {
                id: r.try_get::<Uuid, _>(0)?.into(),
                tenant_id: tenant,
                role: role(&r_role)?,
                email: r.try_get(2)?,
                display_name: r.try_get(3)?,
                password_hash: r.try_get(4)?,
                created_at: Timestamp::from_micros(r.try_get(5)?),
            })
        })
        .transpose()
    }

    pub async fn token_by_hash(&self, secret_hash: &[u8]) -> Result<Option<TokenRecord>> {
        let row = sqlx::query("SELECT id, tenant_id, role, party_id, customer_id FROM api_tokens WHERE secret_hash = $1 AND revoked_at IS NULL")
            .bind(secret_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let r_role: String = r.try_get(2)?;
            Ok(TokenRecord {
                id: r.try_get::<Uuid, _>(0)?.into(),
                tenant_id: r.try_get::<Uuid, _>(1)?.into(),
                role: role(&r_role)?,
                party_id: r.try_get::<Option<Uuid>, _>(3)?.map(Into::into),
                customer_id: r.try_get::<Option<Uuid>, _>(4)?.map(Into::into),
            })
        })
        .transpose()
    }

    pub async fn session_by_hash(
        &self,
        secret_hash: &[u8],
        now: Timestamp,
    ) -> Result<Option<SessionRecord>> {
        let row = sqlx::query("SELECT tenant_id, party_id, role, csrf_token, expires_at FROM sessions WHERE secret_hash = $1 AND expires_at > $2")
            .bind(secret_hash)
            .bind(now.as_micros())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let r_role: String = r.try_get(2)?;
            Ok(SessionRecord {
                tenant_id: r.try_get::<Uuid, _>(0)?.into(),
                party_id: r.try_get::<Uuid, _>(1)?.into(),
                role: role(&r_role)?,
                csrf_token: r.try_get(3)?,
                expires_at: Timestamp::from_micros(r.try_get(4)?),
            })
        })
        .transpose()
    }

    pub async fn customer_by_identity(
        &self,
        tenant: TenantId,
        identity: &Identity,
    ) -> Result<Option<CustomerId>> {
        let row = sqlx::query("SELECT customer_id FROM identities WHERE tenant_id = $1 AND kind = $2 AND network = $3 AND value = $4")
            .bind(tenant.0)
            .bind(identity.kind.as_str())
            .bind(&identity.network)
            .bind(&identity.value)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get::<Uuid, _>(0)?.into()),
            None => None,
        })
    }

    pub async fn log_head(&self, tenant: TenantId) -> Result<i64> {
        let row = sqlx::query("SELECT last_seq FROM tenants WHERE id = $1")
            .bind(tenant.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("tenant"))?;
        Ok(row.try_get(0)?)
    }

    pub async fn customer(&self, tenant: TenantId, id: CustomerId) -> Result<Option<Customer>> {
        let row = sqlx::query("SELECT display_name, merged_into, created_at, tier, time_zone FROM customers WHERE id = $1 AND tenant_id = $2")
            .bind(id.0)
            .bind(tenant.0)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let identities = sqlx::query("SELECT kind, network, value FROM identities WHERE customer_id = $1 AND tenant_id = $2 ORDER BY created_at, kind, value")
            .bind(id.0)
            .bind(tenant.0)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|r| {
                let kind: String = r.try_get(0)?;
                Ok(Identity { kind: IdentityKind::parse(&kind)?, network: r.try_get(1)?, value: r.try_get(2)? })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(customer_from_parts(
            id,
            row.try_get(0)?,
            row.try_get::<Option<Uuid>, _>(1)?.map(Into::into),
            Timestamp::from_micros(row.try_get(2)?),
            identities,
            row.try_get(3)?,
            row.try_get(4)?,
        )))
    }

    pub async fn timeline(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        include_notes: bool,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE c.tenant_id = $1 AND c.customer_id = $2 AND m.seq > $3 AND ($4 OR m.direction != 'note')
             ORDER BY m.seq LIMIT $5"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(customer.0)
            .bind(after)
            .bind(include_notes)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(message_row).collect()
    }

    pub async fn conversations(
        &self,
        tenant: TenantId,
        f: &ConversationFilter,
    ) -> Result<Vec<Conversation>> {
        self.conversations_where(tenant, f, None).await
    }

    /// The conversations `f` selects, only of customers in `tier` if given.
    pub(crate) async fn conversations_where(
        &self,
        tenant: TenantId,
        f: &ConversationFilter,
        tier: Option<String>,
    ) -> Result<Vec<Conversation>> {
        // Only fixed SQL fragments are pushed; every value is a bound parameter (B08).
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE tenant_id = "
        ));
        q.push_bind(tenant.0);
        if let Some(s) = f.status {
            q.push(" AND status = ").push_bind(s.as_str());
        }
        match f.assignee {
            Some(Some(a)) => {
                q.push(" AND assignee = ").push_bind(a.0);
            }
            Some(None) => {
                q.push(" AND assignee IS NULL");
            }
            None => {}
        }
        if let Some(ch) = f.channel {
            q.push(" AND (channel_mask & ")
                .push_bind(ch.bit())
                .push(") != 0");
        }
        if let Some(c) = f.customer {
            q.push(" AND customer_id = ").push_bind(c.0);
        }
        if let Some(before) = f.before {
            q.push(" AND id < ").push_bind(before.0);
        }
        if let Some(tier) = tier {
            q.push(" AND customer_id IN (SELECT id FROM customers WHERE tenant_id = ")
                .push_bind(tenant.0)
                .push(" AND tier = ")
                .push_bind(tier)
                .push(")");
        }
        q.push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(f.limit));
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok(ConversationRow::into_domain(conversation_row(r)?)?.0))
            .collect()
    }

    pub async fn conversation(
        &self,
        tenant: TenantId,
        id: ConversationId,
    ) -> Result<Option<Conversation>> {
        let mut conn = self.pool.acquire().await?;
        Ok(load_conversation(&mut conn, tenant, id)
            .await?
            .map(|(c, _)| c))
    }

    pub async fn follow_up_email(
        &self,
        tenant: TenantId,
        id: ConversationId,
    ) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT follow_up_email FROM conversations WHERE id = $1 AND tenant_id = $2",
        )
        .bind(id.0)
        .bind(tenant.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|r| r.try_get::<Option<String>, _>(0))
            .transpose()?
            .flatten())
    }

    pub async fn customer_receipts(
        &self,
        tenant: TenantId,
        id: ConversationId,
        after: i64,
    ) -> Result<crate::receipts::CustomerReceipts> {
        let rows = sqlx::query(
            "SELECT data::jsonb ->> 'kind', max((data::jsonb ->> 'up_to_seq')::bigint)
             FROM events WHERE tenant_id = $1 AND seq > $2 AND type = 'conversation.seen'
               AND data::jsonb ->> 'conversation_id' = $3
               AND actor::jsonb ->> 'kind' = 'customer'
             GROUP BY 1",
        )
        .bind(tenant.0)
        .bind(after)
        .bind(id.0.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut out = crate::receipts::CustomerReceipts::default();
        for r in rows {
            let (kind, seq): (String, i64) = (r.try_get(0)?, r.try_get(1)?);
            if kind == "read" {
                out.read = Some(seq);
            } else {
                out.delivered = Some(seq);
            }
        }
        Ok(out)
    }

    pub async fn messages(
        &self,
        tenant: TenantId,
        id: ConversationId,
        include_notes: bool,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = $1 AND m.tenant_id = $2 AND m.seq > $3
             AND ($4 OR m.direction != 'note') ORDER BY m.seq LIMIT $5"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .bind(tenant.0)
            .bind(after)
            .bind(include_notes)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(message_row).collect()
    }

    pub async fn message(&self, tenant: TenantId, id: MessageId) -> Result<Option<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.id = $1 AND m.tenant_id = $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .bind(tenant.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(message_row).transpose()
    }

    pub async fn events(&self, tenant: TenantId, after: i64, limit: u32) -> Result<Vec<Event>> {
        let rows = sqlx::query("SELECT seq, id, at, actor, data FROM events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")
            .bind(tenant.0)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                EventRow {
                    seq: r.try_get(0)?,
                    id: r.try_get(1)?,
                    at: r.try_get(2)?,
                    actor: r.try_get(3)?,
                    data: r.try_get(4)?,
                }
                .into_domain(tenant)
            })
            .collect()
    }
}
