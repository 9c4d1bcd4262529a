//! SQLite side of the dashboard and the inbox's extra views.

use super::SqliteStore;
use crate::dashboard::FactRows;
use crate::error::Result;
use crate::workspace::{CustomerMatch, SlaDue, StaffMember, like_pattern};
use kairos_core::Timestamp;
use kairos_core::ids::{ConversationId, CustomerId, PartyId, TenantId};
use rusqlite::{Connection, params};
use uuid::Uuid;

fn rows<T>(
    c: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
    f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = c.prepare_cached(sql)?;
    let out = stmt.query_map(args, f)?.collect::<rusqlite::Result<_>>()?;
    Ok(out)
}

impl SqliteStore {
    pub(crate) async fn dashboard_rows(&self, tenant: TenantId, from: i64) -> Result<FactRows> {
        self.read(move |c| {
            let t = tenant.0;
            let conversations = rows(
                c,
                "SELECT c.id, c.created_at, c.status,
                        (SELECT m.channel FROM messages m WHERE m.conversation_id = c.id ORDER BY m.seq LIMIT 1),
                        c.last_channel,
                        (SELECT min(m.created_at) FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'outbound')
                 FROM conversations c
                 WHERE c.tenant_id = ?1 AND (c.created_at >= ?2 OR c.updated_at >= ?2 OR c.status IN ('open', 'pending'))",
                params![t, from],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )?;
            let changes = rows(
                c,
                "SELECT at, data FROM events WHERE tenant_id = ?1 AND type = 'conversation.changed' AND at >= ?2 ORDER BY seq",
                params![t, from],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let clocks = rows(
                c,
                "SELECT s.clock FROM sla_clocks s JOIN conversations c ON c.id = s.conversation_id
                 WHERE s.tenant_id = ?1 AND c.created_at >= ?2 AND s.metric IN ('first_response', 'resolution')",
                params![t, from],
                |r| r.get(0),
            )?;
            let handled = rows(
                c,
                "SELECT author, count(DISTINCT conversation_id) FROM messages
                 WHERE tenant_id = ?1 AND direction = 'outbound' AND created_at >= ?2 GROUP BY author",
                params![t, from],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let open_assigned = rows(
                c,
                "SELECT assignee, count(*) FROM conversations
                 WHERE tenant_id = ?1 AND assignee IS NOT NULL AND status IN ('open', 'pending') GROUP BY assignee",
                params![t],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(FactRows { conversations, changes, clocks, handled, open_assigned })
        })
        .await
    }

    pub(crate) async fn sla_due(
        &self,
        tenant: TenantId,
        by: Timestamp,
        limit: u32,
    ) -> Result<Vec<SlaDue>> {
        self.read(move |c| {
            rows(
                c,
                "SELECT s.conversation_id, min(s.due_at), max(s.breached) FROM sla_clocks s
                 JOIN conversations c ON c.id = s.conversation_id AND c.tenant_id = s.tenant_id
                 WHERE s.tenant_id = ?1 AND s.state = 'running' AND s.due_at <= ?2
                 GROUP BY s.conversation_id ORDER BY min(s.due_at), s.conversation_id LIMIT ?3",
                params![tenant.0, by.as_micros(), limit],
                |r| {
                    Ok(SlaDue {
                        conversation_id: ConversationId(r.get(0)?),
                        due_at: Timestamp::from_micros(r.get(1)?),
                        breached: r.get(2)?,
                    })
                },
            )
        })
        .await
    }

    pub(crate) async fn staff_members(&self, tenant: TenantId) -> Result<Vec<StaffMember>> {
        self.read(move |c| {
            rows(
                c,
                "SELECT id, display_name FROM parties WHERE tenant_id = ?1 AND role IN ('admin', 'agent')
                 ORDER BY display_name, id",
                params![tenant.0],
                |r| {
                    Ok(StaffMember {
                        id: PartyId(r.get(0)?),
                        display_name: r.get(1)?,
                    })
                },
            )
        })
        .await
    }

    pub(crate) async fn find_customers(
        &self,
        tenant: TenantId,
        query: &str,
        limit: u32,
    ) -> Result<Vec<CustomerMatch>> {
        let pattern = like_pattern(query);
        self.read(move |c| {
            rows(
                c,
                "SELECT id, display_name FROM customers c
                 WHERE tenant_id = ?1 AND merged_into IS NULL
                   AND (lower(coalesce(display_name, '')) LIKE ?2 ESCAPE '\\'
                        OR EXISTS (SELECT 1 FROM identities i WHERE i.customer_id = c.id AND i.tenant_id = c.tenant_id
                                   AND lower(i.value) LIKE ?2 ESCAPE '\\'))
                 ORDER BY display_name, id LIMIT ?3",
                params![tenant.0, pattern, limit],
                |r| {
                    Ok(CustomerMatch {
                        id: CustomerId(r.get::<_, Uuid>(0)?),
                        display_name: r.get(1)?,
                    })
                },
            )
        })
        .await
    }
}
