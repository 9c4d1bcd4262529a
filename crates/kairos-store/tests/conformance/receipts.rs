//! The customer's receipts as the workspace reads them from the log: the highest position
//! of each kind, the customer's own only, for this conversation only, recorded after a
//! given position.

use crate::{email_in, tenant};
use kairos_core::event::Actor;
use kairos_core::party::Role;
use kairos_core::receipt::SeenKind;
use kairos_store::Store;
use kairos_store::receipts::CustomerReceipts;

pub(super) async fn customer_receipts_are_the_newest_of_each_kind_after_a_position(store: Store) {
    let t = tenant(&store, "acme").await;
    let sys = Actor::System;
    let (anna, _) = store
        .inbound(t, email_in("anna@example.org", "Hallo", None), &sys)
        .await
        .unwrap();
    let (ben, _) = store
        .inbound(t, email_in("ben@example.org", "Moin", None), &sys)
        .await
        .unwrap();
    let (c, customer) = (anna.conversation_id, anna.customer_id);
    let first = store.log_head(t).await.unwrap();
    assert_eq!(
        store.customer_receipts(t, c, 0).await.unwrap(),
        CustomerReceipts::default()
    );
    let her = Actor::Customer { id: customer };
    for (kind, up_to) in [
        (SeenKind::Delivered, first - 1),
        (SeenKind::Delivered, first),
        (SeenKind::Read, first - 1),
    ] {
        store
            .mark_seen(t, c, Some(customer), kind, up_to, &her)
            .await
            .unwrap();
    }
    // A colleague's reading and another customer's receipts are not hers.
    let agent = Actor::Party {
        id: None,
        role: Role::Agent,
    };
    store
        .mark_seen(t, c, None, SeenKind::Read, first, &agent)
        .await
        .unwrap();
    let other = Actor::Customer {
        id: ben.customer_id,
    };
    store
        .mark_seen(
            t,
            ben.conversation_id,
            Some(ben.customer_id),
            SeenKind::Read,
            first,
            &other,
        )
        .await
        .unwrap();
    assert_eq!(
        store.customer_receipts(t, c, 0).await.unwrap(),
        CustomerReceipts {
            delivered: Some(first),
            read: Some(first - 1),
        }
    );
    let head = store.log_head(t).await.unwrap();
    assert_eq!(
        store.customer_receipts(t, c, head).await.unwrap(),
        CustomerReceipts::default(),
        "only receipts recorded after the position"
    );
}
