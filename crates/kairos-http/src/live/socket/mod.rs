//! One live socket: authentication, replay, the client's requests, and forwarding what the
//! hub queues for it.

mod send;

use super::caller::{Caller, VisitorRefusal};
use super::frames;
use super::hub::{Frame, Subscription};
use super::protocol::{ClientFrame, ServerFrame, Who};
use super::rate::Bucket;
use crate::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use kairos_core::ids::{ConversationId, CustomerId};
use kairos_core::party::Role;
use kairos_core::visibility::Viewer;
use send::Send;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Which door a socket came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Door {
    /// Customers: widget visitors and customer tokens.
    Customer,
    /// Agents and admins.
    Staff,
}

/// How long a socket may stay open without authenticating.
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the server pings; a client silent for three rounds is gone.
const PING_EVERY: Duration = Duration::from_secs(30);
/// Frames per second a client may send on average, and the burst allowed.
const RATE: f64 = 5.0;
const BURST: f64 = 20.0;
/// Refused frames in a row after which the socket is closed as abusive.
const MAX_REFUSALS: u32 = 50;
/// Events a single `resume` replays at most; the client asks again from there.
const REPLAY_MAX: usize = 2_000;
const REPLAY_BATCH: u32 = 500;

async fn close(ws: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = ws.send(WsMessage::Close(Some(frame))).await;
}

async fn send_text(ws: &mut WebSocket, text: &str) -> bool {
    ws.send(WsMessage::Text(text.into())).await.is_ok()
}

/// Waits for the `auth` frame of a socket opened without credentials.
async fn first_frame_auth(
    ws: &mut WebSocket,
    state: &AppState,
    door: Door,
) -> Result<Caller, &'static str> {
    let token = match tokio::time::timeout(AUTH_TIMEOUT, ws.recv()).await {
        Ok(Some(Ok(WsMessage::Text(t)))) => match serde_json::from_str(t.as_str()) {
            Ok(ClientFrame::Auth { token }) => token,
            _ => return Err("the first frame must be {\"type\":\"auth\",\"token\":…}"),
        },
        Ok(_) => return Err("the first frame must be {\"type\":\"auth\",\"token\":…}"),
        Err(_) => return Err("authenticate within 10 seconds"),
    };
    if door == Door::Customer && token.starts_with("v1.") {
        return Caller::visitor(state, &token).await.map_err(|r| match r {
            VisitorRefusal::Invalid => "invalid or expired visitor token",
            VisitorRefusal::Unavailable => "try again shortly",
        });
    }
    crate::auth::principal_for_token(state, &token)
        .await
        .map(Caller::from_principal)
        .map_err(|_| "invalid token")
}

/// Runs a socket until it closes. `pre` is the caller when the upgrade request carried
/// credentials (header or cookie); otherwise the first frame must authenticate.
pub(crate) async fn serve(mut ws: WebSocket, state: AppState, door: Door, pre: Option<Principal>) {
    let caller = match pre {
        Some(p) => Caller::from_principal(p),
        None => match first_frame_auth(&mut ws, &state, door).await {
            Ok(c) => c,
            Err(reason) => return close(&mut ws, 1008, reason).await,
        },
    };
    let allowed = match door {
        Door::Customer => caller.role == Role::Customer,
        Door::Staff => matches!(caller.role, Role::Admin | Role::Agent),
    };
    if !allowed || (door == Door::Customer && caller.customer.is_none() && caller.device.is_none())
    {
        return close(&mut ws, 1008, "this door is not for this role").await;
    }
    let viewer = match door {
        Door::Staff => Some(Viewer::Staff),
        Door::Customer => caller.customer.map(Viewer::Customer),
    };
    let head = match state.store.log_head(caller.tenant).await {
        Ok(h) => h,
        Err(_) => return close(&mut ws, 1011, "try again shortly").await,
    };
    let registered = state
        .hub
        .register(
            caller.tenant,
            viewer,
            caller.party,
            caller.credential.clone(),
        )
        .await;
    let Ok((sub, rx)) = registered else {
        return close(&mut ws, 1011, "try again shortly").await;
    };
    let ready = ServerFrame::Ready {
        role: caller.role.as_str(),
        customer_id: caller.customer.map(|c| c.0),
        head,
        staff_online: (door == Door::Customer).then(|| state.hub.staff_online(caller.tenant)),
    };
    if !send_text(&mut ws, &ready.to_json()).await {
        return;
    }
    metrics::gauge!("kairos_live_sockets").increment(1.0);
    let mut conn = Conn {
        ws,
        state,
        door,
        caller,
        sub,
        head,
        sent_up_to: 0,
        bucket: Bucket::new(RATE, BURST),
        refusals: 0,
    };
    conn.run(rx).await;
    metrics::gauge!("kairos_live_sockets").decrement(1.0);
}

struct Conn {
    ws: WebSocket,
    state: AppState,
    door: Door,
    caller: Caller,
    sub: Subscription,
    /// The log head when the socket opened.
    head: i64,
    /// The highest `seq` of a replayable frame sent (later duplicates are skipped).
    sent_up_to: i64,
    bucket: Bucket,
    refusals: u32,
}

enum Flow {
    Continue,
    Close(u16, &'static str),
}

impl Conn {
    async fn run(&mut self, mut rx: mpsc::Receiver<Frame>) {
        let mut shutdown = self.state.shutdown.clone();
        let mut ping =
            tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
        let mut last_heard = Instant::now();
        loop {
            let flow = tokio::select! {
                _ = shutdown.changed() => Flow::Close(1012, "the server is restarting; reconnect and resume"),
                frame = rx.recv() => match frame {
                    Some(f) => self.forward(&f).await,
                    // The hub let go: this socket was too slow or its session ended.
                    None => Flow::Close(1013, "reconnect and resume"),
                },
                msg = self.ws.recv() => match msg {
                    Some(Ok(WsMessage::Text(text))) => {
                        last_heard = Instant::now();
                        self.on_text(text.as_str()).await
                    }
                    Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {
                        last_heard = Instant::now();
                        Flow::Continue
                    }
                    Some(Ok(WsMessage::Binary(_))) => Flow::Close(1003, "text frames only"),
                    Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => return,
                },
                _ = ping.tick() => {
                    if last_heard.elapsed() > PING_EVERY * 3 {
                        Flow::Close(1001, "idle")
                    } else if self.ws.send(WsMessage::Ping(Default::default())).await.is_err() {
                        return;
                    } else {
                        Flow::Continue
                    }
                }
            };
            if let Flow::Close(code, reason) = flow {
                return close(&mut self.ws, code, reason).await;
            }
        }
    }

    async fn forward(&mut self, f: &Frame) -> Flow {
        if f.replayable && f.seq <= self.sent_up_to {
            return Flow::Continue;
        }
        if f.replayable {
            self.sent_up_to = f.seq;
        }
        if send_text(&mut self.ws, &f.text).await {
            Flow::Continue
        } else {
            Flow::Close(1011, "send failed")
        }
    }

    async fn reply(&mut self, frame: ServerFrame<'_>) -> Flow {
        if send_text(&mut self.ws, &frame.to_json()).await {
            Flow::Continue
        } else {
            Flow::Close(1011, "send failed")
        }
    }

    async fn on_text(&mut self, text: &str) -> Flow {
        if !self.bucket.take() {
            self.refusals += 1;
            if self.refusals > MAX_REFUSALS {
                return Flow::Close(1008, "too many frames");
            }
            return self
                .reply(ServerFrame::Error {
                    code: "rate_limited",
                    detail: "too many frames; slow down",
                    client_id: None,
                })
                .await;
        }
        self.refusals = 0;
        let frame: ClientFrame = match serde_json::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                let detail = format!("not a frame of the live protocol: {e}");
                return self
                    .reply(ServerFrame::Error {
                        code: "invalid_input",
                        detail: &detail,
                        client_id: None,
                    })
                    .await;
            }
        };
        let client_id = match &frame {
            ClientFrame::Send { client_id, .. } => client_id.clone(),
            _ => None,
        };
        match self.handle(frame).await {
            Ok(flow) => flow,
            Err(e) => {
                let (code, detail) = e.for_socket();
                let text = frames::error(code, detail, client_id.as_deref());
                if send_text(&mut self.ws, &text).await {
                    Flow::Continue
                } else {
                    Flow::Close(1011, "send failed")
                }
            }
        }
    }

    async fn handle(&mut self, frame: ClientFrame) -> Result<Flow, ApiError> {
        match frame {
            ClientFrame::Auth { .. } => Err(ApiError::bad_request("already authenticated")),
            ClientFrame::Ping {} => Ok(self.reply(ServerFrame::Pong).await),
            ClientFrame::Resume { after } => self.replay(after.max(0)).await,
            ClientFrame::Send {
                conversation_id,
                text,
                client_id,
                note,
                name,
                email,
                attachments,
            } => {
                let send = Send {
                    conversation_id: conversation_id.map(ConversationId),
                    text,
                    client_id,
                    note,
                    name,
                    email,
                    attachments,
                };
                self.send(send).await
            }
            ClientFrame::Typing {
                conversation_id,
                typing,
                note,
            } => {
                let conversation = ConversationId(conversation_id);
                let owner = self.visible_owner(conversation).await?;
                let who = match self.door {
                    Door::Customer => Who::Customer,
                    Door::Staff => Who::Party {
                        id: self.caller.party.map(|p| p.0),
                    },
                };
                let text = ServerFrame::Typing {
                    conversation_id,
                    who,
                    typing,
                }
                .to_json();
                self.sub
                    .typing(owner, text, self.door == Door::Staff && !note);
                Ok(Flow::Continue)
            }
            ClientFrame::Seen {
                conversation_id,
                kind,
                up_to_seq,
            } => {
                let customer = self.sub.customer();
                if self.door == Door::Customer && customer.is_none() {
                    return Err(ApiError::not_found("conversation"));
                }
                self.state
                    .store
                    .mark_seen(
                        self.caller.tenant,
                        ConversationId(conversation_id),
                        customer,
                        kind,
                        up_to_seq,
                        &self.caller.actor(customer),
                    )
                    .await?;
                Ok(self.reply(ServerFrame::Noted { conversation_id }).await)
            }
            ClientFrame::FollowUp {
                conversation_id,
                email,
            } => {
                let customer = self.sub.customer();
                if self.door != Door::Customer || customer.is_none() {
                    return Err(ApiError::not_found("conversation"));
                }
                self.state
                    .store
                    .set_follow_up(
                        self.caller.tenant,
                        ConversationId(conversation_id),
                        customer,
                        &email,
                        &self.caller.actor(customer),
                    )
                    .await?;
                Ok(self.reply(ServerFrame::Noted { conversation_id }).await)
            }
            ClientFrame::View { conversation_id } => {
                if self.door != Door::Staff {
                    return Err(ApiError::forbidden());
                }
                if let Some(c) = conversation_id {
                    self.visible_owner(ConversationId(c)).await?;
                }
                self.sub.view(conversation_id.map(ConversationId));
                Ok(Flow::Continue)
            }
        }
    }

    /// The conversation's customer, if this caller may see the conversation (404 otherwise,
    /// the same answer as for one that does not exist).
    async fn visible_owner(
        &mut self,
        conversation: ConversationId,
    ) -> Result<CustomerId, ApiError> {
        let owner = self
            .state
            .hub
            .owner(self.caller.tenant, conversation)
            .await?
            .ok_or_else(|| ApiError::not_found("conversation"))?;
        match self.door {
            Door::Staff => Ok(owner),
            Door::Customer if self.sub.customer() == Some(owner) => Ok(owner),
            Door::Customer => Err(ApiError::not_found("conversation")),
        }
    }

    /// Sends what the caller may see after `after`, up to [`REPLAY_MAX`] items, then
    /// `resumed` with the position reached.
    async fn replay(&mut self, after: i64) -> Result<Flow, ApiError> {
        let tenant = self.caller.tenant;
        let mut cursor = after;
        let mut sent = 0;
        let mut complete = false;
        while sent < REPLAY_MAX {
            let texts: Vec<(i64, String)> = match self.door {
                Door::Staff => self
                    .state
                    .store
                    .events(tenant, cursor, REPLAY_BATCH)
                    .await?
                    .iter()
                    .map(|e| (e.seq, frames::staff_event(e)))
                    .collect(),
                Door::Customer => match self.sub.customer() {
                    Some(customer) => self
                        .state
                        .store
                        .timeline(tenant, customer, false, cursor, REPLAY_BATCH)
                        .await?
                        .iter()
                        .map(|m| (m.seq, frames::message(m)))
                        .collect(),
                    None => Vec::new(),
                },
            };
            let batch_len = texts.len();
            for (seq, text) in texts {
                if !send_text(&mut self.ws, &text).await {
                    return Ok(Flow::Close(1011, "send failed"));
                }
                cursor = seq;
                sent += 1;
            }
            if batch_len < REPLAY_BATCH as usize {
                complete = true;
                break;
            }
        }
        self.sent_up_to = self.sent_up_to.max(cursor);
        Ok(self
            .reply(ServerFrame::Resumed {
                seq: cursor,
                complete,
            })
            .await)
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
