//! Who finds what: an internal article never reaches anonymous visitors, customers or
//! partners on any query shape; drafts reach granted partners only; conversations their
//! owner only.

use crate::helpers::*;
use kairos_core::ids::{CustomerId, TenantId};
use kairos_search::{
    Asker, Filters, Kind, Language, Scope, SearchIndex, SearchRequest, State, Visibility,
};
use uuid::Uuid;

struct World {
    t: TenantId,
    index: SearchIndex,
    public: Uuid,
    internal: Uuid,
    customers_only: Uuid,
    draft: Uuid,
    note: Uuid,
    mine: Uuid,
    theirs: Uuid,
    me: CustomerId,
}

fn world() -> World {
    let t = TenantId::new();
    let me = CustomerId::new();
    let public = article(
        t,
        "Kündigungsfrist Vertrag",
        "Die Kündigungsfrist beträgt einen Monat.",
    );
    let mut internal = article(
        t,
        "Kündigungsfrist intern",
        "Interne Kulanzregel: Kündigungsfrist bei VIP-Kunden erlassen.",
    );
    internal.visibility = Visibility::Internal;
    internal.category = Some("intern".into());
    let mut customers_only = article(
        t,
        "Kündigungsfrist Bestandskunden",
        "Kündigungsfrist für Bestandskunden.",
    );
    customers_only.visibility = Visibility::Customers;
    let mut draft = article(
        t,
        "Kündigungsfrist neu",
        "Entwurf: die Kündigungsfrist ändert sich.",
    );
    draft.state = State::Draft;
    draft.category = Some("partner-kategorie".into());
    let mut note = message(t, me, "Interne Notiz zur Kündigungsfrist des Kunden.");
    note.visibility = Visibility::Internal;
    let mine = message(t, me, "Ich möchte meine Kündigungsfrist wissen.");
    let theirs = message(
        t,
        CustomerId::new(),
        "Frage zur Kündigungsfrist von jemand anderem.",
    );
    let docs = [public, internal, customers_only, draft, note, mine, theirs];
    let index = index_with(&docs);
    World {
        t,
        index,
        public: docs[0].id,
        internal: docs[1].id,
        customers_only: docs[2].id,
        draft: docs[3].id,
        note: docs[4].id,
        mine: docs[5].id,
        theirs: docs[6].id,
        me,
    }
}

/// Every way to ask: plain, stemmed, compound part, phrase, fuzzy, prefix (suggest), browse,
/// facet filter, facet counts.
fn every_shape(w: &World, scope: &Scope) -> Vec<Uuid> {
    let mut found = Vec::new();
    let mut requests = Vec::new();
    for text in [
        "Kündigungsfrist",
        "Kündigungsfristen",
        "Frist",
        "\"Kündigungsfrist intern\"",
        "Kündigungsfirst",
        "Kulanzregel",
        "Kulanzreegel",
        "VIP",
        "intern",
        "",
    ] {
        requests.push(SearchRequest::new(text).with_facets());
        for category in ["intern", "vertrag"] {
            requests.push(SearchRequest::new(text).with_facets().filters(Filters {
                category: Some(category.into()),
                ..Filters::default()
            }));
        }
        requests.push(SearchRequest::new(text).filters(Filters {
            kinds: vec![Kind::Article, Kind::Message],
            language: Some(Language::De),
            state: Some(State::Published),
            ..Filters::default()
        }));
    }
    for request in &requests {
        let r = w.index.search(request, scope).unwrap();
        found.extend(r.hits.iter().map(|h| h.id));
        if let Some(facets) = &r.facets {
            // Counts must not reveal what the asker cannot see.
            let counted: u64 = facets.kind.iter().map(|c| c.count).sum();
            assert_eq!(counted, r.total, "{request:?}");
            if scope.asker != Asker::Staff {
                assert!(
                    facets.category.iter().all(|c| c.value != "intern"),
                    "{request:?}"
                );
            }
        }
    }
    for typed in [
        "Kündigungsfr",
        "Kulanz",
        "Kulanzregel intern",
        "VIP Kunden ",
    ] {
        found.extend(
            w.index
                .suggest(typed, scope, 10)
                .unwrap()
                .iter()
                .map(|h| h.id),
        );
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn internal_content_never_reaches_anyone_but_staff() {
    let w = world();
    let partner = Asker::Partner {
        categories: vec!["partner-kategorie".into(), "intern".into()],
    };
    for asker in [
        Asker::Anonymous,
        Asker::Customer(w.me),
        Asker::Customer(CustomerId::new()),
        partner,
    ] {
        let found = every_shape(&w, &Scope::new(w.t, asker.clone()));
        assert!(
            !found.contains(&w.internal),
            "{asker:?} found the internal article"
        );
        assert!(
            !found.contains(&w.note),
            "{asker:?} found the internal note"
        );
        assert!(
            found.contains(&w.public),
            "{asker:?} lost the public article"
        );
    }
    let staff = every_shape(&w, &Scope::new(w.t, Asker::Staff));
    for id in [
        w.public,
        w.internal,
        w.customers_only,
        w.draft,
        w.note,
        w.mine,
        w.theirs,
    ] {
        assert!(staff.contains(&id));
    }
}

#[test]
fn each_asker_finds_exactly_their_share() {
    let w = world();
    let expect = |asker: Asker, mut ids: Vec<Uuid>| {
        let mut found = every_shape(&w, &Scope::new(w.t, asker.clone()));
        found.sort();
        ids.sort();
        assert_eq!(found, ids, "{asker:?}");
    };
    expect(Asker::Anonymous, vec![w.public]);
    expect(
        Asker::Customer(w.me),
        vec![w.public, w.customers_only, w.mine],
    );
    expect(
        Asker::Customer(CustomerId::new()),
        vec![w.public, w.customers_only],
    );
    expect(
        Asker::Partner {
            categories: vec!["partner-kategorie".into()],
        },
        vec![w.public, w.draft],
    );
    expect(Asker::Partner { categories: vec![] }, vec![w.public]);
}

#[test]
fn a_partner_granted_a_category_cannot_read_internal_articles_in_it() {
    let w = world();
    let scope = Scope::new(
        w.t,
        Asker::Partner {
            categories: vec!["intern".into()],
        },
    );
    let r = w
        .index
        .search(&SearchRequest::new("Kulanzregel"), &scope)
        .unwrap();
    assert_eq!(r.total, 0);
}
