//! Coupons (anticipation issue 7): issuing is idempotent by firing key and answers the same
//! token every time; a token redeems once, also under concurrent attempts (I01); expired
//! and unknown tokens are refused; coupons follow merges and go with an erasure (N04).

use crate::tenant;
use kairos_core::Timestamp;
use kairos_core::coupon::{NewCoupon, RedeemError, token_well_formed};
use kairos_core::event::{Actor, EventData};
use kairos_core::ids::{CustomerId, TenantId};
use kairos_store::Store;

fn new(customer: CustomerId, key: &str, expires_at: Timestamp) -> NewCoupon {
    NewCoupon {
        customer_id: customer,
        offer: "lounge-voucher".into(),
        value_minor: 1500,
        currency: "EUR".into(),
        expires_at,
        firing_key: key.into(),
    }
}

fn in_a_day() -> Timestamp {
    Timestamp::from_micros(kairos_store::now().as_micros() + 86_400_000_000)
}

async fn customer(store: &Store, t: TenantId) -> CustomerId {
    store
        .create_customer(t, Some("Anna".into()), vec![], &Actor::System)
        .await
        .unwrap()
}

async fn coupon_events(store: &Store, t: TenantId) -> Vec<EventData> {
    store
        .events(t, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.data)
        .filter(|d| d.name().starts_with("coupon."))
        .collect()
}

pub(super) async fn coupons_issue_idempotently_with_the_same_token(store: Store) {
    let t = tenant(&store, "acme").await;
    let other = tenant(&store, "globex").await;
    let anna = customer(&store, t).await;
    let key = "rule:lounge:anna:2026-12-02T10:00";
    let first = store
        .issue_coupon(t, new(anna, key, in_a_day()), &Actor::System)
        .await
        .unwrap();
    assert!(first.created);
    assert!(token_well_formed(&first.token), "{}", first.token);
    // The retry after a crash: the same coupon, the same working token, nothing new.
    let again = store
        .issue_coupon(t, new(anna, key, in_a_day()), &Actor::System)
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.token, first.token);
    assert_eq!(again.coupon, first.coupon);
    let events = coupon_events(&store, t).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        !serde_json::to_string(&events)
            .unwrap()
            .contains(&first.token),
        "the token is never on the log"
    );
    assert!(
        matches!(&events[0], EventData::CouponIssued { coupon_id, firing_key, .. }
        if *coupon_id == first.coupon.id && firing_key == key)
    );
    // The token finds the coupon and its tenant, without naming the tenant.
    assert_eq!(
        store.coupon_by_token(&first.token).await.unwrap(),
        Some((t, first.coupon.clone()))
    );
    assert_eq!(
        store.coupons_of(t, anna).await.unwrap(),
        vec![first.coupon.clone()]
    );
    assert_eq!(
        store.coupon(t, first.coupon.id).await.unwrap(),
        Some(first.coupon.clone())
    );
    assert_eq!(store.coupon(other, first.coupon.id).await.unwrap(), None);
    // The same firing key in another tenant is another coupon with another token.
    let bob = customer(&store, other).await;
    let theirs = store
        .issue_coupon(other, new(bob, key, in_a_day()), &Actor::System)
        .await
        .unwrap();
    assert!(theirs.created);
    assert_ne!(theirs.token, first.token);
    // Refusals: another tenant's customer, invalid fields; nothing is written.
    let head = store.log_head(t).await.unwrap();
    assert!(
        store
            .issue_coupon(t, new(bob, "k2", in_a_day()), &Actor::System)
            .await
            .is_err()
    );
    let mut bad = new(anna, "k3", in_a_day());
    bad.currency = "eur".into();
    assert!(store.issue_coupon(t, bad, &Actor::System).await.is_err());
    assert_eq!(store.log_head(t).await.unwrap(), head);
}

pub(super) async fn coupons_redeem_once_even_concurrently(store: Store) {
    let t = tenant(&store, "acme").await;
    let anna = customer(&store, t).await;
    let issued = store
        .issue_coupon(t, new(anna, "fire-1", in_a_day()), &Actor::System)
        .await
        .unwrap();
    let tries: Vec<_> = (0..8)
        .map(|i| {
            let (store, token) = (store.clone(), issued.token.clone());
            tokio::spawn(
                async move { store.redeem_coupon(&token, Some(format!("till {i}"))).await },
            )
        })
        .collect();
    let mut won = 0;
    for t in tries {
        match t.await.unwrap().unwrap() {
            Ok((tenant, c)) => {
                assert_eq!(tenant, t_of(&store, &issued.token).await);
                assert!(c.redeemed_at.is_some() && c.redeemed_by.is_some());
                won += 1;
            }
            Err(RedeemError::AlreadyRedeemed { .. }) => {}
            Err(other) => panic!("unexpected refusal {other:?}"),
        }
    }
    assert_eq!(won, 1, "exactly one redemption wins (I01)");
    let redeemed = coupon_events(&store, t)
        .await
        .into_iter()
        .filter(|e| matches!(e, EventData::CouponRedeemed { .. }))
        .count();
    assert_eq!(redeemed, 1);
    let stored = store.coupons_of(t, anna).await.unwrap().remove(0);
    assert_eq!(
        store.redeem_coupon(&issued.token, None).await.unwrap(),
        Err(RedeemError::AlreadyRedeemed {
            at: stored.redeemed_at.unwrap()
        })
    );
    // Issuing again with the spent coupon's firing key does not revive it.
    let again = store
        .issue_coupon(t, new(anna, "fire-1", in_a_day()), &Actor::System)
        .await
        .unwrap();
    assert!(!again.created && again.coupon.redeemed_at.is_some());
}

async fn t_of(store: &Store, token: &str) -> TenantId {
    store.coupon_by_token(token).await.unwrap().unwrap().0
}

pub(super) async fn coupons_expire_follow_merges_and_go_with_erasure(store: Store) {
    let t = tenant(&store, "acme").await;
    let anna = customer(&store, t).await;
    let past = Timestamp::from_micros(kairos_store::now().as_micros() - 1_000_000);
    let stale = store
        .issue_coupon(t, new(anna, "old", past), &Actor::System)
        .await
        .unwrap();
    let head = store.log_head(t).await.unwrap();
    assert_eq!(
        store.redeem_coupon(&stale.token, None).await.unwrap(),
        Err(RedeemError::Expired { at: past })
    );
    for unknown in [
        "",
        "x",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "' OR 1=1 --AAAAAAAAAAAAAAAAAAAAA",
    ] {
        assert_eq!(store.coupon_by_token(unknown).await.unwrap(), None);
        assert_eq!(
            store.redeem_coupon(unknown, None).await.unwrap(),
            Err(RedeemError::NotFound)
        );
    }
    assert_eq!(
        store.log_head(t).await.unwrap(),
        head,
        "refusals write nothing"
    );
    // Merged into Bea, Anna's coupon is Bea's; erasing Bea takes it.
    let bea = customer(&store, t).await;
    let live = store
        .issue_coupon(t, new(anna, "live", in_a_day()), &Actor::System)
        .await
        .unwrap();
    store
        .merge_customers(t, bea, anna, &Actor::System)
        .await
        .unwrap();
    assert_eq!(store.coupons_of(t, bea).await.unwrap().len(), 2);
    let merged_issue = store
        .issue_coupon(t, new(anna, "after-merge", in_a_day()), &Actor::System)
        .await
        .unwrap();
    assert_eq!(
        merged_issue.coupon.customer_id, bea,
        "issued to the survivor"
    );
    let report = store.erase_person(t, bea, &Actor::System).await.unwrap();
    assert!(report.other_rows >= 3, "{report:?}");
    for token in [&stale.token, &live.token, &merged_issue.token] {
        assert_eq!(store.coupon_by_token(token).await.unwrap(), None);
    }
    assert!(coupon_events(&store, t).await.is_empty(), "redacted");
    assert!(store.check().await.unwrap().is_empty());
}
