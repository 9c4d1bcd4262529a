//! Per-cell checks: problem documents and no leaks in any answer (A07), effects of allowed cells.

use super::fixtures::{Fixture, Snapshot, World};
use super::table::{Route, Rt};
use crate::helpers::{Reply, TestApp};
use kairos_core::ids::{ConversationId, CustomerId};

/// Checks every answer: problem documents for errors, and no secret, foreign token or
/// tenant-B id in any body (A07).
pub(super) fn audit(world: &World, cell: &str, reply: &Reply, own_token: Option<&str>) {
    audit_without_foreign_ids(world, cell, reply, own_token);
    let text = reply.text();
    for id in &world.b_ids {
        assert!(
            !text.contains(id.as_str()),
            "{cell}: response to tenant A contains tenant B's id {id}: {text}"
        );
    }
}

/// [`audit`] short of the tenant-B id check: problem documents, no secrets, no foreign
/// tokens (alone for the audit trail, which echoes the ids callers typed).
pub(super) fn audit_without_foreign_ids(
    world: &World,
    cell: &str,
    reply: &Reply,
    own_token: Option<&str>,
) {
    if !reply.status.is_success() {
        let ct = reply
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            ct.starts_with("application/problem+json"),
            "{cell}: error without problem+json ({ct}): {}",
            reply.text()
        );
        assert_eq!(
            reply.json()["status"].as_u64(),
            Some(u64::from(reply.status.as_u16())),
            "{cell}: problem status differs from HTTP status"
        );
    }
    let text = reply.text();
    let lower = text.to_lowercase();
    for secret in ["password", "argon2", "secret_hash"] {
        assert!(
            !lower.contains(secret),
            "{cell}: response mentions {secret:?}: {text}"
        );
    }
    for t in &world.tokens {
        if Some(t.as_str()) != own_token {
            assert!(
                !text.contains(t.as_str()),
                "{cell}: response contains a token: {text}"
            );
        }
    }
}

/// What an allowed cell must have done.
#[allow(clippy::too_many_arguments)]
pub(super) async fn check_success(
    app: &TestApp,
    w: &World,
    cell: &str,
    r: &Route,
    reply: &Reply,
    before: &Snapshot,
    fx: Option<&Fixture>,
    own: Option<(CustomerId, ConversationId)>,
) {
    let after = w.snapshot(app, fx).await;
    assert_eq!(
        after.log_b, before.log_b,
        "{cell}: a tenant-A call wrote to tenant B's log"
    );
    if r.writes {
        assert!(
            after.log_a > before.log_a,
            "{cell}: an allowed write left no event"
        );
    } else {
        assert_eq!(after.log_a, before.log_a, "{cell}: a read wrote to the log");
    }
    match r.rt {
        Rt::Stream => {
            let ct = reply
                .headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            assert!(ct.starts_with("text/event-stream"), "{cell}: {ct}");
        }
        Rt::Logout => assert!(reply.body.is_empty(), "{cell}"),
        Rt::ListConversations => {
            let v = reply.json();
            let items = v["items"].as_array().unwrap();
            assert!(!items.is_empty(), "{cell}: nothing listed");
            if let Some((mine, my_conversation)) = own {
                // A customer sees only their own conversations.
                for item in items {
                    assert_eq!(
                        item["customer_id"].as_str(),
                        Some(mine.to_string().as_str()),
                        "{cell}: listed another customer's conversation"
                    );
                }
                assert!(
                    items
                        .iter()
                        .any(|i| i["id"].as_str() == Some(my_conversation.to_string().as_str())),
                    "{cell}: own conversation missing"
                );
            }
        }
        Rt::PatchConversation => {
            let c = after.conversation.as_ref().unwrap();
            assert_eq!(c.priority.as_str(), "high", "{cell}");
            assert_eq!(reply.json()["priority"], "high", "{cell}");
        }
        Rt::Merge => {
            let fx = fx.unwrap();
            assert_eq!(
                after.other.as_ref().unwrap().merged_into,
                Some(fx.customer),
                "{cell}: not merged"
            );
            assert_eq!(
                reply.json()["id"].as_str(),
                Some(fx.customer.to_string().as_str()),
                "{cell}"
            );
        }
        Rt::AddIdentity => {
            let n = |s: &Snapshot| s.customer.as_ref().unwrap().identities.len();
            assert_eq!(n(&after), n(before) + 1, "{cell}: identity not added");
        }
        Rt::GetCustomer
        | Rt::Timeline
        | Rt::GetConversation
        | Rt::ListMessages
        | Rt::PostMessage => {
            let v = reply.json();
            let fx = fx.unwrap();
            match r.rt {
                Rt::GetCustomer => assert_eq!(
                    v["id"].as_str(),
                    Some(fx.customer.to_string().as_str()),
                    "{cell}"
                ),
                Rt::GetConversation => assert_eq!(
                    v["id"].as_str(),
                    Some(fx.conversation.to_string().as_str()),
                    "{cell}"
                ),
                Rt::PostMessage => assert_eq!(
                    v["conversation_id"].as_str(),
                    Some(fx.conversation.to_string().as_str()),
                    "{cell}"
                ),
                _ => assert!(
                    !v["items"].as_array().unwrap().is_empty(),
                    "{cell}: empty page"
                ),
            }
        }
        Rt::Me => {
            let v = reply.json();
            assert_eq!(
                v["tenant_id"].as_str(),
                Some(w.a.to_string().as_str()),
                "{cell}"
            );
        }
        Rt::RemoveMailAddress | Rt::DeleteChannel | Rt::DeleteWebhookSecret => {
            assert!(reply.body.is_empty(), "{cell}: 204 has no body")
        }
        // The value is shown to the one who created it, once; lists never hold it.
        Rt::RotateWebhookSecret => {
            let v = reply.json();
            assert_eq!(v["name"], "matrix-crm", "{cell}");
            assert_eq!(v["secret"].as_str().map(str::len), Some(43), "{cell}");
        }
        Rt::ListWebhookSecrets => {
            let v = reply.json();
            for item in v["items"].as_array().unwrap() {
                assert!(item.get("secret").is_none(), "{cell}: a listed value");
            }
        }
        Rt::AddImap => {
            let v = reply.json();
            assert_eq!(v["host"], "imap.example.com", "{cell}");
            assert!(
                v.get("password").is_none(),
                "{cell}: the password is never shown"
            );
        }
        // The person is gone, and only they are.
        Rt::EraseCustomer => {
            assert!(
                after.customer.is_none(),
                "{cell}: the customer is still there"
            );
            assert!(
                after.conversation.is_none(),
                "{cell}: their conversation is still there"
            );
            assert_eq!(reply.json()["conversations"], 1, "{cell}");
        }
        // The archive must read back as the customer's export, and only theirs.
        Rt::ExportCustomer => {
            assert_eq!(reply.headers["content-type"], "application/zip", "{cell}");
            let archive = kairos_privacy::archive::read(reply.body.clone())
                .await
                .unwrap();
            let customer = fx.expect("an export has its customer").customer;
            assert_eq!(archive.export.profile.id, customer.0.to_string(), "{cell}");
        }
        _ => {
            let _ = reply.json();
        }
    }
}
