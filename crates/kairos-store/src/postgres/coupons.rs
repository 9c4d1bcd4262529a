//! PostgreSQL side of coupons.

use super::PgStore;
use super::tx::PgTx;
use crate::coupons::{COLUMNS, CouponTx, Row, coupon_row};
use crate::error::Result;
use crate::keys::SIGNING_KEY_LEN;
use kairos_core::Timestamp;
use kairos_core::coupon::Coupon;
use kairos_core::ids::{CouponId, CustomerId, TenantId};
use sqlx::Row as _;
use sqlx::postgres::PgRow;

fn row(r: &PgRow) -> sqlx::Result<Row> {
    Ok((
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
        r.try_get(5)?,
        r.try_get(6)?,
        r.try_get(7)?,
        r.try_get(8)?,
        r.try_get(9)?,
        r.try_get(10)?,
    ))
}

impl CouponTx for PgTx {
    async fn coupon_key(&mut self, candidate: [u8; SIGNING_KEY_LEN]) -> Result<Vec<u8>> {
        sqlx::query("INSERT INTO signing_keys (name, key, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
            .bind(crate::coupons::KEY_NAME)
            .bind(candidate.as_slice())
            .bind(crate::now().as_micros())
            .execute(self.conn())
            .await?;
        let r = sqlx::query("SELECT key FROM signing_keys WHERE name = $1")
            .bind(crate::coupons::KEY_NAME)
            .fetch_one(self.conn())
            .await?;
        Ok(r.try_get(0)?)
    }

    async fn coupon_by_firing_key(&mut self, firing_key: &str) -> Result<Option<Coupon>> {
        let tenant = self.tenant().0;
        let sql = format!("SELECT {COLUMNS} FROM coupons WHERE tenant_id = $1 AND firing_key = $2");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .bind(firing_key)
            .fetch_optional(self.conn())
            .await?;
        Ok(r.as_ref().map(row).transpose()?.map(|r| coupon_row(r).1))
    }

    async fn coupon_for_update(&mut self, id: CouponId) -> Result<Option<Coupon>> {
        let tenant = self.tenant().0;
        let sql =
            format!("SELECT {COLUMNS} FROM coupons WHERE tenant_id = $1 AND id = $2 FOR UPDATE");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .bind(id.0)
            .fetch_optional(self.conn())
            .await?;
        Ok(r.as_ref().map(row).transpose()?.map(|r| coupon_row(r).1))
    }

    async fn insert_coupon(&mut self, k: &Coupon, token_hash: &[u8]) -> Result<()> {
        let tenant = self.tenant().0;
        sqlx::query(
            "INSERT INTO coupons (id, tenant_id, customer_id, offer, value_minor, currency, issued_at, expires_at, token_hash, firing_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(k.id.0)
        .bind(tenant)
        .bind(k.customer_id.0)
        .bind(&k.offer)
        .bind(k.value_minor)
        .bind(&k.currency)
        .bind(k.issued_at.as_micros())
        .bind(k.expires_at.as_micros())
        .bind(token_hash)
        .bind(&k.firing_key)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn mark_redeemed(
        &mut self,
        id: CouponId,
        at: Timestamp,
        by: Option<&str>,
    ) -> Result<bool> {
        let tenant = self.tenant().0;
        let done = sqlx::query(
            "UPDATE coupons SET redeemed_at = $1, redeemed_by = $2
             WHERE id = $3 AND tenant_id = $4 AND redeemed_at IS NULL",
        )
        .bind(at.as_micros())
        .bind(by)
        .bind(id.0)
        .bind(tenant)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl PgStore {
    /// The coupon row whose token hashes to `hash`, in any tenant.
    pub(crate) async fn coupon_by_hash(&self, hash: Vec<u8>) -> Result<Option<Row>> {
        let sql = format!("SELECT {COLUMNS} FROM coupons WHERE token_hash = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.as_ref().map(row).transpose()?)
    }

    /// Coupon rows of a tenant: of a customer, or one by id; oldest first.
    pub(crate) async fn coupon_rows(
        &self,
        tenant: TenantId,
        customer: Option<CustomerId>,
        id: Option<CouponId>,
    ) -> Result<Vec<Row>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM coupons WHERE tenant_id = $1
             AND ($2::uuid IS NULL OR customer_id = $2) AND ($3::uuid IS NULL OR id = $3) ORDER BY issued_at, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(customer.map(|c| c.0))
            .bind(id.map(|i| i.0))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(row).collect::<sqlx::Result<Vec<_>>>()?)
    }
}
