//! A chat visitor's follow-up address: the e-mail address they left in the widget for
//! answers written while they are away. An event on the log (`conversation.follow_up`)
//! applied to the conversation's row; unverified, so it is never an identity
//! (`kairos_core::inbound::proves_follow_up` says when a mail from it continues the chat).

use crate::error::Result;
use crate::{Store, now};
use kairos_core::event::Actor;
use kairos_core::ids::{ConversationId, CustomerId, TenantId};

impl Store {
    /// Records the follow-up address of a conversation (`only_customer`: the caller's own
    /// conversations only; others are not found).
    pub async fn set_follow_up(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        only_customer: Option<CustomerId>,
        email: &str,
        actor: &Actor,
    ) -> Result<()> {
        let (actor, at, email) = (actor.clone(), now(), email.to_owned());
        flow!(self, tenant, |tx| crate::flows::set_follow_up(
            tx,
            conversation,
            only_customer,
            &email,
            at,
            &actor
        ))
    }

    /// The follow-up address of a conversation, if its visitor left one.
    pub async fn follow_up_email(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
    ) -> Result<Option<String>> {
        match self {
            Store::Sqlite(s) => s.follow_up_email(tenant, conversation).await,
            Store::Postgres(s) => s.follow_up_email(tenant, conversation).await,
        }
    }
}
