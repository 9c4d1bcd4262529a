//! Erasure leaves nothing findable and, after compaction, nothing in the index files.

use crate::helpers::*;
use kairos_core::ids::{CustomerId, TenantId};
use kairos_search::{Asker, Scope, SearchIndex, SearchRequest};
use std::path::Path;

fn files_contain(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // Tantivy's background merges delete files while we list: a vanished file holds
        // nothing any more.
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        if bytes.windows(needle.len()).any(|w| w == needle) {
            hits.push(path.display().to_string());
        }
    }
    hits
}

#[test]
fn an_erased_customer_is_gone_from_results_and_from_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let t = TenantId::new();
    let (gone, stays) = (CustomerId::new(), CustomerId::new());
    let email = "zyxwvutsrq.erasure-probe@example.org";
    let name = "Quaxlinde Zwirbelmoser";
    let index = SearchIndex::open(dir.path()).unwrap();
    let mut docs = Vec::new();
    for i in 0..50 {
        docs.push(message(
            t,
            gone,
            &format!("Hallo, hier {name} ({email}), Nachricht {i} zur Kündigung."),
        ));
        docs.push(message(
            t,
            stays,
            &format!("Eine andere Kundin schreibt zur Kündigung, Nachricht {i}."),
        ));
    }
    // Spread over several segments.
    for chunk in docs.chunks(20) {
        index.upsert(chunk).unwrap();
        index.commit().unwrap();
    }
    let staff = Scope::new(t, Asker::Staff);
    let total = |q: &str| index.search(&SearchRequest::new(q), &staff).unwrap().total;
    assert_eq!(total("Quaxlinde"), 50);
    // Positive control: the probe strings are in the files before erasure.
    assert!(
        !files_contain(dir.path(), email.as_bytes()).is_empty(),
        "probe not stored verbatim"
    );
    assert!(
        !files_contain(dir.path(), b"Zwirbelmoser").is_empty(),
        "stored name not found"
    );
    // Term dictionaries store each term after the prefix it shares with the previous one:
    // the tail of the analysed name is there verbatim.
    assert!(
        files_contain(dir.path(), b"wirbelmos").len() > 1,
        "probe term not found"
    );

    index.erase_customer(t, gone).unwrap();

    for q in [
        "Quaxlinde",
        "Zwirbelmoser",
        "zyxwvutsrq",
        "erasure",
        "Quaxlinda",
    ] {
        assert_eq!(total(q), 0, "{q}");
    }
    assert_eq!(total("Kündigung"), 50, "the other customer stays");
    for needle in [
        email.as_bytes(),
        b"wirbelmos",
        b"Zwirbelmoser",
        b"uaxlind",
        b"zyxwvutsrq",
    ] {
        let files = files_contain(dir.path(), needle);
        assert!(
            files.is_empty(),
            "{} still in {files:?}",
            String::from_utf8_lossy(needle)
        );
    }
    // And after a restart.
    drop(index);
    let index = SearchIndex::open(dir.path()).unwrap();
    assert!(ids(&index, "Quaxlinde", &staff).is_empty());
    assert_eq!(index.num_docs(), 50);
}
