//! The tenant event log: every change, in order, with a per-tenant strictly increasing `seq`.
//!
//! Stores append these in the same transaction as the change itself; every view (real-time
//! fan-out, search, anticipation, export) reads them back and resumes from a `seq`.

use crate::conversation::ConversationChanges;
use crate::identity::Identity;
use crate::ids::{
    ArticleId, CategoryId, ConversationId, CouponId, CustomerId, EventId, MessageId, PartyId,
    ReplyId, TenantId, ThreadId, TokenId,
};
use crate::knowledge::{ArticleState, ArticleVisibility};
use crate::message::{Attachment, Author, Body, Channel, Direction};
use crate::party::Role;
use crate::receipt::SeenKind;
use crate::routing::AgentStatus;
use crate::sla::{Clock, Metric};
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// Who caused an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Actor {
    /// Kairos itself (CLI, migrations, background work).
    System,
    /// A party acting with a role (token or session).
    Party {
        /// The party, when the token is bound to one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<PartyId>,
        /// The role it acted with.
        role: Role,
    },
    /// A customer acting for themself.
    Customer {
        /// The customer.
        id: CustomerId,
    },
}

/// What happened. The `type` tag is the event's stable name on the wire and in the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventData {
    /// The tenant came into being (always `seq` 1).
    #[serde(rename = "tenant.created")]
    TenantCreated {
        /// Its slug.
        slug: String,
        /// Its display name.
        name: String,
    },
    /// An admin changed the tenant's display name (the slug never changes).
    #[serde(rename = "tenant.renamed")]
    TenantRenamed {
        /// The new display name.
        name: String,
    },
    /// A staff member or other party was added.
    #[serde(rename = "party.created")]
    PartyCreated {
        /// The party.
        party_id: PartyId,
        /// Its role.
        role: Role,
        /// Its login e-mail, if it has one.
        email: Option<String>,
        /// Its display name.
        display_name: String,
    },
    /// An API token was issued (the secret is never on the log).
    #[serde(rename = "token.created")]
    TokenCreated {
        /// The token's id.
        token_id: TokenId,
        /// The role it carries.
        role: Role,
        /// The customer it is bound to (customer tokens only).
        customer_id: Option<CustomerId>,
    },
    /// A customer was created.
    #[serde(rename = "customer.created")]
    CustomerCreated {
        /// The customer.
        customer_id: CustomerId,
        /// Name, if known.
        display_name: Option<String>,
    },
    /// A customer's service tier was set (`None`: cleared); SLA policies can depend on it.
    #[serde(rename = "customer.tier")]
    CustomerTierSet {
        /// The customer.
        customer_id: CustomerId,
        /// The tier, e.g. `gold`.
        tier: Option<String>,
    },
    /// A customer's time zone was set or cleared (quiet hours count in it).
    #[serde(rename = "customer.time_zone")]
    CustomerTimeZoneSet {
        /// The customer.
        customer_id: CustomerId,
        /// The IANA name, e.g. `Europe/Berlin`; `None` clears it.
        time_zone: Option<String>,
    },
    /// A customer granted or withdrew consent for a purpose (an immutable record).
    #[serde(rename = "consent.recorded")]
    ConsentRecorded {
        /// The record.
        record: crate::consent::ConsentRecord,
    },
    /// An identity was attached to a customer.
    #[serde(rename = "identity.added")]
    IdentityAdded {
        /// The customer.
        customer_id: CustomerId,
        /// The normalised identity.
        identity: Identity,
    },
    /// `from` was merged into `into`: its identities and conversations now belong to `into`.
    #[serde(rename = "customer.merged")]
    CustomersMerged {
        /// The surviving customer.
        into: CustomerId,
        /// The customer that was merged away.
        from: CustomerId,
    },
    /// A conversation was opened.
    #[serde(rename = "conversation.opened")]
    ConversationOpened {
        /// The conversation.
        conversation_id: ConversationId,
        /// With whom.
        customer_id: CustomerId,
        /// The channel of its first message.
        channel: Channel,
        /// Subject of its first message.
        subject: Option<String>,
    },
    /// Status, priority, assignee or tags changed.
    #[serde(rename = "conversation.changed")]
    ConversationChanged {
        /// The conversation.
        conversation_id: ConversationId,
        /// What changed.
        changes: ConversationChanges,
    },
    /// A message was appended to a conversation.
    #[serde(rename = "message.appended")]
    MessageAppended {
        /// The message.
        message_id: MessageId,
        /// Its conversation.
        conversation_id: ConversationId,
        /// Which way it went.
        direction: Direction,
        /// On which channel.
        channel: Channel,
        /// Who wrote it.
        author: Author,
        /// Subject, if any.
        subject: Option<String>,
        /// Content.
        body: Body,
        /// Attachment metadata.
        attachments: Vec<Attachment>,
        /// The channel's id for de-duplication.
        external_id: Option<String>,
    },
    /// A participant received or read a conversation's messages up to a log position
    /// (delivery and read receipts); the event's actor says who.
    #[serde(rename = "conversation.seen")]
    ConversationSeen {
        /// The conversation.
        conversation_id: ConversationId,
        /// Delivered to a device, or read by a person.
        kind: SeenKind,
        /// Every message of the conversation up to this `seq` is covered.
        up_to_seq: i64,
    },
    /// A chat visitor gave an e-mail address for answers while they are away. Unverified:
    /// it adds no identity and opens no history; mail goes there only for this
    /// conversation, and a reply from it continues the conversation only with a verified
    /// thread token (`inbound::decide`).
    #[serde(rename = "conversation.follow_up")]
    ConversationFollowUp {
        /// The conversation.
        conversation_id: ConversationId,
        /// The address (lower-cased domain, as parsed).
        email: String,
    },
    /// A tenant setting (e.g. `sla`) was replaced.
    #[serde(rename = "setting.changed")]
    SettingChanged {
        /// The setting's key.
        key: String,
        /// Its new value.
        value: serde_json::Value,
    },
    /// An SLA clock of a conversation started, paused, resumed, was met or stopped; `clock`
    /// is its new state, with its due time.
    #[serde(rename = "sla.clock")]
    SlaClockChanged {
        /// The conversation.
        conversation_id: ConversationId,
        /// The clock as it is now.
        clock: Clock,
    },
    /// A running SLA clock passed its due time.
    #[serde(rename = "sla.breached")]
    SlaBreached {
        /// The conversation.
        conversation_id: ConversationId,
        /// Which clock.
        metric: Metric,
        /// When it was due.
        due_at: Timestamp,
    },
    /// An admin set an agent's skills and capacity.
    #[serde(rename = "agent.profile")]
    AgentProfileChanged {
        /// The agent.
        party_id: PartyId,
        /// Their skills, normalised.
        skills: Vec<String>,
        /// How many open or pending conversations they take at most.
        capacity: u32,
    },
    /// An agent changed their availability.
    #[serde(rename = "agent.status")]
    AgentStatusChanged {
        /// The agent.
        party_id: PartyId,
        /// Their availability now.
        status: AgentStatus,
    },
    /// A person was erased (GDPR Art. 17): their rows are gone and every event about them
    /// reads `redacted`. Carries no personal data.
    #[serde(rename = "customer.erased")]
    CustomerErased {
        /// The erased customer (an id that no longer leads anywhere).
        customer_id: CustomerId,
        /// Customer records merged into them, erased with them.
        merged: Vec<CustomerId>,
        /// How many conversations were removed.
        conversations: u64,
        /// How many messages were removed.
        messages: u64,
    },
    /// A conversation was deleted by the tenant's retention schedule: its messages, their
    /// attachments and the content of its events are gone.
    #[serde(rename = "conversation.purged")]
    ConversationPurged {
        /// The conversation (an id that no longer leads anywhere).
        conversation_id: ConversationId,
        /// How many messages went with it.
        messages: u64,
        /// Why: `retention`.
        reason: String,
    },
    /// Context events that happened before `before` were deleted by the tenant's retention
    /// schedule.
    #[serde(rename = "context.purged")]
    ContextEventsPurged {
        /// The cut-off.
        before: Timestamp,
        /// How many were deleted.
        count: u64,
    },
    /// A single-use coupon was issued to a customer (the redemption token is never on the
    /// log, only its hash beside it).
    #[serde(rename = "coupon.issued")]
    CouponIssued {
        /// The coupon.
        coupon_id: CouponId,
        /// Whose it is.
        customer_id: CustomerId,
        /// What it offers, e.g. `lounge-voucher`.
        offer: String,
        /// Its value in minor units of `currency` (cents).
        value_minor: i64,
        /// ISO 4217 code, e.g. `EUR`.
        currency: String,
        /// When it stops being redeemable.
        expires_at: Timestamp,
        /// The anticipation firing that issued it (unique per tenant).
        firing_key: String,
    },
    /// A coupon was redeemed (once; a second attempt changes nothing).
    #[serde(rename = "coupon.redeemed")]
    CouponRedeemed {
        /// The coupon.
        coupon_id: CouponId,
        /// Whose it was.
        customer_id: CustomerId,
        /// Who took it, as the redeemer said (a till, a counter), if given.
        by: Option<String>,
    },
    /// A knowledge-base category was created or renamed.
    #[serde(rename = "kb.category")]
    KbCategorySaved {
        /// The category.
        category_id: CategoryId,
        /// Its URL slug, unique in the tenant.
        slug: String,
        /// Its display name.
        name: String,
    },
    /// A knowledge-base article was created as a draft; this is its revision 1.
    #[serde(rename = "kb.article.created")]
    KbArticleCreated {
        /// The article (one language version).
        article_id: ArticleId,
        /// Its category.
        category_id: CategoryId,
        /// The translation group: every language version of one article shares it.
        translation_group: uuid::Uuid,
        /// Its language tag.
        language: String,
        /// Who it is for.
        visibility: ArticleVisibility,
        /// Title.
        title: String,
        /// Markdown source.
        body: String,
        /// The partner party that drafted it, if a partner did.
        author_party: Option<PartyId>,
    },
    /// An article's title and body were replaced: a new revision (a restore too).
    #[serde(rename = "kb.article.revised")]
    KbArticleRevised {
        /// The article.
        article_id: ArticleId,
        /// The new revision's number (2, 3, …).
        revision: u32,
        /// Title.
        title: String,
        /// Markdown source.
        body: String,
        /// The revision restored, when this revision is a restore.
        restored_from: Option<u32>,
    },
    /// An article's state, visibility or category changed.
    #[serde(rename = "kb.article.changed")]
    KbArticleChanged {
        /// The article.
        article_id: ArticleId,
        /// The new state, if it changed.
        state: Option<ArticleState>,
        /// The new visibility, if it changed.
        visibility: Option<ArticleVisibility>,
        /// The new category, if it changed.
        category_id: Option<CategoryId>,
    },
    /// A file was attached to an article or taken off it (the article's text and revision
    /// number are unchanged; the company's review sees the change here).
    #[serde(rename = "kb.article.attachment")]
    KbArticleAttachment {
        /// The article.
        article_id: ArticleId,
        /// The attachment.
        attachment_id: uuid::Uuid,
        /// Added or removed.
        change: crate::kb_attachment::AttachmentChange,
        /// Its cleaned file name.
        filename: String,
        /// Its media type.
        content_type: String,
        /// Its size in bytes.
        size: u64,
        /// Hex SHA-256 of its content (its name in the blob store).
        sha256: String,
    },
    /// A reader answered "did this help?" (counted once per customer or anonymous bound).
    #[serde(rename = "kb.feedback")]
    KbFeedback {
        /// The article.
        article_id: ArticleId,
        /// Yes or no.
        helpful: bool,
    },
    /// A suggested article answered someone's question before they opened a conversation
    /// (deflection; the event names no one).
    #[serde(rename = "kb.deflected")]
    KbDeflected {
        /// The article.
        article_id: ArticleId,
    },
    /// An admin granted or revoked a partner's drafting rights in a category.
    #[serde(rename = "kb.partner_grant")]
    KbPartnerGrant {
        /// The partner party.
        party_id: PartyId,
        /// The category.
        category_id: CategoryId,
        /// Granted (`true`) or revoked.
        granted: bool,
    },
    /// A forum thread was started (its first post).
    #[serde(rename = "forum.thread.created")]
    ForumThreadCreated {
        /// The thread.
        thread_id: ThreadId,
        /// Its category.
        category_id: CategoryId,
        /// Public or customers only.
        visibility: ArticleVisibility,
        /// Its language tag (one of the tenant's knowledge-base languages).
        language: String,
        /// Title.
        title: String,
        /// Markdown source.
        body: String,
        /// The customer who wrote it (none for staff); never shown to other customers.
        customer_id: Option<CustomerId>,
        /// The name shown with the post.
        author_name: String,
    },
    /// Someone replied in a forum thread.
    #[serde(rename = "forum.replied")]
    ForumReplied {
        /// The thread.
        thread_id: ThreadId,
        /// The reply.
        reply_id: ReplyId,
        /// Markdown source.
        body: String,
        /// The customer who wrote it (none for staff); never shown to other customers.
        customer_id: Option<CustomerId>,
        /// The name shown with the post.
        author_name: String,
    },
    /// Staff moderated a thread, or one reply of it.
    #[serde(rename = "forum.moderated")]
    ForumModerated {
        /// The thread.
        thread_id: ThreadId,
        /// The reply, when the step concerns one.
        reply_id: Option<ReplyId>,
        /// What was done.
        moderation: crate::forum::Moderation,
    },
    /// A reply was marked as the thread's solution (`None`: the mark was taken away).
    #[serde(rename = "forum.solution")]
    ForumSolutionMarked {
        /// The thread.
        thread_id: ThreadId,
        /// The solution.
        reply_id: Option<ReplyId>,
    },
    /// Staff turned a thread into a conversation with its author.
    #[serde(rename = "forum.converted")]
    ForumConverted {
        /// The thread.
        thread_id: ThreadId,
        /// The conversation opened.
        conversation_id: ConversationId,
    },
    /// What remains of an event about an erased person: its position and time on the log,
    /// nothing of its content.
    #[serde(rename = "redacted")]
    Redacted,
    /// A person's restrictions changed (Art. 18, 21, 22).
    #[serde(rename = "restrictions.changed")]
    RestrictionsChanged {
        /// Whose.
        customer_id: CustomerId,
        /// The restrictions now.
        restrictions: crate::restriction::Restrictions,
        /// Why, if given.
        reason: Option<String>,
    },
    /// A webhook secret was created, rotated or deleted (its value is never on the log).
    #[serde(rename = "webhook_secret.changed")]
    WebhookSecretChanged {
        /// The secret's name, as rules name it (`webhook "…" secret "NAME"`).
        name: String,
        /// Deleted (`true`), or created or rotated.
        deleted: bool,
    },
    /// A staff member's role changed or they were deactivated (their sessions and tokens
    /// end in the same transaction).
    #[serde(rename = "party.changed")]
    PartyChanged {
        /// The party.
        party_id: PartyId,
        /// Its role now.
        role: Role,
        /// Whether it is deactivated now.
        deactivated: bool,
    },
    /// A canned reply was created, edited or deleted.
    #[serde(rename = "canned_reply.changed")]
    CannedReplyChanged {
        /// The reply.
        canned_reply_id: crate::ids::CannedReplyId,
        /// Deleted (`true`), or created or edited.
        deleted: bool,
    },
    /// An automated decision was contested, upheld or overturned.
    #[serde(rename = "decision.reviewed")]
    DecisionReviewed {
        /// Whom it concerns.
        customer_id: CustomerId,
        /// The firing's key.
        key: String,
        /// Where the review stands now.
        status: crate::restriction::ReviewStatus,
        /// The person's reason or the reviewer's note.
        note: Option<String>,
    },
    /// An anticipation rule fired an action for a customer (Art. 22: the rule, its version and
    /// the reasons are kept so the decision can be explained and reviewed).
    #[serde(rename = "anticipation.fired")]
    AnticipationFired {
        /// Whom it concerns.
        customer_id: CustomerId,
        /// The rule's name.
        rule: String,
        /// The rule's version.
        rule_version: u32,
        /// The action's kind (`notify`, `coupon`, `touchpoint`, …).
        action: String,
        /// The firing's unique key (idempotent execution).
        key: String,
        /// The rendered text, if the action has one.
        text: Option<String>,
        /// The conversation the action wrote to, if any.
        conversation_id: Option<ConversationId>,
        /// One line per matched step and policy check.
        explanation: Vec<String>,
    },
}

impl EventData {
    /// The stable event name (`message.appended`, …).
    pub fn name(&self) -> &'static str {
        match self {
            EventData::TenantCreated { .. } => "tenant.created",
            EventData::TenantRenamed { .. } => "tenant.renamed",
            EventData::PartyCreated { .. } => "party.created",
            EventData::TokenCreated { .. } => "token.created",
            EventData::CustomerCreated { .. } => "customer.created",
            EventData::CustomerTierSet { .. } => "customer.tier",
            EventData::CustomerTimeZoneSet { .. } => "customer.time_zone",
            EventData::ConsentRecorded { .. } => "consent.recorded",
            EventData::IdentityAdded { .. } => "identity.added",
            EventData::CustomersMerged { .. } => "customer.merged",
            EventData::ConversationOpened { .. } => "conversation.opened",
            EventData::ConversationChanged { .. } => "conversation.changed",
            EventData::MessageAppended { .. } => "message.appended",
            EventData::ConversationSeen { .. } => "conversation.seen",
            EventData::ConversationFollowUp { .. } => "conversation.follow_up",
            EventData::SettingChanged { .. } => "setting.changed",
            EventData::SlaClockChanged { .. } => "sla.clock",
            EventData::SlaBreached { .. } => "sla.breached",
            EventData::AgentProfileChanged { .. } => "agent.profile",
            EventData::AgentStatusChanged { .. } => "agent.status",
            EventData::CustomerErased { .. } => "customer.erased",
            EventData::ConversationPurged { .. } => "conversation.purged",
            EventData::ContextEventsPurged { .. } => "context.purged",
            EventData::CouponIssued { .. } => "coupon.issued",
            EventData::CouponRedeemed { .. } => "coupon.redeemed",
            EventData::KbCategorySaved { .. } => "kb.category",
            EventData::KbArticleCreated { .. } => "kb.article.created",
            EventData::KbArticleRevised { .. } => "kb.article.revised",
            EventData::KbArticleChanged { .. } => "kb.article.changed",
            EventData::KbArticleAttachment { .. } => "kb.article.attachment",
            EventData::KbFeedback { .. } => "kb.feedback",
            EventData::KbDeflected { .. } => "kb.deflected",
            EventData::KbPartnerGrant { .. } => "kb.partner_grant",
            EventData::ForumThreadCreated { .. } => "forum.thread.created",
            EventData::ForumReplied { .. } => "forum.replied",
            EventData::ForumModerated { .. } => "forum.moderated",
            EventData::ForumSolutionMarked { .. } => "forum.solution",
            EventData::ForumConverted { .. } => "forum.converted",
            EventData::Redacted => "redacted",
            EventData::AnticipationFired { .. } => "anticipation.fired",
            EventData::RestrictionsChanged { .. } => "restrictions.changed",
            EventData::DecisionReviewed { .. } => "decision.reviewed",
            EventData::WebhookSecretChanged { .. } => "webhook_secret.changed",
            EventData::PartyChanged { .. } => "party.changed",
            EventData::CannedReplyChanged { .. } => "canned_reply.changed",
        }
    }

    /// The customer this event is about, when it is about one (drives visibility and export).
    pub fn customer(&self) -> Option<CustomerId> {
        match self {
            EventData::CustomerCreated { customer_id, .. }
            | EventData::CustomerTierSet { customer_id, .. }
            | EventData::IdentityAdded { customer_id, .. }
            | EventData::CouponIssued { customer_id, .. }
            | EventData::CouponRedeemed { customer_id, .. }
            | EventData::ConversationOpened { customer_id, .. }
            | EventData::AnticipationFired { customer_id, .. }
            | EventData::RestrictionsChanged { customer_id, .. }
            | EventData::DecisionReviewed { customer_id, .. } => Some(*customer_id),
            EventData::CustomersMerged { into, .. } => Some(*into),
            EventData::ConsentRecorded { record } => Some(record.customer_id),
            EventData::TokenCreated { customer_id, .. } => *customer_id,
            EventData::ForumThreadCreated { customer_id, .. }
            | EventData::ForumReplied { customer_id, .. } => *customer_id,
            _ => None,
        }
    }

    /// The conversation this event is about, when it is about one.
    pub fn conversation(&self) -> Option<ConversationId> {
        match self {
            EventData::ConversationOpened {
                conversation_id, ..
            }
            | EventData::ConversationChanged {
                conversation_id, ..
            }
            | EventData::MessageAppended {
                conversation_id, ..
            }
            | EventData::ConversationSeen {
                conversation_id, ..
            }
            | EventData::ConversationFollowUp {
                conversation_id, ..
            }
            | EventData::SlaClockChanged {
                conversation_id, ..
            }
            | EventData::SlaBreached {
                conversation_id, ..
            } => Some(*conversation_id),
            _ => None,
        }
    }
}

/// An event decided by the core but not yet stored: the store gives it its `seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    /// Its id.
    pub id: EventId,
    /// When it happened.
    pub at: Timestamp,
    /// Who caused it.
    pub actor: Actor,
    /// What happened.
    pub data: EventData,
}

impl NewEvent {
    /// A new event with a fresh id.
    pub fn new(at: Timestamp, actor: &Actor, data: EventData) -> Self {
        Self {
            id: EventId::new(),
            at,
            actor: actor.clone(),
            data,
        }
    }
}

/// A stored event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Position on the tenant's log: 1, 2, 3, … without gaps.
    pub seq: i64,
    /// Its id.
    pub id: EventId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// When it happened.
    pub at: Timestamp,
    /// Who caused it.
    pub actor: Actor,
    /// What happened.
    #[serde(flatten)]
    pub data: EventData,
}
