//! Forums: list filters by the reader's rights in SQL (offsets count what the reader sees),
//! the rules checked inside the transaction, conversion once, tenant isolation; every
//! change on the log.

use crate::tenant;
use kairos_core::DomainError;
use kairos_core::event::{Actor, EventData};
use kairos_core::forum::Moderation;
use kairos_core::ids::{CategoryId, CustomerId};
use kairos_core::knowledge::{ArticleVisibility, Reader};
use kairos_store::forum::{NewThread, Poster, ThreadFilter};
use kairos_store::{Store, StoreError};

fn new(category: CategoryId, title: &str, visibility: ArticleVisibility) -> NewThread {
    NewThread {
        category_id: category,
        visibility,
        language: "de".into(),
        title: title.into(),
        body: "Text".into(),
    }
}

fn customer(c: CustomerId) -> Poster {
    Poster {
        customer_id: Some(c),
        name: "Anna".into(),
    }
}

fn titles(threads: &[kairos_store::forum::Thread]) -> Vec<&str> {
    threads.iter().map(|t| t.title.as_str()).collect()
}

pub(super) async fn forum_threads_filter_moderate_convert_and_stay_in_their_tenant(store: Store) {
    let t = tenant(&store, "acme").await;
    let other = tenant(&store, "globex").await;
    let sys = Actor::System;
    let (anna, _) = store
        .inbound(t, crate::email_in("anna@example.org", "hi", None), &sys)
        .await
        .unwrap();
    let anna = anna.customer_id;
    let cat = store
        .kb_create_category(t, "forum".into(), "Forum".into(), &sys)
        .await
        .unwrap()
        .id;
    let mut ids = Vec::new();
    for (title, vis) in [
        ("public", ArticleVisibility::Public),
        ("members", ArticleVisibility::Customers),
        ("hidden", ArticleVisibility::Public),
    ] {
        let th = store
            .forum_create_thread(t, new(cat, title, vis), customer(anna), &sys)
            .await
            .unwrap();
        ids.push(th.id);
    }
    // An internal thread is refused: forums are for customers.
    let internal = store
        .forum_create_thread(
            t,
            new(cat, "x", ArticleVisibility::Internal),
            customer(anna),
            &sys,
        )
        .await;
    assert!(matches!(
        internal,
        Err(StoreError::Domain(DomainError::Invalid { .. }))
    ));
    store
        .forum_moderate(t, ids[2], None, Moderation::Hide, &sys)
        .await
        .unwrap();
    let list = |reader: Reader, limit, offset| {
        let store = store.clone();
        async move {
            store
                .forum_threads(t, ThreadFilter::for_reader(&reader, None), limit, offset)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        titles(&list(Reader::Staff, 10, 0).await),
        ["hidden", "members", "public"]
    );
    assert_eq!(
        titles(&list(Reader::Customer, 10, 0).await),
        ["members", "public"]
    );
    assert_eq!(titles(&list(Reader::Anonymous, 10, 0).await), ["public"]);
    // Offsets count what the reader may see.
    assert_eq!(titles(&list(Reader::Customer, 1, 1).await), ["public"]);
    assert!(list(Reader::Anonymous, 1, 1).await.is_empty());

    // A reply to a locked thread is refused inside the transaction; to a hidden one it is
    // "not found" for customers.
    store
        .forum_moderate(t, ids[0], None, Moderation::Lock, &sys)
        .await
        .unwrap();
    let locked = store
        .forum_reply(
            t,
            ids[0],
            "x".into(),
            customer(anna),
            Reader::Customer,
            &sys,
        )
        .await;
    assert!(matches!(
        locked,
        Err(StoreError::Domain(DomainError::Conflict(_)))
    ));
    let hidden = store
        .forum_reply(
            t,
            ids[2],
            "x".into(),
            customer(anna),
            Reader::Customer,
            &sys,
        )
        .await;
    assert!(matches!(
        hidden,
        Err(StoreError::Domain(DomainError::NotFound(_)))
    ));
    // Moderating what is already so writes nothing.
    let head = store.log_head(t).await.unwrap();
    store
        .forum_moderate(t, ids[0], None, Moderation::Lock, &sys)
        .await
        .unwrap();
    assert_eq!(store.log_head(t).await.unwrap(), head);

    // Conversion: a conversation of the author, once.
    let converted = store
        .forum_convert(t, ids[1], "/link".into(), &sys)
        .await
        .unwrap();
    let conversation = converted.conversation_id.unwrap();
    let c = store.conversation(t, conversation).await.unwrap().unwrap();
    assert_eq!(c.customer_id, anna);
    let again = store
        .forum_convert(t, ids[1], "/link".into(), &sys)
        .await
        .unwrap();
    assert_eq!(again.conversation_id, Some(conversation));

    // Another tenant sees none of it and cannot touch it.
    assert!(
        store
            .forum_threads(other, ThreadFilter::for_reader(&Reader::Staff, None), 10, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.forum_thread(other, ids[0]).await.unwrap().is_none());
    let foreign = store
        .forum_moderate(other, ids[0], None, Moderation::Hide, &sys)
        .await;
    assert!(matches!(
        foreign,
        Err(StoreError::Domain(DomainError::NotFound(_)))
    ));
    assert!(
        store
            .forum_threads_of(other, anna)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.forum_threads_of(t, anna).await.unwrap().len(), 3);

    // Every change is on the log.
    let events = store.events(t, 0, 1000).await.unwrap();
    let count = |name: &str| events.iter().filter(|e| e.data.name() == name).count();
    assert_eq!(count("forum.thread.created"), 3);
    assert_eq!(count("forum.moderated"), 2);
    assert_eq!(count("forum.converted"), 1);
    assert!(events.iter().any(|e| matches!(
        &e.data,
        EventData::ForumThreadCreated { customer_id: Some(c), .. } if *c == anna
    )));
}
