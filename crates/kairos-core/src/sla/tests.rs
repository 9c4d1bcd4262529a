use super::*;
use crate::conversation::ConversationChanges;
use crate::ids::{CustomerId, MessageId};
use crate::message::{Author, Body, Channel};

fn at(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

/// Berlin office hours Mon–Fri 09:00–17:00; normal: first reply 2 h, next 4 h, resolution 16 h.
fn config() -> SlaConfig {
    let week = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|d| (d.to_string(), vec!["09:00-17:00".to_string()]))
        .collect();
    SlaSettings {
        business_hours: Some(HoursSpec {
            time_zone: "Europe/Berlin".into(),
            week: Some(week),
            holidays: vec![],
        }),
        policies: vec![
            Policy {
                name: "VIP".into(),
                tier: Some("gold".into()),
                targets: [(
                    Priority::Normal,
                    Targets {
                        first_response: Some(1800),
                        next_response: None,
                        resolution: None,
                    },
                )]
                .into(),
            },
            Policy {
                name: "Standard".into(),
                tier: None,
                targets: [
                    (
                        Priority::Normal,
                        Targets {
                            first_response: Some(7200),
                            next_response: Some(4 * 3600),
                            resolution: Some(16 * 3600),
                        },
                    ),
                    (
                        Priority::Urgent,
                        Targets {
                            first_response: Some(1800),
                            next_response: None,
                            resolution: None,
                        },
                    ),
                ]
                .into(),
            },
        ],
    }
    .validate()
    .unwrap()
}

struct Conv {
    state: ConversationClocks,
}

impl Conv {
    fn new() -> Self {
        Self {
            state: ConversationClocks {
                conversation_id: ConversationId::new(),
                priority: Priority::Normal,
                tier: None,
                clocks: vec![],
            },
        }
    }
    /// Feeds an event and applies the clock changes, like the worker and the store do.
    fn feed(&mut self, cfg: &SlaConfig, data: EventData, when: &str) -> Vec<EventData> {
        let out = on_event(cfg, &self.state, &data, at(when));
        if let EventData::ConversationChanged { changes, .. } = &data
            && let Some(p) = changes.priority
        {
            self.state.priority = p;
        }
        for e in &out {
            if let EventData::SlaClockChanged { clock, .. } = e {
                self.state.clocks.retain(|c| c.metric != clock.metric);
                self.state.clocks.push(clock.clone());
            }
        }
        out
    }
    fn clock(&self, m: Metric) -> &Clock {
        self.state.clocks.iter().find(|c| c.metric == m).unwrap()
    }
    fn opened(&self) -> EventData {
        EventData::ConversationOpened {
            conversation_id: self.state.conversation_id,
            customer_id: CustomerId::new(),
            channel: Channel::Email,
            subject: None,
        }
    }
    fn message(&self, direction: Direction) -> EventData {
        EventData::MessageAppended {
            message_id: MessageId::new(),
            conversation_id: self.state.conversation_id,
            direction,
            channel: Channel::Email,
            author: Author::System,
            subject: None,
            body: Body::new("x", None).unwrap(),
            attachments: vec![],
            external_id: None,
        }
    }
    fn status(&self, s: Status) -> EventData {
        EventData::ConversationChanged {
            conversation_id: self.state.conversation_id,
            changes: ConversationChanges {
                status: Some(s),
                ..Default::default()
            },
        }
    }
}

#[test]
fn a_breach_fires_at_the_business_hours_due_time() {
    let cfg = config();
    let mut conv = Conv::new();
    // Opened Friday 16:30 Berlin (15:30 UTC): 30 min count on Friday, 90 on Monday.
    conv.feed(&cfg, conv.opened(), "2026-11-27T15:30:00Z");
    let due = at("2026-11-30T09:30:00Z"); // Monday 10:30 Berlin
    assert_eq!(conv.clock(Metric::FirstResponse).due_at, Some(due));
    let id = conv.state.conversation_id;
    assert!(
        overdue(id, &conv.state.clocks, at("2026-11-30T09:29:59Z")).is_empty(),
        "not over the weekend"
    );
    let breaches = overdue(id, &conv.state.clocks, at("2026-11-30T09:30:00Z"));
    assert_eq!(
        breaches,
        vec![EventData::SlaBreached {
            conversation_id: id,
            metric: Metric::FirstResponse,
            due_at: due
        }]
    );
}

#[test]
fn a_reply_meets_first_response_and_a_follow_up_starts_next_response() {
    let cfg = config();
    let mut conv = Conv::new();
    conv.feed(&cfg, conv.opened(), "2026-11-24T08:00:00Z"); // Tue 09:00 Berlin
    conv.feed(&cfg, conv.message(Direction::Note), "2026-11-24T08:10:00Z");
    assert_eq!(
        conv.clock(Metric::FirstResponse).state,
        ClockState::Running,
        "notes are no reply"
    );
    conv.feed(
        &cfg,
        conv.message(Direction::Outbound),
        "2026-11-24T09:00:00Z",
    );
    let first = conv.clock(Metric::FirstResponse);
    assert_eq!(
        (first.state, first.met_at, first.breached),
        (ClockState::Stopped, Some(at("2026-11-24T09:00:00Z")), false)
    );
    conv.feed(
        &cfg,
        conv.message(Direction::Inbound),
        "2026-11-24T14:00:00Z",
    ); // 15:00 Berlin
    // 4 business hours from 15:00 Tuesday: 2 h Tuesday, 2 h Wednesday → 11:00 Berlin.
    assert_eq!(
        conv.clock(Metric::NextResponse).due_at,
        Some(at("2026-11-25T10:00:00Z"))
    );
    // A late reply is met but marked breached.
    conv.feed(
        &cfg,
        conv.message(Direction::Outbound),
        "2026-11-25T12:00:00Z",
    );
    assert!(conv.clock(Metric::NextResponse).breached);
}

#[test]
fn pending_pauses_and_reopening_resumes_with_the_time_left() {
    let cfg = config();
    let mut conv = Conv::new();
    conv.feed(&cfg, conv.opened(), "2026-11-24T08:00:00Z"); // resolution due in 16 business h
    conv.feed(&cfg, conv.status(Status::Pending), "2026-11-24T10:00:00Z"); // 2 h used
    let paused = conv.clock(Metric::Resolution);
    assert_eq!(
        (paused.state, paused.remaining_secs),
        (ClockState::Paused, Some(14 * 3600))
    );
    assert!(
        overdue(
            conv.state.conversation_id,
            &conv.state.clocks,
            at("2027-01-01T00:00:00Z")
        )
        .is_empty(),
        "a paused clock never breaches"
    );
    // Back to open a week later, Tuesday 09:00 Berlin: 14 h left → Wednesday 15:00 Berlin.
    conv.feed(&cfg, conv.status(Status::Open), "2026-12-01T08:00:00Z");
    assert_eq!(
        conv.clock(Metric::Resolution).due_at,
        Some(at("2026-12-02T14:00:00Z"))
    );
    conv.feed(&cfg, conv.status(Status::Resolved), "2026-12-02T13:00:00Z");
    let done = conv.clock(Metric::Resolution);
    assert_eq!((done.state, done.breached), (ClockState::Stopped, false));
    assert_eq!(
        conv.clock(Metric::FirstResponse).met_at,
        None,
        "resolved without a reply: stopped, not met"
    );
}

#[test]
fn priority_and_tier_choose_the_targets() {
    let cfg = config();
    let mut conv = Conv::new();
    conv.feed(&cfg, conv.opened(), "2026-11-24T08:00:00Z");
    let urgent = EventData::ConversationChanged {
        conversation_id: conv.state.conversation_id,
        changes: ConversationChanges {
            priority: Some(Priority::Urgent),
            ..Default::default()
        },
    };
    conv.feed(&cfg, urgent, "2026-11-24T08:05:00Z");
    assert_eq!(
        conv.clock(Metric::FirstResponse).due_at,
        Some(at("2026-11-24T08:30:00Z")),
        "30 min from the start"
    );
    assert_eq!(
        conv.clock(Metric::Resolution).state,
        ClockState::Stopped,
        "urgent has no resolution target"
    );
    assert_eq!(
        cfg.targets(Priority::Normal, Some("gold")).first_response,
        Some(1800)
    );
    assert_eq!(
        cfg.targets(Priority::Normal, Some("silver")).first_response,
        Some(7200),
        "unknown tier: the default policy"
    );
    assert_eq!(cfg.targets(Priority::Low, None), Targets::default());
}

#[test]
fn settings_are_validated() {
    let mut s = SlaSettings {
        business_hours: None,
        policies: vec![Policy {
            name: "x".into(),
            tier: None,
            targets: [(
                Priority::Normal,
                Targets {
                    first_response: Some(10),
                    ..Default::default()
                },
            )]
            .into(),
        }],
    };
    assert!(s.validate().is_err(), "targets under a minute");
    s.policies[0].targets.insert(
        Priority::Normal,
        Targets {
            first_response: Some(600),
            ..Default::default()
        },
    );
    assert!(s.validate().is_ok());
    s.policies[0].name = "bad\nname".into();
    assert!(s.validate().is_err());
    let json =
        r#"{"policies":[{"name":"Std","targets":{"normal":{"first_response":3600}}}],"extra":1}"#;
    assert!(
        serde_json::from_str::<SlaSettings>(json).is_err(),
        "unknown fields refused"
    );
}
