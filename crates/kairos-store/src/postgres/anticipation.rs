//! PostgreSQL side of executed firings.

use super::tx::PgTx;
use crate::anticipation::AnticipationTx;
use crate::error::Result;
use kairos_core::Timestamp;
use kairos_core::anticipation::FiringCommand;
use kairos_core::ids::ConversationId;
use sqlx::Row;
use uuid::Uuid;

impl AnticipationTx for PgTx {
    async fn firing_exists(&mut self, key: &str) -> Result<bool> {
        let tenant = self.tenant().0;
        let row = sqlx::query(
            "SELECT 1 FROM anticipation_firings WHERE tenant_id = $1 AND firing_key = $2",
        )
        .bind(tenant)
        .bind(key)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.is_some())
    }

    async fn match_conversation(&mut self, match_key: &str) -> Result<Option<ConversationId>> {
        let tenant = self.tenant().0;
        let row = sqlx::query(
            "SELECT conversation_id FROM anticipation_firings
             WHERE tenant_id = $1 AND match_key = $2 AND conversation_id IS NOT NULL
             ORDER BY fired_at DESC LIMIT 1",
        )
        .bind(tenant)
        .bind(match_key)
        .fetch_optional(self.conn())
        .await?;
        match row {
            Some(r) => Ok(r.try_get::<Option<Uuid>, _>(0)?.map(ConversationId)),
            None => Ok(None),
        }
    }

    async fn insert_firing(
        &mut self,
        cmd: &FiringCommand,
        conversation: Option<ConversationId>,
        at: Timestamp,
    ) -> Result<()> {
        let tenant = self.tenant().0;
        sqlx::query(
            "INSERT INTO anticipation_firings (tenant_id, firing_key, match_key, customer_id,
             rule, rule_version, action, conversation_id, fired_at, text, explanation)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(tenant)
        .bind(&cmd.key)
        .bind(&cmd.match_key)
        .bind(cmd.customer_id.0)
        .bind(&cmd.rule)
        .bind(i32::try_from(cmd.rule_version).unwrap_or(i32::MAX))
        .bind(&cmd.action)
        .bind(conversation.map(|c| c.0))
        .bind(at.as_micros())
        .bind(&cmd.text)
        .bind(serde_json::to_string(&cmd.explanation)?)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
