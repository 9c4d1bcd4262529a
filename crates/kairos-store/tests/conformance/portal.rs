//! The customer portal's sign-in links and sessions (checklist F05, F06): issued per
//! address and client within limits, used once before they expire, only in their tenant;
//! the customer owning the address (after merges) gets the session — created on a first
//! sign-in; erasure takes sessions and links with the person.

use crate::{email_in, tenant};
use kairos_core::DomainError;
use kairos_core::event::Actor;
use kairos_core::identity::Identity;
use kairos_core::message::Body;
use kairos_store::portal::{LinkIssued, LinkLimits};
use kairos_store::{Store, StoreError};

const LIMITS: LinkLimits = LinkLimits {
    per_address: 3,
    per_client: 5,
    window_micros: 15 * 60 * 1_000_000,
};

fn not_found(r: Result<kairos_core::ids::CustomerId, StoreError>) -> bool {
    matches!(r, Err(StoreError::Domain(DomainError::NotFound(_))))
}

pub(super) async fn portal_links_are_limited_used_once_and_open_sessions(store: Store) {
    let t = tenant(&store, "acme").await;
    let other = tenant(&store, "globex").await;
    // Per address: three links, then nothing more is stored (the caller answers alike).
    for i in 0..3u8 {
        let issued = store
            .portal_issue_link(t, &[i; 32], "anna@example.org", "client-a", LIMITS)
            .await
            .unwrap();
        assert_eq!(issued, LinkIssued::Issued);
    }
    let fourth = store
        .portal_issue_link(t, &[9; 32], "anna@example.org", "client-a", LIMITS)
        .await
        .unwrap();
    assert_eq!(fourth, LinkIssued::AddressLimited);
    // Per client: five requests in the window (the refused one above counts not).
    for i in 10..12u8 {
        let issued = store
            .portal_issue_link(
                t,
                &[i; 32],
                &format!("p{i}@example.org"),
                "client-a",
                LIMITS,
            )
            .await
            .unwrap();
        assert_eq!(issued, LinkIssued::Issued);
    }
    let limited = store
        .portal_issue_link(t, &[20; 32], "new@example.org", "client-a", LIMITS)
        .await
        .unwrap();
    assert_eq!(limited, LinkIssued::ClientLimited);
    // Another tenant counts apart.
    let elsewhere = store
        .portal_issue_link(other, &[21; 32], "anna@example.org", "client-a", LIMITS)
        .await
        .unwrap();
    assert_eq!(elsewhere, LinkIssued::Issued);

    // Another tenant's link is unknown here, and stays usable in its own tenant.
    assert!(not_found(
        store
            .portal_redeem_link(t, &[21; 32], b"s-x", "csrf", 3_600_000_000)
            .await
    ));
    // A first sign-in creates the customer owning the address.
    let anna = store
        .portal_redeem_link(t, &[0; 32], b"session-1", "csrf-1", 3_600_000_000)
        .await
        .unwrap();
    let owner = store
        .customer_by_identity(t, &Identity::email("anna@example.org").unwrap())
        .await
        .unwrap();
    assert_eq!(owner, Some(anna));
    // Used once only.
    assert!(not_found(
        store
            .portal_redeem_link(t, &[0; 32], b"session-2", "csrf-2", 3_600_000_000)
            .await
    ));
    let session = store.portal_session(b"session-1").await.unwrap().unwrap();
    assert_eq!((session.tenant_id, session.customer_id), (t, anna));
    assert_eq!(session.csrf_token, "csrf-1");
    // The next link of the same address finds the same customer.
    let again = store
        .portal_redeem_link(t, &[1; 32], b"session-3", "csrf-3", 3_600_000_000)
        .await
        .unwrap();
    assert_eq!(again, anna);
    store.portal_sign_out(t, b"session-3").await.unwrap();
    assert!(store.portal_session(b"session-3").await.unwrap().is_none());
    assert!(store.portal_session(b"session-1").await.unwrap().is_some());

    // An expired link is unknown (a window of one microsecond has passed by now).
    let short = LinkLimits {
        window_micros: 1,
        ..LIMITS
    };
    store
        .portal_issue_link(other, &[30; 32], "bo@example.org", "client-b", short)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    assert!(not_found(
        store
            .portal_redeem_link(other, &[30; 32], b"s-y", "csrf", 3_600_000_000)
            .await
    ));
    // An expired session is not found either.
    store
        .portal_issue_link(other, &[31; 32], "bo@example.org", "client-b", LIMITS)
        .await
        .unwrap();
    store
        .portal_redeem_link(other, &[31; 32], b"s-short", "csrf", 1)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    assert!(store.portal_session(b"s-short").await.unwrap().is_none());
}

pub(super) async fn portal_requests_follow_merges_and_erasure_takes_the_portal_rows(store: Store) {
    let t = tenant(&store, "acme").await;
    // An existing customer (from a mail) signs in: the link finds them, not a new record.
    let (ids, _) = store
        .inbound(
            t,
            email_in("cara@example.org", "Hallo", None),
            &Actor::System,
        )
        .await
        .unwrap();
    store
        .portal_issue_link(t, &[1; 32], "cara@example.org", "c", LIMITS)
        .await
        .unwrap();
    let cara = store
        .portal_redeem_link(t, &[1; 32], b"cara-session", "csrf", 3_600_000_000)
        .await
        .unwrap();
    assert_eq!(cara, ids.customer_id);
    // A portal request is always a new conversation on the portal channel, even with an
    // open one.
    let body = Body::new("Meine Rechnung fehlt", None).unwrap();
    let c = store
        .portal_new_request(
            t,
            cara,
            Some("Rechnung".into()),
            body,
            &Actor::Customer { id: cara },
        )
        .await
        .unwrap();
    assert_ne!(c, ids.conversation_id);
    let conv = store.conversation(t, c).await.unwrap().unwrap();
    assert_eq!(conv.customer_id, cara);
    assert_eq!(conv.channels, vec![kairos_core::message::Channel::Portal]);
    // After a merge, requests land with the survivor.
    let survivor = store
        .create_customer(t, Some("Cara".into()), vec![], &Actor::System)
        .await
        .unwrap();
    store
        .merge_customers(t, survivor, cara, &Actor::System)
        .await
        .unwrap();
    let body = Body::new("Noch etwas", None).unwrap();
    let c2 = store
        .portal_new_request(t, cara, None, body, &Actor::Customer { id: cara })
        .await
        .unwrap();
    assert_eq!(
        store
            .conversation(t, c2)
            .await
            .unwrap()
            .unwrap()
            .customer_id,
        survivor
    );
    // A pending link of the address goes with the erasure, and so does the session.
    store
        .portal_issue_link(t, &[2; 32], "cara@example.org", "c", LIMITS)
        .await
        .unwrap();
    store
        .erase_person(t, survivor, &Actor::System)
        .await
        .unwrap();
    assert!(
        store
            .portal_session(b"cara-session")
            .await
            .unwrap()
            .is_none()
    );
    assert!(not_found(
        store
            .portal_redeem_link(t, &[2; 32], b"late", "csrf", 3_600_000_000)
            .await
    ));
}
