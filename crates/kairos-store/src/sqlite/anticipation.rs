//! SQLite side of executed firings.

use super::tx::SqliteTx;
use crate::anticipation::AnticipationTx;
use crate::error::Result;
use kairos_core::Timestamp;
use kairos_core::anticipation::FiringCommand;
use kairos_core::ids::ConversationId;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

impl AnticipationTx for SqliteTx<'_> {
    async fn firing_exists(&mut self, key: &str) -> Result<bool> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT 1 FROM anticipation_firings WHERE tenant_id = ?1 AND firing_key = ?2",
            )?
            .query_row(params![self.tenant().0, key], |_| Ok(()))
            .optional()?
            .is_some())
    }

    async fn match_conversation(&mut self, match_key: &str) -> Result<Option<ConversationId>> {
        let id: Option<Option<Uuid>> = self
            .conn()
            .prepare_cached(
                "SELECT conversation_id FROM anticipation_firings
                 WHERE tenant_id = ?1 AND match_key = ?2 AND conversation_id IS NOT NULL
                 ORDER BY fired_at DESC LIMIT 1",
            )?
            .query_row(params![self.tenant().0, match_key], |r| r.get(0))
            .optional()?;
        Ok(id.flatten().map(ConversationId))
    }

    async fn insert_firing(
        &mut self,
        cmd: &FiringCommand,
        conversation: Option<ConversationId>,
        at: Timestamp,
    ) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO anticipation_firings (tenant_id, firing_key, match_key, customer_id,
                 rule, rule_version, action, conversation_id, fired_at, text, explanation)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                self.tenant().0,
                cmd.key,
                cmd.match_key,
                cmd.customer_id.0,
                cmd.rule,
                cmd.rule_version,
                cmd.action,
                conversation.map(|c| c.0),
                at.as_micros(),
                cmd.text,
                serde_json::to_string(&cmd.explanation)?
            ])?;
        Ok(())
    }
}
