//! Erasure (privacy issue, item 3; checklist N04, N05): after erasing a person, their e-mail,
//! phone number, name and chat follow-up address are nowhere in the database files or the
//! attachment store; the log keeps its positions with redacted placeholders; other people are
//! untouched; and a mail arriving while the erasure runs leaves no orphan.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kairos_core::consent::{ConsentAction, ConsentCommand, LegalBasis};
use kairos_core::event::{Actor, EventData};
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::{CustomerId, TenantId};
use kairos_core::inbound::InboundCommand;
use kairos_core::message::{Attachment, Body, Channel};
use kairos_core::tenant::TenantSlug;
use kairos_privacy::erase::erase;
use kairos_store::Store;
use kairos_store::blobs::BlobStore;
use std::path::Path;

const EMAIL: &str = "erika.mustermann-7f3a@example.org";
const PHONE: &str = "+4915112345678";
const NAME: &str = "Erika Mustermann-Zyx";
/// The address she left in a chat for answers while away: no identity, only on the conversation.
const FOLLOW_UP: &str = "erika.unterwegs-5b1c@example.net";

fn identity(kind: IdentityKind, v: &str) -> Identity {
    Identity::parse(kind, v, None, None).unwrap()
}

fn mail(from: Identity, name: &str, text: &str, attachments: Vec<Attachment>) -> InboundCommand {
    InboundCommand {
        channel: Channel::Email,
        from,
        display_name: Some(name.into()),
        subject: Some(format!("Frage von {name}")),
        body: Body::new(text, Some(&format!("<p>{text}</p>"))).unwrap(),
        attachments,
        external_id: None,
        conversation_id: None,
    }
}

/// Erika (e-mail and, merged in, SMS) with an attachment and a consent; and Max, who stays.
async fn people(store: &Store, blobs: &BlobStore) -> (TenantId, CustomerId, CustomerId, String) {
    let t = store
        .create_tenant(&TenantSlug::parse("acme").unwrap(), "Acme")
        .await
        .unwrap()
        .id;
    let sys = Actor::System;
    let scan = format!("Ausweis von {NAME}, {EMAIL}, {PHONE}").into_bytes();
    let attachment = Attachment {
        filename: "ausweis.txt".into(),
        content_type: "text/plain".into(),
        size: scan.len() as u64,
        sha256: blobs.put(scan).await.unwrap(),
    };
    let text = format!("Ich bin {NAME}, erreichbar unter {PHONE}.");
    let (erika, _) = store
        .inbound(
            t,
            mail(
                identity(IdentityKind::Email, EMAIL),
                NAME,
                &text,
                vec![attachment],
            ),
            &sys,
        )
        .await
        .unwrap();
    let mut sms = mail(
        identity(IdentityKind::Phone, PHONE),
        NAME,
        "Noch eine Frage per SMS",
        vec![],
    );
    sms.channel = Channel::Sms;
    let (by_sms, _) = store.inbound(t, sms, &sys).await.unwrap();
    store
        .set_follow_up(t, by_sms.conversation_id, None, FOLLOW_UP, &sys)
        .await
        .unwrap();
    // A coupon whose offer, firing key and redeemer name her: gone with her, merge or not.
    let coupon = store
        .issue_coupon(
            t,
            kairos_core::coupon::NewCoupon {
                customer_id: by_sms.customer_id,
                offer: format!("Lounge für {NAME}"),
                value_minor: 500,
                currency: "EUR".into(),
                expires_at: kairos_core::Timestamp::from_micros(i64::MAX / 2),
                firing_key: format!("rule:lounge:{EMAIL}"),
            },
            &sys,
        )
        .await
        .unwrap();
    store
        .redeem_coupon(&coupon.token, Some(PHONE.into()))
        .await
        .unwrap()
        .unwrap();
    store
        .merge_customers(t, erika.customer_id, by_sms.customer_id, &sys)
        .await
        .unwrap();
    let grant = ConsentCommand {
        purpose: "location".into(),
        action: ConsentAction::Grant,
        data_categories: vec![],
        legal_basis: LegalBasis::Consent,
        method: "widget".into(),
        notice_version: "1".into(),
    };
    store
        .record_consent(t, erika.customer_id, grant, &sys)
        .await
        .unwrap();
    let (max, _) = store
        .inbound(
            t,
            mail(
                identity(IdentityKind::Email, "max@example.com"),
                "Max Muster",
                "Hallo",
                vec![],
            ),
            &sys,
        )
        .await
        .unwrap();
    forum(
        store,
        t,
        erika.customer_id,
        by_sms.customer_id,
        max.customer_id,
    )
    .await;
    (
        t,
        erika.customer_id,
        max.customer_id,
        attachment_sha(store, t, erika.customer_id).await,
    )
}

/// Forum posts under her name with her phone number: a thread of hers Max replied in, a
/// thread of hers nobody answered, and (as the merged record) a reply in Max's thread.
async fn forum(store: &Store, t: TenantId, erika: CustomerId, merged: CustomerId, max: CustomerId) {
    use kairos_core::knowledge::{ArticleVisibility, Reader};
    use kairos_store::forum::{NewThread, Poster};
    let sys = Actor::System;
    let cat = store
        .kb_create_category(t, "forum".into(), "Forum".into(), &sys)
        .await
        .unwrap();
    let new = |title: String, body: String| NewThread {
        category_id: cat.id,
        visibility: ArticleVisibility::Public,
        language: "de".into(),
        title,
        body,
    };
    let poster = |c: CustomerId, name: &str| Poster {
        customer_id: Some(c),
        name: name.into(),
    };
    let answered = store
        .forum_create_thread(
            t,
            new(
                format!("Frage von {NAME}"),
                format!("Ruft mich an: {PHONE}"),
            ),
            poster(erika, NAME),
            &sys,
        )
        .await
        .unwrap();
    store
        .forum_reply(
            t,
            answered.id,
            "Max hilft gern.".into(),
            poster(max, "Max"),
            Reader::Customer,
            &sys,
        )
        .await
        .unwrap();
    store
        .forum_create_thread(
            t,
            new("Noch eine".into(), format!("{EMAIL} schreibt")),
            poster(erika, NAME),
            &sys,
        )
        .await
        .unwrap();
    let maxs = store
        .forum_create_thread(
            t,
            new("Max fragt".into(), "Wer weiß das?".into()),
            poster(max, "Max"),
            &sys,
        )
        .await
        .unwrap();
    store
        .forum_reply(
            t,
            maxs.id,
            format!("{NAME} weiß es: {PHONE}"),
            poster(merged, NAME),
            Reader::Customer,
            &sys,
        )
        .await
        .unwrap();
}

async fn attachment_sha(store: &Store, t: TenantId, c: CustomerId) -> String {
    let timeline = store.timeline(t, c, true, 0, 10).await.unwrap();
    timeline[0].attachments[0].sha256.clone()
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    kairos_store::testing::files_containing(dir, needle).unwrap()
}

async fn erase_and_check(store: &Store, data: Option<&Path>) {
    let blob_dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::open(blob_dir.path()).unwrap();
    let (t, erika, max, sha) = people(store, &blobs).await;
    if let Some(dir) = data {
        for needle in [EMAIL, FOLLOW_UP] {
            assert!(
                !files_containing(dir, needle).is_empty(),
                "the test would prove nothing"
            );
        }
    }
    let log_before = store.log_head(t).await.unwrap();

    let done = erase(store, &blobs, t, erika, &Actor::System)
        .await
        .unwrap();
    assert_eq!(done.report.customers.len(), 2, "the merged record goes too");
    assert_eq!(done.report.conversations, 2);
    assert_eq!(done.report.messages, 2);
    assert_eq!(done.blobs_deleted, 1);
    assert!(!blobs.contains(&sha));

    // Gone from every read.
    assert!(store.customer(t, erika).await.unwrap().is_none());
    for id in &done.report.customers {
        assert!(store.customer(t, *id).await.unwrap().is_none());
        assert!(store.consents(t, *id).await.unwrap().is_empty());
        assert!(store.coupons_of(t, *id).await.unwrap().is_empty());
    }
    let email = identity(IdentityKind::Email, EMAIL);
    assert!(
        store
            .customer_by_identity(t, &email)
            .await
            .unwrap()
            .is_none()
    );
    // The log keeps its positions: redacted placeholders and one erasure event.
    let events = store.events(t, 0, 1000).await.unwrap();
    assert_eq!(events.len() as i64, log_before + 1);
    assert!(matches!(
        events.last().unwrap().data,
        EventData::CustomerErased { .. }
    ));
    let redacted = events
        .iter()
        .filter(|e| e.data == EventData::Redacted)
        .count() as u64;
    assert_eq!(redacted, done.report.events_redacted);
    let log_text = serde_json::to_string(&events).unwrap();
    for needle in [EMAIL, PHONE, NAME, "4915112345678", FOLLOW_UP] {
        assert!(!log_text.contains(needle), "{needle} is still on the log");
    }
    assert!(store.check().await.unwrap().is_empty());
    // Her forum posts: her unanswered thread is gone, her answered one keeps Max's reply
    // without her title, text or name, and her reply in Max's thread is gone.
    let all = kairos_store::forum::ThreadFilter {
        hidden: true,
        public_only: false,
        category: None,
    };
    let mut threads = store.forum_threads(t, all, 100, 0).await.unwrap();
    threads.sort_by_key(|t| t.created_at);
    assert_eq!(threads.len(), 2, "{threads:?}");
    let (hers, maxs) = (&threads[0], &threads[1]);
    assert!(hers.erased && hers.author.customer_id.is_none());
    assert_eq!(hers.replies.len(), 1);
    assert_eq!(hers.replies[0].author.customer_id, Some(max));
    assert_eq!(maxs.title, "Max fragt");
    assert!(maxs.replies.is_empty());
    for id in &done.report.customers {
        assert!(store.forum_threads_of(t, *id).await.unwrap().is_empty());
    }
    assert_eq!(store.forum_threads_of(t, max).await.unwrap().len(), 2);
    // Max is untouched.
    assert!(store.customer(t, max).await.unwrap().is_some());
    assert_eq!(store.timeline(t, max, true, 0, 10).await.unwrap().len(), 1);
    // Nothing in the files (SQLite: the database, its WAL, the attachment store).
    if let Some(dir) = data {
        for needle in [EMAIL, PHONE, NAME, "4915112345678", FOLLOW_UP] {
            assert_eq!(
                files_containing(dir, needle),
                Vec::<String>::new(),
                "{needle}"
            );
            assert_eq!(
                files_containing(blob_dir.path(), needle),
                Vec::<String>::new(),
                "{needle}"
            );
        }
    }
    // Erasing again: there is nobody.
    assert!(
        erase(store, &blobs, t, erika, &Actor::System)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn n04_after_erasure_no_file_holds_the_persons_email_phone_or_name_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    erase_and_check(&store, Some(dir.path())).await;
}

#[tokio::test]
async fn n04_erasure_removes_every_row_and_redacts_the_log_on_postgres() {
    if let Some(store) = kairos_store::testing::fresh_postgres("privacy erasure").await {
        erase_and_check(&store, None).await;
    }
}

#[tokio::test]
async fn n05_mail_arriving_during_erasure_leaves_no_orphan() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    let blobs = BlobStore::open(dir.path().join("blobs")).unwrap();
    let (t, erika, _, _) = people(&store, &blobs).await;
    let email = identity(IdentityKind::Email, EMAIL);
    let writer = {
        let store = store.clone();
        let email = email.clone();
        tokio::spawn(async move {
            for i in 0..40 {
                let m = mail(email.clone(), NAME, &format!("Nachricht {i}"), vec![]);
                store.inbound(t, m, &Actor::System).await.unwrap();
                tokio::task::yield_now().await;
            }
        })
    };
    tokio::task::yield_now().await;
    erase(&store, &blobs, t, erika, &Actor::System)
        .await
        .unwrap();
    writer.await.unwrap();
    // Whatever arrived after the erasure is one new, whole customer: every message has its
    // conversation, every conversation its customer, every identity its owner.
    assert!(
        store.check().await.unwrap().is_empty(),
        "{:?}",
        store.check().await
    );
    if let Some(again) = store.customer_by_identity(t, &email).await.unwrap() {
        assert_ne!(again, erika);
        let customer = store
            .customer(t, again)
            .await
            .unwrap()
            .expect("the owner exists");
        assert_eq!(customer.identities, vec![email.clone()]);
        let timeline = store.timeline(t, again, true, 0, 100).await.unwrap();
        assert!(!timeline.is_empty() && timeline.len() <= 40);
    }
}

/// A customer's knowledge-base votes are kept only as a keyed pseudonym of their id, which
/// the server can recompute: erasure deletes them (checklist N04).
async fn votes_go_with_erasure(store: Store) {
    use kairos_core::knowledge::{ArticleState, ArticleVisibility, Editor, Reader};
    use kairos_store::kb_votes::{VOTE_KEY_NAME, vote_mark};
    use kairos_store::knowledge::{ArticleChange, NewArticle};
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::open(dir.path().join("blobs")).unwrap();
    let sys = Actor::System;
    let t = store
        .create_tenant(&TenantSlug::parse("votes").unwrap(), "Votes")
        .await
        .unwrap()
        .id;
    let (erika, _) = store
        .inbound(
            t,
            mail(identity(IdentityKind::Email, EMAIL), NAME, "Hallo", vec![]),
            &sys,
        )
        .await
        .unwrap();
    let erika = erika.customer_id;
    let category = store
        .kb_create_category(t, "vertrag".into(), "Vertrag".into(), &sys)
        .await
        .unwrap();
    let new = NewArticle {
        category_id: Some(category.id),
        translation_of: None,
        language: "de".into(),
        visibility: ArticleVisibility::Public,
        title: "Kündigung".into(),
        body: "Die Kündigungsfrist beträgt drei Monate.".into(),
    };
    let article = store
        .kb_create_article(t, new, Reader::Staff, None, &sys)
        .await
        .unwrap();
    let publish = ArticleChange {
        state: Some(ArticleState::Published),
        ..ArticleChange::default()
    };
    store
        .kb_change_article(t, article.id, publish, Editor::Staff, Reader::Staff, &sys)
        .await
        .unwrap();
    let key = store.signing_key(VOTE_KEY_NAME, [7; 32]).await.unwrap();
    let mark = vote_mark(&key, t, &format!("customer:{erika}"));
    let vote = |mark: String| store.kb_feedback(t, article.id, mark, true, Reader::Customer, &sys);
    assert!(vote(mark.clone()).await.unwrap().1, "the first vote counts");
    assert!(!vote(mark.clone()).await.unwrap().1, "a repeat does not");
    erase(&store, &blobs, t, erika, &sys).await.unwrap();
    assert!(
        vote(mark).await.unwrap().1,
        "the pseudonymous vote record went with the person"
    );
}

#[tokio::test]
async fn n04_knowledge_base_votes_go_with_erasure_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    votes_go_with_erasure(Store::open_sqlite(dir.path()).await.unwrap()).await;
}

#[tokio::test]
async fn n04_knowledge_base_votes_go_with_erasure_on_postgres() {
    if let Some(store) = kairos_store::testing::fresh_postgres("privacy_kb_votes").await {
        votes_go_with_erasure(store).await;
    }
}
