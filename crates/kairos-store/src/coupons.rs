//! Single-use coupons: issued through the tenant's write transaction (`coupon.issued` on
//! the log), redeemed at most once (`coupon.redeemed`), looked up by their redemption token.
//!
//! **Tokens.** A coupon's token is `base64url(HMAC-SHA256(K, "kairos-coupon/1" ‖ tenant id
//! ‖ firing key)[..24])`: 192 bits, 32 URL-safe characters. `K` is the server-wide signing
//! key `coupon_tokens` (in `signing_keys`, created by the first instance that issues, shared
//! by all, like the visitor and thread keys; read inside the issuing transaction). Deriving
//! rather than drawing the token is what makes a retry after a crash safe: issuing again
//! with the same firing key finds the stored coupon *and* re-derives the same token, so a
//! message sent by the retry carries a working code, while nothing that could redeem it is
//! ever stored — the table keeps only the token's SHA-256 (unique across tenants, since the
//! public URL names no tenant), the log not even that. A server-wide key with the tenant id
//! inside the MAC keeps two tenants' tokens apart without a key per tenant to manage.

use crate::flows::{WriteTx, surviving_customer};
use crate::keys::SIGNING_KEY_LEN;
use crate::{Result, Store, StoreError, now};
use base64::Engine;
use hmac::{Hmac, Mac};
use kairos_core::Timestamp;
use kairos_core::coupon::{self, Coupon, NewCoupon, RedeemError};
use kairos_core::event::{Actor, EventData, NewEvent};
use kairos_core::ids::{CouponId, CustomerId, TenantId};
use sha2::{Digest, Sha256};

/// Name of the signing key coupon tokens are derived with.
pub const KEY_NAME: &str = "coupon_tokens";

/// A coupon with its redemption token (for the message that carries it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedCoupon {
    /// The coupon.
    pub coupon: Coupon,
    /// The redemption token (`/r/{token}`); the same on every retry.
    pub token: String,
    /// `false` when the firing key had issued it before (nothing changed).
    pub created: bool,
}

/// The columns [`coupon_row`]'s tuple is read from, in order.
pub(crate) const COLUMNS: &str = "id, tenant_id, customer_id, offer, value_minor, currency, issued_at, expires_at, firing_key, redeemed_at, redeemed_by";

/// A coupon row as read: `COLUMNS` in order.
pub(crate) type Row = (
    uuid::Uuid,
    uuid::Uuid,
    uuid::Uuid,
    String,
    i64,
    String,
    i64,
    i64,
    String,
    Option<i64>,
    Option<String>,
);

/// The tenant and coupon of a row.
pub(crate) fn coupon_row(r: Row) -> (TenantId, Coupon) {
    let (id, tenant, customer, offer, value_minor, currency, issued, expires, key, redeemed, by) =
        r;
    (
        TenantId(tenant),
        Coupon {
            id: CouponId(id),
            customer_id: CustomerId(customer),
            offer,
            value_minor,
            currency,
            issued_at: Timestamp::from_micros(issued),
            expires_at: Timestamp::from_micros(expires),
            firing_key: key,
            redeemed_at: redeemed.map(Timestamp::from_micros),
            redeemed_by: by,
        },
    )
}

/// The token of the coupon `firing_key` issues in `tenant`, under `key`.
pub(crate) fn derive_token(key: &[u8], tenant: TenantId, firing_key: &str) -> Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|e| StoreError::Corrupt(format!("coupon key: {e}")))?;
    // The tenant id has a fixed length, so the concatenation is unambiguous.
    mac.update(b"kairos-coupon/1");
    mac.update(tenant.0.as_bytes());
    mac.update(firing_key.as_bytes());
    let tag = mac.finalize().into_bytes();
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&tag[..24]))
}

/// What is stored of a token: its SHA-256.
pub(crate) fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The reads and writes beside the log that coupons need inside the write transaction.
pub(crate) trait CouponTx {
    /// The coupon signing key, storing `candidate` if there is none yet.
    async fn coupon_key(&mut self, candidate: [u8; SIGNING_KEY_LEN]) -> Result<Vec<u8>>;
    /// This tenant's coupon issued by `firing_key`.
    async fn coupon_by_firing_key(&mut self, firing_key: &str) -> Result<Option<Coupon>>;
    /// This tenant's coupon `id` (locked for the rest of the transaction on PostgreSQL).
    async fn coupon_for_update(&mut self, id: CouponId) -> Result<Option<Coupon>>;
    /// Stores a new coupon with its token's hash.
    async fn insert_coupon(&mut self, coupon: &Coupon, token_hash: &[u8]) -> Result<()>;
    /// Marks it redeemed unless it already is; `false` if it was.
    async fn mark_redeemed(
        &mut self,
        id: CouponId,
        at: Timestamp,
        by: Option<&str>,
    ) -> Result<bool>;
}

async fn issue<T: WriteTx + CouponTx>(
    tx: &mut T,
    tenant: TenantId,
    new: NewCoupon,
    candidate: [u8; SIGNING_KEY_LEN],
    at: Timestamp,
    actor: &Actor,
) -> Result<IssuedCoupon> {
    let key = tx.coupon_key(candidate).await?;
    let token = derive_token(&key, tenant, &new.firing_key)?;
    if let Some(coupon) = tx.coupon_by_firing_key(&new.firing_key).await? {
        return Ok(IssuedCoupon {
            coupon,
            token,
            created: false,
        });
    }
    let customer = surviving_customer(tx, new.customer_id)
        .await?
        .ok_or(StoreError::not_found("customer"))?;
    let coupon = Coupon {
        id: CouponId::new(),
        customer_id: customer,
        offer: new.offer,
        value_minor: new.value_minor,
        currency: new.currency,
        issued_at: at,
        expires_at: new.expires_at,
        firing_key: new.firing_key,
        redeemed_at: None,
        redeemed_by: None,
    };
    tx.insert_coupon(&coupon, &token_hash(&token)).await?;
    tx.append(vec![NewEvent::new(
        at,
        actor,
        EventData::CouponIssued {
            coupon_id: coupon.id,
            customer_id: coupon.customer_id,
            offer: coupon.offer.clone(),
            value_minor: coupon.value_minor,
            currency: coupon.currency.clone(),
            expires_at: coupon.expires_at,
            firing_key: coupon.firing_key.clone(),
        },
    )])
    .await?;
    Ok(IssuedCoupon {
        coupon,
        token,
        created: true,
    })
}

/// Redeems inside the tenant's writer: the check and the change are one transaction, and
/// the tenant's writers are serialised (SQLite's one writer; PostgreSQL's tenant row lock,
/// plus the row lock and `redeemed_at IS NULL` guard), so of two concurrent redemptions
/// exactly one wins.
async fn redeem<T: WriteTx + CouponTx>(
    tx: &mut T,
    id: CouponId,
    by: Option<String>,
    at: Timestamp,
) -> Result<Result<Coupon, RedeemError>> {
    let Some(mut coupon) = tx.coupon_for_update(id).await? else {
        return Ok(Err(RedeemError::NotFound));
    };
    if let Err(refused) = coupon.redeemable(at) {
        return Ok(Err(refused));
    }
    if !tx.mark_redeemed(id, at, by.as_deref()).await? {
        return Ok(Err(RedeemError::AlreadyRedeemed { at }));
    }
    tx.append(vec![NewEvent::new(
        at,
        &Actor::System,
        EventData::CouponRedeemed {
            coupon_id: id,
            customer_id: coupon.customer_id,
            by: by.clone(),
        },
    )])
    .await?;
    coupon.redeemed_at = Some(at);
    coupon.redeemed_by = by;
    Ok(Ok(coupon))
}

impl Store {
    /// Issues a coupon for a firing, or — if this tenant's `firing_key` issued one before —
    /// returns that one with the same token (`created: false`, nothing changes). Refuses an
    /// invalid coupon (400-class) and an unknown customer (not found).
    pub async fn issue_coupon(
        &self,
        tenant: TenantId,
        new: NewCoupon,
        actor: &Actor,
    ) -> Result<IssuedCoupon> {
        new.validate()?;
        let (actor, at) = (actor.clone(), now());
        let candidate: [u8; SIGNING_KEY_LEN] = rand::random();
        flow!(self, tenant, |tx| issue(
            tx, tenant, new, candidate, at, &actor
        ))
    }

    /// The coupon a redemption token stands for, with its tenant (tokens name no tenant).
    /// A malformed token is answered `None` without a database access.
    pub async fn coupon_by_token(&self, token: &str) -> Result<Option<(TenantId, Coupon)>> {
        if !coupon::token_well_formed(token) {
            return Ok(None);
        }
        let hash = token_hash(token);
        let row = dispatch!(self, s => s.coupon_by_hash(hash).await)?;
        Ok(row.map(coupon_row))
    }

    /// Redeems the coupon of `token` once (`by`: who took it, e.g. a till, already
    /// validated). The outer error is the store failing; the inner one the refusal.
    pub async fn redeem_coupon(
        &self,
        token: &str,
        by: Option<String>,
    ) -> Result<Result<(TenantId, Coupon), RedeemError>> {
        let Some((tenant, coupon)) = self.coupon_by_token(token).await? else {
            return Ok(Err(RedeemError::NotFound));
        };
        // Refused without a write when the read already says so.
        let at = now();
        if let Err(refused) = coupon.redeemable(at) {
            return Ok(Err(refused));
        }
        let id = coupon.id;
        let done = flow!(self, tenant, |tx| redeem(tx, id, by, at))?;
        Ok(done.map(|c| (tenant, c)))
    }

    /// A customer's coupons, oldest first.
    pub async fn coupons_of(&self, tenant: TenantId, customer: CustomerId) -> Result<Vec<Coupon>> {
        let rows = dispatch!(self, s => s.coupon_rows(tenant, Some(customer), None).await)?;
        Ok(rows.into_iter().map(|r| coupon_row(r).1).collect())
    }

    /// One coupon of this tenant.
    pub async fn coupon(&self, tenant: TenantId, id: CouponId) -> Result<Option<Coupon>> {
        let rows = dispatch!(self, s => s.coupon_rows(tenant, None, Some(id)).await)?;
        Ok(rows.into_iter().next().map(|r| coupon_row(r).1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_deterministic_well_formed_and_tenant_bound() {
        let key = [7u8; SIGNING_KEY_LEN];
        let (a, b) = (TenantId::new(), TenantId::new());
        let t = derive_token(&key, a, "fire-1").unwrap();
        assert!(coupon::token_well_formed(&t), "{t}");
        assert_eq!(t, derive_token(&key, a, "fire-1").unwrap());
        assert_ne!(t, derive_token(&key, b, "fire-1").unwrap());
        assert_ne!(t, derive_token(&key, a, "fire-2").unwrap());
        assert_ne!(
            t,
            derive_token(&[8u8; SIGNING_KEY_LEN], a, "fire-1").unwrap()
        );
        assert_eq!(token_hash(&t).len(), 32);
    }
}
