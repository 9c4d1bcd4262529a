//! SQLite reads, on the read pool.

use super::SqliteStore;
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
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params, params_from_iter};
use uuid::Uuid;

fn message_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MessageRow> {
    Ok(MessageRow {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        seq: r.get(2)?,
        direction: r.get(3)?,
        channel: r.get(4)?,
        author: r.get(5)?,
        subject: r.get(6)?,
        body_text: r.get(7)?,
        body_html: r.get(8)?,
        attachments: r.get(9)?,
        external_id: r.get(10)?,
        created_at: r.get(11)?,
    })
}

fn role(s: &str) -> Result<Role> {
    s.parse()
        .map_err(|e: kairos_core::DomainError| StoreError::Corrupt(e.to_string()))
}

fn uuid_value(u: Uuid) -> Value {
    Value::Blob(u.as_bytes().to_vec())
}

impl SqliteStore {
    pub async fn customer_by_identity(
        &self,
        tenant: TenantId,
        identity: &Identity,
    ) -> Result<Option<CustomerId>> {
        let identity = identity.clone();
        self.read(move |c| {
            let id: Option<Uuid> = c
                .prepare_cached("SELECT customer_id FROM identities WHERE tenant_id = ?1 AND kind = ?2 AND network = ?3 AND value = ?4")?
                .query_row(params![tenant.0, identity.kind.as_str(), identity.network, identity.value], |r| r.get(0))
                .optional()?;
            Ok(id.map(Into::into))
        })
        .await
    }

    pub async fn log_head(&self, tenant: TenantId) -> Result<i64> {
        self.read(move |c| {
            c.prepare_cached("SELECT last_seq FROM tenants WHERE id = ?1")?
                .query_row([tenant.0], |r| r.get(0))
                .optional()?
                .ok_or(StoreError::not_found("tenant"))
        })
        .await
    }

    pub async fn tenant(&self, slug: Option<&str>, id: Option<TenantId>) -> Result<Option<Tenant>> {
        let slug = slug.map(str::to_owned);
        self.read(move |c| {
            let row = c
                .prepare_cached("SELECT id, slug, name, created_at FROM tenants WHERE (?1 IS NULL OR slug = ?1) AND (?2 IS NULL OR id = ?2)")?
                .query_row(params![slug, id.map(|t| t.0)], |r| {
                    Ok((
                        r.get::<_, Uuid>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                })
                .optional()?;
            row.map(|(id, slug, name, created)| {
                Ok(Tenant {
                    id: id.into(),
                    slug: TenantSlug::parse(&slug)?,
                    name,
                    created_at: Timestamp::from_micros(created),
                })
            })
            .transpose()
        })
        .await
    }

    pub async fn party(
        &self,
        tenant: TenantId,
        id: Option<PartyId>,
        email: Option<&str>,
    ) -> Result<Option<PartyRecord>> {
        let email = email.map(str::to_owned);
        self.read(move |c| {
            let sql = "SELECT id, role, email, display_name, password_hash, created_at FROM parties WHERE tenant_id = ?1 AND (id = ?2 OR email = ?3)";
            let row = c
                .prepare_cached(sql)?
                .query_row(params![tenant.0, id.map(|p| p.0), email], |r| {
                    Ok((r.get::<_, Uuid>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, String>(3)?, r.get::<_, Option<String>>(4)?, r.get::<_, i64>(5)?))
                })
                .optional()?;
            row.map(|(id, r, email, display_name, password_hash, created)| {
                Ok(PartyRecord { id: id.into(), tenant_id: tenant, role: role(&r)?, email, display_name, password_hash, created_at: Timestamp::from_micros(created) })
            })
            .transpose()
        })
        .await
    }

    pub async fn token_by_hash(&self, secret_hash: &[u8]) -> Result<Option<TokenRecord>> {
        let hash = secret_hash.to_vec();
        self.read(move |c| {
            let row = c
                .prepare_cached("SELECT id, tenant_id, role, party_id, customer_id FROM api_tokens WHERE secret_hash = ?1 AND revoked_at IS NULL")?
                .query_row([hash], |r| {
                    Ok((r.get::<_, Uuid>(0)?, r.get::<_, Uuid>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<Uuid>>(3)?, r.get::<_, Option<Uuid>>(4)?))
                })
                .optional()?;
            row.map(|(id, tenant, r, party, customer)| {
                Ok(TokenRecord { id: id.into(), tenant_id: tenant.into(), role: role(&r)?, party_id: party.map(Into::into), customer_id: customer.map(Into::into) })
            })
            .transpose()
        })
        .await
    }

    pub async fn session_by_hash(
        &self,
        secret_hash: &[u8],
        now: Timestamp,
    ) -> Result<Option<SessionRecord>> {
        let hash = secret_hash.to_vec();
        self.read(move |c| {
            let row = c
                .prepare_cached("SELECT tenant_id, party_id, role, csrf_token, expires_at FROM sessions WHERE secret_hash = ?1 AND expires_at > ?2")?
                .query_row(params![hash, now.as_micros()], |r| {
                    Ok((r.get::<_, Uuid>(0)?, r.get::<_, Uuid>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, i64>(4)?))
                })
                .optional()?;
            row.map(|(tenant, party, r, csrf, expires)| {
                Ok(SessionRecord { tenant_id: tenant.into(), party_id: party.into(), role: role(&r)?, csrf_token: csrf, expires_at: Timestamp::from_micros(expires) })
            })
            .transpose()
        })
        .await
    }

    pub async fn customer(&self, tenant: TenantId, id: CustomerId) -> Result<Option<Customer>> {
        self.read(move |c| {
            let row = c
                .prepare_cached("SELECT display_name, merged_into, created_at, tier, time_zone FROM customers WHERE id = ?1 AND tenant_id = ?2")?
                .query_row(params![id.0, tenant.0], |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<Uuid>>(1)?, r.get::<_, i64>(2)?, r.get::<_, Option<String>>(3)?, r.get::<_, Option<String>>(4)?)))
                .optional()?;
            let Some((name, merged, created, tier, time_zone)) = row else { return Ok(None) };
            let mut stmt = c.prepare_cached("SELECT kind, network, value FROM identities WHERE customer_id = ?1 AND tenant_id = ?2 ORDER BY created_at, kind, value")?;
            let identities = stmt
                .query_map(params![id.0, tenant.0], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
                .map(|row| {
                    let (kind, network, value) = row?;
                    Ok(Identity { kind: IdentityKind::parse(&kind)?, value, network })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Some(customer_from_parts(id, name, merged.map(Into::into), Timestamp::from_micros(created), identities, tier, time_zone)))
        })
        .await
    }

    pub async fn timeline(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        include_notes: bool,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Message>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
                 WHERE c.tenant_id = ?1 AND c.customer_id = ?2 AND m.seq > ?3 AND (?4 OR m.direction != 'note')
                 ORDER BY m.seq LIMIT ?5"
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![tenant.0, customer.0, after, include_notes, limit], message_row)?;
            rows.map(|r| r?.into_domain()).collect()
        })
        .await
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
        let f = f.clone();
        self.read(move |c| {
            // Only fixed SQL fragments are concatenated; every value is a bound parameter (B08).
            let mut sql =
                format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE tenant_id = ?");
            let mut args: Vec<Value> = vec![uuid_value(tenant.0)];
            if let Some(s) = f.status {
                sql.push_str(" AND status = ?");
                args.push(Value::Text(s.as_str().into()));
            }
            match f.assignee {
                Some(Some(a)) => {
                    sql.push_str(" AND assignee = ?");
                    args.push(uuid_value(a.0));
                }
                Some(None) => sql.push_str(" AND assignee IS NULL"),
                None => {}
            }
            if let Some(ch) = f.channel {
                sql.push_str(" AND (channel_mask & ?) != 0");
                args.push(Value::Integer(ch.bit()));
            }
            if let Some(cust) = f.customer {
                sql.push_str(" AND customer_id = ?");
                args.push(uuid_value(cust.0));
            }
            if let Some(before) = f.before {
                sql.push_str(" AND id < ?");
                args.push(uuid_value(before.0));
            }
            if let Some(tier) = tier {
                sql.push_str(" AND customer_id IN (SELECT id FROM customers WHERE tenant_id = ? AND tier = ?)");
                args.push(uuid_value(tenant.0));
                args.push(Value::Text(tier));
            }
            sql.push_str(" ORDER BY id DESC LIMIT ?");
            args.push(Value::Integer(i64::from(f.limit)));
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params_from_iter(args), conversation_row)?;
            rows.map(|r| Ok(ConversationRow::into_domain(r?)?.0))
                .collect()
        })
        .await
    }

    pub async fn conversation(
        &self,
        tenant: TenantId,
        id: ConversationId,
    ) -> Result<Option<Conversation>> {
        self.read(move |c| Ok(load_conversation(c, tenant, id)?.map(|(conv, _)| conv)))
            .await
    }

    pub async fn follow_up_email(
        &self,
        tenant: TenantId,
        id: ConversationId,
    ) -> Result<Option<String>> {
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT follow_up_email FROM conversations WHERE id = ?1 AND tenant_id = ?2",
            )?
            .query_row(params![id.0, tenant.0], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten())
        })
        .await
    }

    pub async fn customer_receipts(
        &self,
        tenant: TenantId,
        id: ConversationId,
        after: i64,
    ) -> Result<crate::receipts::CustomerReceipts> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT json_extract(data, '$.kind'), max(json_extract(data, '$.up_to_seq'))
                 FROM events WHERE tenant_id = ?1 AND seq > ?2 AND type = 'conversation.seen'
                   AND json_extract(data, '$.conversation_id') = ?3
                   AND json_extract(actor, '$.kind') = 'customer'
                 GROUP BY 1",
            )?;
            let rows = stmt.query_map(params![tenant.0, after, id.0.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            let mut out = crate::receipts::CustomerReceipts::default();
            for row in rows {
                match row? {
                    (kind, seq) if kind == "read" => out.read = Some(seq),
                    (_, seq) => out.delivered = Some(seq),
                }
            }
            Ok(out)
        })
        .await
    }

    pub async fn messages(
        &self,
        tenant: TenantId,
        id: ConversationId,
        include_notes: bool,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Message>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = ?1 AND m.tenant_id = ?2 AND m.seq > ?3
                 AND (?4 OR m.direction != 'note') ORDER BY m.seq LIMIT ?5"
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![id.0, tenant.0, after, include_notes, limit], message_row)?;
            rows.map(|r| r?.into_domain()).collect()
        })
        .await
    }

    pub async fn message(&self, tenant: TenantId, id: MessageId) -> Result<Option<Message>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.id = ?1 AND m.tenant_id = ?2"
            );
            let row = c
                .prepare_cached(&sql)?
                .query_row(params![id.0, tenant.0], message_row)
                .optional()?;
            row.map(MessageRow::into_domain).transpose()
        })
        .await
    }

    pub async fn events(&self, tenant: TenantId, after: i64, limit: u32) -> Result<Vec<Event>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached("SELECT seq, id, at, actor, data FROM events WHERE tenant_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")?;
            let rows = stmt.query_map(params![tenant.0, after, limit], |r| {
                Ok(EventRow { seq: r.get(0)?, id: r.get(1)?, at: r.get(2)?, actor: r.get(3)?, data: r.get(4)? })
            })?;
            rows.map(|r| r?.into_domain(tenant)).collect()
        })
        .await
    }
}
