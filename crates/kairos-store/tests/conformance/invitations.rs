//! Staff invitations: one pending invitation per address and tenant, found by the hash of
//! its secret in any tenant but accepted only in its own, accepted once (the account and
//! its `party.created` in one transaction), renewed with a new secret (the old one stops
//! working), revoked, and expired after 72 hours.

use crate::tenant;
use kairos_core::party::Role;
use kairos_core::{DomainError, Timestamp};
use kairos_store::invitations::{Acceptance, InvitationState, NewInvitation};
use kairos_store::{Store, StoreError};

fn new(email: &str) -> NewInvitation {
    NewInvitation {
        email: email.into(),
        display_name: "Bea Beispiel".into(),
        role: Role::Agent,
        language: "de".into(),
        invited_by: None,
    }
}

fn conflict<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Domain(DomainError::Conflict(_))))
}

pub(super) async fn invitations_are_single_use_renewable_revocable_and_tenant_bound(store: Store) {
    let t = tenant(&store, "acme").await;
    let other = tenant(&store, "globex").await;
    let bea = store
        .invite_staff(t, new("bea@example.org"), &[1; 32])
        .await
        .unwrap();
    assert_eq!(bea.state(kairos_store::now()), InvitationState::Pending);
    assert_eq!(
        bea.expires_at.as_micros() - bea.created_at.as_micros(),
        72 * 3600 * 1_000_000
    );
    assert_eq!(
        bea.state(Timestamp::from_micros(bea.expires_at.as_micros())),
        InvitationState::Expired
    );
    // One pending invitation per address; another tenant invites whom it likes.
    assert!(conflict(
        store
            .invite_staff(t, new("bea@example.org"), &[2; 32])
            .await
    ));
    store
        .invite_staff(other, new("bea@example.org"), &[3; 32])
        .await
        .unwrap();
    let found = store.invitation_by_secret(&[1; 32]).await.unwrap().unwrap();
    assert_eq!((found.id, found.tenant_id), (bea.id, t));
    assert_eq!(store.invitations(t).await.unwrap(), vec![bea.clone()]);
    // Another tenant's secret is nothing here.
    assert_eq!(
        store
            .accept_invitation(other, &[1; 32], "hash".into())
            .await
            .unwrap(),
        Acceptance::Unknown
    );
    // Sent again: a new secret, and the old one stops working.
    let renewed = store.renew_invitation(t, bea.id, &[4; 32]).await.unwrap();
    assert!(renewed.expires_at.as_micros() >= bea.expires_at.as_micros());
    assert!(
        store
            .invitation_by_secret(&[1; 32])
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .accept_invitation(t, &[1; 32], "hash".into())
            .await
            .unwrap(),
        Acceptance::Unknown
    );
    // Accepted once: the account and its event.
    let head = store.log_head(t).await.unwrap();
    let accepted = store
        .accept_invitation(t, &[4; 32], "$argon2id$stand-in".into())
        .await
        .unwrap();
    let Acceptance::Accepted { invitation, party } = accepted else {
        panic!("not accepted: {accepted:?}");
    };
    assert_eq!(invitation.state(kairos_store::now()), InvitationState::Used);
    let account = store
        .party_by_email(t, "bea@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((account.id, account.role), (party, Role::Agent));
    assert_eq!(account.password_hash.as_deref(), Some("$argon2id$stand-in"));
    assert_eq!(store.log_head(t).await.unwrap(), head + 1);
    // Twice: refused as used, nothing written.
    assert_eq!(
        store
            .accept_invitation(t, &[4; 32], "other".into())
            .await
            .unwrap(),
        Acceptance::Refused(InvitationState::Used)
    );
    assert_eq!(store.log_head(t).await.unwrap(), head + 1);
    assert!(store.invitations(t).await.unwrap().is_empty());
    assert!(conflict(store.revoke_invitation(t, bea.id).await));
    assert!(conflict(store.renew_invitation(t, bea.id, &[5; 32]).await));
    // A staff member's address is not invited again.
    assert!(conflict(
        store
            .invite_staff(t, new("bea@example.org"), &[6; 32])
            .await
    ));
    // Revoked: the link is refused; revoking twice is no error; the address is free again.
    let carl = store
        .invite_staff(t, new("carl@example.org"), &[7; 32])
        .await
        .unwrap();
    store.revoke_invitation(t, carl.id).await.unwrap();
    store.revoke_invitation(t, carl.id).await.unwrap();
    assert_eq!(
        store
            .accept_invitation(t, &[7; 32], "hash".into())
            .await
            .unwrap(),
        Acceptance::Refused(InvitationState::Revoked)
    );
    store
        .invite_staff(t, new("carl@example.org"), &[8; 32])
        .await
        .unwrap();
    // Another tenant's invitation is not found by id.
    let theirs = store.invitations(other).await.unwrap()[0].id;
    assert!(matches!(
        store.revoke_invitation(t, theirs).await,
        Err(StoreError::Domain(DomainError::NotFound(_)))
    ));
}
