//! Restriction and objection (GDPR Art. 18, 21, 22; checklist N11, N13, N17): a person can
//! exclude themself from profiling, from proactive messages and from automated decisions,
//! and can contest an automated decision, which a human then upholds or overturns. Pure:
//! the store keeps the current switches and checks them inside the same transactions that
//! would otherwise match an event or execute a firing, so a restriction counts at once.

use crate::anticipation::Effect;
use crate::error::DomainError;
use serde::{Deserialize, Serialize};

/// Most bytes in a reason or review note.
pub const MAX_NOTE_LEN: usize = 2000;

/// What a person has excluded themself from. All off for a new customer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restrictions {
    /// No profiling: their context events are not matched against rules (Art. 21(2)).
    #[serde(default)]
    pub profiling: bool,
    /// No proactive messages: no notification, coupon or conversation started by a rule.
    #[serde(default)]
    pub proactive: bool,
    /// No automated decisions about them at all (Art. 22).
    #[serde(default)]
    pub automation: bool,
}

impl Restrictions {
    /// Whether their events may be matched against rules.
    pub fn allows_matching(&self) -> bool {
        !self.profiling && !self.automation
    }

    /// Whether a firing with this effect may be executed for them.
    pub fn allows(&self, effect: &Effect) -> bool {
        if self.automation {
            return false;
        }
        match effect {
            Effect::Message { .. } | Effect::OpenConversation { .. } => !self.proactive,
            Effect::Note { .. } | Effect::Record => true,
        }
    }

    /// Either side's restrictions (a merge keeps every restriction of both records).
    pub fn union(self, other: Restrictions) -> Restrictions {
        Restrictions {
            profiling: self.profiling || other.profiling,
            proactive: self.proactive || other.proactive,
            automation: self.automation || other.automation,
        }
    }
}

/// A change of restrictions: the switches given are set, the others kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestrictionsCommand {
    /// Profiling on or off.
    pub profiling: Option<bool>,
    /// Proactive messages on or off.
    pub proactive: Option<bool>,
    /// Automated decisions on or off.
    pub automation: Option<bool>,
    /// Why (optional; the person owes no reason for an objection to direct marketing).
    pub reason: Option<String>,
}

fn check_note(field: &'static str, note: Option<&str>) -> Result<(), DomainError> {
    match note {
        Some(n) if n.len() > MAX_NOTE_LEN || n.chars().any(|c| c.is_control() && c != '\n') => Err(
            DomainError::invalid(field, format!("at most {MAX_NOTE_LEN} bytes of text")),
        ),
        _ => Ok(()),
    }
}

impl RestrictionsCommand {
    /// The restrictions after this change.
    pub fn apply(&self, current: Restrictions) -> Result<Restrictions, DomainError> {
        check_note("reason", self.reason.as_deref())?;
        Ok(Restrictions {
            profiling: self.profiling.unwrap_or(current.profiling),
            proactive: self.proactive.unwrap_or(current.proactive),
            automation: self.automation.unwrap_or(current.automation),
        })
    }
}

/// Where the human review of an automated decision stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// The person contested it; a human must look at it.
    Contested,
    /// A human reviewed it and let it stand.
    Upheld,
    /// A human reviewed it and reversed it.
    Overturned,
}

impl ReviewStatus {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ReviewStatus::Contested => "contested",
            ReviewStatus::Upheld => "upheld",
            ReviewStatus::Overturned => "overturned",
        }
    }
}

/// Decides a review step: the person may contest an undecided decision; staff may decide
/// it (whether or not it was contested), once.
pub fn review(
    current: Option<ReviewStatus>,
    next: ReviewStatus,
    by_staff: bool,
    note: Option<&str>,
) -> Result<ReviewStatus, DomainError> {
    check_note("note", note)?;
    match (current, next, by_staff) {
        (Some(ReviewStatus::Upheld | ReviewStatus::Overturned), _, _) => Err(
            DomainError::Conflict("the decision has been reviewed already".into()),
        ),
        (None, ReviewStatus::Contested, false) => Ok(next),
        (Some(ReviewStatus::Contested), ReviewStatus::Contested, _) => Err(DomainError::Conflict(
            "the decision is contested already".into(),
        )),
        (_, ReviewStatus::Upheld | ReviewStatus::Overturned, true) => Ok(next),
        (_, ReviewStatus::Contested, true) | (_, _, false) => Err(DomainError::invalid(
            "status",
            "the person contests; staff uphold or overturn",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Channel;

    #[test]
    fn restrictions_stop_what_they_name() {
        let message = Effect::Message {
            channel: Channel::Email,
            body: "hi".into(),
        };
        let note = Effect::Note { body: "fyi".into() };
        let none = Restrictions::default();
        assert!(none.allows_matching() && none.allows(&message));
        let proactive = Restrictions {
            proactive: true,
            ..none
        };
        assert!(!proactive.allows(&message) && proactive.allows(&note));
        assert!(proactive.allows_matching());
        let automation = Restrictions {
            automation: true,
            ..none
        };
        assert!(!automation.allows(&note) && !automation.allows_matching());
        let profiling = Restrictions {
            profiling: true,
            ..none
        };
        assert!(!profiling.allows_matching());
        assert!(profiling.union(proactive).proactive);
    }

    #[test]
    fn a_person_contests_and_a_human_decides_once() {
        use ReviewStatus::*;
        assert_eq!(review(None, Contested, false, None), Ok(Contested));
        assert!(review(Some(Contested), Contested, false, None).is_err());
        assert_eq!(
            review(Some(Contested), Overturned, true, Some("sorry")),
            Ok(Overturned)
        );
        assert_eq!(review(None, Upheld, true, None), Ok(Upheld));
        assert!(review(Some(Upheld), Overturned, true, None).is_err());
        assert!(review(None, Upheld, false, None).is_err());
        assert!(review(None, Contested, true, None).is_err());
        assert!(review(None, Contested, false, Some(&"x".repeat(MAX_NOTE_LEN + 1))).is_err());
    }
}
