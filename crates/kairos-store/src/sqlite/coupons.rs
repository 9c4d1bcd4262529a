//! SQLite side of coupons.

use super::SqliteStore;
use super::tx::SqliteTx;
use crate::coupons::{COLUMNS, CouponTx, Row, coupon_row};
use crate::error::Result;
use crate::keys::SIGNING_KEY_LEN;
use kairos_core::Timestamp;
use kairos_core::coupon::Coupon;
use kairos_core::ids::{CouponId, CustomerId, TenantId};
use rusqlite::{OptionalExtension, params};

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

impl SqliteTx<'_> {
    fn one_coupon(&self, filter: &str, key: &dyn rusqlite::ToSql) -> Result<Option<Coupon>> {
        let sql = format!("SELECT {COLUMNS} FROM coupons WHERE tenant_id = ?1 AND {filter} = ?2");
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row(params![self.tenant().0, key], row)
            .optional()?
            .map(|r| coupon_row(r).1))
    }
}

impl CouponTx for SqliteTx<'_> {
    async fn coupon_key(&mut self, candidate: [u8; SIGNING_KEY_LEN]) -> Result<Vec<u8>> {
        let c = self.conn();
        c.prepare_cached("INSERT INTO signing_keys (name, key, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING")?
            .execute(params![crate::coupons::KEY_NAME, candidate.as_slice(), crate::now().as_micros()])?;
        Ok(
            c.prepare_cached("SELECT key FROM signing_keys WHERE name = ?1")?
                .query_row([crate::coupons::KEY_NAME], |r| r.get(0))?,
        )
    }

    async fn coupon_by_firing_key(&mut self, firing_key: &str) -> Result<Option<Coupon>> {
        self.one_coupon("firing_key", &firing_key)
    }

    async fn coupon_for_update(&mut self, id: CouponId) -> Result<Option<Coupon>> {
        // The one writer thread is the lock.
        self.one_coupon("id", &id.0)
    }

    async fn insert_coupon(&mut self, k: &Coupon, token_hash: &[u8]) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO coupons (id, tenant_id, customer_id, offer, value_minor, currency, issued_at, expires_at, token_hash, firing_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                k.id.0,
                self.tenant().0,
                k.customer_id.0,
                k.offer,
                k.value_minor,
                k.currency,
                k.issued_at.as_micros(),
                k.expires_at.as_micros(),
                token_hash,
                k.firing_key
            ])?;
        Ok(())
    }

    async fn mark_redeemed(
        &mut self,
        id: CouponId,
        at: Timestamp,
        by: Option<&str>,
    ) -> Result<bool> {
        let n = self
            .conn()
            .prepare_cached(
                "UPDATE coupons SET redeemed_at = ?1, redeemed_by = ?2
                 WHERE id = ?3 AND tenant_id = ?4 AND redeemed_at IS NULL",
            )?
            .execute(params![at.as_micros(), by, id.0, self.tenant().0])?;
        Ok(n == 1)
    }
}

impl SqliteStore {
    /// The coupon row whose token hashes to `hash`, in any tenant.
    pub(crate) async fn coupon_by_hash(&self, hash: Vec<u8>) -> Result<Option<Row>> {
        self.read(move |c| {
            let sql = format!("SELECT {COLUMNS} FROM coupons WHERE token_hash = ?1");
            Ok(c.prepare_cached(&sql)?.query_row([hash], row).optional()?)
        })
        .await
    }

    /// Coupon rows of a tenant: of a customer, or one by id; oldest first.
    pub(crate) async fn coupon_rows(
        &self,
        tenant: TenantId,
        customer: Option<CustomerId>,
        id: Option<CouponId>,
    ) -> Result<Vec<Row>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {COLUMNS} FROM coupons WHERE tenant_id = ?1
                 AND (?2 IS NULL OR customer_id = ?2) AND (?3 IS NULL OR id = ?3) ORDER BY issued_at, id"
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![tenant.0, customer.map(|c| c.0), id.map(|i| i.0)], row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }
}
