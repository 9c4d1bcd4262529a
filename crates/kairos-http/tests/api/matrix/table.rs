//! The A01 table: callers, targets, routes, and the status every cell must answer.

use http::StatusCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Caller {
    Admin,
    Agent,
    Customer,
    Expert,
    Partner,
    Concierge,
    Anonymous,
}

pub(super) const CALLERS: [Caller; 7] = [
    Caller::Admin,
    Caller::Agent,
    Caller::Customer,
    Caller::Expert,
    Caller::Partner,
    Caller::Concierge,
    Caller::Anonymous,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// The customer caller's own customer / conversation; for staff, an object of tenant A.
    Own,
    /// Another customer (or its conversation) of tenant A.
    OtherSameTenant,
    /// A customer (or its conversation) of tenant B.
    OtherTenant,
}

pub(super) const TARGETS: [Target; 3] = [Target::Own, Target::OtherSameTenant, Target::OtherTenant];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Obj {
    None,
    Customer,
    Conversation,
    /// A forum thread started by the target customer.
    Thread,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rt {
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
    GetSla,
    PutSla,
    SlaClocks,
    Agents,
    GetRouting,
    PutRouting,
    GetTenant,
    PatchTenant,
    MailAddresses,
    AddMailAddress,
    RemoveMailAddress,
    GetMailSettings,
    PutMailSettings,
    MailOutbox,
    SetTier,
    ListConsents,
    RecordConsent,
    ConsentReceipt,
    GetPrivacy,
    PutPrivacy,
    ListImap,
    AddImap,
    RemoveImap,
    ListChannels,
    CreateChannel,
    DeleteChannel,
    AuditLog,
    ExportCustomer,
    EraseCustomer,
    GetRetention,
    PutRetention,
    GetWidget,
    PutWidget,
    ListStaff,
    Invite,
    ListInvitations,
    RevokeInvitation,
    ResendInvitation,
    ListCanned,
    CreateCanned,
    IngestContext,
    ContextEvents,
    GetContextSettings,
    PutContextSettings,
    GetAnticipationRules,
    PutAnticipationRules,
    AnticipationStatus,
    ListWebhookSecrets,
    RotateWebhookSecret,
    DeleteWebhookSecret,
    CustomerCoupons,
    GetCoupon,
    CouponPage,
    RedeemCoupon,
    CouponQr,
    GetRestrictions,
    PutRestrictions,
    Decisions,
    ReviewDecision,
    KbCategories,
    KbCreateCategory,
    KbArticles,
    KbGetSettings,
    KbPutSettings,
    KbCreatePartner,
    KbSearch,
    KbSuggest,
    ForumThreads,
    ForumCreateThread,
    ForumSearch,
    ForumGetThread,
    ForumReply,
    ForumModerate,
    ForumSolution,
    ForumConvert,
}

pub(super) struct Route {
    pub(super) rt: Rt,
    pub(super) method: &'static str,
    /// `{id}` is replaced by the target object's id.
    pub(super) path: &'static str,
    pub(super) obj: Obj,
    /// The status of an allowed call.
    pub(super) ok: StatusCode,
    /// Whether an allowed call appends to the log.
    pub(super) writes: bool,
}

pub(super) const fn route(
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

pub(super) const ROUTES: [Route; 84] = [
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
    route(Rt::GetSla, "GET", "/api/v1/sla", Obj::None, OK, false),
    route(Rt::PutSla, "PUT", "/api/v1/sla", Obj::None, OK, true),
    route(Rt::Agents, "GET", "/api/v1/agents", Obj::None, OK, false),
    route(
        Rt::GetRouting,
        "GET",
        "/api/v1/routing",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::PutRouting,
        "PUT",
        "/api/v1/routing",
        Obj::None,
        OK,
        true,
    ),
    route(Rt::GetTenant, "GET", "/api/v1/tenant", Obj::None, OK, false),
    route(
        Rt::PatchTenant,
        "PATCH",
        "/api/v1/tenant",
        Obj::None,
        OK,
        true,
    ),
    route(
        Rt::MailAddresses,
        "GET",
        "/api/v1/mail/addresses",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::AddMailAddress,
        "POST",
        "/api/v1/mail/addresses",
        Obj::None,
        CREATED,
        false,
    ),
    route(
        Rt::RemoveMailAddress,
        "DELETE",
        "/api/v1/mail/addresses/help@matrix.test",
        Obj::None,
        StatusCode::NO_CONTENT,
        false,
    ),
    route(
        Rt::GetMailSettings,
        "GET",
        "/api/v1/mail/settings",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::PutMailSettings,
        "PUT",
        "/api/v1/mail/settings",
        Obj::None,
        OK,
        true,
    ),
    route(
        Rt::MailOutbox,
        "GET",
        "/api/v1/mail/outbox",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::ListImap,
        "GET",
        "/api/v1/mail/imap",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::AddImap,
        "POST",
        "/api/v1/mail/imap",
        Obj::None,
        CREATED,
        false,
    ),
    // A mailbox that does not exist: allowed callers get past the role check to 404.
    route(
        Rt::RemoveImap,
        "DELETE",
        "/api/v1/mail/imap/00000000-0000-7000-8000-000000000000",
        Obj::None,
        StatusCode::NOT_FOUND,
        false,
    ),
    route(
        Rt::ListChannels,
        "GET",
        "/api/v1/channels",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::CreateChannel,
        "POST",
        "/api/v1/channels",
        Obj::None,
        CREATED,
        false,
    ),
    route(
        Rt::DeleteChannel,
        "DELETE",
        "/api/v1/channels/0190c5a4-0000-7000-8000-000000000001",
        Obj::None,
        StatusCode::NO_CONTENT,
        false,
    ),
    route(
        Rt::ListConsents,
        "GET",
        "/api/v1/customers/{id}/consents",
        Obj::Customer,
        OK,
        false,
    ),
    route(
        Rt::RecordConsent,
        "POST",
        "/api/v1/customers/{id}/consents",
        Obj::Customer,
        CREATED,
        true,
    ),
    // A record that does not exist: allowed callers get past the role check to 404.
    route(
        Rt::ConsentReceipt,
        "GET",
        "/api/v1/consents/00000000-0000-7000-8000-000000000000/receipt",
        Obj::None,
        StatusCode::NOT_FOUND,
        false,
    ),
    route(
        Rt::GetPrivacy,
        "GET",
        "/api/v1/privacy",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::PutPrivacy,
        "PUT",
        "/api/v1/privacy",
        Obj::None,
        OK,
        true,
    ),
    route(
        Rt::SetTier,
        "PUT",
        "/api/v1/customers/{id}/tier",
        Obj::Customer,
        OK,
        true,
    ),
    route(Rt::AuditLog, "GET", "/api/v1/audit", Obj::None, OK, false),
    route(
        Rt::GetRetention,
        "GET",
        "/api/v1/retention",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::PutRetention,
        "PUT",
        "/api/v1/retention",
        Obj::None,
        OK,
        true,
    ),
    route(Rt::GetWidget, "GET", "/api/v1/widget", Obj::None, OK, false),
    route(Rt::PutWidget, "PUT", "/api/v1/widget", Obj::None, OK, true),
    route(Rt::ListStaff, "GET", "/api/v1/staff", Obj::None, OK, false),
    // Invitations are credentials beside the log: an allowed call writes no event.
    route(
        Rt::Invite,
        "POST",
        "/api/v1/staff/invitations",
        Obj::None,
        CREATED,
        false,
    ),
    route(
        Rt::ListInvitations,
        "GET",
        "/api/v1/staff/invitations",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::RevokeInvitation,
        "DELETE",
        "/api/v1/staff/invitations/00000000-0000-7000-8000-000000000000",
        Obj::None,
        StatusCode::NOT_FOUND,
        false,
    ),
    route(
        Rt::ResendInvitation,
        "POST",
        "/api/v1/staff/invitations/00000000-0000-7000-8000-000000000000/resend",
        Obj::None,
        StatusCode::NOT_FOUND,
        false,
    ),
    route(
        Rt::ListCanned,
        "GET",
        "/api/v1/canned-replies",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::CreateCanned,
        "POST",
        "/api/v1/canned-replies",
        Obj::None,
        CREATED,
        true,
    ),
    route(
        Rt::EraseCustomer,
        "POST",
        "/api/v1/customers/{id}/erase",
        Obj::Customer,
        OK,
        true,
    ),
    route(
        Rt::ExportCustomer,
        "GET",
        "/api/v1/customers/{id}/export",
        Obj::Customer,
        OK,
        false,
    ),
    // An event about a customer that does not exist: allowed callers get a 200 report with
    // the event refused (`unknown_subject`); nothing is stored, nothing goes on the log.
    route(
        Rt::IngestContext,
        "POST",
        "/api/v1/context-events",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::ContextEvents,
        "GET",
        "/api/v1/customers/{id}/context-events",
        Obj::Customer,
        OK,
        false,
    ),
    route(
        Rt::GetContextSettings,
        "GET",
        "/api/v1/context/settings",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::PutContextSettings,
        "PUT",
        "/api/v1/context/settings",
        Obj::None,
        OK,
        true,
    ),
    // The knowledge base: signed-in readers get what their role may read (visitors name
    // the tenant with `?tenant=`, which the matrix does not: 401).
    route(
        Rt::KbCategories,
        "GET",
        "/api/v1/kb/categories",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::KbCreateCategory,
        "POST",
        "/api/v1/kb/categories",
        Obj::None,
        CREATED,
        true,
    ),
    route(
        Rt::KbArticles,
        "GET",
        "/api/v1/kb/articles",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::KbGetSettings,
        "GET",
        "/api/v1/kb/settings",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::KbPutSettings,
        "PUT",
        "/api/v1/kb/settings",
        Obj::None,
        OK,
        true,
    ),
    route(
        Rt::KbCreatePartner,
        "POST",
        "/api/v1/kb/partners",
        Obj::None,
        CREATED,
        true,
    ),
    route(
        Rt::GetAnticipationRules,
        "GET",
        "/api/v1/anticipation/rules",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::PutAnticipationRules,
        "PUT",
        "/api/v1/anticipation/rules",
        Obj::None,
        OK,
        true,
    ),
    route(
        Rt::AnticipationStatus,
        "GET",
        "/api/v1/anticipation/status",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::ListWebhookSecrets,
        "GET",
        "/api/v1/anticipation/secrets",
        Obj::None,
        OK,
        false,
    ),
    // Before the delete: the admin's rotation creates the secret the admin then deletes.
    route(
        Rt::RotateWebhookSecret,
        "POST",
        "/api/v1/anticipation/secrets/matrix-crm",
        Obj::None,
        CREATED,
        true,
    ),
    route(
        Rt::DeleteWebhookSecret,
        "DELETE",
        "/api/v1/anticipation/secrets/matrix-crm",
        Obj::None,
        StatusCode::NO_CONTENT,
        true,
    ),
    route(
        Rt::CustomerCoupons,
        "GET",
        "/api/v1/customers/{id}/coupons",
        Obj::Customer,
        OK,
        false,
    ),
    // A coupon that does not exist: allowed callers get past the role check to 404.
    route(
        Rt::GetCoupon,
        "GET",
        "/api/v1/coupons/00000000-0000-7000-8000-000000000000",
        Obj::None,
        StatusCode::NOT_FOUND,
        false,
    ),
    // Public coupon routes: holding the token is the permission, so a well-formed token of
    // no coupon is the same 404 for every caller, with any token or none.
    route(
        Rt::CouponPage,
        "GET",
        "/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        Obj::None,
        StatusCode::NOT_FOUND,
        false,
    ),
    route(
        Rt::RedeemCoupon,
        "POST",
        "/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        Obj::None,
        StatusCode::NOT_FOUND,
        false,
    ),
    route(
        Rt::CouponQr,
        "GET",
        "/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/qr.png",
        Obj::None,
        StatusCode::NOT_FOUND,
        false,
    ),
    route(
        Rt::GetRestrictions,
        "GET",
        "/api/v1/customers/{id}/restrictions",
        Obj::Customer,
        OK,
        false,
    ),
    route(
        Rt::PutRestrictions,
        "PUT",
        "/api/v1/customers/{id}/restrictions",
        Obj::Customer,
        OK,
        true,
    ),
    route(
        Rt::Decisions,
        "GET",
        "/api/v1/customers/{id}/decisions",
        Obj::Customer,
        OK,
        false,
    ),
    // An empty decision key: allowed callers get past the role and object checks to 422.
    route(
        Rt::ReviewDecision,
        "POST",
        "/api/v1/customers/{id}/decisions/review",
        Obj::Customer,
        StatusCode::UNPROCESSABLE_ENTITY,
        false,
    ),
    route(
        Rt::KbSearch,
        "GET",
        "/api/v1/kb/search?q=Frist",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::KbSuggest,
        "GET",
        "/api/v1/kb/suggest?q=Frist",
        Obj::None,
        OK,
        false,
    ),
    route(
        Rt::SlaClocks,
        "GET",
        "/api/v1/conversations/{id}/sla",
        Obj::Conversation,
        OK,
        false,
    ),
];

/// Routes a customer may use (on their own objects only).
pub(super) const CUSTOMER_ROUTES: [Rt; 16] = [
    Rt::GetRestrictions,
    Rt::PutRestrictions,
    Rt::Decisions,
    Rt::ReviewDecision,
    Rt::CustomerCoupons,
    Rt::ContextEvents,
    Rt::ExportCustomer,
    Rt::ListConsents,
    Rt::RecordConsent,
    Rt::ConsentReceipt,
    Rt::GetCustomer,
    Rt::Timeline,
    Rt::ListConversations,
    Rt::GetConversation,
    Rt::ListMessages,
    Rt::PostMessage,
];

/// Every route of the table: the main rows and the forum's.
pub(super) fn all_routes() -> impl Iterator<Item = &'static Route> {
    ROUTES.iter().chain(super::forum::FORUM_ROUTES.iter())
}

/// The expected status of one cell.
pub(super) fn expected(r: &Route, caller: Caller, target: Option<Target>) -> StatusCode {
    if let Some(s) = super::forum::expected(r, caller, target) {
        return s;
    }
    if matches!(r.rt, Rt::CouponPage | Rt::RedeemCoupon | Rt::CouponQr) {
        return r.ok;
    }
    if caller == Caller::Anonymous {
        return StatusCode::UNAUTHORIZED;
    }
    if matches!(r.rt, Rt::Me | Rt::Logout) {
        return r.ok;
    }
    match caller {
        Caller::Admin | Caller::Agent => {
            if matches!(
                r.rt,
                Rt::Staff
                    | Rt::Tokens
                    | Rt::PutSla
                    | Rt::PutRouting
                    | Rt::PatchTenant
                    | Rt::AddMailAddress
                    | Rt::RemoveMailAddress
                    | Rt::PutMailSettings
                    | Rt::AddImap
                    | Rt::RemoveImap
                    | Rt::PutPrivacy
                    | Rt::PutContextSettings
                    | Rt::CreateChannel
                    | Rt::DeleteChannel
                    | Rt::AuditLog
                    | Rt::ExportCustomer
                    | Rt::EraseCustomer
                    | Rt::PutRetention
                    | Rt::PutWidget
                    | Rt::ListStaff
                    | Rt::Invite
                    | Rt::ListInvitations
                    | Rt::RevokeInvitation
                    | Rt::ResendInvitation
                    | Rt::CreateCanned
                    | Rt::GetAnticipationRules
                    | Rt::PutAnticipationRules
                    | Rt::ListWebhookSecrets
                    | Rt::RotateWebhookSecret
                    | Rt::DeleteWebhookSecret
                    | Rt::KbPutSettings
                    | Rt::KbCreatePartner
            ) && caller == Caller::Agent
            {
                StatusCode::FORBIDDEN
            } else if target == Some(Target::OtherTenant) {
                StatusCode::NOT_FOUND
            } else {
                r.ok
            }
        }
        // Customers and partners browse the knowledge base (what they may read of it).
        Caller::Customer | Caller::Partner
            if matches!(
                r.rt,
                Rt::KbCategories | Rt::KbArticles | Rt::KbSearch | Rt::KbSuggest
            ) =>
        {
            r.ok
        }
        Caller::Customer if CUSTOMER_ROUTES.contains(&r.rt) => match target {
            None | Some(Target::Own) => r.ok,
            Some(_) => StatusCode::NOT_FOUND,
        },
        _ => StatusCode::FORBIDDEN,
    }
}

/// Fields a client must never be able to set (A05).
pub(super) const SMUGGLED: [&str; 7] = [
    "tenant_id",
    "id",
    "role",
    "customer_id",
    "verified",
    "owner_id",
    "balance",
];
