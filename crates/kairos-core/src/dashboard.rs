//! Dashboard figures, decided from facts the store reads: new conversations by channel per
//! day, first-response and resolution times against the SLA, the backlog at the end of
//! each day, and each agent's load. Days are calendar days in one time zone (the tenant's
//! business-hours zone, else UTC).
//!
//! Definitions (docs/ui.md repeats them):
//! - *volume*: conversations opened that day, by the channel of their first message;
//! - *first response*: from opening to the first reply (notes do not count), by the day
//!   the conversation was opened; *resolution*: from opening to the latest change to
//!   `resolved` or `closed`, by the day of that change; the medians are wall-clock time;
//! - *SLA*: `first_response` and `resolution` clocks by the day they started: met (stopped
//!   in time) or breached (a breached clock counts even if it was met later);
//! - *backlog*: conversations opened by the end of the day (now, for today) and not
//!   resolved or closed by then. A reopened conversation counts as open from its opening
//!   until it was last resolved;
//! - *agent load*: open or pending conversations assigned to the agent now, and the
//!   conversations they replied in during the period.

use crate::conversation::Status;
use crate::ids::{ConversationId, PartyId};
use crate::message::Channel;
use crate::sla::{Clock, Metric};
use crate::timestamp::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::collections::BTreeMap;

/// One conversation as the dashboard needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationFact {
    /// Its id.
    pub id: ConversationId,
    /// When it was opened.
    pub created_at: Timestamp,
    /// The channel of its first message.
    pub channel: Channel,
    /// Its status now.
    pub status: Status,
    /// The first reply, if any.
    pub first_reply_at: Option<Timestamp>,
    /// The latest change to `resolved` or `closed` (only when that is its status now).
    pub resolved_at: Option<Timestamp>,
}

/// What the store reads for a dashboard.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// Conversations opened in the period, or open during part of it.
    pub conversations: Vec<ConversationFact>,
    /// `first_response` and `resolution` clocks of conversations opened in the period.
    pub clocks: Vec<Clock>,
    /// Per agent: conversations they replied in during the period.
    pub handled: BTreeMap<PartyId, u32>,
    /// Per agent: open or pending conversations assigned to them now.
    pub open_assigned: BTreeMap<PartyId, u32>,
}

/// Met and breached clocks of one day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlaDay {
    /// Clocks stopped before their due time.
    pub met: u32,
    /// Clocks that passed their due time.
    pub breached: u32,
}

/// One agent's load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgentLoad {
    /// The agent.
    pub party_id: PartyId,
    /// Open or pending conversations assigned to them now.
    pub open: u32,
    /// Conversations they replied in during the period.
    pub handled: u32,
}

/// The figures, one entry per day (oldest first) where they are per day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dashboard {
    /// The days, `YYYY-MM-DD` in the zone.
    pub days: Vec<String>,
    /// New conversations per day, per channel that had any (in `Channel::ALL` order).
    pub volume: Vec<(Channel, Vec<u32>)>,
    /// First-response clocks per day.
    pub first_response_sla: Vec<SlaDay>,
    /// Resolution clocks per day.
    pub resolution_sla: Vec<SlaDay>,
    /// Median seconds to the first reply, per day (`None`: no reply that day).
    pub first_response_median: Vec<Option<i64>>,
    /// Median seconds to resolution, per day.
    pub resolution_median: Vec<Option<i64>>,
    /// Open or pending conversations at the end of each day.
    pub backlog: Vec<u32>,
    /// Agents with any load, most open first.
    pub agents: Vec<AgentLoad>,
}

/// The period: `days` calendar days in `tz` ending with the day of `now`.
#[derive(Clone, Debug)]
pub struct Period {
    tz: TimeZone,
    first: Date,
    days: usize,
    now: Timestamp,
}

impl Period {
    /// The last `days` days (at least 1) in time zone `zone` (an IANA name; empty or
    /// unknown: UTC) up to `now`.
    pub fn new(days: usize, zone: &str, now: Timestamp) -> Self {
        let tz = TimeZone::get(zone.trim()).unwrap_or(TimeZone::UTC);
        let days = days.max(1);
        let today = to_date(&tz, now);
        let back = i32::try_from(days - 1).unwrap_or(0);
        let first = today
            .checked_sub(jiff::Span::new().days(back))
            .unwrap_or(today);
        Self {
            tz,
            first,
            days,
            now,
        }
    }

    /// When the first day starts.
    pub fn start(&self) -> Timestamp {
        self.day_start(0)
    }

    /// The zone's name (`UTC` when none was configured).
    pub fn zone(&self) -> String {
        self.tz.iana_name().unwrap_or("UTC").to_owned()
    }

    fn date(&self, i: usize) -> Date {
        let n = i32::try_from(i).unwrap_or(0);
        self.first
            .checked_add(jiff::Span::new().days(n))
            .unwrap_or(self.first)
    }

    fn day_start(&self, i: usize) -> Timestamp {
        self.date(i)
            .to_zoned(self.tz.clone())
            .map(|z| Timestamp::from_micros(z.timestamp().as_microsecond()))
            .unwrap_or(self.now)
    }

    /// The end of day `i` (its next day's start), or now for today.
    fn day_end(&self, i: usize) -> Timestamp {
        if i + 1 >= self.days {
            self.now
        } else {
            self.day_start(i + 1)
        }
    }

    /// Which day `at` falls on, if inside the period.
    fn index(&self, at: Timestamp) -> Option<usize> {
        let d = to_date(&self.tz, at);
        let n = (d - self.first).get_days();
        usize::try_from(n).ok().filter(|n| *n < self.days)
    }
}

fn to_date(tz: &TimeZone, at: Timestamp) -> Date {
    jiff::Timestamp::from_microsecond(at.as_micros())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone())
        .date()
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2
    } else {
        v[mid]
    })
}

fn secs(from: Timestamp, to: Timestamp) -> i64 {
    (to.as_micros() - from.as_micros()).max(0) / 1_000_000
}

/// Decides the figures for `period` from `facts`.
pub fn summarise(facts: &Facts, period: &Period) -> Dashboard {
    let n = period.days;
    let mut volume: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    let mut first_times = vec![Vec::new(); n];
    let mut resolution_times = vec![Vec::new(); n];
    for c in &facts.conversations {
        if let Some(i) = period.index(c.created_at) {
            let slot = Channel::ALL
                .iter()
                .position(|ch| *ch == c.channel)
                .unwrap_or(0);
            volume.entry(slot).or_insert_with(|| vec![0; n])[i] += 1;
            if let Some(at) = c.first_reply_at {
                first_times[i].push(secs(c.created_at, at));
            }
        }
        if let Some(at) = c.resolved_at
            && let Some(i) = period.index(at)
        {
            resolution_times[i].push(secs(c.created_at, at));
        }
    }
    let mut first_response_sla = vec![SlaDay::default(); n];
    let mut resolution_sla = vec![SlaDay::default(); n];
    for clock in &facts.clocks {
        let days = match clock.metric {
            Metric::FirstResponse => &mut first_response_sla,
            Metric::Resolution => &mut resolution_sla,
            Metric::NextResponse => continue,
        };
        let Some(i) = period.index(clock.started_at) else {
            continue;
        };
        if clock.breached {
            days[i].breached += 1;
        } else if clock.met_at.is_some() {
            days[i].met += 1;
        }
    }
    let backlog = (0..n)
        .map(|i| {
            let end = period.day_end(i);
            let open = facts.conversations.iter().filter(|c| {
                c.created_at < end
                    && match c.status {
                        Status::Open | Status::Pending => true,
                        Status::Resolved | Status::Closed => {
                            c.resolved_at.is_some_and(|r| r >= end)
                        }
                    }
            });
            u32::try_from(open.count()).unwrap_or(u32::MAX)
        })
        .collect();
    let mut agents: Vec<AgentLoad> = facts
        .open_assigned
        .keys()
        .chain(facts.handled.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|id| AgentLoad {
            party_id: *id,
            open: facts.open_assigned.get(id).copied().unwrap_or(0),
            handled: facts.handled.get(id).copied().unwrap_or(0),
        })
        .collect();
    agents.sort_by(|a, b| b.open.cmp(&a.open).then(b.handled.cmp(&a.handled)));
    Dashboard {
        days: (0..n).map(|i| period.date(i).to_string()).collect(),
        volume: volume
            .into_iter()
            .map(|(slot, v)| (Channel::ALL[slot], v))
            .collect(),
        first_response_sla,
        resolution_sla,
        first_response_median: first_times.into_iter().map(median).collect(),
        resolution_median: resolution_times.into_iter().map(median).collect(),
        backlog,
        agents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::ClockState;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn fact(created: &str, channel: Channel, status: Status) -> ConversationFact {
        ConversationFact {
            id: ConversationId(uuid::Uuid::now_v7()),
            created_at: at(created),
            channel,
            status,
            first_reply_at: None,
            resolved_at: None,
        }
    }

    fn clock(metric: Metric, started: &str, met: bool, breached: bool) -> Clock {
        Clock {
            metric,
            state: ClockState::Stopped,
            started_at: at(started),
            target_secs: 3600,
            due_at: None,
            remaining_secs: None,
            met_at: met.then(|| at(started)),
            breached,
        }
    }

    #[test]
    fn days_follow_the_zone() {
        // 23:30 UTC on 1 Dec is 00:30 on 2 Dec in Berlin.
        let now = at("2026-12-03T12:00:00Z");
        let berlin = Period::new(3, "Europe/Berlin", now);
        let utc = Period::new(3, "", now);
        assert_eq!(berlin.zone(), "Europe/Berlin");
        assert_eq!(utc.zone(), "UTC");
        assert_eq!(berlin.start(), at("2026-11-30T23:00:00Z"));
        let late = at("2026-12-01T23:30:00Z");
        assert_eq!(berlin.index(late), Some(1));
        assert_eq!(utc.index(late), Some(0));
        assert_eq!(utc.index(at("2026-11-30T23:59:00Z")), None);
    }

    #[test]
    fn figures_count_what_the_definitions_say() {
        let now = at("2026-12-03T12:00:00Z");
        let period = Period::new(3, "UTC", now);
        let mut a = fact("2026-12-01T08:00:00Z", Channel::Email, Status::Resolved);
        a.first_reply_at = Some(at("2026-12-01T08:30:00Z"));
        a.resolved_at = Some(at("2026-12-02T08:00:00Z"));
        let mut b = fact("2026-12-01T09:00:00Z", Channel::Chat, Status::Open);
        b.first_reply_at = Some(at("2026-12-01T09:10:00Z"));
        let c = fact("2026-12-03T09:00:00Z", Channel::Email, Status::Pending);
        // Opened before the period, still open: only in the backlog.
        let old = fact("2026-11-20T09:00:00Z", Channel::Sms, Status::Open);
        let agent = PartyId(uuid::Uuid::now_v7());
        let facts = Facts {
            conversations: vec![a, b, c, old],
            clocks: vec![
                clock(Metric::FirstResponse, "2026-12-01T08:00:00Z", true, false),
                clock(Metric::FirstResponse, "2026-12-01T09:00:00Z", true, true),
                clock(Metric::Resolution, "2026-12-01T08:00:00Z", true, false),
                clock(Metric::NextResponse, "2026-12-01T08:00:00Z", true, false),
            ],
            handled: BTreeMap::from([(agent, 2)]),
            open_assigned: BTreeMap::from([(agent, 1)]),
        };
        let d = summarise(&facts, &period);
        assert_eq!(d.days, ["2026-12-01", "2026-12-02", "2026-12-03"]);
        assert_eq!(
            d.volume,
            vec![
                (Channel::Email, vec![1, 0, 1]),
                (Channel::Chat, vec![1, 0, 0])
            ]
        );
        assert_eq!(d.first_response_median, vec![Some(1200), None, None]);
        assert_eq!(d.resolution_median, vec![None, Some(86_400), None]);
        assert_eq!(
            d.first_response_sla[0],
            SlaDay {
                met: 1,
                breached: 1
            }
        );
        assert_eq!(
            d.resolution_sla[0],
            SlaDay {
                met: 1,
                breached: 0
            }
        );
        // End of 1 Dec: a, b, old; end of 2 Dec: a was resolved at 08:00 → b, old; now: + c.
        assert_eq!(d.backlog, vec![3, 2, 3]);
        assert_eq!(
            d.agents,
            vec![AgentLoad {
                party_id: agent,
                open: 1,
                handled: 2
            }]
        );
    }

    #[test]
    fn medians_of_even_counts_take_the_middle() {
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2));
        assert_eq!(median(vec![5]), Some(5));
        assert_eq!(median(Vec::new()), None);
    }
}
