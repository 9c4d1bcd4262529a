//! SQLite side of the provider channels' bookkeeping.

use super::SqliteStore;
use crate::error::Result;
use crate::hooks::{
    InboxEntry, InboxItem, OUTBOUND_CONSUMER, ProviderChannel, ProviderSend, ProviderSendEntry,
    SendOutcome, outcome_columns,
};
use kairos_core::Timestamp;
use kairos_core::ids::{ConversationId, MessageId, TenantId};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

impl SqliteStore {
    pub(crate) async fn create_provider_channel(&self, ch: &ProviderChannel) -> Result<()> {
        let ch = ch.clone();
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "INSERT INTO provider_channels (id, tenant_id, provider, name, config, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![ch.id, ch.tenant_id.0, ch.provider, ch.name, ch.config, ch.created_at.as_micros()])?;
                c.prepare_cached(
                    "INSERT INTO consumer_cursors (consumer, tenant_id, seq) SELECT ?1, id, last_seq FROM tenants WHERE id = ?2
                     ON CONFLICT (consumer, tenant_id) DO NOTHING",
                )?
                .execute(params![OUTBOUND_CONSUMER, ch.tenant_id.0])?;
                Ok(((), None))
            })
            .await
    }

    pub(crate) async fn provider_channels(
        &self,
        tenant: Option<TenantId>,
        id: Option<Uuid>,
    ) -> Result<Vec<ProviderChannel>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, tenant_id, provider, name, config, created_at FROM provider_channels
                 WHERE (?1 IS NULL OR tenant_id = ?1) AND (?2 IS NULL OR id = ?2) ORDER BY created_at, id",
            )?;
            let rows = stmt.query_map(params![tenant.map(|t| t.0), id], |r| {
                Ok(ProviderChannel {
                    id: r.get(0)?,
                    tenant_id: TenantId(r.get(1)?),
                    provider: r.get(2)?,
                    name: r.get(3)?,
                    config: r.get(4)?,
                    created_at: Timestamp::from_micros(r.get(5)?),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    pub(crate) async fn delete_provider_channel(&self, tenant: TenantId, id: Uuid) -> Result<bool> {
        self.writer
            .run(move |c| {
                let n = c
                    .prepare_cached(
                        "DELETE FROM provider_channels WHERE id = ?1 AND tenant_id = ?2",
                    )?
                    .execute(params![id, tenant.0])?;
                if n > 0 {
                    c.prepare_cached("DELETE FROM webhook_inbox WHERE provider_channel_id = ?1")?
                        .execute([id])?;
                    c.prepare_cached("DELETE FROM provider_routes WHERE provider_channel_id = ?1")?
                        .execute([id])?;
                }
                Ok((n > 0, None))
            })
            .await
    }

    pub(crate) async fn webhook_accept(
        &self,
        channel: Uuid,
        event_id: &str,
        payload: &[u8],
        now: Timestamp,
    ) -> Result<bool> {
        let (event_id, payload) = (event_id.to_owned(), payload.to_vec());
        self.writer
            .run(move |c| {
                let n = c
                    .prepare_cached(
                        "INSERT INTO webhook_inbox (provider_channel_id, provider_event_id, received_at, payload, state, attempts, next_attempt_at)
                         VALUES (?1, ?2, ?3, ?4, 'queued', 0, ?3) ON CONFLICT DO NOTHING",
                    )?
                    .execute(params![channel, event_id, now.as_micros(), payload])?;
                Ok((n > 0, None))
            })
            .await
    }

    pub(crate) async fn webhook_due(&self, now: Timestamp, limit: u32) -> Result<Vec<InboxItem>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT i.provider_channel_id, i.provider_event_id, ch.tenant_id, ch.provider, i.payload, i.attempts
                 FROM webhook_inbox i JOIN provider_channels ch ON ch.id = i.provider_channel_id
                 WHERE i.state = 'queued' AND i.next_attempt_at <= ?1 ORDER BY i.next_attempt_at LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![now.as_micros(), limit], |r| {
                Ok(InboxItem {
                    provider_channel_id: r.get(0)?,
                    provider_event_id: r.get(1)?,
                    tenant_id: TenantId(r.get(2)?),
                    provider: r.get(3)?,
                    payload: r.get(4)?,
                    attempts: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    pub(crate) async fn webhook_finish(
        &self,
        channel: Uuid,
        event_id: &str,
        state: &'static str,
        error: Option<&str>,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<()> {
        let (event_id, error) = (event_id.to_owned(), error.map(str::to_owned));
        self.writer
            .run(move |c| {
                let done = (state != "queued").then_some(now.as_micros());
                let next = retry_at.unwrap_or(now).as_micros();
                c.prepare_cached(
                    "UPDATE webhook_inbox SET state = ?3, attempts = attempts + 1, next_attempt_at = ?4, last_error = ?5, done_at = ?6
                     WHERE provider_channel_id = ?1 AND provider_event_id = ?2",
                )?
                .execute(params![channel, event_id, state, next, error, done])?;
                Ok(((), None))
            })
            .await
    }

    pub(crate) async fn webhook_inbox(&self, channel: Uuid, limit: u32) -> Result<Vec<InboxEntry>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT provider_event_id, state, attempts, last_error, received_at FROM webhook_inbox
                 WHERE provider_channel_id = ?1 ORDER BY received_at DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![channel, limit], |r| {
                Ok(InboxEntry {
                    provider_event_id: r.get(0)?,
                    state: r.get(1)?,
                    attempts: r.get(2)?,
                    last_error: r.get(3)?,
                    received_at: Timestamp::from_micros(r.get(4)?),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    pub(crate) async fn webhook_purge(&self, before: Timestamp) -> Result<u64> {
        self.writer
            .run(move |c| {
                let n = c
                    .prepare_cached(
                        "DELETE FROM webhook_inbox WHERE state = 'done' AND done_at < ?1",
                    )?
                    .execute([before.as_micros()])?;
                Ok((n as u64, None))
            })
            .await
    }

    pub(crate) async fn provider_route_set(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        channel: Uuid,
        recipient: &str,
        now: Timestamp,
    ) -> Result<()> {
        let recipient = recipient.to_owned();
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "INSERT INTO provider_routes (tenant_id, conversation_id, provider_channel_id, recipient, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET provider_channel_id = excluded.provider_channel_id,
                       recipient = excluded.recipient, updated_at = excluded.updated_at",
                )?
                .execute(params![tenant.0, conversation.0, channel, recipient, now.as_micros()])?;
                Ok(((), None))
            })
            .await
    }

    pub(crate) async fn provider_route(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
    ) -> Result<Option<(Uuid, String)>> {
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT provider_channel_id, recipient FROM provider_routes WHERE tenant_id = ?1 AND conversation_id = ?2",
            )?
            .query_row(params![tenant.0, conversation.0], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
        })
        .await
    }

    pub(crate) async fn provider_send_enqueue(
        &self,
        send: &ProviderSend,
        now: Timestamp,
    ) -> Result<bool> {
        let s = send.clone();
        self.writer
            .run(move |c| {
                let n = c
                    .prepare_cached(
                        "INSERT INTO provider_outbox (message_id, tenant_id, provider_channel_id, recipient, text, state, attempts, next_attempt_at, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, 'queued', 0, ?6, ?6) ON CONFLICT DO NOTHING",
                    )?
                    .execute(params![s.message_id.0, s.tenant_id.0, s.provider_channel_id, s.recipient, s.text, now.as_micros()])?;
                Ok((n > 0, None))
            })
            .await
    }

    pub(crate) async fn provider_send_due(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<ProviderSend>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT message_id, tenant_id, provider_channel_id, recipient, text, attempts FROM provider_outbox
                 WHERE state = 'queued' AND next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![now.as_micros(), limit], |r| {
                Ok(ProviderSend {
                    message_id: MessageId(r.get(0)?),
                    tenant_id: TenantId(r.get(1)?),
                    provider_channel_id: r.get(2)?,
                    recipient: r.get(3)?,
                    text: r.get(4)?,
                    attempts: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    pub(crate) async fn provider_send_attempted(
        &self,
        message: MessageId,
        outcome: &SendOutcome,
        now: Timestamp,
    ) -> Result<()> {
        let (state, next, error, external, done) = outcome_columns(outcome, now);
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "UPDATE provider_outbox SET state = ?2, attempts = attempts + 1, next_attempt_at = ?3, last_error = ?4,
                       external_id = coalesce(?5, external_id), done_at = ?6 WHERE message_id = ?1",
                )?
                .execute(params![message.0, state, next, error, external, done])?;
                Ok(((), None))
            })
            .await
    }

    pub(crate) async fn provider_send(
        &self,
        message: MessageId,
    ) -> Result<Option<ProviderSendEntry>> {
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT state, attempts, external_id, last_error FROM provider_outbox WHERE message_id = ?1",
            )?
            .query_row([message.0], |r| {
                Ok(ProviderSendEntry {
                    state: r.get(0)?,
                    attempts: r.get(1)?,
                    external_id: r.get(2)?,
                    last_error: r.get(3)?,
                })
            })
            .optional()?)
        })
        .await
    }

    pub(crate) async fn provider_receipt(
        &self,
        channel: Uuid,
        external_id: &str,
        status: &str,
        rank: i64,
        now: Timestamp,
    ) -> Result<()> {
        let (external_id, status) = (external_id.to_owned(), status.to_owned());
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "INSERT INTO provider_receipts (provider_channel_id, external_id, status, status_rank, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (provider_channel_id, external_id) DO UPDATE SET status = excluded.status,
                       status_rank = excluded.status_rank, updated_at = excluded.updated_at
                     WHERE excluded.status_rank > provider_receipts.status_rank",
                )?
                .execute(params![channel, external_id, status, rank, now.as_micros()])?;
                Ok(((), None))
            })
            .await
    }

    pub(crate) async fn provider_receipt_status(
        &self,
        channel: Uuid,
        external_id: &str,
    ) -> Result<Option<String>> {
        let external_id = external_id.to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT status FROM provider_receipts WHERE provider_channel_id = ?1 AND external_id = ?2",
            )?
            .query_row(params![channel, external_id], |r| r.get(0))
            .optional()?)
        })
        .await
    }
}
