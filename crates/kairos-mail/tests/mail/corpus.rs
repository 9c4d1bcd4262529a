//! The 87-message corpus (RFC examples, legacy software, malformed structure; checklist
//! L10, L11, L14) through a real SMTP session: every message lands on the timeline under
//! its de-duplication key with its subject, or is refused with a clear 5xx — never a
//! 4xx, a hang, a crash or a silent drop.

use crate::helpers::{Backend, Client, SUPPORT, start};
use kairos_mail::ingest::dedupe_key;
use std::path::PathBuf;

/// The corpus folder: `KAIROS_MAIL_CORPUS`, else `../shared/corpora/mail` beside the checkout.
/// `None` when it is absent and not demanded (a checkout outside this workplace).
pub fn corpus_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("KAIROS_MAIL_CORPUS") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "KAIROS_MAIL_CORPUS={} is not a directory",
            dir.display()
        );
        return Some(dir);
    }
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/mail");
    if beside.is_dir() {
        return Some(beside);
    }
    eprintln!(
        "\n*** NOTICE: the mail corpus (../shared/corpora/mail or KAIROS_MAIL_CORPUS) is absent: corpus tests did NOT run ***\n"
    );
    None
}

/// Every `.eml` file of the corpus, sorted.
pub fn corpus_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for folder in ["rfc", "legacy", "malformed"] {
        for entry in std::fs::read_dir(dir.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "eml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

async fn corpus_through_smtp(backend: Backend) {
    let Some(dir) = corpus_dir() else { return };
    let Some(host) = start(backend, |_| {}).await else {
        return;
    };
    let files = corpus_files(&dir);
    assert!(files.len() >= 87, "expected the 87-message corpus");
    let (mut client, greeting) = Client::connect(host.addr).await;
    assert_eq!(greeting.0, 220);
    assert_eq!(client.cmd("EHLO corpus.test").await.0, 250);
    let (mut landed, mut refused) = (0, Vec::new());
    for path in &files {
        let raw = std::fs::read(path).unwrap();
        let (code, text) = client.send_mail("corpus@sender.test", SUPPORT, &raw).await;
        let name = path.strip_prefix(&dir).unwrap().display().to_string();
        match code {
            250 => {
                // What the server stored is what the message says.
                let mail = kairos_mail::parse::parse(&crate::helpers::crlf(&raw))
                    .unwrap_or_else(|e| panic!("{name}: accepted but unparsable: {e}"));
                let sender = mail.from.clone().unwrap_or("corpus@sender.test".into());
                let key = dedupe_key(&sender, &mail);
                let messages = host.messages().await;
                let stored = messages
                    .iter()
                    .find(|m| m.0.as_deref() == Some(key.as_str()))
                    .unwrap_or_else(|| panic!("{name}: 250 but not on the timeline"));
                if let Some(subject) = &mail.subject {
                    assert_eq!(stored.1.as_ref(), Some(subject), "{name}: subject");
                }
                assert!(
                    !stored.2.is_empty(),
                    "{name}: a text body, at least a placeholder"
                );
                landed += 1;
            }
            554 | 552 => refused.push(format!("{name}: {text}")),
            other => panic!("{name}: unexpected reply {other} {text}"),
        }
    }
    eprintln!(
        "corpus via SMTP ({backend:?}): {landed} landed, {} refused:\n  {}",
        refused.len(),
        refused.join("\n  ")
    );
    assert_eq!(landed + refused.len(), files.len());
    // Every attachment named on the timeline is in the blob store (checklist E04: by hash,
    // outside any web root).
    let blobs = kairos_store::blobs::BlobStore::open(&host.blobs).unwrap();
    let mut attachments = 0;
    for event in host.events().await {
        if let kairos_core::event::EventData::MessageAppended {
            attachments: list, ..
        } = event.data
        {
            for a in list {
                assert!(
                    blobs.contains(&a.sha256),
                    "{} missing from the blob store",
                    a.filename
                );
                attachments += 1;
            }
        }
    }
    assert!(
        attachments > 10,
        "the corpus has attachments: {attachments}"
    );
    // Real and RFC messages must land; only malformed ones may be refused.
    assert!(
        refused.iter().all(|r| r.starts_with("malformed")),
        "a well-formed message was refused: {refused:?}"
    );
    assert_eq!(client.cmd("QUIT").await.0, 221);
}

#[tokio::test]
async fn corpus_lands_or_is_refused_cleanly_sqlite() {
    corpus_through_smtp(Backend::Sqlite).await;
}

#[tokio::test]
async fn corpus_lands_or_is_refused_cleanly_postgres() {
    corpus_through_smtp(Backend::Postgres).await;
}
