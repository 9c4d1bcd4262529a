//! The acceptance for search, as a new user would check it.

use crate::helpers::*;
use kairos_core::ids::{CustomerId, TenantId};
use kairos_search::{Asker, Filters, Language, Scope, SearchIndex, SearchRequest};

fn staff(tenant: TenantId) -> Scope {
    Scope::new(tenant, Asker::Staff)
}

#[test]
fn frist_finds_an_article_that_only_says_kuendigungsfrist() {
    let t = TenantId::new();
    let doc = article(
        t,
        "Fristen beim Vertragsende",
        "Die Kündigungsfrist beträgt drei Monate zum Monatsende.",
    );
    let other = article(t, "Rechnung", "Ihre Rechnung kommt per Post.");
    let index = index_with(&[doc.clone(), other]);
    assert_eq!(ids(&index, "Frist", &staff(t)), [doc.id]);
    // Only the compound, nowhere else.
    let only = article(t, "Kündigung", "Beachten Sie die Kündigungsfrist.");
    let index = index_with(std::slice::from_ref(&only));
    let results = index
        .search(&SearchRequest::new("Frist"), &staff(t))
        .unwrap();
    assert_eq!(results.hits.len(), 1);
    assert!(
        results.hits[0]
            .snippet_html
            .contains("<mark>Kündigungsfrist</mark>")
    );
}

#[test]
fn kuendigung_finds_kuendigungen_and_transcriptions() {
    let t = TenantId::new();
    let doc = article(
        t,
        "Fragen",
        "Alle Kündigungen werden schriftlich bestätigt.",
    );
    let index = index_with(std::slice::from_ref(&doc));
    for q in [
        "kündigung",
        "Kündigung",
        "kuendigung",
        "kundigung",
        "KÜNDIGUNGEN",
    ] {
        assert_eq!(ids(&index, q, &staff(t)), [doc.id], "{q}");
    }
}

#[test]
fn misspelt_kuendigng_still_finds_it() {
    let t = TenantId::new();
    let plural = article(
        t,
        "Fragen",
        "Alle Kündigungen werden schriftlich bestätigt.",
    );
    let compound = article(t, "Fristen", "Die Kündigungsfrist beträgt drei Monate.");
    let unrelated = article(t, "Kunden", "Kunden erhalten einen Newsletter.");
    let index = index_with(&[plural.clone(), compound.clone(), unrelated]);
    let mut found = ids(&index, "Kündigng", &staff(t));
    found.sort();
    let mut expected = vec![plural.id, compound.id];
    expected.sort();
    assert_eq!(found, expected);
    // Two typos in a long word.
    assert!(ids(&index, "Kündigüngsfrsit", &staff(t)).contains(&compound.id));
    // Correct words do not fan out to near spellings: "Kunden" is a word of the index.
    assert_eq!(ids(&index, "Kunden", &staff(t)).len(), 1);
}

fn cancellation_corpus(t: TenantId) -> Vec<kairos_search::Document> {
    vec![
        article(
            t,
            "Vertrag kündigen",
            "So kündigen Sie Ihren Vertrag: Die Kündigung ist online oder per Brief möglich. Die Kündigungsfrist beträgt einen Monat.",
        ),
        article(
            t,
            "Rechnung verstehen",
            "Ihre monatliche Rechnung zeigt alle Posten Ihres Vertrags und die Zahlungsfrist.",
        ),
        article(
            t,
            "Tarif wechseln",
            "Sie können Ihren Tarif jederzeit wechseln. Der Vertrag läuft weiter.",
        ),
        article(
            t,
            "Umzug melden",
            "Teilen Sie uns Ihre neue Adresse mit, damit Ihr Vertrag umzieht.",
        ),
        article(
            t,
            "Passwort vergessen",
            "Setzen Sie Ihr Passwort im Kundenportal zurück.",
        ),
        article_en(
            t,
            "Cancel your contract",
            "How to cancel your contract online.",
        ),
    ]
}

#[test]
fn a_question_suggests_the_cancellation_article_first() {
    let t = TenantId::new();
    let docs = cancellation_corpus(t);
    let index = index_with(&docs);
    let customer = Scope::new(t, Asker::Customer(CustomerId::new()));
    for typed in [
        "Wie kündige ich meinen Vertrag",
        "Wie kündige ich meinen Vertrag?",
        "wie kündige ich meinen Vert",
        "vertrag kündigen ",
    ] {
        let hits = index.suggest(typed, &customer, 5).unwrap();
        assert_eq!(
            hits.first().map(|h| h.id),
            Some(docs[0].id),
            "{typed}: {hits:#?}"
        );
    }
    // Full search ranks it first too.
    let results = index
        .search(
            &SearchRequest::new("Wie kündige ich meinen Vertrag"),
            &customer,
        )
        .unwrap();
    assert_eq!(results.hits[0].id, docs[0].id);
    // English question, English article.
    let hits = index
        .suggest("how do I cancel my contract", &customer, 5)
        .unwrap();
    assert_eq!(hits[0].id, docs[5].id);
}

#[test]
fn phrases_match_words_in_order() {
    let t = TenantId::new();
    let a = article(t, "A", "Die Kündigungsfrist beträgt drei Monate.");
    let b = article(t, "B", "Drei Wochen und zwei Monate beträgt die Frist.");
    let index = index_with(&[a.clone(), b.clone()]);
    assert_eq!(ids(&index, "\"drei Monate\"", &staff(t)), [a.id]);
    assert_eq!(
        ids(&index, "\"Frist beträgt\"", &staff(t)),
        [a.id],
        "a compound part keeps its place"
    );
    let mut both = ids(&index, "drei Monate", &staff(t));
    both.sort();
    let mut expected = vec![a.id, b.id];
    expected.sort();
    assert_eq!(both, expected);
}

#[test]
fn facets_count_what_matches_in_scope() {
    let t = TenantId::new();
    let mut billing = article(t, "Rechnung", "Fragen zur Rechnung");
    billing.category = Some("billing".into());
    let contract = article(t, "Vertrag", "Fragen zum Vertrag");
    let en = article_en(t, "Invoice", "Questions about the invoice");
    let index = index_with(&[billing.clone(), contract, en]);
    let r = index
        .search(&SearchRequest::new("").with_facets(), &staff(t))
        .unwrap();
    assert_eq!(r.total, 3);
    let facets = r.facets.unwrap();
    let count = |v: &[kairos_search::FacetCount], value: &str| {
        v.iter().find(|c| c.value == value).map(|c| c.count)
    };
    assert_eq!(count(&facets.category, "vertrag"), Some(2));
    assert_eq!(count(&facets.category, "billing"), Some(1));
    assert_eq!(count(&facets.language, "de"), Some(2));
    assert_eq!(count(&facets.kind, "article"), Some(3));
    assert_eq!(count(&facets.state, "published"), Some(3));
    let filtered = SearchRequest::new("Fragen").filters(Filters {
        category: Some("billing".into()),
        language: Some(Language::De),
        ..Filters::default()
    });
    let r = index.search(&filtered, &staff(t)).unwrap();
    assert_eq!(
        r.hits.iter().map(|h| h.id).collect::<Vec<_>>(),
        [billing.id]
    );
}

#[test]
fn highlights_are_escaped_html() {
    let t = TenantId::new();
    let evil = article(
        t,
        "<script>alert(1)</script> Vertrag",
        "Vertrag <img src=x onerror=alert(1)> & mehr",
    );
    let index = index_with(&[evil]);
    let hit = &index
        .search(&SearchRequest::new("vertrag"), &staff(t))
        .unwrap()
        .hits[0];
    assert_eq!(
        hit.title_html,
        "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Vertrag</mark>"
    );
    assert_eq!(
        hit.snippet_html,
        "<mark>Vertrag</mark> &lt;img src=x onerror=alert(1)&gt; &amp; mehr"
    );
}

#[test]
fn tenants_never_see_each_other() {
    let (a, b) = (TenantId::new(), TenantId::new());
    let da = article(a, "Vertrag kündigen", "Kündigungsfrist ein Monat");
    let db = article(b, "Vertrag kündigen", "Kündigungsfrist ein Monat");
    let mut index_docs = vec![da.clone(), db.clone()];
    let c = CustomerId::new();
    index_docs.push(message(b, c, "Mein Vertrag bei Firma B"));
    let index = index_with(&index_docs);
    for q in [
        "Vertrag",
        "\"Vertrag kündigen\"",
        "Frist",
        "Vertrg",
        "",
        "tenant:b Vertrag",
    ] {
        for asker in [Asker::Staff, Asker::Anonymous, Asker::Customer(c)] {
            let got = ids(&index, q, &Scope::new(a, asker.clone()));
            assert!(got.iter().all(|id| *id == da.id), "{q} {asker:?}: {got:?}");
        }
    }
    let r = index
        .search(&SearchRequest::new("").with_facets(), &staff(a))
        .unwrap();
    assert_eq!(r.total, 1);
    assert_eq!(
        index
            .suggest("Vertrag", &Scope::new(a, Asker::Customer(c)), 10)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn updates_replace_and_deletes_remove() {
    let t = TenantId::new();
    let mut doc = article(t, "Alt", "Kündigung");
    let index = index_with(std::slice::from_ref(&doc));
    doc.title = "Neu".into();
    doc.body = "Rechnung".into();
    doc.seq = 2;
    index.upsert(&[doc.clone()]).unwrap();
    index.commit().unwrap();
    assert!(ids(&index, "Kündigung", &staff(t)).is_empty());
    assert_eq!(ids(&index, "Rechnung", &staff(t)), [doc.id]);
    index.delete(t, doc.id).unwrap();
    index.commit().unwrap();
    assert!(ids(&index, "Rechnung", &staff(t)).is_empty());
    assert_eq!(index.num_docs(), 0);
}

#[test]
fn checkpoints_survive_a_restart_and_commit_with_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (TenantId::new(), TenantId::new());
    {
        let index = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(index.last_indexed_seq(a), 0);
        let mut doc = article(a, "Vertrag", "Kündigung");
        doc.seq = 41;
        index.upsert(&[doc]).unwrap();
        index.advance(b, 7);
        assert_eq!(index.last_indexed_seq(a), 0, "not committed yet");
        index.commit().unwrap();
        index.advance(a, 99); // never committed: lost, and replayed after restart
    }
    let index = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(index.last_indexed_seq(a), 41);
    assert_eq!(index.last_indexed_seq(b), 7);
    assert_eq!(ids(&index, "Vertrag", &staff(a)).len(), 1);
}
