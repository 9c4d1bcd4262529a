//! The driver: walks the A01 table, then the A05 smuggled-field and A03 foreign-reference cells.

use super::checks::{self, audit, check_success};
use super::fixtures::{Fixture, World, path_for, send};
use super::table::{CALLERS, Caller, Obj, Rt, SMUGGLED, TARGETS, Target, all_routes, expected};
use crate::helpers::TestApp;
use http::StatusCode;
use kairos_core::event::Actor;
use kairos_core::ids::{ConversationId, CustomerId};
use kairos_core::party::Role;
use serde_json::json;
use uuid::Uuid;

/// Runs the whole table on one store; returns the number of cells checked.
pub(super) async fn run_matrix(app: &TestApp) -> usize {
    let a = app.tenant("acme").await;
    let b = app.tenant("globex").await;
    // Invitations are mailed from a support address: tenant A has one.
    app.store
        .add_mail_address(a, "support@acme.example")
        .await
        .unwrap();
    let admin_a = app.token(a, Role::Admin, None).await;
    let admin_b = app.token(b, Role::Admin, None).await;
    let mut role_tokens = vec![(Caller::Admin, admin_a.clone())];
    for (caller, role) in [
        (Caller::Agent, Role::Agent),
        (Caller::Expert, Role::Expert),
        (Caller::Partner, Role::Partner),
        (Caller::Concierge, Role::Concierge),
    ] {
        role_tokens.push((caller, app.token(a, role, None).await));
    }
    let tokens = role_tokens
        .iter()
        .map(|(_, t)| t.clone())
        .chain([admin_b.clone()])
        .collect();
    let mut w = World {
        a,
        b,
        admin_a,
        admin_b,
        role_tokens,
        tokens,
        b_ids: vec![b.to_string()],
        seq: 0,
        forum_a: super::forum::category(app, a).await,
        forum_b: super::forum::category(app, b).await,
    };
    w.b_ids.push(w.forum_b.to_string());

    let mut cells = 0usize;
    let mut leak_checks = 0usize;

    // ---- A01: the role × route × target table -------------------------------------------
    for caller in CALLERS {
        for r in all_routes() {
            let targets: Vec<Option<Target>> = if r.obj == Obj::None {
                vec![None]
            } else {
                TARGETS.iter().copied().map(Some).collect()
            };
            for target in targets {
                let cell = format!("{caller:?} {} {} on {target:?}", r.method, r.path);
                // The caller: customers get a fresh customer of tenant A (cA1) per cell.
                let mut own: Option<(CustomerId, ConversationId)> = None;
                let token = match caller {
                    Caller::Anonymous => None,
                    Caller::Customer => {
                        let subject = w.subject(app, a).await;
                        own = Some(subject);
                        let t = app.token(a, Role::Customer, Some(subject.0)).await;
                        w.tokens.push(t.clone());
                        Some(t)
                    }
                    other => w.token_of(other),
                };
                // The target object, fresh for this cell.
                let fx = match target {
                    None => None,
                    Some(t) => {
                        let tenant = if t == Target::OtherTenant { b } else { a };
                        let (customer, conversation) = match (t, own) {
                            (Target::Own, Some(mine)) => mine,
                            _ => w.subject(app, tenant).await,
                        };
                        let other = if r.rt == Rt::Merge {
                            Some(w.subject(app, tenant).await.0)
                        } else {
                            None
                        };
                        let thread = if r.obj == Obj::Thread {
                            Some(w.thread(app, tenant, customer).await)
                        } else {
                            None
                        };
                        Some(Fixture {
                            tenant,
                            customer,
                            conversation,
                            other,
                            thread,
                        })
                    }
                };
                let want = expected(r, caller, target);
                let body = w.body(r.rt, fx.as_ref());
                let path = path_for(r, fx.as_ref(), None);
                let before = w.snapshot(app, fx.as_ref()).await;
                let reply = send(app, r, &path, token.as_deref(), body.clone()).await;
                assert_eq!(reply.status, want, "{cell}: {}", reply.text());
                let minted = (r.rt == Rt::Tokens && reply.status.is_success())
                    .then(|| reply.json()["token"].as_str().unwrap().to_owned());
                if r.rt == Rt::AuditLog {
                    // The trail records the ids tenant-A callers typed, including their
                    // probes of tenant B's ids: their own input, not B's data. That the
                    // trail holds only tenant A's entries is checked in tests/api/audit.rs.
                    checks::audit_without_foreign_ids(&w, &cell, &reply, minted.as_deref());
                } else {
                    audit(&w, &cell, &reply, minted.as_deref());
                }
                if let Some(t) = minted {
                    assert!(
                        t.starts_with(kairos_http::auth::TOKEN_PREFIX),
                        "{cell}: {t}"
                    );
                    w.tokens.push(t);
                }
                if want.is_success() {
                    check_success(app, &w, &cell, r, &reply, &before, fx.as_ref(), own).await;
                } else {
                    // A refused cell changes nothing.
                    assert_eq!(
                        w.snapshot(app, fx.as_ref()).await,
                        before,
                        "{cell}: a refused call changed something"
                    );
                    if want == StatusCode::NOT_FOUND {
                        // No existence leak: same bytes as for an id that does not exist.
                        let ghost = path_for(r, fx.as_ref(), Some(Uuid::new_v4()));
                        let miss = send(app, r, &ghost, token.as_deref(), body).await;
                        assert_eq!(
                            miss.status,
                            reply.status,
                            "{cell}: status differs from a non-existent id's: {}",
                            miss.text()
                        );
                        assert_eq!(
                            miss.body, reply.body,
                            "{cell}: 404 body differs from a non-existent id's"
                        );
                        assert_eq!(
                            miss.headers.get(http::header::CONTENT_TYPE),
                            reply.headers.get(http::header::CONTENT_TYPE),
                            "{cell}"
                        );
                        assert_eq!(
                            w.snapshot(app, fx.as_ref()).await,
                            before,
                            "{cell}: the non-existent-id call changed something"
                        );
                        leak_checks += 1;
                    }
                }
                cells += 1;
            }
        }
    }
    // 7 callers × (63 object-less routes + 25 object routes × 3 targets), the forum's 3
    // and 5 of them included.
    assert_eq!(
        cells,
        7 * (67 + 25 * 3),
        "the A01 table is not what it should be"
    );
    // Admin and agent: 18 object routes on tenant B, and the admin the export and erasure;
    // customer: 14 own-object routes × 2 foreign targets.
    // (+1: the admin's delete of a non-existent IMAP mailbox; +3: admin, agent and customer
    // asking for a non-existent consent receipt; +2: admin and agent asking for a
    // non-existent coupon; +21: every caller on the 3 public coupon routes; forums: admin
    // and agent on the 5 thread routes of tenant B, the customer reading, replying and
    // marking a solution there; +2: the admin revoking and resending a non-existent
    // invitation.)
    assert_eq!(
        leak_checks,
        2 * 18 + 2 + 14 * 2 + 1 + 3 + 2 + 21 + 2 * 5 + 3 + 2,
        "404 comparisons"
    );

    // ---- A05: smuggled fields on every write ----------------------------------------------
    let a05_routes = [
        Rt::Inbound,
        Rt::PutSla,
        Rt::PutRouting,
        Rt::PatchTenant,
        Rt::AddMailAddress,
        Rt::PutMailSettings,
        Rt::AddImap,
        Rt::CreateChannel,
        Rt::SetTier,
        Rt::RecordConsent,
        Rt::PutPrivacy,
        Rt::PutContextSettings,
        Rt::CreateCustomer,
        Rt::PatchConversation,
        Rt::PostMessage,
        Rt::AddIdentity,
        Rt::KbCreateCategory,
        Rt::KbPutSettings,
        Rt::KbCreatePartner,
        Rt::ForumCreateThread,
    ];
    let mut a05 = 0usize;
    for caller in [Caller::Admin, Caller::Agent, Caller::Customer] {
        for rt in a05_routes {
            if caller == Caller::Customer && rt != Rt::PostMessage {
                continue; // refused with 403 before the body matters (covered above)
            }
            let r = all_routes().find(|r| r.rt == rt).unwrap();
            for field in SMUGGLED {
                let cell = format!("A05 {caller:?} {} {} + {field}", r.method, r.path);
                let (customer, conversation) = w.subject(app, a).await;
                let token = if caller == Caller::Customer {
                    let t = app.token(a, Role::Customer, Some(customer)).await;
                    w.tokens.push(t.clone());
                    t
                } else {
                    w.token_of(caller).unwrap()
                };
                let fx = Fixture {
                    tenant: a,
                    customer,
                    conversation,
                    other: None,
                    thread: None,
                };
                let mut body = w.body(rt, Some(&fx)).unwrap();
                let b_customer = w.subject(app, b).await.0;
                body[field] = match field {
                    "tenant_id" => json!(b.0),
                    "role" => json!("admin"),
                    "customer_id" => json!(b_customer.0),
                    "verified" => json!(true),
                    "balance" => json!(1_000_000),
                    _ => json!(Uuid::new_v4()),
                };
                let path = path_for(r, Some(&fx), None);
                let before = w.snapshot(app, Some(&fx)).await;
                let reply = app.call(r.method, &path, Some(&token), Some(body)).await;
                assert_eq!(
                    reply.status,
                    StatusCode::BAD_REQUEST,
                    "{cell}: {}",
                    reply.text()
                );
                audit(&w, &cell, &reply, None);
                assert_eq!(
                    w.snapshot(app, Some(&fx)).await,
                    before,
                    "{cell}: changed something"
                );
                a05 += 1;
            }
        }
    }
    assert_eq!(a05, (2 * 20 + 1) * SMUGGLED.len(), "A05 cells");

    // ---- A03: references to another tenant's objects in the body -------------------------
    // Merge an A customer with a B customer: 404, both unchanged.
    {
        let cell = "A03 merge with a customer of tenant B";
        let (customer, conversation) = w.subject(app, a).await;
        let foreign = w.subject(app, b).await.0;
        let fx = Fixture {
            tenant: a,
            customer,
            conversation,
            other: None,
            thread: None,
        };
        let before = w.snapshot(app, Some(&fx)).await;
        let foreign_before = app.store.customer(b, foreign).await.unwrap();
        assert!(foreign_before.is_some());
        let reply = app
            .call(
                "POST",
                &format!("/api/v1/customers/{}/merge", customer.0),
                Some(&w.admin_a),
                Some(json!({"other": foreign.0})),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{cell}: {}",
            reply.text()
        );
        audit(&w, cell, &reply, None);
        assert_eq!(
            w.snapshot(app, Some(&fx)).await,
            before,
            "{cell}: changed tenant A"
        );
        assert_eq!(
            app.store.customer(b, foreign).await.unwrap(),
            foreign_before,
            "{cell}: changed tenant B's customer"
        );
    }
    // Assign an A conversation to a staff member of tenant B: 422, unchanged.
    {
        let cell = "A03 patch assignee = a party of tenant B";
        let (customer, conversation) = w.subject(app, a).await;
        let email = format!("{}@example.org", w.unique("b-agent"));
        let b_agent = app
            .store
            .create_party(
                b,
                Role::Agent,
                Some(&email),
                "Globex Agent",
                None,
                &Actor::System,
            )
            .await
            .unwrap();
        w.b_ids.push(b_agent.to_string());
        let fx = Fixture {
            tenant: a,
            customer,
            conversation,
            other: None,
            thread: None,
        };
        let before = w.snapshot(app, Some(&fx)).await;
        let reply = app
            .call(
                "PATCH",
                &format!("/api/v1/conversations/{}", conversation.0),
                Some(&w.admin_a),
                Some(json!({"assignee": b_agent.0})),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{cell}: {}",
            reply.text()
        );
        audit(&w, cell, &reply, None);
        assert_eq!(
            w.snapshot(app, Some(&fx)).await,
            before,
            "{cell}: changed something"
        );
    }
    let total = cells + a05 + 2;
    assert_eq!(total, 7 * (67 + 25 * 3) + (2 * 20 + 1) * SMUGGLED.len() + 2);
    eprintln!(
        "matrix: {total} cells checked ({cells} role×route×target, {leak_checks} existence-leak comparisons, {a05} A05, 2 A03)"
    );
    total
}
