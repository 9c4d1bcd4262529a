//! Tenants: the log starts at one, slugs are unique, tenants never see each other.

use crate::{email_in, tenant};
use kairos_core::DomainError;
use kairos_core::conversation::{ConversationPatch, Status};
use kairos_core::event::{Actor, EventData};
use kairos_core::identity::Identity;
use kairos_core::tenant::TenantSlug;
use kairos_store::{ConversationFilter, Store, StoreError};

pub(super) async fn tenant_log_starts_at_one_and_slugs_are_unique(store: Store) {
    let t = tenant(&store, "acme").await;
    let events = store.events(t, 0, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].seq, 1);
    assert!(matches!(events[0].data, EventData::TenantCreated { .. }));
    let again = store
        .create_tenant(&TenantSlug::parse("acme").unwrap(), "again")
        .await;
    assert!(
        matches!(again, Err(StoreError::Domain(DomainError::Conflict(_)))),
        "{again:?}"
    );
    assert_eq!(store.tenant_by_slug("acme").await.unwrap().unwrap().id, t);
    assert!(store.tenant_by_slug("nope").await.unwrap().is_none());
}

pub(super) async fn tenants_never_see_each_other(store: Store) {
    let a = tenant(&store, "acme").await;
    let b = tenant(&store, "globex").await;
    let (ids, _) = store
        .inbound(
            a,
            email_in("anna@example.org", "hi", Some("<x@example.org>")),
            &Actor::System,
        )
        .await
        .unwrap();
    assert!(store.customer(b, ids.customer_id).await.unwrap().is_none());
    assert!(
        store
            .conversation(b, ids.conversation_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.message(b, ids.message_id).await.unwrap().is_none());
    assert!(
        store
            .messages(b, ids.conversation_id, true, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .timeline(b, ids.customer_id, true, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .conversations(
                b,
                &ConversationFilter {
                    limit: 10,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .is_empty()
    );
    let patch = store
        .patch_conversation(
            b,
            ids.conversation_id,
            ConversationPatch {
                status: Some(Status::Closed),
                ..Default::default()
            },
            &Actor::System,
        )
        .await;
    assert!(matches!(
        patch,
        Err(StoreError::Domain(DomainError::NotFound(_)))
    ));
    assert!(
        store
            .add_identity(
                b,
                ids.customer_id,
                Identity::email("z@example.org").unwrap(),
                &Actor::System
            )
            .await
            .is_err()
    );
    // The same sender and external id in tenant B is a different customer and message.
    let (other, new) = store
        .inbound(
            b,
            email_in("anna@example.org", "hi", Some("<x@example.org>")),
            &Actor::System,
        )
        .await
        .unwrap();
    assert!(new);
    assert_ne!(other.customer_id, ids.customer_id);
    assert_eq!(
        store
            .conversation(a, ids.conversation_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        Status::Open,
        "unchanged"
    );
}
