//! SQLite side of the e-mail channel's bookkeeping.

use super::SqliteStore;
use crate::error::Result;
use crate::mail::{OutboxEntry, OutboxMail, OutboxState};
use kairos_core::Timestamp;
use kairos_core::ids::{ConversationId, MessageId, TenantId};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

impl SqliteStore {
    /// Inserts unless taken; returns the owner.
    pub(crate) async fn add_mail_address(
        &self,
        tenant: TenantId,
        address: &str,
        now: Timestamp,
    ) -> Result<TenantId> {
        let address = address.to_owned();
        self.writer
            .run(move |c| {
                c.prepare_cached("INSERT INTO mail_addresses (address, tenant_id, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (address) DO NOTHING")?
                    .execute(params![address, tenant.0, now.as_micros()])?;
                c.prepare_cached("INSERT INTO consumer_cursors (consumer, tenant_id, seq) SELECT ?1, id, last_seq FROM tenants WHERE id = ?2 ON CONFLICT (consumer, tenant_id) DO NOTHING")?
                    .execute(params![crate::mail::OUTBOX_CONSUMER, tenant.0])?;
                let owner: Uuid = c
                    .prepare_cached("SELECT tenant_id FROM mail_addresses WHERE address = ?1")?
                    .query_row([&address], |r| r.get(0))?;
                Ok((TenantId(owner), None))
            })
            .await
    }

    pub(crate) async fn remove_mail_address(
        &self,
        tenant: TenantId,
        address: &str,
    ) -> Result<bool> {
        let address = address.to_owned();
        self.writer
            .run(move |c| {
                let n = c
                    .prepare_cached(
                        "DELETE FROM mail_addresses WHERE address = ?1 AND tenant_id = ?2",
                    )?
                    .execute(params![address, tenant.0])?;
                Ok((n > 0, None))
            })
            .await
    }

    pub(crate) async fn mail_addresses(&self, tenant: TenantId) -> Result<Vec<String>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT address FROM mail_addresses WHERE tenant_id = ?1 ORDER BY address",
            )?;
            let rows = stmt.query_map([tenant.0], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
        })
        .await
    }

    pub(crate) async fn mail_address_tenant(&self, address: &str) -> Result<Option<TenantId>> {
        let address = address.to_owned();
        self.read(move |c| {
            Ok(
                c.prepare_cached("SELECT tenant_id FROM mail_addresses WHERE address = ?1")?
                    .query_row([&address], |r| r.get::<_, Uuid>(0))
                    .optional()?
                    .map(TenantId),
            )
        })
        .await
    }

    pub(crate) async fn outbox_enqueue(&self, mail: &OutboxMail, now: Timestamp) -> Result<bool> {
        let mail = mail.clone();
        self.writer
            .run(move |c| {
                let n = c
                    .prepare_cached(
                        "INSERT INTO mail_outbox (id, tenant_id, message_id, mail_from, recipient, raw, state, attempts, next_attempt_at, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', 0, ?7, ?7) ON CONFLICT DO NOTHING",
                    )?
                    .execute(params![
                        mail.id,
                        mail.tenant_id.0,
                        mail.message_id.map(|m| m.0),
                        mail.mail_from,
                        mail.recipient,
                        mail.raw,
                        now.as_micros()
                    ])?;
                Ok((n > 0, None))
            })
            .await
    }

    pub(crate) async fn outbox_due(&self, now: Timestamp, limit: u32) -> Result<Vec<OutboxMail>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, tenant_id, message_id, mail_from, recipient, raw, attempts FROM mail_outbox
                 WHERE state = 'queued' AND next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![now.as_micros(), limit], |r| {
                Ok(OutboxMail {
                    id: r.get(0)?,
                    tenant_id: TenantId(r.get(1)?),
                    message_id: r.get::<_, Option<Uuid>>(2)?.map(MessageId),
                    mail_from: r.get(3)?,
                    recipient: r.get(4)?,
                    raw: r.get(5)?,
                    attempts: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    pub(crate) async fn outbox_claim(
        &self,
        id: Uuid,
        now: Timestamp,
        lease: Timestamp,
    ) -> Result<bool> {
        self.writer
            .run(move |c| {
                let n = c
                    .prepare_cached("UPDATE mail_outbox SET next_attempt_at = ?3 WHERE id = ?1 AND state = 'queued' AND next_attempt_at <= ?2")?
                    .execute(params![id, now.as_micros(), lease.as_micros()])?;
                Ok((n == 1, None))
            })
            .await
    }

    pub(crate) async fn outbox_attempted(
        &self,
        id: Uuid,
        state: OutboxState,
        next_attempt_at: Timestamp,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        let error = error.map(str::to_owned);
        self.writer
            .run(move |c| {
                let done = (state != OutboxState::Queued).then_some(now.as_micros());
                c.prepare_cached(
                    "UPDATE mail_outbox SET state = ?2, attempts = attempts + 1, next_attempt_at = ?3, last_error = ?4, done_at = ?5 WHERE id = ?1",
                )?
                .execute(params![id, state.as_str(), next_attempt_at.as_micros(), error, done])?;
                Ok(((), None))
            })
            .await
    }

    pub(crate) async fn outbox(&self, tenant: TenantId, limit: u32) -> Result<Vec<OutboxEntry>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, message_id, recipient, state, attempts, next_attempt_at, last_error, created_at FROM mail_outbox
                 WHERE tenant_id = ?1 ORDER BY created_at DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![tenant.0, limit], |r| {
                Ok(OutboxEntry {
                    id: r.get(0)?,
                    message_id: r.get::<_, Option<Uuid>>(1)?.map(MessageId),
                    recipient: r.get(2)?,
                    state: r.get(3)?,
                    attempts: r.get(4)?,
                    next_attempt_at: Timestamp::from_micros(r.get(5)?),
                    last_error: r.get(6)?,
                    created_at: Timestamp::from_micros(r.get(7)?),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    pub(crate) async fn auto_reply_claim(
        &self,
        tenant: TenantId,
        address: &str,
        since: Timestamp,
        now: Timestamp,
    ) -> Result<bool> {
        let address = address.to_owned();
        self.writer
            .run(move |c| {
                let n = c
                    .prepare_cached(
                        "INSERT INTO mail_auto_replies (tenant_id, address, last_sent_at) VALUES (?1, ?2, ?3)
                         ON CONFLICT (tenant_id, address) DO UPDATE SET last_sent_at = excluded.last_sent_at
                         WHERE mail_auto_replies.last_sent_at <= ?4",
                    )?
                    .execute(params![tenant.0, address, now.as_micros(), since.as_micros()])?;
                Ok((n > 0, None))
            })
            .await
    }

    pub(crate) async fn record_mail_id(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        message: MessageId,
        rfc_id: &str,
        now: Timestamp,
    ) -> Result<()> {
        let rfc_id = rfc_id.to_owned();
        self.writer
            .run(move |c| {
                c.prepare_cached("INSERT INTO mail_message_ids (message_id, tenant_id, conversation_id, rfc_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING")?
                    .execute(params![message.0, tenant.0, conversation.0, rfc_id, now.as_micros()])?;
                Ok(((), None))
            })
            .await
    }

    pub(crate) async fn mail_ids(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        limit: u32,
    ) -> Result<Vec<String>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT rfc_id FROM mail_message_ids WHERE conversation_id = ?1 AND tenant_id = ?2 ORDER BY created_at DESC LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![conversation.0, tenant.0, limit], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
        })
        .await
    }

    pub(crate) async fn set_consumer_cursor(
        &self,
        tenant: TenantId,
        consumer: &str,
        seq: i64,
    ) -> Result<()> {
        let consumer = consumer.to_owned();
        self.writer
            .run(move |c| {
                c.prepare_cached("INSERT INTO consumer_cursors (consumer, tenant_id, seq) VALUES (?1, ?2, ?3) ON CONFLICT (consumer, tenant_id) DO UPDATE SET seq = excluded.seq")?
                    .execute(params![consumer, tenant.0, seq])?;
                Ok(((), None))
            })
            .await
    }
}
