//! Export and re-import (privacy issue, item 2; checklist N01, N03): a demo customer's export
//! holds every category, validates against the shipped schema, survives the archive, and
//! imported into an empty tenant reproduces the same timeline — on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kairos_core::consent::{ConsentAction, ConsentCommand, LegalBasis};
use kairos_core::conversation::{ConversationPatch, Status};
use kairos_core::event::Actor;
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::{CustomerId, PartyId};
use kairos_core::inbound::InboundCommand;
use kairos_core::message::{Attachment, Author, Body, Channel, Direction, Message};
use kairos_core::party::Role;
use kairos_core::reply::PostMessage;
use kairos_core::tenant::{Tenant, TenantSlug};
use kairos_privacy::document::schema_json;
use kairos_privacy::{archive, export, import};
use kairos_store::Store;
use kairos_store::audit::AuditEntry;
use kairos_store::blobs::BlobStore;

fn email(v: &str) -> Identity {
    Identity::parse(IdentityKind::Email, v, None, None).unwrap()
}

fn consent(purpose: &str, action: ConsentAction) -> ConsentCommand {
    ConsentCommand {
        purpose: purpose.into(),
        action,
        data_categories: vec!["location".into()],
        legal_basis: LegalBasis::Consent,
        method: "widget".into(),
        notice_version: "2026-12".into(),
    }
}

/// A demo customer: two identities (one from a merged duplicate), an e-mail with an
/// attachment, a chat, an agent's reply and internal note, a resolved conversation, a tier,
/// a consent granted and withdrawn, and an agent's read on the audit trail; the chat has a
/// follow-up address.
async fn demo(store: &Store, blobs: &BlobStore) -> (Tenant, CustomerId) {
    let tenant = store
        .create_tenant(&TenantSlug::parse("acme").unwrap(), "Acme GmbH")
        .await
        .unwrap();
    let t = tenant.id;
    let sys = Actor::System;
    let pdf = b"%PDF-1.4 invoice 4711".to_vec();
    let sha = blobs.put(pdf.clone()).await.unwrap();
    let attachment = Attachment {
        filename: "Rechnung 4711.pdf".into(),
        content_type: "application/pdf".into(),
        size: pdf.len() as u64,
        sha256: sha,
    };
    let inbound =
        |channel, from: Identity, text: &str, attachments: Vec<Attachment>| InboundCommand {
            channel,
            from,
            display_name: Some("Anna Schmidt".into()),
            subject: Some("Rechnung 4711".into()),
            body: Body::new(text, None).unwrap(),
            attachments,
            external_id: None,
            conversation_id: None,
        };
    let (first, _) = store
        .inbound(
            t,
            inbound(
                Channel::Email,
                email("anna@example.org"),
                "Meine Rechnung ist falsch.",
                vec![attachment],
            ),
            &sys,
        )
        .await
        .unwrap();
    let anna = first.customer_id;
    let agent = Actor::Party {
        id: Some(PartyId::new()),
        role: Role::Agent,
    };
    store
        .post_message(
            t,
            first.conversation_id,
            None,
            PostMessage {
                direction: Direction::Outbound,
                channel: None,
                author: Author::Party { id: PartyId::new() },
                subject: None,
                body: Body::new(
                    "Wir korrigieren sie.",
                    Some("<p>Wir <b>korrigieren</b> sie.</p>"),
                )
                .unwrap(),
                attachments: vec![],
            },
            &agent,
        )
        .await
        .unwrap();
    store
        .post_message(
            t,
            first.conversation_id,
            None,
            PostMessage {
                direction: Direction::Note,
                channel: None,
                author: Author::Party { id: PartyId::new() },
                subject: None,
                body: Body::new("Kundin war freundlich.", None).unwrap(),
                attachments: vec![],
            },
            &agent,
        )
        .await
        .unwrap();
    store
        .patch_conversation(
            t,
            first.conversation_id,
            ConversationPatch {
                status: Some(Status::Resolved),
                ..ConversationPatch::default()
            },
            &agent,
        )
        .await
        .unwrap();
    // The same person wrote from another address by chat; staff merged the two.
    let (second, _) = store
        .inbound(
            t,
            inbound(
                Channel::Chat,
                email("a.schmidt@example.net"),
                "Danke!",
                vec![],
            ),
            &sys,
        )
        .await
        .unwrap();
    // In the chat she left an address for answers while away.
    store
        .set_follow_up(
            t,
            second.conversation_id,
            None,
            "Anna.Away@Example.NET",
            &sys,
        )
        .await
        .unwrap();
    store
        .merge_customers(t, anna, second.customer_id, &agent)
        .await
        .unwrap();
    store
        .set_customer_tier(t, anna, Some("gold".into()), &agent)
        .await
        .unwrap();
    store
        .record_consent(t, anna, consent("location", ConsentAction::Grant), &sys)
        .await
        .unwrap();
    store
        .record_consent(t, anna, consent("location", ConsentAction::Withdraw), &sys)
        .await
        .unwrap();
    store
        .issue_coupon(
            t,
            kairos_core::coupon::NewCoupon {
                customer_id: anna,
                offer: "coffee".into(),
                value_minor: 350,
                currency: "EUR".into(),
                expires_at: kairos_core::Timestamp::from_micros(i64::MAX / 2),
                firing_key: "rule:coffee:1".into(),
            },
            &sys,
        )
        .await
        .unwrap();
    // An automated decision about her (with its reasons), and her objection to profiling.
    let decision = kairos_core::anticipation::FiringCommand {
        key: "pickup-arrival@1/anna/1/0".into(),
        match_key: "pickup-arrival@1/anna/1".into(),
        customer_id: anna,
        rule: "pickup-arrival".into(),
        rule_version: 1,
        action: "emit".into(),
        text: Some("pickup.expected".into()),
        explanation: vec!["1. here = presence.wifi at FRA".into()],
        effect: kairos_core::anticipation::Effect::Record,
    };
    store.execute_firing(t, decision).await.unwrap();
    let objection = kairos_core::restriction::RestrictionsCommand {
        profiling: Some(true),
        ..Default::default()
    };
    store
        .set_restrictions(t, anna, objection, &sys)
        .await
        .unwrap();
    store
        .audit(
            t,
            AuditEntry {
                actor: agent.clone(),
                action: "GET /api/v1/customers/{id}".into(),
                target: Some(anna.0.to_string()),
                customer_id: Some(anna),
                source: Some("192.0.2.1".into()),
                status: 200,
            },
        )
        .await
        .unwrap();
    forum(store, t, anna).await;
    (tenant, anna)
}

/// Anna's forum posts: a thread she started (a staff reply in it is not hers) and a reply
/// of hers, hidden by staff, in a staff thread.
async fn forum(store: &Store, t: kairos_core::ids::TenantId, anna: CustomerId) {
    use kairos_core::forum::Moderation;
    use kairos_core::knowledge::{ArticleVisibility, Reader};
    use kairos_store::forum::{NewThread, Poster};
    let sys = Actor::System;
    let cat = store
        .kb_create_category(t, "hilfe".into(), "Hilfe".into(), &sys)
        .await
        .unwrap();
    let new = |title: &str, body: &str| NewThread {
        category_id: cat.id,
        visibility: ArticleVisibility::Public,
        language: "de".into(),
        title: title.into(),
        body: body.into(),
    };
    let her = Poster {
        customer_id: Some(anna),
        name: "Anna S.".into(),
    };
    let staff = Poster {
        customer_id: None,
        name: "Support".into(),
    };
    let mine = store
        .forum_create_thread(t, new("Router", "Mein Router blinkt."), her.clone(), &sys)
        .await
        .unwrap();
    store
        .forum_reply(
            t,
            mine.id,
            "Neu starten.".into(),
            staff.clone(),
            Reader::Staff,
            &sys,
        )
        .await
        .unwrap();
    let theirs = store
        .forum_create_thread(t, new("Wartung", "Heute Nacht."), staff, &sys)
        .await
        .unwrap();
    let (_, r) = store
        .forum_reply(
            t,
            theirs.id,
            "Wie lange?".into(),
            her,
            Reader::Customer,
            &sys,
        )
        .await
        .unwrap();
    store
        .forum_moderate(t, theirs.id, Some(r), Moderation::Hide, &sys)
        .await
        .unwrap();
}

/// What a timeline looks like to its reader, without the ids that differ between tenants.
fn timeline_view(messages: &[Message]) -> Vec<String> {
    messages
        .iter()
        .map(|m| {
            format!(
                "{} {} {:?} {:?} {:?} {:?} {:?} {}",
                m.created_at.to_rfc3339(),
                m.direction.as_str(),
                m.channel.as_str(),
                matches!(m.author, Author::Customer),
                m.subject,
                m.body,
                m.attachments,
                m.external_id.is_some()
            )
        })
        .collect()
}

async fn round_trip(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::open(dir.path().join("blobs")).unwrap();
    let (tenant, anna) = demo(&store, &blobs).await;

    let exported = export::gather(&store, &tenant, anna).await.unwrap();
    // Every category is there.
    assert_eq!(
        exported.profile.display_name.as_deref(),
        Some("Anna Schmidt")
    );
    assert_eq!(exported.profile.tier.as_deref(), Some("gold"));
    assert_eq!(exported.profile.merged_ids.len(), 1);
    assert_eq!(exported.identities.len(), 2);
    assert_eq!(exported.conversations.len(), 2);
    let messages: usize = exported
        .conversations
        .iter()
        .map(|c| c.messages.len())
        .sum();
    assert_eq!(messages, 4, "e-mail, reply, note and chat");
    let follow_ups = |e: &kairos_privacy::document::PersonExport| {
        e.conversations
            .iter()
            .map(|c| c.follow_up_email.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        follow_ups(&exported),
        [None, Some("anna.away@example.net".to_owned())],
        "the chat's follow-up address, on its conversation"
    );
    assert_eq!(exported.attachments.len(), 1);
    assert_eq!(exported.consents.len(), 2);
    assert_eq!(exported.coupons.len(), 1);
    assert_eq!(
        (
            exported.coupons[0].offer.as_str(),
            exported.coupons[0].value_minor
        ),
        ("coffee", 350)
    );
    assert_eq!(exported.audit.len(), 1);
    assert_eq!(exported.audit[0].actor_role, "agent");
    assert_eq!(exported.decisions.len(), 1);
    assert_eq!(exported.decisions[0].rule, "pickup-arrival");
    assert_eq!(
        exported.decisions[0].explanation,
        ["1. here = presence.wifi at FRA"]
    );
    assert!(exported.restrictions.profiling && !exported.restrictions.proactive);
    // Her forum posts, and nobody else's: the thread she started and her hidden reply.
    let mut posts: Vec<(&str, &str, bool, bool)> = exported
        .forum_posts
        .iter()
        .map(|p| {
            (
                p.title.as_str(),
                p.body.as_str(),
                p.reply_id.is_some(),
                p.hidden,
            )
        })
        .collect();
    posts.sort_unstable();
    assert_eq!(
        posts,
        [
            ("Router", "Mein Router blinkt.", false, false),
            ("Wartung", "Wie lange?", true, true)
        ]
    );
    assert!(
        exported
            .forum_posts
            .iter()
            .all(|p| p.author_name == "Anna S.")
    );

    // It validates against the schema shipped in docs/.
    let shipped = include_str!("../../../docs/schemas/person-export.schema.json");
    assert_eq!(
        shipped.trim_end(),
        schema_json().trim_end(),
        "regenerate with `kairos privacy schema > docs/schemas/person-export.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(shipped).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let instance = serde_json::to_value(&exported).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let mut broken = instance.clone();
    broken["identities"][0]["kind"] = serde_json::json!(42);
    assert!(!validator.is_valid(&broken), "the schema is not vacuous");

    // Through the archive and into an empty tenant, on a separate blob store.
    let (zip, missing) = archive::write(&exported, &blobs).await.unwrap();
    assert!(missing.is_empty());
    let unpacked = archive::read(zip.clone()).await.unwrap();
    assert_eq!(unpacked.export, exported);
    let other_dir = tempfile::tempdir().unwrap();
    let other_blobs = BlobStore::open(other_dir.path()).unwrap();
    let empty = store
        .create_tenant(&TenantSlug::parse("newco").unwrap(), "NewCo")
        .await
        .unwrap();
    let imported = import::import(&store, &other_blobs, empty.id, unpacked, &Actor::System)
        .await
        .unwrap();
    assert!(other_blobs.contains(&exported.attachments[0].sha256));

    let before = store.timeline(tenant.id, anna, true, 0, 100).await.unwrap();
    let after = store
        .timeline(empty.id, imported, true, 0, 100)
        .await
        .unwrap();
    assert_eq!(before.len(), 4);
    assert_eq!(
        timeline_view(&after),
        timeline_view(&before),
        "the same timeline"
    );
    let again = export::gather(&store, &empty, imported).await.unwrap();
    assert_eq!(again.identities, exported.identities);
    assert_eq!(again.profile.display_name, exported.profile.display_name);
    assert_eq!(again.profile.created_at, exported.profile.created_at);
    let statuses = |e: &kairos_privacy::document::PersonExport| {
        e.conversations
            .iter()
            .map(|c| c.status.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(statuses(&again), statuses(&exported));
    assert_eq!(follow_ups(&again), follow_ups(&exported), "restored");
    let granted = store.consents(empty.id, imported).await.unwrap();
    assert_eq!(granted.len(), 2);
    assert_eq!(granted[1].command.action, ConsentAction::Withdraw);
    // Coupons stay with the company that issued them.
    assert!(
        store
            .coupons_of(empty.id, imported)
            .await
            .unwrap()
            .is_empty()
    );

    // A second import of the same person is refused whole: nothing is added.
    let log_before = store.log_head(empty.id).await.unwrap();
    let twice = import::import(
        &store,
        &other_blobs,
        empty.id,
        archive::read(zip).await.unwrap(),
        &Actor::System,
    )
    .await;
    assert!(twice.is_err());
    assert_eq!(store.log_head(empty.id).await.unwrap(), log_before);
}

#[tokio::test]
async fn n01_n03_export_holds_every_category_and_reimports_as_the_same_timeline_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    round_trip(Store::open_sqlite(dir.path()).await.unwrap()).await;
}

#[tokio::test]
async fn n01_n03_export_holds_every_category_and_reimports_as_the_same_timeline_on_postgres() {
    if let Some(store) = kairos_store::testing::fresh_postgres("privacy export").await {
        round_trip(store).await;
    }
}

#[tokio::test]
async fn hostile_archives_are_refused_with_a_reason() {
    let bad = |bytes: Vec<u8>| async move { archive::read(bytes).await.unwrap_err().to_string() };
    assert!(
        bad(b"not a zip".to_vec())
            .await
            .contains("invalid export archive")
    );
    let zip_with = |entries: &[(&str, &[u8])]| {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, bytes) in entries {
            z.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap().into_inner()
    };
    assert!(
        bad(zip_with(&[("README.txt", b"hi")]))
            .await
            .contains("person.json is missing")
    );
    assert!(
        bad(zip_with(&[("person.json", b"{\"format\": 1}")]))
            .await
            .contains("person.json")
    );
    let forged = format!("attachments/{}", "ab".repeat(32));
    assert!(
        bad(zip_with(&[(forged.as_str(), b"x")]))
            .await
            .contains("does not match its SHA-256")
    );
    // A bomb: far more zeros than an attachment may hold, compressed to almost nothing.
    let zeros = vec![0u8; (archive::MAX_ATTACHMENT + 1) as usize];
    let bomb = {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        z.start_file(forged.as_str(), o).unwrap();
        z.write_all(&zeros).unwrap();
        z.finish().unwrap().into_inner()
    };
    assert!(bomb.len() < 1024 * 1024);
    assert!(bad(bomb).await.contains("larger than"));
}
