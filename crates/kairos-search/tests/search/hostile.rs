//! Hostile queries never panic, never error, and never leave the scope.

use crate::helpers::*;
use kairos_core::ids::TenantId;
use kairos_search::{Asker, Filters, MAX_QUERY_BYTES, Scope, SearchRequest};

#[test]
fn hostile_queries_are_answered_within_scope() {
    let (a, b) = (TenantId::new(), TenantId::new());
    let mine = article(a, "Vertrag", "Kündigung des Vertrags");
    let other = article(b, "Vertrag", "Geheimer Vertrag von Mandant B");
    let index = index_with(&[mine.clone(), other]);
    let long_word = "x".repeat(100_000);
    let many_words = "Vertrag ".repeat(50_000);
    let nested = "(".repeat(5_000) + &")".repeat(5_000);
    let hostile = [
        "\"",
        "\"\"\"",
        "\"Vertrag",
        "Vertrag\"",
        "\"a\" \"b",
        long_word.as_str(),
        many_words.as_str(),
        nested.as_str(),
        "\u{0}\u{1}\u{7}\u{1b}[31mVertrag\u{7f}",
        "tenant:* OR *:*",
        &format!("tenant:{b} Geheimer"),
        "audience:anon Geheimer",
        "key:* source:*",
        "Vertrag AND NOT Kündigung",
        "+Vertrag -Kündigung ~2 ^5 [a TO z] {a TO z} /regex.*/",
        "Vertrag~10",
        "*",
        "?",
        "\\",
        "'; DROP TABLE documents; --",
        "<script>alert(1)</script>",
        "\u{202e}gartreV",
        "𝕍𝕖𝕣𝕥𝕣𝕒𝕘 🙂",
        "ǅ ß ẞ İ ı",
        "\u{feff}\u{200b}",
        "",
        "   ",
    ];
    for asker in [Asker::Anonymous, Asker::Staff] {
        let scope = Scope::new(a, asker);
        for q in hostile {
            let r = index
                .search(&SearchRequest::new(q).with_facets(), &scope)
                .unwrap();
            assert!(r.hits.iter().all(|h| h.id == mine.id), "{q:.40}");
            let s = index.suggest(q, &scope, 10).unwrap();
            assert!(s.iter().all(|h| h.id == mine.id), "{q:.40}");
            // Hostile filters too.
            let filtered = SearchRequest::new(q).filters(Filters {
                category: Some(format!("{q}/../\u{0}")),
                ..Filters::default()
            });
            assert!(index.search(&filtered, &scope).unwrap().hits.is_empty());
        }
    }
    // Field syntax is text: it finds nothing of tenant b.
    let staff = Scope::new(a, Asker::Staff);
    assert!(ids(&index, "Geheimer", &staff).is_empty());
    // Huge pages are capped.
    let r = index
        .search(
            &SearchRequest::new("Vertrag").page(usize::MAX, usize::MAX),
            &staff,
        )
        .unwrap();
    assert!(r.hits.is_empty() && r.total == 1);
    // A word past the cap is not searched.
    let padded = format!("{} Vertrag", "a".repeat(MAX_QUERY_BYTES));
    assert!(ids(&index, &padded, &staff).is_empty());
}
