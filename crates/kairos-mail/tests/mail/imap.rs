//! IMAP import from a real Dovecot: each mail lands once, also after a restart and after the
//! server renumbers the mailbox; the corpus lands or is refused cleanly; a wrong password is
//! a clear error.

use crate::corpus::{corpus_dir, corpus_files};
use crate::dovecot::{Dovecot, PASSWORD, USER};
use crate::helpers::{Backend, Mailhost, start};
use kairos_mail::imap::{self, ImapError, Reach};
use kairos_store::imap::ImapAccount;
use std::time::Duration;

fn account(host: &Mailhost, dovecot: &Dovecot, password: &str) -> ImapAccount {
    ImapAccount {
        id: uuid::Uuid::now_v7(),
        tenant_id: host.tenant,
        host: "127.0.0.1".into(),
        port: dovecot.port,
        security: "plain".into(),
        username: USER.into(),
        password: password.into(),
        mailbox: "INBOX".into(),
        uid_validity: None,
        last_uid: 0,
        last_polled_at: None,
        last_error: None,
    }
}

/// The test Dovecot listens on loopback: allowed here, as an operator would allow it.
const LOCAL: Reach = Reach {
    private_hosts: true,
};

fn good_account(host: &Mailhost, dovecot: &Dovecot) -> ImapAccount {
    account(host, dovecot, PASSWORD)
}

fn mail(n: u32) -> Vec<u8> {
    format!(
        "From: Kunde {n} <kunde{n}@example.org>\r\nTo: support@acme.test\r\nSubject: Frage {n}\r\nMessage-ID: <imap-{n}@example.org>\r\n\r\nText {n}\r\n"
    )
    .into_bytes()
}

/// The stored account (with the position the importer reached).
async fn stored(host: &Mailhost, id: uuid::Uuid) -> ImapAccount {
    host.store
        .imap_accounts(Some(host.tenant))
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.id == id)
        .unwrap()
}

async fn once_across_restarts(backend: Backend) {
    let Some(mut dovecot) = Dovecot::start() else {
        return;
    };
    let Some(host) = start(backend, |_| {}).await else {
        return;
    };
    let acc = account(&host, &dovecot, PASSWORD);
    host.store.create_imap_account(&acc).await.unwrap();
    for n in 1..=3 {
        dovecot.deliver(&mail(n));
    }
    let round = imap::poll(&host.mailroom, &stored(&host, acc.id).await, LOCAL)
        .await
        .unwrap();
    assert_eq!((round.imported, round.duplicates), (3, 0));
    let again = imap::poll(&host.mailroom, &stored(&host, acc.id).await, LOCAL)
        .await
        .unwrap();
    assert_eq!(
        (again.imported, again.duplicates),
        (0, 0),
        "nothing new, nothing re-read"
    );

    // "Restart": a new mailroom over the same store picks up where the last one stopped.
    let restarted = kairos_mail::Mailroom::new(
        host.store.clone(),
        kairos_store::blobs::BlobStore::open(&host.blobs).unwrap(),
        "mail.acme.test",
    )
    .await
    .unwrap();
    dovecot.deliver(&mail(4));
    let round = imap::poll(&restarted, &stored(&host, acc.id).await, LOCAL)
        .await
        .unwrap();
    assert_eq!((round.imported, round.duplicates), (1, 0));

    // The server renumbers the mailbox (a new UIDVALIDITY): everything is read again and
    // nothing is stored twice.
    let current = stored(&host, acc.id).await;
    host.store
        .imap_progress(acc.id, current.uid_validity.unwrap().wrapping_add(1), 4)
        .await
        .unwrap();
    let rescan = imap::poll(&restarted, &stored(&host, acc.id).await, LOCAL)
        .await
        .unwrap();
    assert_eq!((rescan.imported, rescan.duplicates), (0, 4));
    let subjects: Vec<String> = host
        .messages()
        .await
        .into_iter()
        .filter_map(|m| m.1)
        .collect();
    assert_eq!(subjects, ["Frage 1", "Frage 2", "Frage 3", "Frage 4"]);
    assert_eq!(stored(&host, acc.id).await.last_uid, 4);
}

#[tokio::test]
async fn imap_mail_lands_once_also_after_a_restart_sqlite() {
    once_across_restarts(Backend::Sqlite).await;
}

#[tokio::test]
async fn imap_mail_lands_once_also_after_a_restart_postgres() {
    once_across_restarts(Backend::Postgres).await;
}

#[tokio::test]
async fn the_importer_runs_by_itself_and_reports_a_wrong_password() {
    let Some(mut dovecot) = Dovecot::start() else {
        return;
    };
    let host = start(Backend::Sqlite, |_| {}).await.unwrap();
    let bad = account(&host, &dovecot, "wrong");
    assert!(matches!(
        imap::poll(&host.mailroom, &bad, LOCAL).await,
        Err(ImapError::Login(_))
    ));
    // D01: without the operator's permission, a local address is not even connected to.
    let refused = imap::poll(
        &host.mailroom,
        &good_account(&host, &dovecot),
        Reach::default(),
    )
    .await;
    assert!(
        matches!(&refused, Err(ImapError::Connect(_, why)) if why.contains("private")),
        "{refused:?}"
    );
    host.store.create_imap_account(&bad).await.unwrap();
    let good = account(&host, &dovecot, PASSWORD);
    host.store.create_imap_account(&good).await.unwrap();
    dovecot.deliver(&mail(1));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(imap::run(
        host.mailroom.clone(),
        Duration::from_millis(100),
        LOCAL,
        stopped,
    ));
    for _ in 0..100 {
        if host.messages().await.len() == 1 && stored(&host, bad.id).await.last_error.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.send_replace(true);
    worker.await.unwrap();
    assert_eq!(host.messages().await.len(), 1);
    let error = stored(&host, bad.id)
        .await
        .last_error
        .expect("the failure is recorded");
    assert!(error.contains("login"), "{error}");
    assert!(
        !error.contains("wrong"),
        "the password is not in the error: {error}"
    );
    assert_eq!(stored(&host, good.id).await.last_error, None);
}

#[tokio::test]
async fn corpus_through_imap_lands_or_is_refused_cleanly() {
    let Some(dir) = corpus_dir() else { return };
    let Some(mut dovecot) = Dovecot::start() else {
        return;
    };
    let host = start(Backend::Sqlite, |_| {}).await.unwrap();
    let files = corpus_files(&dir);
    for path in &files {
        dovecot.deliver(&std::fs::read(path).unwrap());
    }
    let acc = account(&host, &dovecot, PASSWORD);
    host.store.create_imap_account(&acc).await.unwrap();
    let round = imap::poll(&host.mailroom, &stored(&host, acc.id).await, LOCAL)
        .await
        .unwrap();
    eprintln!("corpus via IMAP: {round:?}");
    assert_eq!(
        round.imported + round.duplicates + round.refused,
        files.len()
    );
    // IMAP has no envelope: a message that names no sender at all cannot be attributed to
    // a customer and is skipped (logged; it stays in the mailbox). Every other one lands.
    let anonymous = files
        .iter()
        .filter(|p| {
            let raw = crate::helpers::crlf(&std::fs::read(p).unwrap());
            kairos_mail::parse::parse(&raw).map_or(true, |m| m.from.is_none())
        })
        .count();
    assert_eq!(
        round.refused, anonymous,
        "only messages without any sender are skipped"
    );
    assert!(anonymous < 25, "{anonymous}");
    assert_eq!(host.messages().await.len(), round.imported);
}

#[tokio::test]
async fn with_idle_new_mail_lands_within_seconds_not_at_the_next_poll() {
    let Some(mut dovecot) = Dovecot::start() else {
        return;
    };
    let host = start(Backend::Sqlite, |_| {}).await.unwrap();
    host.store
        .create_imap_account(&good_account(&host, &dovecot))
        .await
        .unwrap();
    dovecot.deliver(&mail(1));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // A poll interval far longer than the test: only IDLE can bring the second mail in.
    let worker = tokio::spawn(imap::run(
        host.mailroom.clone(),
        Duration::from_secs(600),
        LOCAL,
        stopped,
    ));
    let count = async |n: usize| {
        for _ in 0..150 {
            if host.messages().await.len() == n {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    };
    assert!(count(1).await, "the first mail is imported at start");
    tokio::time::sleep(Duration::from_millis(500)).await; // the session is idling now
    let delivered = std::time::Instant::now();
    dovecot.deliver(&mail(2));
    assert!(count(2).await, "IDLE brought the second mail in");
    assert!(
        delivered.elapsed() < Duration::from_secs(15),
        "{:?}",
        delivered.elapsed()
    );
    stop.send_replace(true);
    worker.await.unwrap();
}
