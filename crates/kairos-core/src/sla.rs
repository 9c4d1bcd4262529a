//! Service-level agreements: per-tenant policies (targets per priority and customer tier,
//! counted in business hours) and the clocks they start on a conversation.
//!
//! A clock is a small state machine driven by the conversation's events — opened, customer
//! message, reply, status and priority changes — and by time (a running clock past its due
//! time is breached). [`on_event`] and [`overdue`] are pure: the SLA worker feeds them the
//! log and a clock, and appends what they decide.

use crate::business_hours::{BusinessHours, HoursSpec};
use crate::conversation::{Priority, Status};
use crate::error::DomainError;
use crate::event::EventData;
use crate::ids::ConversationId;
use crate::message::Direction;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a clock measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Opened → first reply.
    FirstResponse,
    /// Customer's follow-up → the next reply.
    NextResponse,
    /// Opened → resolved (paused while pending).
    Resolution,
}

impl Metric {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Metric::FirstResponse => "first_response",
            Metric::NextResponse => "next_response",
            Metric::Resolution => "resolution",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "first_response" => Ok(Metric::FirstResponse),
            "next_response" => Ok(Metric::NextResponse),
            "resolution" => Ok(Metric::Resolution),
            _ => Err(DomainError::invalid(
                "metric",
                "first_response, next_response or resolution",
            )),
        }
    }
}

/// Where a clock stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Counting towards `due_at`.
    Running,
    /// Stopped while the conversation is pending; `remaining_secs` business seconds are left.
    Paused,
    /// Done: met (`met_at` set) or no longer applicable.
    Stopped,
}

/// One SLA clock of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// What it measures.
    pub metric: Metric,
    /// Where it stands.
    pub state: ClockState,
    /// When it started.
    pub started_at: Timestamp,
    /// The target, in business seconds.
    pub target_secs: i64,
    /// When it is due (running clocks; kept for the record once stopped).
    pub due_at: Option<Timestamp>,
    /// Business seconds left (paused clocks).
    pub remaining_secs: Option<i64>,
    /// When it was met.
    pub met_at: Option<Timestamp>,
    /// Whether it passed its due time before it was met.
    pub breached: bool,
}

/// Targets of one priority, in business seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// Opened → first reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response: Option<i64>,
    /// Follow-up → next reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_response: Option<i64>,
    /// Opened → resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<i64>,
}

impl Targets {
    fn get(&self, m: Metric) -> Option<i64> {
        match m {
            Metric::FirstResponse => self.first_response,
            Metric::NextResponse => self.next_response,
            Metric::Resolution => self.resolution,
        }
    }
}

/// A policy: targets per priority, for customers of one tier (or all).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Its name.
    pub name: String,
    /// The customer tier it applies to (`None`: every customer without a more specific one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// Targets per priority (`low`, `normal`, `high`, `urgent`); a missing priority has none.
    pub targets: BTreeMap<Priority, Targets>,
}

/// A tenant's SLA settings as stored and exchanged over the API (default: no policies).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaSettings {
    /// Business hours the targets count in (absent: around the clock, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<HoursSpec>,
    /// The policies; the first whose tier matches the customer's wins, then the first without
    /// a tier.
    pub policies: Vec<Policy>,
}

/// Validated settings.
#[derive(Clone, Debug)]
pub struct SlaConfig {
    /// The calendar.
    pub hours: BusinessHours,
    /// The policies.
    pub policies: Vec<Policy>,
}

/// The settings key SLA settings are stored under.
pub const SETTINGS_KEY: &str = "sla";
/// Longest target accepted: a year of business seconds.
const MAX_TARGET: i64 = 366 * 86_400;

impl SlaSettings {
    /// Validates the settings.
    pub fn validate(&self) -> Result<SlaConfig, DomainError> {
        let hours = match &self.business_hours {
            Some(spec) => BusinessHours::parse(spec)?,
            None => BusinessHours::always(),
        };
        if self.policies.len() > 100 {
            return Err(DomainError::invalid("policies", "at most 100"));
        }
        for p in &self.policies {
            if p.name.trim().is_empty()
                || p.name.chars().count() > 100
                || p.name.chars().any(char::is_control)
            {
                return Err(DomainError::invalid(
                    "name",
                    "1–100 characters without control characters",
                ));
            }
            if p.tier
                .as_deref()
                .is_some_and(|t| t.is_empty() || t.len() > 64)
            {
                return Err(DomainError::invalid("tier", "1–64 characters"));
            }
            let all = p
                .targets
                .values()
                .flat_map(|t| [t.first_response, t.next_response, t.resolution]);
            if all.flatten().any(|s| !(60..=MAX_TARGET).contains(&s)) {
                return Err(DomainError::invalid(
                    "targets",
                    "seconds between 60 and one year",
                ));
            }
        }
        Ok(SlaConfig {
            hours,
            policies: self.policies.clone(),
        })
    }
}

impl SlaConfig {
    /// The targets for a conversation of `priority` with a customer of `tier`.
    pub fn targets(&self, priority: Priority, tier: Option<&str>) -> Targets {
        let by_tier =
            tier.and_then(|t| self.policies.iter().find(|p| p.tier.as_deref() == Some(t)));
        by_tier
            .or_else(|| self.policies.iter().find(|p| p.tier.is_none()))
            .and_then(|p| p.targets.get(&priority).copied())
            .unwrap_or_default()
    }
}

/// What the worker knows about the conversation an event is about.
#[derive(Clone, Debug)]
pub struct ConversationClocks {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Its priority now.
    pub priority: Priority,
    /// The customer's tier, if any.
    pub tier: Option<String>,
    /// Its clocks.
    pub clocks: Vec<Clock>,
}

fn start(cfg: &SlaConfig, metric: Metric, target: i64, at: Timestamp) -> Clock {
    Clock {
        metric,
        state: ClockState::Running,
        started_at: at,
        target_secs: target,
        due_at: cfg.hours.add(at, target),
        remaining_secs: None,
        met_at: None,
        breached: false,
    }
}

fn changed(conversation_id: ConversationId, clock: Clock) -> EventData {
    EventData::SlaClockChanged {
        conversation_id,
        clock,
    }
}

/// The clock changes `data` (an event of the conversation, at `at`) causes.
pub fn on_event(
    cfg: &SlaConfig,
    conv: &ConversationClocks,
    data: &EventData,
    at: Timestamp,
) -> Vec<EventData> {
    let id = conv.conversation_id;
    let targets = cfg.targets(conv.priority, conv.tier.as_deref());
    let clock = |m: Metric| conv.clocks.iter().find(|c| c.metric == m);
    let live = |m: Metric| clock(m).is_some_and(|c| c.state != ClockState::Stopped);
    let mut out = Vec::new();
    match data {
        EventData::ConversationOpened { .. } => {
            for m in [Metric::FirstResponse, Metric::Resolution] {
                if let (Some(t), None) = (targets.get(m), clock(m)) {
                    out.push(changed(id, start(cfg, m, t, at)));
                }
            }
        }
        EventData::MessageAppended {
            direction: Direction::Inbound,
            ..
        } => {
            // A follow-up after the first reply waits for the next one.
            let first_done =
                clock(Metric::FirstResponse).is_none_or(|c| c.state == ClockState::Stopped);
            if let (Some(t), true, false) = (
                targets.get(Metric::NextResponse),
                first_done,
                live(Metric::NextResponse),
            ) {
                out.push(changed(id, start(cfg, Metric::NextResponse, t, at)));
            }
        }
        EventData::MessageAppended {
            direction: Direction::Outbound,
            ..
        } => {
            for m in [Metric::FirstResponse, Metric::NextResponse] {
                if let Some(c) = clock(m).filter(|c| c.state != ClockState::Stopped) {
                    let mut c = c.clone();
                    c.state = ClockState::Stopped;
                    c.met_at = Some(at);
                    c.remaining_secs = None;
                    c.breached |= c.due_at.is_some_and(|d| at > d);
                    out.push(changed(id, c));
                }
            }
        }
        EventData::ConversationChanged { changes, .. } => {
            if let Some(status) = changes.status {
                for c in conv
                    .clocks
                    .iter()
                    .filter(|c| c.state != ClockState::Stopped)
                {
                    let mut c = c.clone();
                    match (status, c.state) {
                        (Status::Pending, ClockState::Running) => {
                            c.state = ClockState::Paused;
                            c.remaining_secs =
                                Some(c.due_at.map_or(0, |d| cfg.hours.between(at, d)));
                        }
                        (Status::Open, ClockState::Paused) => {
                            c.state = ClockState::Running;
                            c.due_at = cfg.hours.add(at, c.remaining_secs.take().unwrap_or(0));
                        }
                        (Status::Resolved | Status::Closed, _) => {
                            c.state = ClockState::Stopped;
                            c.remaining_secs = None;
                            if c.metric == Metric::Resolution {
                                c.met_at = Some(at);
                                c.breached |= c.due_at.is_some_and(|d| at > d);
                            }
                        }
                        _ => continue,
                    }
                    out.push(changed(id, c));
                }
            }
            if let Some(priority) = changes.priority {
                // New targets count from the clock's start; a priority without one stops it.
                let new = cfg.targets(priority, conv.tier.as_deref());
                for c in conv
                    .clocks
                    .iter()
                    .filter(|c| c.state == ClockState::Running)
                {
                    let mut c = c.clone();
                    match new.get(c.metric) {
                        Some(t) if t != c.target_secs => {
                            c.target_secs = t;
                            c.due_at = cfg.hours.add(c.started_at, t);
                        }
                        Some(_) => continue,
                        None => c.state = ClockState::Stopped,
                    }
                    out.push(changed(id, c));
                }
            }
        }
        _ => {}
    }
    out
}

/// The breach events for running clocks past their due time at `now`.
pub fn overdue(
    conversation_id: ConversationId,
    clocks: &[Clock],
    now: Timestamp,
) -> Vec<EventData> {
    clocks
        .iter()
        .filter(|c| c.state == ClockState::Running && !c.breached)
        .filter_map(|c| {
            let due = c.due_at?;
            (due <= now).then_some(EventData::SlaBreached {
                conversation_id,
                metric: c.metric,
                due_at: due,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
