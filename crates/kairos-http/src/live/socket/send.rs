//! A `send` frame: the files it names, then the message — a customer's through the inbound
//! path (a new visitor becomes a customer), staff's as a reply or note.

use super::{Conn, Flow, ServerFrame};
use crate::error::ApiError;
use kairos_core::ids::ConversationId;
use kairos_core::inbound::InboundCommand;
use kairos_core::message::{Attachment, Author, Body, Channel, Direction};
use kairos_core::reply::PostMessage;
use kairos_core::upload::{self, MAX_PER_MESSAGE};
use kairos_core::visibility::Viewer;
use kairos_store::uploads::Upload;
use uuid::Uuid;

/// Longest `client_id`.
const MAX_CLIENT_ID: usize = 64;

/// A `send` frame's content.
pub(super) struct Send {
    pub conversation_id: Option<ConversationId>,
    pub text: String,
    pub client_id: Option<String>,
    pub note: bool,
    pub name: Option<String>,
    pub email: Option<String>,
    pub attachments: Vec<Uuid>,
}

impl Conn {
    /// Stores a `send`: checks the client id and the files, then writes the message.
    pub(super) async fn send(&mut self, mut send: Send) -> Result<Flow, ApiError> {
        if send.client_id.as_deref().is_some_and(|c| {
            c.is_empty() || c.len() > MAX_CLIENT_ID || c.chars().any(char::is_control)
        }) {
            return Err(ApiError::invalid(
                "client_id",
                format!("1–{MAX_CLIENT_ID} characters without control characters"),
            ));
        }
        let customer_door = self.door == super::Door::Customer;
        if customer_door && send.note {
            return Err(ApiError::invalid("note", "only staff write notes"));
        }
        let attachments = self.attached(&send.attachments).await?;
        if send.text.trim().is_empty() && !attachments.is_empty() {
            send.text = upload::text_for_files(attachments.iter().map(|a| a.filename.as_str()));
        }
        let body = Body::new(&send.text, None)?;
        if customer_door {
            self.customer_send(send, body, attachments).await
        } else {
            self.staff_send(send, body, attachments).await
        }
    }

    /// The files `ids` name, if this caller uploaded every one of them and none expired.
    // `&mut self`: a shared borrow of the socket held across an await is not `Send`.
    async fn attached(&mut self, ids: &[Uuid]) -> Result<Vec<Attachment>, ApiError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut unique = ids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        if unique.len() > MAX_PER_MESSAGE {
            return Err(ApiError::invalid(
                "attachments",
                format!("at most {MAX_PER_MESSAGE} files per message"),
            ));
        }
        let uploaders = self.caller.uploaders(self.sub.customer());
        let found = self
            .state
            .store
            .uploads_for(self.caller.tenant, &uploaders, ids)
            .await?;
        if found.len() != unique.len() {
            // Someone else's upload looks exactly like an unknown one (E02).
            return Err(ApiError::invalid(
                "attachments",
                "a file is unknown or its upload expired; upload it again",
            ));
        }
        Ok(found.iter().map(Upload::attachment).collect())
    }

    async fn customer_send(
        &mut self,
        send: Send,
        body: Body,
        attachments: Vec<Attachment>,
    ) -> Result<Flow, ApiError> {
        let Send {
            conversation_id,
            client_id,
            name,
            email,
            ..
        } = send;
        let name = visitor_name(name.as_deref())?;
        let known = self.sub.customer();
        let from = match (&self.caller.device, known) {
            (Some(device), _) => device.identity.clone(),
            (None, Some(customer)) => self
                .state
                .store
                .customer(self.caller.tenant, customer)
                .await?
                .and_then(|c| c.identities.into_iter().next())
                .ok_or_else(|| {
                    ApiError::conflict("this customer has no identity to write from; add one first")
                })?,
            (None, None) => return Err(ApiError::forbidden()),
        };
        // The client's id makes a resend after a dropped connection land once.
        let external_id = client_id.as_deref().map(|c| format!("live:{from}:{c}"));
        let cmd = InboundCommand {
            channel: Channel::Chat,
            from,
            // Only a visitor's first message creates their customer; a name sent later
            // changes nothing.
            display_name: name.filter(|_| known.is_none()),
            subject: None,
            body,
            attachments,
            external_id,
            conversation_id,
        };
        let email = email.filter(|e| !e.trim().is_empty());
        if let Some(e) = &email {
            // Checked before the message is stored, so a typo fails the send as a whole.
            kairos_core::identity::Identity::email(e)
                .map_err(|_| ApiError::invalid("email", "an e-mail address"))?;
        }
        let actor = self.caller.actor(known);
        let (ids, _) = self
            .state
            .store
            .inbound(self.caller.tenant, cmd, &actor)
            .await?;
        if let Some(e) = &email {
            let actor = self.caller.actor(Some(ids.customer_id));
            self.state
                .store
                .set_follow_up(
                    self.caller.tenant,
                    ids.conversation_id,
                    Some(ids.customer_id),
                    e,
                    &actor,
                )
                .await?;
        }
        let flow = self
            .reply(ServerFrame::Sent {
                client_id: client_id.as_deref(),
                message_id: ids.message_id.0,
                conversation_id: ids.conversation_id.0,
                customer_id: ids.customer_id.0,
            })
            .await;
        if known.is_none() {
            // A visitor just became a customer: from now on the hub routes their
            // conversation here; what committed before that comes from a replay.
            self.sub.set_viewer(Viewer::Customer(ids.customer_id));
            self.caller.customer = Some(ids.customer_id);
            return self.replay(self.head).await;
        }
        Ok(flow)
    }

    async fn staff_send(
        &mut self,
        send: Send,
        body: Body,
        attachments: Vec<Attachment>,
    ) -> Result<Flow, ApiError> {
        let Send {
            conversation_id,
            note,
            client_id,
            ..
        } = send;
        let conversation = conversation_id.ok_or_else(|| {
            ApiError::invalid("conversation_id", "staff write into a conversation")
        })?;
        let owner = self.visible_owner(conversation).await?;
        let channel = if note {
            None
        } else {
            self.state
                .reply_channel(self.caller.tenant, conversation, None)
                .await?
        };
        let msg = PostMessage {
            direction: if note {
                Direction::Note
            } else {
                Direction::Outbound
            },
            // The conversation's last channel (e-mail for a chat customer who went away
            // after leaving an address).
            channel,
            author: match self.caller.party {
                Some(id) => Author::Party { id },
                None => Author::System,
            },
            subject: None,
            body,
            attachments,
        };
        let message_id = self
            .state
            .store
            .post_message(
                self.caller.tenant,
                conversation,
                None,
                msg,
                &self.caller.actor(None),
            )
            .await?;
        Ok(self
            .reply(ServerFrame::Sent {
                client_id: client_id.as_deref(),
                message_id: message_id.0,
                conversation_id: conversation.0,
                customer_id: owner.0,
            })
            .await)
    }
}

/// Longest name from the pre-chat form.
const MAX_NAME: usize = 100;

/// The pre-chat form's name: trimmed, at most [`MAX_NAME`] characters, no control
/// characters (B10: names reach mail headers); empty is none.
fn visitor_name(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(name) = raw.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "name",
            format!("at most {MAX_NAME} characters without control characters"),
        ));
    }
    Ok(Some(name.to_owned()))
}
