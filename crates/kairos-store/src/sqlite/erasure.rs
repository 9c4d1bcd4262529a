//! SQLite side of erasure.

use super::SqliteStore;
use super::tx::SqliteTx;
use crate::erasure::{Doomed, ErasureTx};
use crate::error::{Result, StoreError};
use kairos_core::ids::{ConversationId, CustomerId, MessageId};
use rusqlite::{Connection, params};
use uuid::Uuid;

/// JSON array of the ids' hyphenated strings, as they appear inside event data.
fn json_ids(ids: impl Iterator<Item = Uuid>) -> String {
    serde_json::Value::Array(ids.map(|u| u.to_string().into()).collect()).to_string()
}

fn ids_where(conn: &Connection, sql: &str, key: Uuid) -> Result<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([key], |r| r.get::<_, Uuid>(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

impl ErasureTx for SqliteTx<'_> {
    async fn merged_customers(&mut self, id: CustomerId) -> Result<Vec<CustomerId>> {
        Ok(ids_where(
            self.conn(),
            "SELECT id FROM customers WHERE merged_into = ?1",
            id.0,
        )?
        .into_iter()
        .map(CustomerId)
        .collect())
    }

    async fn identity_values(&mut self, people: &[CustomerId]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT value FROM identities WHERE customer_id = ?1")?;
        for p in people {
            let rows = stmt.query_map([p.0], |r| r.get::<_, String>(0))?;
            out.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
        }
        Ok(out)
    }

    async fn conversations_of(&mut self, people: &[CustomerId]) -> Result<Vec<ConversationId>> {
        let mut out = Vec::new();
        for p in people {
            let sql = "SELECT id FROM conversations WHERE tenant_id = ?2 AND customer_id = ?1";
            let mut stmt = self.conn().prepare_cached(sql)?;
            let rows = stmt.query_map(params![p.0, self.tenant().0], |r| r.get::<_, Uuid>(0))?;
            out.extend(
                rows.map(|r| r.map(ConversationId))
                    .collect::<rusqlite::Result<Vec<_>>>()?,
            );
        }
        Ok(out)
    }

    async fn messages_of(
        &mut self,
        conversations: &[ConversationId],
    ) -> Result<Vec<(MessageId, String)>> {
        let mut out = Vec::new();
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT id, attachments FROM messages WHERE conversation_id = ?1")?;
        for c in conversations {
            let rows = stmt.query_map([c.0], |r| {
                Ok((MessageId(r.get::<_, Uuid>(0)?), r.get::<_, String>(1)?))
            })?;
            out.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
        }
        Ok(out)
    }

    async fn redact_events(
        &mut self,
        people: &[CustomerId],
        conversations: &[ConversationId],
    ) -> Result<u64> {
        let people = json_ids(people.iter().map(|p| p.0));
        let conversations = json_ids(conversations.iter().map(|c| c.0));
        let n = self.conn().execute(
            "UPDATE events SET type = 'redacted', data = '{\"type\":\"redacted\"}'
             WHERE tenant_id = ?1 AND type != 'redacted' AND (
                json_extract(data, '$.customer_id') IN (SELECT value FROM json_each(?2))
                OR json_extract(data, '$.record.customer_id') IN (SELECT value FROM json_each(?2))
                OR json_extract(data, '$.from') IN (SELECT value FROM json_each(?2))
                OR json_extract(data, '$.into') IN (SELECT value FROM json_each(?2))
                OR json_extract(data, '$.conversation_id') IN (SELECT value FROM json_each(?3)))",
            params![self.tenant().0, people, conversations],
        )?;
        Ok(n as u64)
    }

    async fn delete_person_rows(&mut self, d: &Doomed) -> Result<u64> {
        let (c, t) = (self.conn(), self.tenant().0);
        let mut n = 0usize;
        for m in &d.messages {
            for sql in [
                "DELETE FROM provider_outbox WHERE message_id = ?1",
                "DELETE FROM mail_outbox WHERE message_id = ?1",
            ] {
                n += c.prepare_cached(sql)?.execute([m.0])?;
            }
        }
        for conv in &d.conversations {
            for sql in [
                "DELETE FROM messages WHERE conversation_id = ?1",
                "DELETE FROM sla_clocks WHERE conversation_id = ?1",
                "DELETE FROM mail_message_ids WHERE conversation_id = ?1",
                "DELETE FROM provider_routes WHERE conversation_id = ?1",
                "DELETE FROM conversations WHERE id = ?1",
            ] {
                n += c.prepare_cached(sql)?.execute([conv.0])?;
            }
        }
        for p in &d.people {
            for sql in [
                "DELETE FROM identities WHERE customer_id = ?1",
                "DELETE FROM consent_records WHERE customer_id = ?1",
                "DELETE FROM context_events WHERE customer_id = ?1",
                "DELETE FROM anticipation_firings WHERE customer_id = ?1",
                "DELETE FROM coupons WHERE customer_id = ?1",
                "DELETE FROM restrictions WHERE customer_id = ?1",
                "DELETE FROM api_tokens WHERE customer_id = ?1",
                "DELETE FROM portal_sessions WHERE customer_id = ?1",
            ] {
                n += c.prepare_cached(sql)?.execute([p.0])?;
            }
        }
        // Stored responses and raw provider payloads may quote them anywhere.
        let mut needles: Vec<String> = d.values.clone();
        needles.extend(d.people.iter().map(|p| p.0.to_string()));
        needles.extend(d.conversations.iter().map(|c| c.0.to_string()));
        for v in &d.values {
            n += c
                .prepare_cached(
                    "DELETE FROM mail_outbox WHERE tenant_id = ?1 AND lower(recipient) = lower(?2)",
                )?
                .execute(params![t, v])?;
            n += c
                .prepare_cached("DELETE FROM mail_auto_replies WHERE tenant_id = ?1 AND lower(address) = lower(?2)")?
                .execute(params![t, v])?;
            n += c
                .prepare_cached(
                    "DELETE FROM portal_links WHERE tenant_id = ?1 AND lower(email) = lower(?2)",
                )?
                .execute(params![t, v])?;
        }
        for needle in &needles {
            n += c
                .prepare_cached(
                    "DELETE FROM idempotency_keys WHERE tenant_id = ?1 AND instr(response, ?2) > 0",
                )?
                .execute(params![t, needle])?;
            n += c
                .prepare_cached(
                    "DELETE FROM webhook_inbox WHERE instr(payload, ?2) > 0
                     AND provider_channel_id IN (SELECT id FROM provider_channels WHERE tenant_id = ?1)",
                )?
                .execute(params![t, needle.as_bytes()])?;
        }
        for p in &d.people {
            n += c
                .prepare_cached("DELETE FROM customers WHERE id = ?1 AND tenant_id = ?2")?
                .execute(params![p.0, t])?;
        }
        Ok(n as u64)
    }

    async fn delete_context_events_before(
        &mut self,
        before: kairos_core::Timestamp,
    ) -> Result<u64> {
        // Reference data (feeds) follows the same schedule: it only serves look-back.
        let mut n = 0;
        for sql in [
            "DELETE FROM context_events WHERE tenant_id = ?1 AND at < ?2",
            "DELETE FROM reference_events WHERE tenant_id = ?1 AND at < ?2",
        ] {
            n += self
                .conn()
                .prepare_cached(sql)?
                .execute(params![self.tenant().0, before.as_micros()])?;
        }
        Ok(n as u64)
    }
}

impl SqliteStore {
    /// Whether any message or knowledge-base article names the blob.
    pub(crate) async fn blob_in_use(&self, sha256: String) -> Result<bool> {
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM messages WHERE instr(attachments, ?1) > 0)
                 OR EXISTS (SELECT 1 FROM kb_articles WHERE instr(doc, ?1) > 0)
                 OR EXISTS (SELECT 1 FROM chat_uploads WHERE sha256 = ?1)",
            )?
            .query_row([sha256], |r| r.get::<_, bool>(0))?)
        })
        .await
    }

    /// Checkpoints the write-ahead log into the database and truncates it to zero bytes, on
    /// a short-lived read-write connection (the readers are read-only; the writer is always
    /// inside its batch transaction).
    pub(crate) async fn checkpoint_truncate(&self) -> Result<()> {
        let path = self.readers.path.clone();
        for _ in 0..50 {
            let path = path.clone();
            let busy = tokio::task::spawn_blocking(move || -> Result<i64> {
                let conn = super::open_connection(&path, false)?;
                Ok(conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?)
            })
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))??;
            if busy == 0 {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Err(StoreError::Unavailable(
            "the write-ahead log stayed busy; run the erasure's scrub again".into(),
        ))
    }
}

impl SqliteStore {
    /// Resolved or closed conversations last changed before `before`.
    pub(crate) async fn conversations_done_before(
        &self,
        tenant: kairos_core::ids::TenantId,
        before: kairos_core::Timestamp,
        limit: u32,
    ) -> Result<Vec<ConversationId>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id FROM conversations WHERE tenant_id = ?1 AND status IN ('resolved', 'closed')
                 AND updated_at < ?2 ORDER BY updated_at LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![tenant.0, before.as_micros(), limit], |r| r.get::<_, Uuid>(0))?;
            Ok(rows.map(|r| r.map(ConversationId)).collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    /// Customers created before `before` with no conversation change or consent since.
    pub(crate) async fn customers_inactive_since(
        &self,
        tenant: kairos_core::ids::TenantId,
        before: kairos_core::Timestamp,
        limit: u32,
    ) -> Result<Vec<CustomerId>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT k.id FROM customers k WHERE k.tenant_id = ?1 AND k.merged_into IS NULL AND k.created_at < ?2
                 AND NOT EXISTS (SELECT 1 FROM conversations v WHERE v.customer_id = k.id AND v.updated_at >= ?2)
                 AND NOT EXISTS (SELECT 1 FROM consent_records r WHERE r.customer_id = k.id AND r.at >= ?2)
                 ORDER BY k.created_at LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![tenant.0, before.as_micros(), limit], |r| r.get::<_, Uuid>(0))?;
            Ok(rows.map(|r| r.map(CustomerId)).collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }
}
