//! The matrix's world: tokens, fresh target objects, request bodies, snapshots and sending.

use super::table::{Caller, Obj, Route, Rt};
use crate::helpers::{Reply, TestApp};
use http::StatusCode;
use kairos_core::ids::{CategoryId, ConversationId, CustomerId, ReplyId, TenantId, ThreadId};
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

/// Everything the matrix needs across cells.
pub(super) struct World {
    pub(super) a: TenantId,
    pub(super) b: TenantId,
    pub(super) admin_a: String,
    pub(super) admin_b: String,
    /// One token per non-customer role of tenant A (customer tokens are minted per cell).
    pub(super) role_tokens: Vec<(Caller, String)>,
    /// Every token minted so far: none may appear in a response (except POST /tokens' own).
    pub(super) tokens: Vec<String>,
    /// Every id of tenant B: none may appear in a response to a caller of tenant A.
    pub(super) b_ids: Vec<String>,
    pub(super) seq: u64,
    /// A forum category of tenant A (thread bodies) and of tenant B (B's threads).
    pub(super) forum_a: CategoryId,
    pub(super) forum_b: CategoryId,
}

/// What a cell acts on.
pub(super) struct Fixture {
    /// The tenant the target object lives in.
    pub(super) tenant: TenantId,
    pub(super) customer: CustomerId,
    pub(super) conversation: ConversationId,
    /// For merge: the customer merged away (same tenant as the target).
    pub(super) other: Option<CustomerId>,
    /// For forum routes: the customer's thread and its one reply.
    pub(super) thread: Option<(ThreadId, ReplyId)>,
}

/// What a refused cell must leave as it was.
#[derive(Debug, PartialEq)]
pub(super) struct Snapshot {
    pub(super) log_a: usize,
    pub(super) log_b: usize,
    pub(super) customer: Option<kairos_core::customer::Customer>,
    pub(super) other: Option<kairos_core::customer::Customer>,
    pub(super) conversation: Option<kairos_core::conversation::Conversation>,
    pub(super) thread: Option<kairos_store::forum::Thread>,
}

impl World {
    pub(super) fn unique(&mut self, what: &str) -> String {
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
    pub(super) async fn subject(
        &mut self,
        app: &TestApp,
        tenant: TenantId,
    ) -> (CustomerId, ConversationId) {
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

    /// A fresh thread of `customer` in `tenant` (its ids are tenant B's to hide, there).
    pub(super) async fn thread(
        &mut self,
        app: &TestApp,
        tenant: TenantId,
        customer: CustomerId,
    ) -> (ThreadId, ReplyId) {
        let category = if tenant == self.b {
            self.forum_b
        } else {
            self.forum_a
        };
        let (t, r) = super::forum::thread(app, tenant, category, customer).await;
        if tenant == self.b {
            self.b_ids.push(t.to_string());
            self.b_ids.push(r.to_string());
        }
        (t, r)
    }

    pub(super) async fn snapshot(&self, app: &TestApp, fx: Option<&Fixture>) -> Snapshot {
        let thread = match fx.and_then(|f| f.thread.map(|t| (f.tenant, t.0))) {
            Some((tenant, id)) => app.store.forum_thread(tenant, id).await.unwrap(),
            None => None,
        };
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
            thread,
        }
    }

    /// The request body of a route (valid unless the caller smuggles fields into it).
    pub(super) fn body(&mut self, rt: Rt, fx: Option<&Fixture>) -> Option<Value> {
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
            Rt::Invite => Some(json!({
                "email": format!("{}@example.org", self.unique("invitee")),
                "display_name": "Matrix Invitee",
                "role": "agent",
            })),
            Rt::Tokens => Some(json!({"role": "agent"})),
            Rt::PutRouting => {
                Some(json!({"enabled": true, "queues": [{"name": "Q", "skills": ["de"]}]}))
            }
            Rt::SetTier => Some(json!({"tier": "gold"})),
            Rt::RecordConsent => Some(
                json!({"purpose": "location", "action": "grant", "method": "api", "notice_version": "2026-12"}),
            ),
            Rt::PatchTenant => Some(json!({"name": self.unique("Acme")})),
            Rt::PutPrivacy => Some(json!({"purposes": ["service", "location"]})),
            Rt::PutRetention => {
                Some(json!({"context_events_days": 14, "inactive_customers_days": 1095}))
            }
            Rt::CreateCanned => Some(json!({
                "title": self.unique("canned"),
                "body": "Hello {{customer.first_name}}",
            })),
            Rt::PutWidget => Some(
                json!({"allowed_origins": ["https://www.matrix.example"], "prechat_form": true}),
            ),
            Rt::PutContextSettings => Some(json!({"purposes": {"wifi.": "location"}})),
            Rt::PutRestrictions => Some(json!({"proactive": true, "reason": "no offers"})),
            Rt::ReviewDecision => Some(json!({"key": "", "status": "upheld"})),
            Rt::PutAnticipationRules => Some(json!({"enabled": false,
                "rules": "rule \"hello\" version 1\n  when w = wifi.login\nthen\n  touchpoint \"hi\"\nend\n"})),
            Rt::IngestContext => Some(
                json!({"id": self.unique("ctx"), "subject": {"customer_id": "00000000-0000-7000-8000-000000000000"},
                    "type": "wifi.login", "time": "2026-11-18T08:00:00Z"}),
            ),
            Rt::AddImap => Some(
                json!({"host": "imap.example.com", "username": "support", "password": "matrix-pw"}),
            ),
            Rt::PutMailSettings => Some(
                json!({"from_name": "Matrix", "auto_reply": {"subject": "Thanks", "text": "We answer soon."}}),
            ),
            Rt::AddMailAddress => {
                Some(json!({"address": format!("{}@matrix.test", self.unique("help"))}))
            }
            Rt::CreateChannel => Some(json!({
                "provider": "telegram",
                "name": "Matrix bot",
                "config": {"bot_token": "123456:matrix", "secret_token": self.unique("s")},
            })),
            Rt::PutSla => Some(
                json!({"policies": [{"name": "Std", "targets": {"normal": {"first_response": 3600}}}]}),
            ),
            Rt::KbCreateCategory => Some(json!({"slug": self.unique("cat"), "name": "Matrix"})),
            Rt::KbPutSettings => Some(json!({"languages": ["de", "en"]})),
            Rt::KbCreatePartner => Some(json!({"display_name": "Matrix Partner"})),
            Rt::ForumCreateThread => {
                Some(json!({"category_id": self.forum_a.0, "title": "Matrix", "body": "hello"}))
            }
            Rt::ForumReply => Some(json!({"body": "hi"})),
            Rt::ForumModerate => Some(json!({"action": "lock"})),
            Rt::ForumSolution => {
                Some(json!({"reply_id": fx.and_then(|f| f.thread).expect("a thread fixture").1.0}))
            }
            _ => None,
        }
    }

    pub(super) fn token_of(&self, caller: Caller) -> Option<String> {
        self.role_tokens
            .iter()
            .find(|(c, _)| *c == caller)
            .map(|(_, t)| t.clone())
    }
}

pub(super) fn path_for(r: &Route, fx: Option<&Fixture>, id_override: Option<Uuid>) -> String {
    match (r.obj, fx) {
        (Obj::None, _) => r.path.to_owned(),
        (Obj::Customer, Some(fx)) => r
            .path
            .replace("{id}", &id_override.unwrap_or(fx.customer.0).to_string()),
        (Obj::Conversation, Some(fx)) => r.path.replace(
            "{id}",
            &id_override.unwrap_or(fx.conversation.0).to_string(),
        ),
        (Obj::Thread, Some(fx)) => r.path.replace(
            "{id}",
            &id_override
                .unwrap_or(fx.thread.expect("a thread fixture").0.0)
                .to_string(),
        ),
        (_, None) => unreachable!("an object route without a fixture"),
    }
}

/// Sends one request; the event stream is read for its head only when it is answered 2xx.
pub(super) async fn send(
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
