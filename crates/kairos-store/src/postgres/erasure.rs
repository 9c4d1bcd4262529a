//! PostgreSQL side of erasure.

use super::PgStore;
use super::tx::PgTx;
use crate::erasure::{Doomed, ErasureTx};
use crate::error::Result;
use kairos_core::ids::{ConversationId, CustomerId, MessageId};
use sqlx::Row;
use uuid::Uuid;

fn uuids<T: Copy>(ids: &[T], f: impl Fn(T) -> Uuid) -> Vec<Uuid> {
    ids.iter().map(|i| f(*i)).collect()
}

fn strings(ids: &[Uuid]) -> Vec<String> {
    ids.iter().map(Uuid::to_string).collect()
}

impl ErasureTx for PgTx {
    async fn merged_customers(&mut self, id: CustomerId) -> Result<Vec<CustomerId>> {
        let rows = sqlx::query("SELECT id FROM customers WHERE merged_into = $1")
            .bind(id.0)
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(|r| Ok(CustomerId(r.try_get(0)?))).collect()
    }

    async fn identity_values(&mut self, people: &[CustomerId]) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT value FROM identities WHERE customer_id = ANY($1)")
            .bind(uuids(people, |p| p.0))
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    async fn conversations_of(&mut self, people: &[CustomerId]) -> Result<Vec<ConversationId>> {
        let tenant = self.tenant().0;
        let rows = sqlx::query(
            "SELECT id FROM conversations WHERE tenant_id = $1 AND customer_id = ANY($2)",
        )
        .bind(tenant)
        .bind(uuids(people, |p| p.0))
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| Ok(ConversationId(r.try_get(0)?)))
            .collect()
    }

    async fn messages_of(
        &mut self,
        conversations: &[ConversationId],
    ) -> Result<Vec<(MessageId, String)>> {
        let rows =
            sqlx::query("SELECT id, attachments FROM messages WHERE conversation_id = ANY($1)")
                .bind(uuids(conversations, |c| c.0))
                .fetch_all(self.conn())
                .await?;
        rows.iter()
            .map(|r| Ok((MessageId(r.try_get(0)?), r.try_get(1)?)))
            .collect()
    }

    async fn redact_events(
        &mut self,
        people: &[CustomerId],
        conversations: &[ConversationId],
    ) -> Result<u64> {
        let tenant = self.tenant().0;
        let done = sqlx::query(
            "UPDATE events SET type = 'redacted', data = '{\"type\":\"redacted\"}'
             WHERE tenant_id = $1 AND type <> 'redacted' AND (
                data::jsonb ->> 'customer_id' = ANY($2)
                OR data::jsonb -> 'record' ->> 'customer_id' = ANY($2)
                OR data::jsonb ->> 'from' = ANY($2)
                OR data::jsonb ->> 'into' = ANY($2)
                OR data::jsonb ->> 'conversation_id' = ANY($3))",
        )
        .bind(tenant)
        .bind(strings(&uuids(people, |p| p.0)))
        .bind(strings(&uuids(conversations, |c| c.0)))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected())
    }

    async fn delete_person_rows(&mut self, d: &Doomed) -> Result<u64> {
        let t = self.tenant().0;
        let messages = uuids(&d.messages, |m| m.0);
        let conversations = uuids(&d.conversations, |c| c.0);
        let people = uuids(&d.people, |p| p.0);
        let mut needles: Vec<String> = d.values.clone();
        needles.extend(strings(&people));
        needles.extend(strings(&conversations));
        let lowered: Vec<String> = d.values.iter().map(|v| v.to_lowercase()).collect();
        let byte_needles: Vec<Vec<u8>> = needles.iter().map(|n| n.as_bytes().to_vec()).collect();
        let mut n = 0;
        let statements: [(&str, Binding); 21] = [
            ("DELETE FROM provider_outbox WHERE message_id = ANY($1)", Binding::Ids(&messages)),
            ("DELETE FROM mail_outbox WHERE message_id = ANY($1)", Binding::Ids(&messages)),
            ("DELETE FROM messages WHERE conversation_id = ANY($1)", Binding::Ids(&conversations)),
            ("DELETE FROM sla_clocks WHERE conversation_id = ANY($1)", Binding::Ids(&conversations)),
            ("DELETE FROM mail_message_ids WHERE conversation_id = ANY($1)", Binding::Ids(&conversations)),
            ("DELETE FROM provider_routes WHERE conversation_id = ANY($1)", Binding::Ids(&conversations)),
            ("DELETE FROM conversations WHERE id = ANY($1)", Binding::Ids(&conversations)),
            ("DELETE FROM identities WHERE customer_id = ANY($1)", Binding::Ids(&people)),
            ("DELETE FROM consent_records WHERE customer_id = ANY($1)", Binding::Ids(&people)),
            ("DELETE FROM context_events WHERE customer_id = ANY($1)", Binding::Ids(&people)),
            ("DELETE FROM anticipation_firings WHERE customer_id = ANY($1)", Binding::Ids(&people)),
            ("DELETE FROM coupons WHERE customer_id = ANY($1)", Binding::Ids(&people)),
            ("DELETE FROM restrictions WHERE customer_id = ANY($1)", Binding::Ids(&people)),
            ("DELETE FROM api_tokens WHERE customer_id = ANY($1)", Binding::Ids(&people)),
            ("DELETE FROM portal_sessions WHERE customer_id = ANY($1)", Binding::Ids(&people)),
            ("DELETE FROM portal_links WHERE tenant_id = $2 AND lower(email) = ANY($1)", Binding::Texts(&lowered)),
            ("DELETE FROM mail_outbox WHERE tenant_id = $2 AND lower(recipient) = ANY($1)", Binding::Texts(&lowered)),
            ("DELETE FROM mail_auto_replies WHERE tenant_id = $2 AND lower(address) = ANY($1)", Binding::Texts(&lowered)),
            // Stored responses and raw provider payloads may quote them anywhere.
            ("DELETE FROM idempotency_keys WHERE tenant_id = $2 AND EXISTS (SELECT 1 FROM unnest($1::text[]) AS n WHERE strpos(response, n) > 0)", Binding::Texts(&needles)),
            ("DELETE FROM webhook_inbox WHERE provider_channel_id IN (SELECT id FROM provider_channels WHERE tenant_id = $2)
              AND EXISTS (SELECT 1 FROM unnest($1::bytea[]) AS n WHERE position(n IN payload) > 0)", Binding::Bytes(&byte_needles)),
            ("DELETE FROM customers WHERE id = ANY($1) AND tenant_id = $2", Binding::Ids(&people)),
        ];
        for (sql, binding) in statements {
            let query = sqlx::query(sql);
            let query = match binding {
                Binding::Ids(ids) => query.bind(ids.to_vec()),
                Binding::Texts(t) => query.bind(t.to_vec()),
                Binding::Bytes(b) => query.bind(b.to_vec()),
            };
            // PostgreSQL refuses parameters a statement does not use: bind the tenant only
            // where it appears.
            let query = if sql.contains("$2") {
                query.bind(t)
            } else {
                query
            };
            n += query.execute(self.conn()).await?.rows_affected();
        }
        Ok(n)
    }

    async fn delete_context_events_before(
        &mut self,
        before: kairos_core::Timestamp,
    ) -> Result<u64> {
        // Reference data (feeds) follows the same schedule: it only serves look-back.
        let tenant = self.tenant().0;
        let mut n = 0;
        for sql in [
            "DELETE FROM context_events WHERE tenant_id = $1 AND at < $2",
            "DELETE FROM reference_events WHERE tenant_id = $1 AND at < $2",
        ] {
            n += sqlx::query(sql)
                .bind(tenant)
                .bind(before.as_micros())
                .execute(self.conn())
                .await?
                .rows_affected();
        }
        Ok(n)
    }
}

/// The first parameter of an erasure statement.
enum Binding<'a> {
    Ids(&'a [Uuid]),
    Texts(&'a [String]),
    Bytes(&'a [Vec<u8>]),
}

impl PgStore {
    /// Whether any message or knowledge-base article names the blob.
    pub(crate) async fn blob_in_use(&self, sha256: String) -> Result<bool> {
        let row = sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE strpos(attachments, $1) > 0)
             OR EXISTS (SELECT 1 FROM kb_articles WHERE strpos(doc, $1) > 0)
             OR EXISTS (SELECT 1 FROM chat_uploads WHERE sha256 = $1)",
        )
        .bind(sha256)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }
}

impl PgStore {
    /// Resolved or closed conversations last changed before `before`.
    pub(crate) async fn conversations_done_before(
        &self,
        tenant: kairos_core::ids::TenantId,
        before: kairos_core::Timestamp,
        limit: u32,
    ) -> Result<Vec<ConversationId>> {
        let rows = sqlx::query(
            "SELECT id FROM conversations WHERE tenant_id = $1 AND status IN ('resolved', 'closed')
             AND updated_at < $2 ORDER BY updated_at LIMIT $3",
        )
        .bind(tenant.0)
        .bind(before.as_micros())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(ConversationId(r.try_get(0)?)))
            .collect()
    }

    /// Customers created before `before` with no conversation change or consent since.
    pub(crate) async fn customers_inactive_since(
        &self,
        tenant: kairos_core::ids::TenantId,
        before: kairos_core::Timestamp,
        limit: u32,
    ) -> Result<Vec<CustomerId>> {
        let rows = sqlx::query(
            "SELECT k.id FROM customers k WHERE k.tenant_id = $1 AND k.merged_into IS NULL AND k.created_at < $2
             AND NOT EXISTS (SELECT 1 FROM conversations v WHERE v.customer_id = k.id AND v.updated_at >= $2)
             AND NOT EXISTS (SELECT 1 FROM consent_records r WHERE r.customer_id = k.id AND r.at >= $2)
             ORDER BY k.created_at LIMIT $3",
        )
        .bind(tenant.0)
        .bind(before.as_micros())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(CustomerId(r.try_get(0)?))).collect()
    }
}
