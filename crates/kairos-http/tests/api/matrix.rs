//! Checklist A01–A07: every route × every role × own/other tenant × own/other object, built
//! as a table. Only the allowed cells succeed; every refused cell answers 401/403/404 (or 400
//! for smuggled fields, 422 for foreign references) with a problem document and changes
//! nothing; a 404 for another tenant's object is byte-identical to the 404 for an id that
//! does not exist; no response carries secrets, other callers' tokens or tenant B's ids.

use crate::helpers::{Backend, Reply, TestApp, spawn_on};
use http::StatusCode;
use kairos_core::event::Actor;
use kairos_core::ids::{ConversationId, CustomerId, TenantId};
use kairos_core::party::Role;
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Admin,
    Agent,
    Customer,
    Expert,
    Partner,
    Concierge,
    Anonymous,
}

const CALLERS: [Caller; 7] = [
    Caller::Admin,
    Caller::Agent,
    Caller::Customer,
    Caller::Expert,
    Caller::Partner,
    Caller::Concierge,
    Caller::Anonymous,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// The customer caller's own customer / conversation; for staff, an object of tenant A.
    Own,
    /// Another customer (or its conversation) of tenant A.
    OtherSameTenant,
    /// A customer (or its conversation) of tenant B.
    OtherTenant,
}

const TARGETS: [Target; 3] = [Target::Own, Target::OtherSameTenant, Target::OtherTenant];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Obj {
    None,
    Customer,
    Conversation,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rt {
    Inbound,
    CreateCustomer,
    GetCustomer,
    AddIdentity,
    Merge,
    Timeline,
    ListConversations,
    GetConversation,
    PatchConversation,
    ListMessages,
    PostMessage,
    Events,
    Stream,
    Staff,
    Tokens,
    Me,
    Logout,
}

struct Route {
    rt: Rt,
    method: &'static str,
    /// `{id}` is replaced by the target object's id.
    path: &'static str,
    obj: Obj,
    /// The status of an allowed call.
    ok: StatusCode,
    /// Whether an allowed call appends to the log.
    writes: bool,
}

const fn route(
    rt: Rt,
    method: &'static str,
    path: &'static str,
    obj: Obj,
    ok: StatusCode,
    writes: bool,
) -> Route {
    Route {
        rt,
        method,
        path,
        obj,
        ok,
        writes,
    }
}

const OK: StatusCode = StatusCode::OK;
const CREATED: StatusCode = StatusCode::CREATED;

const ROUTES: [Route; 17] = [
    route(
        Rt::Inbound,
        "POST",
        "/api/v1/inbound",
        Obj::None,
        CREATED,
        true,
    ),
    route(
        Rt::CreateCustomer,
        "POST",
        "/api/v1/customers",
        Obj::None,
        CREATED,
        true,
    ),
    route(
        Rt::GetCustomer,
        "GET",
        "/api/v1/customers/{id}",
        Obj::Customer,
        OK,
        false,
    ),
    route(
        Rt::AddIdentity,
        "POST",
        "/api/v1/customers/{id}/identities",
        Obj::Customer,
        CREATED,
        true,
    ),
    route(
        Rt::Merge,
        "POST",
        "/api/v1/customers/{id}/merge",
        Obj::Customer,
        OK,
        true,
    ),
    route(
        Rt::Timeline,
        "GET",
        "/api/v1/customers/{id}/timeline",
        Obj::Customer,
        OK,
        false,
    ),
    route(
        Rt::ListConversations,
        "GET",
        "/api/v1/conversations",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::GetConversation,
        "GET",
        "/api/v1/conversations/{id}",
        Obj::Conversation,
        OK,
        false,
    ),
    route(
        Rt::PatchConversation,
        "PATCH",
        "/api/v1/conversations/{id}",
        Obj::Conversation,
        OK,
        true,
    ),
    route(
        Rt::ListMessages,
        "GET",
        "/api/v1/conversations/{id}/messages",
        Obj::Conversation,
        OK,
        false,
    ),
    route(
        Rt::PostMessage,
        "POST",
        "/api/v1/conversations/{id}/messages",
        Obj::Conversation,
        CREATED,
        true,
    ),
    route(Rt::Events, "GET", "/api/v1/events", Obj::None, OK, false),
    route(
        Rt::Stream,
        "GET",
        "/api/v1/events/stream",
        Obj::None,
        OK,
        false,
    ),
    route(Rt::Staff, "POST", "/api/v1/staff", Obj::None, CREATED, true),
    route(
        Rt::Tokens,
        "POST",
        "/api/v1/tokens",
        Obj::None,
        CREATED,
        true,
    ),
    route(Rt::Me, "GET", "/api/v1/auth/me", Obj::None, OK, false),
    route(
        Rt::Logout,
        "POST",
        "/api/v1/auth/logout",
        Obj::None,
        StatusCode::NO_CONTENT,
        false,
    ),
];

/// Routes a customer may use (on their own objects only).
const CUSTOMER_ROUTES: [Rt; 6] = [
    Rt::GetCustomer,
    Rt::Timeline,
    Rt::ListConversations,
    Rt::GetConversation,
    Rt::ListMessages,
    Rt::PostMessage,
];

/// The expected status of one cell.
fn expected(r: &Route, caller: Caller, target: Option<Target>) -> StatusCode {
    if caller == Caller::Anonymous {
        return StatusCode::UNAUTHORIZED;
    }
    if matches!(r.rt, Rt::Me | Rt::Logout) {
        return r.ok;
    }
    match caller {
        Caller::Admin | Caller::Agent => {
            if matches!(r.rt, Rt::Staff | Rt::Tokens) && caller == Caller::Agent {
                StatusCode::FORBIDDEN
            } else if target == Some(Target::OtherTenant) {
                StatusCode::NOT_FOUND
            } else {
                r.ok
            }
        }
        Caller::Customer if CUSTOMER_ROUTES.contains(&r.rt) => match target {
            None | Some(Target::Own) => r.ok,
            Some(_) => StatusCode::NOT_FOUND,
        },
        _ => StatusCode::FORBIDDEN,
    }
}

/// Fields a client must never be able to set (A05).
const SMUGGLED: [&str; 7] = [
    "tenant_id",
    "id",
    "role",
    "customer_id",
    "verified",
    "owner_id",
    "balance",
];

/// Everything the matrix needs across cells.
struct World {
    a: TenantId,
    b: TenantId,
    admin_a: String,
    admin_b: String,
    /// One token per non-customer role of tenant A (customer tokens are minted per cell).
    role_tokens: Vec<(Caller, String)>,
    /// Every token minted so far: none may appear in a response (except POST /tokens' own).
    tokens: Vec<String>,
    /// Every id of tenant B: none may appear in a response to a caller of tenant A.
    b_ids: Vec<String>,
    seq: u64,
}

/// What a cell acts on.
struct Fixture {
    /// The tenant the target object lives in.
    tenant: TenantId,
    customer: CustomerId,
    conversation: ConversationId,
    /// For merge: the customer merged away (same tenant as the target).
    other: Option<CustomerId>,
}

/// What a refused cell must leave as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    log_a: usize,
    log_b: usize,
    customer: Option<kairos_core::customer::Customer>,
    other: Option<kairos_core::customer::Customer>,
    conversation: Option<kairos_core::conversation::Conversation>,
}

impl World {
    fn unique(&mut self, what: &str) -> String {
        self.seq += 1;
        format!("{what}-{}-{}", self.seq, Uuid::new_v4().simple())
    }

    fn admin_of(&self, tenant: TenantId) -> String {
        if tenant == self.a {
            self.admin_a.clone()
        } else {
            self.admin_b.clone()
        }
    }

    /// A fresh customer with one open conversation in `tenant`.
    async fn subject(&mut self, app: &TestApp, tenant: TenantId) -> (CustomerId, ConversationId) {
        let email = format!("{}@example.org", self.unique("subject"));
        let token = self.admin_of(tenant);
        let r = app
            .inbound(
                &token,
                "email",
                "email",
                &email,
                "hello from the matrix",
                None,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "fixture inbound: {}",
            r.text()
        );
        let v = r.json();
        let customer: CustomerId = v["customer_id"].as_str().unwrap().parse().unwrap();
        let conversation: ConversationId = v["conversation_id"].as_str().unwrap().parse().unwrap();
        if tenant == self.b {
            self.b_ids.push(customer.to_string());
            self.b_ids.push(conversation.to_string());
        }
        (customer, conversation)
    }

    async fn snapshot(&self, app: &TestApp, fx: Option<&Fixture>) -> Snapshot {
        let (customer, other, conversation) = match fx {
            Some(fx) => (
                app.store.customer(fx.tenant, fx.customer).await.unwrap(),
                match fx.other {
                    Some(o) => app.store.customer(fx.tenant, o).await.unwrap(),
                    None => None,
                },
                app.store
                    .conversation(fx.tenant, fx.conversation)
                    .await
                    .unwrap(),
            ),
            None => (None, None, None),
        };
        Snapshot {
            log_a: app.log_len(self.a).await,
            log_b: app.log_len(self.b).await,
            customer,
            other,
            conversation,
        }
    }

    /// The request body of a route (valid unless the caller smuggles fields into it).
    fn body(&mut self, rt: Rt, fx: Option<&Fixture>) -> Option<Value> {
        match rt {
            Rt::Inbound => {
                let email = format!("{}@example.org", self.unique("inbound"));
                Some(
                    json!({"channel": "email", "from": {"kind": "email", "value": email}, "subject": "Hello", "body": "hi"}),
                )
            }
            Rt::CreateCustomer => Some(json!({"display_name": "Matrix Cell"})),
            Rt::AddIdentity => Some(
                json!({"kind": "email", "value": format!("{}@example.org", self.unique("identity"))}),
            ),
            Rt::Merge => Some(
                json!({"other": fx.and_then(|f| f.other).expect("merge needs another customer").0}),
            ),
            Rt::PatchConversation => Some(json!({"priority": "high"})),
            Rt::PostMessage => Some(json!({"body": "hi"})),
            Rt::Staff => Some(json!({
                "email": format!("{}@example.org", self.unique("staff")),
                "display_name": "Matrix Staff",
                "role": "agent",
                "password": "correct horse battery staple",
            })),
            Rt::Tokens => Some(json!({"role": "agent"})),
            _ => None,
        }
    }

    fn token_of(&self, caller: Caller) -> Option<String> {
        self.role_tokens
            .iter()
            .find(|(c, _)| *c == caller)
            .map(|(_, t)| t.clone())
    }
}

fn path_for(r: &Route, fx: Option<&Fixture>, id_override: Option<Uuid>) -> String {
    match (r.obj, fx) {
        (Obj::None, _) => r.path.to_owned(),
        (Obj::Customer, Some(fx)) => r
            .path
            .replace("{id}", &id_override.unwrap_or(fx.customer.0).to_string()),
        (Obj::Conversation, Some(fx)) => r.path.replace(
            "{id}",
            &id_override.unwrap_or(fx.conversation.0).to_string(),
        ),
        (_, None) => unreachable!("an object route without a fixture"),
    }
}

/// Sends one request; the event stream is read for its head only when it is answered 2xx.
async fn send(
    app: &TestApp,
    r: &Route,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    if r.rt == Rt::Stream {
        let (status, headers) = app.head_only(r.method, path, token).await;
        if status.is_success() {
            return Reply {
                status,
                headers,
                body: Vec::new(),
            };
        }
        // A refusal is a finite problem document.
        return tokio::time::timeout(
            Duration::from_secs(10),
            app.call(r.method, path, token, body),
        )
        .await
        .expect("a refused stream answers at once");
    }
    app.call(r.method, path, token, body).await
}

/// Checks every answer: problem documents for errors, and no secret, foreign token or
/// tenant-B id in any body (A07).
fn audit(world: &World, cell: &str, reply: &Reply, own_token: Option<&str>) {
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
    for id in &world.b_ids {
        assert!(
            !text.contains(id.as_str()),
            "{cell}: response to tenant A contains tenant B's id {id}: {text}"
        );
    }
}

/// Runs the whole table on one store; returns the number of cells checked.
async fn run_matrix(app: &TestApp) -> usize {
    let a = app.tenant("acme").await;
    let b = app.tenant("globex").await;
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
    };

    let mut cells = 0usize;
    let mut leak_checks = 0usize;

    // ---- A01: the role × route × target table -------------------------------------------
    for caller in CALLERS {
        for r in &ROUTES {
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
                        Some(Fixture {
                            tenant,
                            customer,
                            conversation,
                            other,
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
                audit(&w, &cell, &reply, minted.as_deref());
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
    // 7 callers × (9 object-less routes + 8 object routes × 3 targets).
    assert_eq!(
        cells,
        7 * (9 + 8 * 3),
        "the A01 table is not what it should be"
    );
    // Admin and agent: 8 object routes on tenant B; customer: 5 readable routes × 2 foreign targets.
    assert_eq!(leak_checks, 2 * 8 + 5 * 2, "404 comparisons");

    // ---- A05: smuggled fields on every write ----------------------------------------------
    let a05_routes = [
        Rt::Inbound,
        Rt::CreateCustomer,
        Rt::PatchConversation,
        Rt::PostMessage,
        Rt::AddIdentity,
    ];
    let mut a05 = 0usize;
    for caller in [Caller::Admin, Caller::Agent, Caller::Customer] {
        for rt in a05_routes {
            if caller == Caller::Customer && rt != Rt::PostMessage {
                continue; // refused with 403 before the body matters (covered above)
            }
            let r = ROUTES.iter().find(|r| r.rt == rt).unwrap();
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
    assert_eq!(a05, (2 * 5 + 1) * SMUGGLED.len(), "A05 cells");

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
    assert_eq!(total, 231 + 77 + 2);
    eprintln!(
        "matrix: {total} cells checked ({cells} role×route×target, {leak_checks} existence-leak comparisons, {a05} A05, 2 A03)"
    );
    total
}

/// What an allowed cell must have done.
#[allow(clippy::too_many_arguments)]
async fn check_success(
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
        _ => {
            let _ = reply.json();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_role_tenant_and_object_cell_allows_only_what_it_should() {
    let app = spawn_on(Backend::Sqlite).await.expect("sqlite");
    run_matrix(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_role_tenant_and_object_cell_allows_only_what_it_should_on_postgres() {
    let Some(app) = spawn_on(Backend::Postgres).await else {
        return;
    };
    run_matrix(&app).await;
}
