//! The live-chat wire protocol: JSON text frames, one object each, tagged by `type`.
//! Documented for widget and client authors in `docs/live-chat.md`.

use kairos_core::receipt::SeenKind;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Longest client frame accepted, in bytes (checklist M04: far below tungstenite's 64 MiB
/// default).
pub(crate) const MAX_FRAME: usize = 64 * 1024;

/// What a client may send.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum ClientFrame {
    /// Authenticates a socket opened without a cookie or header (a browser's WebSocket API
    /// cannot set headers, and a token in the URL would end up in logs).
    Auth {
        /// A visitor token or an API token.
        token: String,
    },
    /// Replays what the client missed after `after` (a `seq`), then continues live.
    Resume {
        /// The last `seq` the client has.
        after: i64,
    },
    /// Writes a message.
    Send {
        /// The conversation (staff: required; customers: continues it when it is theirs
        /// and open, otherwise their open conversation or a new one).
        conversation_id: Option<Uuid>,
        /// The text.
        text: String,
        /// The client's id for this message: echoed in `sent`; a customer's resend with
        /// the same id is not stored twice.
        client_id: Option<String>,
        /// Staff only: an internal note instead of a reply.
        #[serde(default)]
        note: bool,
        /// Widget visitors only: the name from the pre-chat form, kept as the new
        /// customer's name with their first message (ignored afterwards).
        #[serde(default)]
        name: Option<String>,
        /// Customers only: an e-mail address for answers while they are away, recorded on
        /// the conversation the message lands in (unverified: never an identity).
        #[serde(default)]
        email: Option<String>,
        /// Files the message carries: ids from `POST /api/v1/chat/uploads`, made by this
        /// caller, at most 10. With files, `text` may be empty.
        #[serde(default)]
        attachments: Vec<Uuid>,
    },
    /// Customers only: the e-mail address for answers while they are away (the widget's
    /// offline form); unverified, recorded on the conversation as `conversation.follow_up`.
    FollowUp {
        /// The customer's conversation.
        conversation_id: Uuid,
        /// The address.
        email: String,
    },
    /// Typing started or stopped.
    Typing {
        /// The conversation.
        conversation_id: Uuid,
        /// Whether typing is going on.
        typing: bool,
        /// Staff only: typing a note (not shown to the customer).
        #[serde(default)]
        note: bool,
    },
    /// A delivery or read receipt.
    Seen {
        /// The conversation.
        conversation_id: Uuid,
        /// `delivered` or `read`.
        kind: SeenKind,
        /// Everything up to this `seq` is covered.
        up_to_seq: i64,
    },
    /// Staff only: which conversation this socket's agent has open (`null`: none), for
    /// collision detection.
    View {
        /// The conversation, or `null`.
        conversation_id: Option<Uuid>,
    },
    /// Keep-alive; answered with `pong`. (A struct variant, so that unknown fields are
    /// refused here too: serde ignores them on unit variants.)
    Ping {},
}

/// Someone in a typing or viewing notice.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub(crate) enum Who {
    /// The conversation's customer.
    Customer,
    /// A staff member.
    Party {
        /// Their party id.
        id: Option<Uuid>,
    },
}

/// What the server sends (besides `event`/`message` frames, which the hub serialises once
/// for all their recipients).
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ServerFrame<'a> {
    /// The socket is authenticated.
    Ready {
        /// `customer` or the staff role.
        role: &'a str,
        /// The customer, once known (a new visitor has none until they write).
        customer_id: Option<Uuid>,
        /// The tenant log's newest `seq` now.
        head: i64,
        /// Whether any staff member is connected (customers only).
        #[serde(skip_serializing_if = "Option::is_none")]
        staff_online: Option<bool>,
    },
    /// A replay finished; everything up to `seq` was sent.
    Resumed {
        /// The last `seq` replayed (or the one asked for, when nothing was missed).
        seq: i64,
        /// `false`: more is waiting; send `resume` again from `seq`.
        complete: bool,
    },
    /// A `send` was stored durably.
    Sent {
        /// The client's id, echoed.
        client_id: Option<&'a str>,
        /// The stored message.
        message_id: Uuid,
        /// Where it landed.
        conversation_id: Uuid,
        /// The customer (tells a new visitor who they now are).
        customer_id: Uuid,
    },
    /// A `seen` receipt was stored.
    Noted {
        /// The conversation.
        conversation_id: Uuid,
    },
    /// Someone is typing (or stopped).
    Typing {
        /// The conversation.
        conversation_id: Uuid,
        /// Who.
        who: Who,
        /// Whether typing goes on.
        typing: bool,
    },
    /// Staff only: who has a conversation open right now (collision detection).
    Viewers {
        /// The conversation.
        conversation_id: Uuid,
        /// The staff members viewing it.
        parties: Vec<Uuid>,
    },
    /// Customers only: whether any staff member is connected.
    Presence {
        /// Whether any staff member is connected.
        staff_online: bool,
    },
    /// Answer to `ping`.
    Pong,
    /// A request failed; the socket stays open unless `fatal`.
    Error {
        /// Stable code (`invalid_input`, `not_found`, `rate_limited`, …).
        code: &'a str,
        /// What went wrong.
        detail: &'a str,
        /// The client's id of the failed `send`, if it was one.
        #[serde(skip_serializing_if = "Option::is_none")]
        client_id: Option<&'a str>,
    },
}

impl ServerFrame<'_> {
    /// Serialises the frame (infallible for these types).
    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_types_and_fields_are_refused() {
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"ping"}"#).is_ok());
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"sudo"}"#).is_err());
        assert!(
            serde_json::from_str::<ClientFrame>(r#"{"type":"ping","tenant_id":"x"}"#).is_err(),
            "A05"
        );
        let send: ClientFrame =
            serde_json::from_str(r#"{"type":"send","text":"hi","client_id":"c1"}"#).unwrap();
        assert!(matches!(send, ClientFrame::Send { note: false, .. }));
    }
}
