//! PostgreSQL side of restrictions and decisions.

use super::PgStore;
use super::tx::PgTx;
use crate::error::Result;
use crate::restriction::{Decision, RestrictionTx, explanation, review_status};
use kairos_core::Timestamp;
use kairos_core::ids::{ConversationId, CustomerId, TenantId};
use kairos_core::restriction::Restrictions;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

const DECISION: &str =
    "SELECT firing_key, customer_id, rule, rule_version, action, text, explanation,
    conversation_id, fired_at, review_status, review_note FROM anticipation_firings";
const RESTRICTIONS: &str = "SELECT profiling, proactive, automation FROM restrictions
    WHERE tenant_id = $1 AND customer_id = $2";

fn decision(r: &PgRow) -> Result<Decision> {
    Ok(Decision {
        key: r.try_get(0)?,
        customer_id: CustomerId(r.try_get(1)?),
        rule: r.try_get(2)?,
        rule_version: u32::try_from(r.try_get::<i32, _>(3)?).unwrap_or_default(),
        action: r.try_get(4)?,
        text: r.try_get(5)?,
        explanation: explanation(&r.try_get::<String, _>(6)?)?,
        conversation_id: r.try_get::<Option<Uuid>, _>(7)?.map(ConversationId),
        fired_at: Timestamp::from_micros(r.try_get(8)?),
        review: review_status(r.try_get(9)?)?,
        review_note: r.try_get(10)?,
    })
}

fn restrictions(r: Option<PgRow>) -> Result<Restrictions> {
    match r {
        Some(r) => Ok(Restrictions {
            profiling: r.try_get(0)?,
            proactive: r.try_get(1)?,
            automation: r.try_get(2)?,
        }),
        None => Ok(Restrictions::default()),
    }
}

impl RestrictionTx for PgTx {
    async fn restrictions_of(&mut self, customer: CustomerId) -> Result<Restrictions> {
        let tenant = self.tenant().0;
        let r = sqlx::query(RESTRICTIONS)
            .bind(tenant)
            .bind(customer.0)
            .fetch_optional(self.conn())
            .await?;
        restrictions(r)
    }

    async fn decision(&mut self, key: &str) -> Result<Option<Decision>> {
        let tenant = self.tenant().0;
        let sql = format!("{DECISION} WHERE tenant_id = $1 AND firing_key = $2");
        // Built from constants only.
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .bind(key)
            .fetch_optional(self.conn())
            .await?;
        r.as_ref().map(decision).transpose()
    }
}

impl PgStore {
    /// A customer's restrictions.
    pub(crate) async fn restrictions(
        &self,
        tenant: TenantId,
        customer: CustomerId,
    ) -> Result<Restrictions> {
        let r = sqlx::query(RESTRICTIONS)
            .bind(tenant.0)
            .bind(customer.0)
            .fetch_optional(&self.pool)
            .await?;
        restrictions(r)
    }

    /// A customer's decisions, newest first.
    pub(crate) async fn decisions(
        &self,
        tenant: TenantId,
        customer: CustomerId,
        limit: u32,
    ) -> Result<Vec<Decision>> {
        let sql = format!(
            "{DECISION} WHERE tenant_id = $1 AND customer_id = $2
             ORDER BY fired_at DESC, firing_key LIMIT $3"
        );
        // Built from constants only.
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(customer.0)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(decision).collect()
    }
}
