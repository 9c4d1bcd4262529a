//! SQLite side of restrictions and decisions.

use super::SqliteStore;
use super::tx::SqliteTx;
use crate::error::Result;
use crate::restriction::{Decision, RestrictionTx, explanation, review_status};
use kairos_core::Timestamp;
use kairos_core::ids::{ConversationId, CustomerId, TenantId};
use kairos_core::restriction::Restrictions;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

const DECISION: &str =
    "SELECT firing_key, customer_id, rule, rule_version, action, text, explanation,
    conversation_id, fired_at, review_status, review_note FROM anticipation_firings";

type Row = (
    String,
    Uuid,
    String,
    u32,
    String,
    Option<String>,
    String,
    Option<Uuid>,
    i64,
    Option<String>,
    Option<String>,
);

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

fn decision(
    (key, customer, rule, rule_version, action, text, expl, conv, at, status, note): Row,
) -> Result<Decision> {
    Ok(Decision {
        key,
        customer_id: CustomerId(customer),
        rule,
        rule_version,
        action,
        text,
        explanation: explanation(&expl)?,
        conversation_id: conv.map(ConversationId),
        fired_at: Timestamp::from_micros(at),
        review: review_status(status)?,
        review_note: note,
    })
}

fn restrictions_in(c: &Connection, tenant: Uuid, customer: Uuid) -> Result<Restrictions> {
    let found = c
        .prepare_cached(
            "SELECT profiling, proactive, automation FROM restrictions
             WHERE tenant_id = ?1 AND customer_id = ?2",
        )?
        .query_row(params![tenant, customer], |r| {
            Ok(Restrictions {
                profiling: r.get(0)?,
                proactive: r.get(1)?,
                automation: r.get(2)?,
            })
        })
        .optional()?;
    Ok(found.unwrap_or_default())
}

impl RestrictionTx for SqliteTx<'_> {
    async fn restrictions_of(&mut self, customer: CustomerId) -> Result<Restrictions> {
        restrictions_in(self.conn(), self.tenant().0, customer.0)
    }

    async fn decision(&mut self, key: &str) -> Result<Option<Decision>> {
        let sql = format!("{DECISION} WHERE tenant_id = ?1 AND firing_key = ?2");
        let found = self
            .conn()
            .prepare_cached(&sql)?
            .query_row(params![self.tenant().0, key], row)
            .optional()?;
        found.map(decision).transpose()
    }
}

impl SqliteStore {
    /// A customer's restrictions.
    pub(crate) async fn restrictions(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Restrictions> {
        self.read(move |c| restrictions_in(c, tenant.0, customer.0))
            .await
    }

    /// A customer's decisions, newest first.
    pub(crate) async fn decisions(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        limit: u32,
    ) -> Result<Vec<Decision>> {
        let rows: Vec<Row> = self
            .read(move |c| {
                let sql = format!(
                    "{DECISION} WHERE tenant_id = ?1 AND customer_id = ?2
                     ORDER BY fired_at DESC, firing_key LIMIT ?3"
                );
                let mut stmt = c.prepare_cached(&sql)?;
                let rows = stmt.query_map(params![tenant.0, customer.0, limit], row)?;
                Ok(rows.collect::<rusqlite::Result<Vec<Row>>>()?)
            })
            .await?;
        rows.into_iter().map(decision).collect()
    }
}
