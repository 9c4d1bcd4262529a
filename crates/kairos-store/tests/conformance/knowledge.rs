//! The knowledge base: revisions, the state machine, translations, votes, partner grants,
//! and tenant isolation; every change on the log.

use crate::tenant;
use kairos_core::DomainError;
use kairos_core::event::{Actor, EventData};
use kairos_core::ids::PartyId;
use kairos_core::knowledge::{ArticleState, ArticleVisibility, Editor, Reader};
use kairos_core::party::Role;
use kairos_store::knowledge::{ArticleChange, NewArticle};
use kairos_store::{Store, StoreError};

fn new(category: kairos_core::ids::CategoryId, language: &str) -> NewArticle {
    NewArticle {
        category_id: Some(category),
        translation_of: None,
        language: language.into(),
        visibility: ArticleVisibility::Public,
        title: "Kündigung".into(),
        body: "Die Kündigungsfrist beträgt drei Monate.".into(),
    }
}

pub(super) async fn knowledge_base_revisions_states_translations_votes_and_grants(store: Store) {
    let t = tenant(&store, "acme").await;
    let other = tenant(&store, "globex").await;
    let staff = Actor::Party {
        id: None,
        role: Role::Admin,
    };
    let cat = store
        .kb_create_category(t, "vertrag".into(), "Vertrag".into(), &staff)
        .await
        .unwrap();
    let again = store
        .kb_create_category(t, "vertrag".into(), "x".into(), &staff)
        .await;
    assert!(matches!(
        again,
        Err(StoreError::Domain(DomainError::Conflict(_)))
    ));
    assert_eq!(store.kb_categories(t).await.unwrap(), vec![cat.clone()]);
    assert!(store.kb_categories(other).await.unwrap().is_empty());

    // Revisions: create is revision 1, an edit 2, a restore 3 with the old text.
    let a = store
        .kb_create_article(t, new(cat.id, "de"), Reader::Staff, None, &staff)
        .await
        .unwrap();
    assert_eq!((a.revision, a.state), (1, ArticleState::Draft));
    let a2 = store
        .kb_revise_article(
            t,
            a.id,
            "Kündigung".into(),
            "Neu.".into(),
            None,
            Reader::Staff,
            &staff,
        )
        .await
        .unwrap();
    assert_eq!(a2.revision, 2);
    let a3 = store
        .kb_revise_article(
            t,
            a.id,
            a.title.clone(),
            a.body.clone(),
            Some(1),
            Reader::Staff,
            &staff,
        )
        .await
        .unwrap();
    assert_eq!((a3.revision, a3.body.as_str()), (3, a.body.as_str()));
    let revs = store.kb_revisions(t, a.id).await.unwrap();
    assert_eq!(revs.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(revs[2].restored_from, Some(1));
    assert!(store.kb_article(other, a.id).await.unwrap().is_none());
    assert!(store.kb_revisions(other, a.id).await.unwrap().is_empty());

    // The state machine, checked inside the transaction.
    let to = |s| ArticleChange {
        state: Some(s),
        ..ArticleChange::default()
    };
    let bad = store
        .kb_change_article(
            t,
            a.id,
            to(ArticleState::Archived),
            Editor::Staff,
            Reader::Staff,
            &staff,
        )
        .await;
    assert!(
        matches!(bad, Err(StoreError::Domain(DomainError::Conflict(_)))),
        "{bad:?}"
    );
    let p = store
        .kb_change_article(
            t,
            a.id,
            to(ArticleState::Published),
            Editor::Staff,
            Reader::Staff,
            &staff,
        )
        .await
        .unwrap();
    assert_eq!(p.state, ArticleState::Published);

    // Translations: one per language in a group.
    let mut en = new(cat.id, "en");
    en.category_id = None;
    en.translation_of = Some(a.id);
    let e = store
        .kb_create_article(t, en.clone(), Reader::Staff, None, &staff)
        .await
        .unwrap();
    assert_eq!(
        (e.translation_group, e.category_id),
        (a.translation_group, cat.id)
    );
    let twice = store
        .kb_create_article(t, en, Reader::Staff, None, &staff)
        .await;
    assert!(matches!(
        twice,
        Err(StoreError::Domain(DomainError::Conflict(_)))
    ));

    // Votes: one per voter key.
    let (v, counted) = store
        .kb_feedback(t, a.id, "k1".into(), true, Reader::Customer, &Actor::System)
        .await
        .unwrap();
    assert!(counted && v.helpful_yes == 1);
    let (v, counted) = store
        .kb_feedback(
            t,
            a.id,
            "k1".into(),
            false,
            Reader::Customer,
            &Actor::System,
        )
        .await
        .unwrap();
    assert!(!counted && v.helpful_no == 0);
    let hidden = store
        .kb_feedback(t, e.id, "k2".into(), true, Reader::Customer, &Actor::System)
        .await;
    assert!(
        matches!(hidden, Err(StoreError::Domain(DomainError::NotFound(_)))),
        "a draft"
    );

    // Partner grants; a partner never publishes, even if the caller forgot to check.
    let party = PartyId::new();
    store
        .kb_grant(t, party, cat.id, true, &staff)
        .await
        .unwrap();
    assert_eq!(store.kb_grants(t, party).await.unwrap(), vec![cat.id]);
    let partner = Reader::Partner {
        party: Some(party),
        categories: vec![cat.id],
    };
    let mut fresh = new(cat.id, "de");
    fresh.title = "Partner".into();
    let d = store
        .kb_create_article(t, fresh, partner.clone(), Some(party), &Actor::System)
        .await
        .unwrap();
    assert_eq!(d.author_party, Some(party));
    let publish = store
        .kb_change_article(
            t,
            d.id,
            to(ArticleState::Published),
            Editor::Partner,
            partner.clone(),
            &Actor::System,
        )
        .await;
    assert!(matches!(
        publish,
        Err(StoreError::Domain(DomainError::Conflict(_)))
    ));
    store
        .kb_grant(t, party, cat.id, false, &staff)
        .await
        .unwrap();
    assert!(store.kb_grants(t, party).await.unwrap().is_empty());

    let names: Vec<&str> = store
        .events(t, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.data.name())
        .filter(|n| n.starts_with("kb."))
        .collect();
    assert_eq!(
        names,
        [
            "kb.category",
            "kb.article.created",
            "kb.article.revised",
            "kb.article.revised",
            "kb.article.changed",
            "kb.article.created",
            "kb.feedback",
            "kb.partner_grant",
            "kb.article.created",
            "kb.partner_grant",
        ]
    );
    let events = store.events(t, 0, 100).await.unwrap();
    assert!(events.iter().any(|e| matches!(
        &e.data,
        EventData::KbArticleRevised {
            restored_from: Some(1),
            revision: 3,
            ..
        }
    )));
}
