//! Routing: which agent gets an unassigned conversation. Queues match conversations by channel
//! and tag and name the skills an agent needs; among the agents who are available, have the
//! skills and have room under their capacity, the least loaded (relative to capacity) wins,
//! then the one who waited longest since their last assignment.

use crate::conversation::Conversation;
use crate::error::DomainError;
use crate::ids::PartyId;
use crate::message::Channel;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The settings key routing settings are stored under.
pub const SETTINGS_KEY: &str = "routing";

/// An agent's availability, set by the agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentStatus {
    /// Takes new conversations.
    Available,
    /// Works, but takes no new conversations.
    Away,
    /// Not working.
    Offline,
}

impl AgentStatus {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            AgentStatus::Available => "available",
            AgentStatus::Away => "away",
            AgentStatus::Offline => "offline",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "available" => Ok(AgentStatus::Available),
            "away" => Ok(AgentStatus::Away),
            "offline" => Ok(AgentStatus::Offline),
            _ => Err(DomainError::invalid("status", "available, away or offline")),
        }
    }
}

/// What routing knows about an agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agent {
    /// The agent.
    pub party_id: PartyId,
    /// Their skills (normalised: lowercase).
    pub skills: BTreeSet<String>,
    /// How many open or pending conversations they take at most.
    pub capacity: u32,
    /// Their availability.
    pub status: AgentStatus,
    /// Open or pending conversations assigned to them now.
    pub load: u32,
    /// When they were last given a conversation.
    pub last_assigned: Option<Timestamp>,
}

/// A queue: which conversations it takes and which skills they need.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Queue {
    /// Its name.
    pub name: String,
    /// Conversations that used one of these channels (empty: any).
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// Conversations with one of these tags (empty: any).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Skills an agent needs, all of them.
    #[serde(default)]
    pub skills: Vec<String>,
}

/// A tenant's routing settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingSettings {
    /// Whether Kairos assigns conversations itself (off: agents pick them).
    pub enabled: bool,
    /// Queues in order; the first that matches takes the conversation. A conversation no
    /// queue matches goes to any available agent.
    #[serde(default)]
    pub queues: Vec<Queue>,
}

fn valid_word(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// Normalises a skill list: lowercase, deduplicated; refuses odd values.
pub fn normalise_skills(raw: &[String]) -> Result<BTreeSet<String>, DomainError> {
    if raw.len() > 50 {
        return Err(DomainError::invalid("skills", "at most 50"));
    }
    raw.iter()
        .map(|s| {
            let s = s.trim().to_lowercase();
            if valid_word(&s) {
                Ok(s)
            } else {
                Err(DomainError::invalid(
                    "skills",
                    "words of letters, digits, - and _ (1–64)",
                ))
            }
        })
        .collect()
}

impl RoutingSettings {
    /// Validates the settings (normalising skills and tags).
    pub fn validate(mut self) -> Result<Self, DomainError> {
        if self.queues.len() > 100 {
            return Err(DomainError::invalid("queues", "at most 100"));
        }
        for q in &mut self.queues {
            if q.name.trim().is_empty()
                || q.name.chars().count() > 100
                || q.name.chars().any(char::is_control)
            {
                return Err(DomainError::invalid(
                    "name",
                    "1–100 characters without control characters",
                ));
            }
            q.skills = normalise_skills(&q.skills)?.into_iter().collect();
            q.tags = normalise_skills(&q.tags)
                .map_err(|_| DomainError::invalid("tags", "tags as on conversations"))?
                .into_iter()
                .collect();
        }
        Ok(self)
    }

    /// The queue a conversation belongs to, if any.
    pub fn queue_for(&self, c: &Conversation) -> Option<&Queue> {
        self.queues.iter().find(|q| {
            (q.channels.is_empty() || q.channels.iter().any(|ch| c.channels.contains(ch)))
                && (q.tags.is_empty() || q.tags.iter().any(|t| c.tags.contains(t)))
        })
    }
}

/// The agent to give a conversation that needs `skills`, if anyone has room.
pub fn choose<'a>(agents: &'a [Agent], skills: &[String]) -> Option<&'a Agent> {
    agents
        .iter()
        .filter(|a| a.status == AgentStatus::Available && a.load < a.capacity)
        .filter(|a| skills.iter().all(|s| a.skills.contains(s)))
        // Lowest load relative to capacity (compared as fractions, no floats), then the
        // longest wait since the last assignment, then a stable order.
        .min_by(|a, b| {
            (u64::from(a.load) * u64::from(b.capacity))
                .cmp(&(u64::from(b.load) * u64::from(a.capacity)))
                .then(a.last_assigned.cmp(&b.last_assigned))
                .then(a.party_id.0.cmp(&b.party_id.0))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{Priority, Status};
    use crate::ids::{ConversationId, CustomerId};

    fn agent(
        skills: &[&str],
        capacity: u32,
        load: u32,
        status: AgentStatus,
        last: Option<i64>,
    ) -> Agent {
        Agent {
            party_id: PartyId::new(),
            skills: skills.iter().map(|s| s.to_string()).collect(),
            capacity,
            status,
            load,
            last_assigned: last.map(Timestamp::from_micros),
        }
    }

    #[test]
    fn the_least_loaded_available_agent_with_the_skills_gets_it() {
        let busy = agent(&["billing"], 4, 3, AgentStatus::Available, None);
        let free = agent(&["billing", "de"], 10, 5, AgentStatus::Available, None);
        let away = agent(&["billing"], 10, 0, AgentStatus::Away, None);
        let unskilled = agent(&[], 10, 0, AgentStatus::Available, None);
        let full = agent(&["billing"], 2, 2, AgentStatus::Available, None);
        let agents = vec![busy.clone(), free.clone(), away, unskilled.clone(), full];
        assert_eq!(
            choose(&agents, &["billing".into()]).map(|a| a.party_id),
            Some(free.party_id),
            "5/10 beats 3/4"
        );
        assert_eq!(
            choose(&agents, &[]).map(|a| a.party_id),
            Some(unskilled.party_id),
            "no skills needed: 0/10"
        );
        assert_eq!(
            choose(&agents, &["fr".into()]),
            None,
            "nobody speaks French"
        );
    }

    #[test]
    fn ties_go_to_who_waited_longest() {
        let recent = agent(&[], 5, 1, AgentStatus::Available, Some(2_000));
        let waited = agent(&[], 5, 1, AgentStatus::Available, Some(1_000));
        let never = agent(&[], 5, 1, AgentStatus::Available, None);
        let agents = vec![recent, waited.clone()];
        assert_eq!(
            choose(&agents, &[]).map(|a| a.party_id),
            Some(waited.party_id)
        );
        let agents = vec![waited, never.clone()];
        assert_eq!(
            choose(&agents, &[]).map(|a| a.party_id),
            Some(never.party_id)
        );
    }

    #[test]
    fn queues_match_by_channel_and_tag() {
        let settings = RoutingSettings {
            enabled: true,
            queues: vec![
                Queue {
                    name: "Rechnungen".into(),
                    channels: vec![],
                    tags: vec!["Invoice".into()],
                    skills: vec!["Billing".into()],
                },
                Queue {
                    name: "Telefon".into(),
                    channels: vec![Channel::Voice],
                    tags: vec![],
                    skills: vec![],
                },
            ],
        }
        .validate()
        .unwrap();
        assert_eq!(settings.queues[0].skills, vec!["billing"]);
        let mut c = Conversation {
            id: ConversationId::new(),
            customer_id: CustomerId::new(),
            status: Status::Open,
            priority: Priority::Normal,
            assignee: None,
            tags: vec!["invoice".into()],
            channels: vec![Channel::Email],
            subject: None,
            created_at: Timestamp::from_micros(0),
            updated_at: Timestamp::from_micros(0),
        };
        assert_eq!(
            settings.queue_for(&c).map(|q| q.name.as_str()),
            Some("Rechnungen")
        );
        c.tags.clear();
        assert_eq!(settings.queue_for(&c), None);
        c.channels.push(Channel::Voice);
        assert_eq!(
            settings.queue_for(&c).map(|q| q.name.as_str()),
            Some("Telefon")
        );
        assert!(normalise_skills(&["a b".into()]).is_err());
    }
}
