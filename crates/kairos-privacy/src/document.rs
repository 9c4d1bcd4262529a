//! The export document (`person.json`): everything one tenant holds about one person, in a
//! stable, documented shape of its own — decoupled from the internal types so that the
//! format only changes on purpose. Its JSON Schema is generated from these types and shipped
//! as `docs/schemas/person-export.schema.json` (a test keeps the two equal).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The format's name and version, in every export.
pub const FORMAT: &str = "kairos-person-export/1";

/// Everything held about one person in one tenant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonExport {
    /// Always `kairos-person-export/1`.
    pub format: String,
    /// When the export was made (RFC 3339).
    pub exported_at: String,
    /// The tenant (company) that holds the data.
    pub tenant: TenantInfo,
    /// The controller named in the tenant's privacy settings, if set.
    pub controller: Option<serde_json::Value>,
    /// The person's profile.
    pub profile: Profile,
    /// Every way the tenant can reach or recognise the person.
    pub identities: Vec<IdentityEntry>,
    /// Conversations with their messages, oldest first.
    pub conversations: Vec<ConversationEntry>,
    /// Context events about the person (location, travel, device signals), oldest first.
    pub context_events: Vec<serde_json::Value>,
    /// Consent records (grants and withdrawals), oldest first.
    pub consents: Vec<serde_json::Value>,
    /// Coupons the tenant issued to the person, oldest first (never their redemption
    /// codes). Absent in exports made before coupons existed.
    #[serde(default)]
    pub coupons: Vec<CouponEntry>,
    /// Scores computed about the person, each with the reasons behind it.
    pub scores: Vec<ScoreEntry>,
    /// Automated decisions about the person (anticipation rules that acted), newest first,
    /// each with the rule, its version, the inputs it used and its human review. Absent in
    /// exports made before decisions were kept.
    #[serde(default)]
    pub decisions: Vec<DecisionEntry>,
    /// What the person has excluded themself from (Art. 18, 21, 22). Absent in exports made
    /// before restrictions existed.
    #[serde(default)]
    pub restrictions: RestrictionsEntry,
    /// The person's forum posts (threads they started and their replies), newest thread
    /// activity first. Absent in exports made before forums existed.
    #[serde(default)]
    pub forum_posts: Vec<ForumPostEntry>,
    /// Audit entries about the person: who at the tenant read or changed their data.
    pub audit: Vec<AuditEntryView>,
    /// Attachments: metadata here, content as `attachments/<sha256>` in the archive.
    pub attachments: Vec<AttachmentFile>,
}

/// The tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantInfo {
    /// Its short name.
    pub slug: String,
    /// Its display name.
    pub name: String,
}

/// The person's profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Their id at the tenant.
    pub id: String,
    /// Their name as the tenant knows it.
    pub display_name: Option<String>,
    /// The service tier the tenant gave them.
    pub tier: Option<String>,
    /// Their time zone (IANA), when known; proactive messages keep quiet hours in it.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// When the tenant first recorded them (RFC 3339).
    pub created_at: String,
    /// Ids of customer records merged into this one (the same person, found twice).
    pub merged_ids: Vec<String>,
}

/// An identity (e-mail address, phone number, social handle, device).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityEntry {
    /// `email`, `phone`, `social` or `device`.
    pub kind: String,
    /// For social handles: the network.
    pub network: Option<String>,
    /// The normalised value.
    pub value: String,
}

/// A conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversationEntry {
    /// Its id at the tenant.
    pub id: String,
    /// `open`, `pending`, `resolved` or `closed`.
    pub status: String,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    /// The tenant's tags.
    pub tags: Vec<String>,
    /// Its subject, if any.
    pub subject: Option<String>,
    /// When it was opened (RFC 3339).
    pub created_at: String,
    /// The e-mail address the person left in the chat for answers while away (unverified;
    /// used for this conversation only). Absent in exports made before it was part of them.
    #[serde(default)]
    pub follow_up_email: Option<String>,
    /// Its messages, oldest first.
    pub messages: Vec<MessageEntry>,
}

/// A message of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageEntry {
    /// Its id at the tenant.
    pub id: String,
    /// `inbound` (from the person), `outbound` (to them) or `note` (the team's internal note
    /// about them).
    pub direction: String,
    /// `email`, `chat`, `sms`, `whatsapp`, … .
    pub channel: String,
    /// `customer`, `staff` or `system`.
    pub author: String,
    /// Subject line, if any.
    pub subject: Option<String>,
    /// The text.
    pub text: String,
    /// The sanitised HTML, if the channel had HTML.
    pub html: Option<String>,
    /// The channel's own id (e-mail Message-ID, provider message id).
    pub external_id: Option<String>,
    /// SHA-256 of each attachment (see `attachments`).
    pub attachments: Vec<String>,
    /// When it was recorded (RFC 3339).
    pub created_at: String,
}

/// A coupon issued to the person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CouponEntry {
    /// Its id at the tenant.
    pub id: String,
    /// What it offers.
    pub offer: String,
    /// Its value in minor units of `currency` (cents).
    pub value_minor: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// When it was issued (RFC 3339).
    pub issued_at: String,
    /// When it expires (RFC 3339).
    pub expires_at: String,
    /// When it was redeemed (RFC 3339), if it was.
    pub redeemed_at: Option<String>,
    /// Who redeemed it, as they said (a till, a counter).
    pub redeemed_by: Option<String>,
    /// The automated rule firing that issued it (profiling transparency, Art. 15(1)(h)).
    pub firing_key: String,
}

/// An automated decision about the person (Art. 15(1)(h), 22).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionEntry {
    /// The firing's key.
    pub key: String,
    /// The rule that decided.
    pub rule: String,
    /// The rule's version.
    pub rule_version: u32,
    /// What it did (`notify`, `coupon`, `touchpoint`, …).
    pub action: String,
    /// The text it sent or noted, if any.
    pub text: Option<String>,
    /// The inputs it used: one line per matched event and policy check.
    pub explanation: Vec<String>,
    /// When (RFC 3339).
    pub fired_at: String,
    /// `contested`, `upheld` or `overturned`, if reviewed.
    pub review: Option<String>,
    /// The person's reason or the reviewer's note.
    pub review_note: Option<String>,
}

/// One forum post of the person: a thread they started or a reply of theirs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForumPostEntry {
    /// The thread.
    pub thread_id: String,
    /// The reply, when the post is one (none: the thread's first post).
    pub reply_id: Option<String>,
    /// The thread's title.
    pub title: String,
    /// The name shown with the post.
    pub author_name: String,
    /// The post's Markdown source.
    pub body: String,
    /// When it was written (RFC 3339).
    pub created_at: String,
    /// Whether staff hid it.
    pub hidden: bool,
}

/// The person's restrictions: `true` means excluded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RestrictionsEntry {
    /// No profiling.
    pub profiling: bool,
    /// No proactive messages.
    pub proactive: bool,
    /// No automated decisions.
    pub automation: bool,
}

/// A score with its reasons (profiling transparency, GDPR Art. 15(1)(h)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreEntry {
    /// What is scored.
    pub name: String,
    /// The value.
    pub value: f64,
    /// Why: the inputs and the rule or model version.
    pub reasons: Vec<String>,
}

/// An audit entry about the person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditEntryView {
    /// When (RFC 3339).
    pub at: String,
    /// Who: `admin`, `agent` or `system` (staff are not named to the person).
    pub actor_role: String,
    /// What was done (`GET /api/v1/customers/{id}`, …).
    pub action: String,
    /// The outcome (HTTP status).
    pub status: u16,
}

/// An attachment file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentFile {
    /// Hex SHA-256 of the content; the file is `attachments/<sha256>` in the archive.
    pub sha256: String,
    /// The file name as sent.
    pub filename: String,
    /// The declared media type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
}

/// The JSON Schema of [`PersonExport`] (draft 2020-12), pretty-printed.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(PersonExport);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}
