//! The one visibility rule for the log: which events a viewer may see, and in what form.
//! Every read path that hands out events (live sockets, streams, exports) asks here, so no
//! path can forget a rule another path enforces (checklist A02, A04).

use crate::conversation::ConversationChanges;
use crate::event::EventData;
use crate::ids::CustomerId;
use crate::message::Direction;
use std::borrow::Cow;

/// Who is looking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Viewer {
    /// An agent or admin of the tenant: sees every conversation event of it.
    Staff,
    /// A customer: sees their own conversations' public side only.
    Customer(CustomerId),
}

/// The form of `data` that `viewer` may see, or `None`. `owner` is the customer of the
/// conversation the event is about (for conversation events; the caller looks it up).
pub fn view_for<'a>(
    viewer: Viewer,
    data: &'a EventData,
    owner: Option<CustomerId>,
) -> Option<Cow<'a, EventData>> {
    let customer = match viewer {
        Viewer::Staff => return Some(Cow::Borrowed(data)),
        Viewer::Customer(c) => c,
    };
    let own = owner == Some(customer);
    match data {
        // Internal notes never reach a customer (A04).
        EventData::MessageAppended { direction, .. } => {
            (own && *direction != Direction::Note).then_some(Cow::Borrowed(data))
        }
        EventData::ConversationOpened { customer_id, .. } => {
            (*customer_id == customer).then_some(Cow::Borrowed(data))
        }
        // Assignee, priority and tags are the team's business; the customer sees the status.
        EventData::ConversationChanged {
            conversation_id,
            changes,
        } => {
            let status = changes.status?;
            own.then(|| {
                Cow::Owned(EventData::ConversationChanged {
                    conversation_id: *conversation_id,
                    changes: ConversationChanges {
                        status: Some(status),
                        ..ConversationChanges::default()
                    },
                })
            })
        }
        EventData::ConversationSeen { .. } | EventData::ConversationFollowUp { .. } => {
            own.then_some(Cow::Borrowed(data))
        }
        // A customer's own coupons are theirs to see (they carry no token).
        EventData::CustomerCreated { customer_id, .. }
        | EventData::CouponIssued { customer_id, .. }
        | EventData::CouponRedeemed { customer_id, .. }
        | EventData::IdentityAdded { customer_id, .. } => {
            (*customer_id == customer).then_some(Cow::Borrowed(data))
        }
        // What was decided about them, and why, is theirs to see (Art. 15, 22).
        EventData::AnticipationFired { customer_id, .. }
        | EventData::RestrictionsChanged { customer_id, .. }
        | EventData::DecisionReviewed { customer_id, .. } => {
            (*customer_id == customer).then_some(Cow::Borrowed(data))
        }
        // A customer's own consents are theirs to see.
        EventData::ConsentRecorded { record } => {
            (record.customer_id == customer).then_some(Cow::Borrowed(data))
        }
        // The knowledge base is read through its own routes, which apply the article rules
        // (`knowledge::may_read`); its log events (drafts, internal articles, partner
        // grants, votes) are the team's business.
        EventData::KbCategorySaved { .. }
        | EventData::KbArticleCreated { .. }
        | EventData::KbArticleRevised { .. }
        | EventData::KbArticleChanged { .. }
        | EventData::KbArticleAttachment { .. }
        | EventData::KbFeedback { .. }
        | EventData::KbDeflected { .. }
        | EventData::KbPartnerGrant { .. } => None,
        // Forum posts are read through the forum routes (hidden ones reach staff only);
        // on the log a customer sees only their own posts, never moderation.
        EventData::ForumThreadCreated { customer_id, .. }
        | EventData::ForumReplied { customer_id, .. } => {
            (*customer_id == Some(customer)).then_some(Cow::Borrowed(data))
        }
        EventData::ForumModerated { .. }
        | EventData::ForumSolutionMarked { .. }
        | EventData::ForumConverted { .. } => None,
        // SLA clocks, settings and service tiers are the team's business.
        EventData::SettingChanged { .. }
        | EventData::CustomerTierSet { .. }
        | EventData::CustomerTimeZoneSet { .. }
        | EventData::AgentProfileChanged { .. }
        | EventData::AgentStatusChanged { .. }
        | EventData::CustomerErased { .. }
        | EventData::ConversationPurged { .. }
        | EventData::ContextEventsPurged { .. }
        | EventData::Redacted
        | EventData::SlaClockChanged { .. }
        | EventData::SlaBreached { .. }
        | EventData::TenantCreated { .. }
        | EventData::TenantRenamed { .. }
        | EventData::PartyCreated { .. }
        | EventData::TokenCreated { .. }
        | EventData::CustomersMerged { .. } => None,
        // Webhook secrets are the tenant's administration (the event names, never holds, one).
        EventData::WebhookSecretChanged { .. } => None,
        // Staff changes and canned replies are the team's own administration.
        EventData::PartyChanged { .. } | EventData::CannedReplyChanged { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{Priority, Status};
    use crate::ids::{ConversationId, MessageId, PartyId};
    use crate::message::{Author, Body, Channel};

    fn message(direction: Direction) -> EventData {
        EventData::MessageAppended {
            message_id: MessageId::new(),
            conversation_id: ConversationId::new(),
            direction,
            channel: Channel::Chat,
            author: Author::System,
            subject: None,
            body: Body::new("hi", None).unwrap(),
            attachments: vec![],
            external_id: None,
        }
    }

    #[test]
    fn staff_see_everything_customers_only_their_public_side() {
        let me = CustomerId::new();
        let other = CustomerId::new();
        let reply = message(Direction::Outbound);
        let note = message(Direction::Note);
        assert!(view_for(Viewer::Staff, &note, Some(me)).is_some());
        assert!(view_for(Viewer::Customer(me), &reply, Some(me)).is_some());
        assert!(
            view_for(Viewer::Customer(me), &note, Some(me)).is_none(),
            "A04"
        );
        assert!(view_for(Viewer::Customer(other), &reply, Some(me)).is_none());
        assert!(view_for(Viewer::Customer(me), &reply, None).is_none());
    }

    #[test]
    fn a_customer_sees_their_own_coupons_only() {
        let (me, other) = (CustomerId::new(), CustomerId::new());
        let issued = |customer_id| EventData::CouponIssued {
            coupon_id: crate::ids::CouponId::new(),
            customer_id,
            offer: "lounge".into(),
            value_minor: 100,
            currency: "EUR".into(),
            expires_at: crate::Timestamp::from_micros(0),
            firing_key: "k".into(),
        };
        let redeemed = |customer_id| EventData::CouponRedeemed {
            coupon_id: crate::ids::CouponId::new(),
            customer_id,
            by: None,
        };
        for event in [issued(me), redeemed(me)] {
            assert!(view_for(Viewer::Customer(me), &event, None).is_some());
            assert!(view_for(Viewer::Staff, &event, None).is_some());
        }
        for event in [issued(other), redeemed(other)] {
            assert!(view_for(Viewer::Customer(me), &event, None).is_none());
        }
    }

    #[test]
    fn customers_see_status_changes_without_the_teams_fields() {
        let me = CustomerId::new();
        let changed = EventData::ConversationChanged {
            conversation_id: ConversationId::new(),
            changes: ConversationChanges {
                status: Some(Status::Resolved),
                priority: Some(Priority::Urgent),
                assignee: Some(Some(PartyId::new())),
                tags: Some(vec!["vip".into()]),
            },
        };
        let seen = view_for(Viewer::Customer(me), &changed, Some(me)).unwrap();
        let EventData::ConversationChanged { changes, .. } = seen.as_ref() else {
            panic!("wrong event")
        };
        assert_eq!(changes.status, Some(Status::Resolved));
        assert!(changes.priority.is_none() && changes.assignee.is_none() && changes.tags.is_none());
        let assigned_only = EventData::ConversationChanged {
            conversation_id: ConversationId::new(),
            changes: ConversationChanges {
                assignee: Some(None),
                ..ConversationChanges::default()
            },
        };
        assert!(view_for(Viewer::Customer(me), &assigned_only, Some(me)).is_none());
    }
}
