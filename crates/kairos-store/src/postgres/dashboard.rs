//! PostgreSQL side of the dashboard and the inbox's extra views.

use super::PgStore;
use crate::dashboard::FactRows;
use crate::error::Result;
use crate::workspace::{CustomerMatch, SlaDue, StaffMember, like_pattern};
use kairos_core::Timestamp;
use kairos_core::ids::{ConversationId, CustomerId, PartyId, TenantId};
use uuid::Uuid;

impl PgStore {
    pub(crate) async fn dashboard_rows(&self, tenant: TenantId, from: i64) -> Result<FactRows> {
        let t = tenant.0;
        let conversations = sqlx::query_as(
            "SELECT c.id, c.created_at, c.status,
                    (SELECT m.channel FROM messages m WHERE m.conversation_id = c.id ORDER BY m.seq LIMIT 1),
                    c.last_channel,
                    (SELECT min(m.created_at) FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'outbound')
             FROM conversations c
             WHERE c.tenant_id = $1 AND (c.created_at >= $2 OR c.updated_at >= $2 OR c.status IN ('open', 'pending'))",
        )
        .bind(t)
        .bind(from)
        .fetch_all(&self.pool)
        .await?;
        let changes = sqlx::query_as(
            "SELECT at, data FROM events WHERE tenant_id = $1 AND type = 'conversation.changed' AND at >= $2 ORDER BY seq",
        )
        .bind(t)
        .bind(from)
        .fetch_all(&self.pool)
        .await?;
        let clocks: Vec<(String,)> = sqlx::query_as(
            "SELECT s.clock FROM sla_clocks s JOIN conversations c ON c.id = s.conversation_id
             WHERE s.tenant_id = $1 AND c.created_at >= $2 AND s.metric IN ('first_response', 'resolution')",
        )
        .bind(t)
        .bind(from)
        .fetch_all(&self.pool)
        .await?;
        let handled = sqlx::query_as(
            "SELECT author, count(DISTINCT conversation_id) FROM messages
             WHERE tenant_id = $1 AND direction = 'outbound' AND created_at >= $2 GROUP BY author",
        )
        .bind(t)
        .bind(from)
        .fetch_all(&self.pool)
        .await?;
        let open_assigned = sqlx::query_as(
            "SELECT assignee, count(*) FROM conversations
             WHERE tenant_id = $1 AND assignee IS NOT NULL AND status IN ('open', 'pending') GROUP BY assignee",
        )
        .bind(t)
        .fetch_all(&self.pool)
        .await?;
        Ok(FactRows {
            conversations,
            changes,
            clocks: clocks.into_iter().map(|(c,)| c).collect(),
            handled,
            open_assigned,
        })
    }

    pub(crate) async fn sla_due(
        &self,
        tenant: TenantId,
        by: Timestamp,
        limit: u32,
    ) -> Result<Vec<SlaDue>> {
        let rows: Vec<(Uuid, i64, bool)> = sqlx::query_as(
            "SELECT s.conversation_id, min(s.due_at), bool_or(s.breached) FROM sla_clocks s
             JOIN conversations c ON c.id = s.conversation_id AND c.tenant_id = s.tenant_id
             WHERE s.tenant_id = $1 AND s.state = 'running' AND s.due_at <= $2
             GROUP BY s.conversation_id ORDER BY min(s.due_at), s.conversation_id LIMIT $3",
        )
        .bind(tenant.0)
        .bind(by.as_micros())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, due, breached)| SlaDue {
                conversation_id: ConversationId(id),
                due_at: Timestamp::from_micros(due),
                breached,
            })
            .collect())
    }

    pub(crate) async fn staff_members(&self, tenant: TenantId) -> Result<Vec<StaffMember>> {
        let rows: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT id, display_name FROM parties WHERE tenant_id = $1 AND role IN ('admin', 'agent')
             ORDER BY display_name, id",
        )
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, display_name)| StaffMember {
                id: PartyId(id),
                display_name,
            })
            .collect())
    }

    pub(crate) async fn find_customers(
        &self,
        tenant: TenantId,
        query: &str,
        limit: u32,
    ) -> Result<Vec<CustomerMatch>> {
        let rows: Vec<(Uuid, Option<String>)> = sqlx::query_as(
            "SELECT id, display_name FROM customers c
             WHERE tenant_id = $1 AND merged_into IS NULL
               AND (lower(coalesce(display_name, '')) LIKE $2 ESCAPE '\\'
                    OR EXISTS (SELECT 1 FROM identities i WHERE i.customer_id = c.id AND i.tenant_id = c.tenant_id
                               AND lower(i.value) LIKE $2 ESCAPE '\\'))
             ORDER BY display_name, id LIMIT $3",
        )
        .bind(tenant.0)
        .bind(like_pattern(query))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, display_name)| CustomerMatch {
                id: CustomerId(id),
                display_name,
            })
            .collect())
    }
}
