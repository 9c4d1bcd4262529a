//! What the engine hands back: actions as data. The caller executes them (after its own
//! consent gate), records them on the timeline, and never has to re-run the match.

use crate::event::ContextEvent;
use crate::value::Value;
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An action to execute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Send a message to the customer on the first channel that works.
    Notify {
        /// Channels in order of preference; `preferred` means the customer's own choice.
        channels: Vec<String>,
        /// The rendered text.
        text: String,
        /// The template it was rendered from.
        template: String,
    },
    /// Issue a single-use coupon and send it (with its QR code) to the customer.
    Coupon {
        /// The offer's name.
        offer: String,
        /// Value in minor units (cents).
        value_minor: i64,
        /// ISO 4217 currency.
        currency: String,
        /// When the coupon stops being valid.
        expires_at: Timestamp,
        /// Always true: a coupon is redeemed once.
        single_use: bool,
        /// Delivery channels, in order of preference.
        channels: Vec<String>,
        /// The rendered delivery message.
        text: String,
    },
    /// Open a conversation with the customer (staff see it in their inbox).
    OpenConversation {
        /// The rendered subject line.
        subject: String,
    },
    /// Add a touchpoint to the customer's timeline.
    Touchpoint {
        /// The rendered text.
        text: String,
    },
    /// POST the firing to a URL, signed with the tenant secret of this name.
    Webhook {
        /// Target URL.
        url: String,
        /// Name of the signing secret (the engine never sees secrets).
        secret: String,
    },
    /// A derived event the engine has already fed back into itself; record it, do not
    /// execute it.
    Emit {
        /// The event.
        event: ContextEvent,
    },
}

impl Action {
    /// A short name: `notify`, `coupon`, `open_conversation`, `touchpoint`, `webhook`, `emit`.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Notify { .. } => "notify",
            Action::Coupon { .. } => "coupon",
            Action::OpenConversation { .. } => "open_conversation",
            Action::Touchpoint { .. } => "touchpoint",
            Action::Webhook { .. } => "webhook",
            Action::Emit { .. } => "emit",
        }
    }
}

/// One action a rule decided to take, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Firing {
    /// Stable, unique key (`rule@version/subject/matched-µs/action-index`): execute idempotently by it.
    pub key: String,
    /// The tenant.
    pub tenant: TenantId,
    /// The subject (customer) it concerns.
    pub subject: String,
    /// The rule's name.
    pub rule: String,
    /// The rule's version.
    pub rule_version: u32,
    /// What to do.
    pub action: Action,
    /// When the pattern completed (event time, or the timer's time for absence).
    pub matched_at: Timestamp,
    /// When to execute: `matched_at`, or the end of quiet hours if it was held.
    pub due: Timestamp,
    /// The values the rule used: `alias.field` → value.
    pub bindings: BTreeMap<String, Value>,
    /// One line per step: what matched, when, with which values; then the policy checks.
    pub explanation: Vec<String>,
}

/// Why a match or an action did not fire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// The rule fired for this key recently.
    Cooldown {
        /// When the cooldown ends.
        until: Timestamp,
    },
    /// The rule's own cap for this subject is reached.
    RuleCap {
        /// The cap.
        count: u32,
        /// Its window, in seconds.
        per_s: i64,
    },
    /// The cap over all rules for this subject is reached.
    Cap {
        /// The cap.
        count: u32,
        /// Its window, in seconds.
        per_s: i64,
    },
    /// Quiet hours would hold it longer than the rule allows.
    QuietHours {
        /// When the quiet hours end.
        until: Timestamp,
    },
    /// Too many firings are already held for quiet hours.
    HeldQueueFull,
}

/// A match or action that was decided against, for the simulation report and metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppression {
    /// The subject.
    pub subject: String,
    /// The rule's name.
    pub rule: String,
    /// The rule's version.
    pub rule_version: u32,
    /// When it was decided.
    pub at: Timestamp,
    /// The action's kind, or `None` when the whole match was suppressed.
    pub action: Option<String>,
    /// Why.
    pub reason: Reason,
}

/// Where the engine puts its decisions; reuse one and clear it after handling to avoid
/// allocating per event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    /// Actions to execute, in decision order.
    pub firings: Vec<Firing>,
    /// Matches and actions decided against.
    pub suppressed: Vec<Suppression>,
}

impl Output {
    /// Empties both lists, keeping their capacity.
    pub fn clear(&mut self) {
        self.firings.clear();
        self.suppressed.clear();
    }
}
