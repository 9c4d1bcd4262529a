//! The forum rows of the A01 table: their routes, who may use them, and the threads they
//! act on (one fresh thread with one staff reply per cell, started by the target customer,
//! so that "own" means the customer caller's own thread).

use super::table::{Caller, Obj, Route, Rt, Target, route};
use crate::helpers::TestApp;
use http::StatusCode;
use kairos_core::event::Actor;
use kairos_core::ids::{CategoryId, CustomerId, ReplyId, TenantId, ThreadId};
use kairos_core::knowledge::{ArticleVisibility, Reader};
use kairos_store::forum::{NewThread, Poster};

const OK: StatusCode = StatusCode::OK;
const CREATED: StatusCode = StatusCode::CREATED;

/// Every forum route. Visitors name the tenant with `?tenant=`, which the matrix does not
/// (401); its reads for visitors are tested in tests/api/forum.rs.
pub(super) const FORUM_ROUTES: [Route; 8] = [
    route(
        Rt::ForumThreads,
        "GET",
        "/api/v1/forum/threads",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::ForumCreateThread,
        "POST",
        "/api/v1/forum/threads",
        Obj::None,
        CREATED,
        true,
    ),
    route(
        Rt::ForumSearch,
        "GET",
        "/api/v1/forum/search?q=Frist",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::ForumGetThread,
        "GET",
        "/api/v1/forum/threads/{id}",
        Obj::Thread,
        OK,
        false,
    ),
    route(
        Rt::ForumReply,
        "POST",
        "/api/v1/forum/threads/{id}/replies",
        Obj::Thread,
        CREATED,
        true,
    ),
    route(
        Rt::ForumModerate,
        "POST",
        "/api/v1/forum/threads/{id}/moderation",
        Obj::Thread,
        OK,
        true,
    ),
    route(
        Rt::ForumSolution,
        "PUT",
        "/api/v1/forum/threads/{id}/solution",
        Obj::Thread,
        OK,
        true,
    ),
    route(
        Rt::ForumConvert,
        "POST",
        "/api/v1/forum/threads/{id}/conversation",
        Obj::Thread,
        CREATED,
        true,
    ),
];

/// The expected status of a forum cell (`None`: not a forum route).
pub(super) fn expected(r: &Route, caller: Caller, target: Option<Target>) -> Option<StatusCode> {
    if !FORUM_ROUTES.iter().any(|f| f.rt == r.rt) {
        return None;
    }
    let foreign = target == Some(Target::OtherTenant);
    Some(match caller {
        Caller::Anonymous => StatusCode::UNAUTHORIZED,
        // Partners draft articles; experts and concierges have no knowledge-base rights.
        Caller::Partner | Caller::Expert | Caller::Concierge => StatusCode::FORBIDDEN,
        Caller::Admin | Caller::Agent if foreign => StatusCode::NOT_FOUND,
        Caller::Admin | Caller::Agent => r.ok,
        // Moderation and conversion are staff's, whichever thread (403 before the lookup).
        Caller::Customer if matches!(r.rt, Rt::ForumModerate | Rt::ForumConvert) => {
            StatusCode::FORBIDDEN
        }
        Caller::Customer if foreign => StatusCode::NOT_FOUND,
        // Another customer's thread is readable, but its solution is its author's to mark.
        Caller::Customer
            if r.rt == Rt::ForumSolution && target == Some(Target::OtherSameTenant) =>
        {
            StatusCode::FORBIDDEN
        }
        Caller::Customer => r.ok,
    })
}

/// A forum category of `tenant` for the cells.
pub(super) async fn category(app: &TestApp, tenant: TenantId) -> CategoryId {
    app.store
        .kb_create_category(tenant, "forum".into(), "Forum".into(), &Actor::System)
        .await
        .unwrap()
        .id
}

/// A fresh thread of `author` in `tenant`, with one reply by staff.
pub(super) async fn thread(
    app: &TestApp,
    tenant: TenantId,
    category: CategoryId,
    author: CustomerId,
) -> (ThreadId, ReplyId) {
    let new = NewThread {
        category_id: category,
        visibility: ArticleVisibility::Public,
        language: "de".into(),
        title: "Kündigungsfrist".into(),
        body: "Wie lang ist die Frist?".into(),
    };
    let poster = Poster {
        customer_id: Some(author),
        name: "Matrix".into(),
    };
    let t = app
        .store
        .forum_create_thread(tenant, new, poster, &Actor::System)
        .await
        .unwrap();
    let staff = Poster {
        customer_id: None,
        name: "Support".into(),
    };
    let (_, reply) = app
        .store
        .forum_reply(
            tenant,
            t.id,
            "Drei Monate.".into(),
            staff,
            Reader::Staff,
            &Actor::System,
        )
        .await
        .unwrap();
    (t.id, reply)
}
