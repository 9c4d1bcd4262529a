//! Fan-out of the tenant log to live sockets.
//!
//! One pump task per tenant with sockets reads each committed event once, decides with the
//! core's one visibility rule who may see it, serialises it once per audience and hands the
//! same bytes to every entitled socket's queue. A socket whose queue is full is dropped
//! rather than slowing everyone down; its client reconnects and resumes from its last `seq`,
//! so nothing is lost. Typing, viewing and presence are ephemeral and go through the hub
//! without touching the log.

use super::frames;
use kairos_core::event::{Event, EventData};
use kairos_core::ids::{ConversationId, CustomerId, PartyId, TenantId};
use kairos_core::visibility::{Viewer, view_for};
use kairos_store::Store;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

/// Frames a customer socket may have queued before it counts as too slow and is dropped
/// (the queue allocates as it fills, so the bound costs nothing while idle).
pub(crate) const CUSTOMER_QUEUE: usize = 256;
/// The same for staff sockets, which see the whole tenant's traffic.
pub(crate) const STAFF_QUEUE: usize = 4096;
/// Conversation owners remembered per tenant before the cache starts over.
const OWNER_CACHE: usize = 50_000;
/// Events read per round by a pump.
const BATCH: u32 = 500;

/// One frame for a socket, serialised once for all its recipients.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    /// The log position it carries (0 for ephemeral frames).
    pub seq: i64,
    /// Whether a replay after `seq` would send it too (so a socket can skip it after one).
    pub replayable: bool,
    /// The JSON text.
    pub text: Arc<str>,
}

impl Frame {
    /// An ephemeral frame (typing, presence, viewers).
    pub(crate) fn ephemeral(text: String) -> Self {
        Self {
            seq: 0,
            replayable: false,
            text: text.into(),
        }
    }
}

/// What proves a socket's right to stay open; signing out revokes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Credential {
    /// A staff login session (the SHA-256 of its secret).
    Session(Vec<u8>),
    /// An API token or a visitor token (nothing to revoke yet).
    Bearer,
}

struct Sub {
    tx: mpsc::Sender<Frame>,
    viewer: Option<Viewer>,
    party: Option<PartyId>,
    credential: Credential,
    viewing: Option<ConversationId>,
}

#[derive(Default)]
struct TenantState {
    subs: HashMap<u64, Sub>,
    by_customer: HashMap<CustomerId, Vec<u64>>,
    staff: Vec<u64>,
    owners: HashMap<ConversationId, CustomerId>,
    /// Set when the pump has exited: a new socket must start a new tenant hub.
    retired: bool,
}

impl TenantState {
    fn send(&mut self, ids: &[u64], frame: &Frame) -> Vec<u64> {
        let mut dead = Vec::new();
        for id in ids {
            if let Some(sub) = self.subs.get(id)
                && sub.tx.try_send(frame.clone()).is_err()
            {
                dead.push(*id);
            }
        }
        dead
    }

    fn remove(&mut self, id: u64) -> Option<Sub> {
        let sub = self.subs.remove(&id)?;
        match sub.viewer {
            Some(Viewer::Staff) => self.staff.retain(|s| *s != id),
            Some(Viewer::Customer(c)) => {
                if let Some(list) = self.by_customer.get_mut(&c) {
                    list.retain(|s| *s != id);
                    if list.is_empty() {
                        self.by_customer.remove(&c);
                    }
                }
            }
            None => {}
        }
        Some(sub)
    }

    fn customers_of(&self, customer: CustomerId) -> &[u64] {
        self.by_customer.get(&customer).map_or(&[], Vec::as_slice)
    }

    fn viewers_of(&self, conversation: ConversationId) -> Vec<uuid::Uuid> {
        let mut parties: Vec<uuid::Uuid> = self
            .subs
            .values()
            .filter(|s| s.viewing == Some(conversation))
            .filter_map(|s| s.party.map(|p| p.0))
            .collect();
        parties.sort_unstable();
        parties.dedup();
        parties
    }

    /// Tells staff who views `conversation` now.
    fn announce_viewers(&mut self, conversation: ConversationId) -> Vec<u64> {
        let frame = Frame::ephemeral(frames::viewers(conversation, self.viewers_of(conversation)));
        let staff = self.staff.clone();
        self.send(&staff, &frame)
    }

    /// Tells every customer socket whether staff are online.
    fn announce_presence(&mut self) -> Vec<u64> {
        let frame = Frame::ephemeral(frames::presence(!self.staff.is_empty()));
        let customers: Vec<u64> = self.by_customer.values().flatten().copied().collect();
        self.send(&customers, &frame)
    }

    fn drop_dead(&mut self, mut dead: Vec<u64>) {
        while let Some(id) = dead.pop() {
            if let Some(sub) = self.remove(id) {
                dead.extend(self.after_leaving(&sub));
            }
        }
    }

    /// Follow-up notices after a socket left; returns sockets found dead meanwhile.
    fn after_leaving(&mut self, sub: &Sub) -> Vec<u64> {
        let mut dead = Vec::new();
        if let Some(c) = sub.viewing {
            dead.extend(self.announce_viewers(c));
        }
        if sub.viewer == Some(Viewer::Staff) && self.staff.is_empty() {
            dead.extend(self.announce_presence());
        }
        dead
    }

    fn merge(&mut self, into: CustomerId, from: CustomerId) {
        for owner in self.owners.values_mut() {
            if *owner == from {
                *owner = into;
            }
        }
        if let Some(ids) = self.by_customer.remove(&from) {
            for id in &ids {
                if let Some(sub) = self.subs.get_mut(id) {
                    sub.viewer = Some(Viewer::Customer(into));
                }
            }
            self.by_customer.entry(into).or_default().extend(ids);
        }
    }
}

struct TenantHub {
    state: Mutex<TenantState>,
}

impl TenantHub {
    fn lock(&self) -> MutexGuard<'_, TenantState> {
        // A panic while holding the lock leaves plain maps behind; keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The registry of live sockets, per tenant.
pub(crate) struct Hub {
    store: Store,
    tenants: Mutex<HashMap<TenantId, Arc<TenantHub>>>,
    next_id: AtomicU64,
}

/// A socket's place in the hub; leaving is dropping it.
pub(crate) struct Subscription {
    tenant_hub: Arc<TenantHub>,
    id: u64,
}

impl Hub {
    /// An empty hub over `store`.
    pub(crate) fn new(store: Store) -> Arc<Self> {
        Arc::new(Self {
            store,
            tenants: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
        })
    }

    fn tenants(&self) -> MutexGuard<'_, HashMap<TenantId, Arc<TenantHub>>> {
        self.tenants.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a socket. Every event committed after this returns reaches its queue (if
    /// the viewer may see it); earlier ones come from a replay.
    pub(crate) async fn register(
        self: &Arc<Self>,
        tenant: TenantId,
        viewer: Option<Viewer>,
        party: Option<PartyId>,
        credential: Credential,
    ) -> kairos_store::Result<(Subscription, mpsc::Receiver<Frame>)> {
        // Read the head before registering: a pump started now begins there, so every
        // event committed after the registration is after its cursor.
        let head = self.store.log_head(tenant).await?;
        let capacity = match viewer {
            Some(Viewer::Staff) => STAFF_QUEUE,
            _ => CUSTOMER_QUEUE,
        };
        let (tx, rx) = mpsc::channel(capacity);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let sub = Sub {
            tx,
            viewer: None,
            party,
            credential,
            viewing: None,
        };
        let tenant_hub = {
            let mut tenants = self.tenants();
            let existing = tenants.get(&tenant).filter(|t| !t.lock().retired).cloned();
            let t = match existing {
                Some(t) => t,
                None => {
                    let t = Arc::new(TenantHub {
                        state: Mutex::new(TenantState::default()),
                    });
                    tenants.insert(tenant, t.clone());
                    tokio::spawn(pump(self.clone(), tenant, t.clone(), head));
                    t
                }
            };
            // Inserted under the registry lock: a pump retires only under it too, so it
            // cannot retire between our look-up and this insert.
            t.lock().subs.insert(id, sub);
            t
        };
        let subscription = Subscription { tenant_hub, id };
        if let Some(v) = viewer {
            subscription.set_viewer(v);
        }
        Ok((subscription, rx))
    }

    /// Closes every socket opened with this login session (sign-out, checklist M05).
    pub(crate) fn revoke_session(&self, session_hash: &[u8]) {
        let hubs: Vec<Arc<TenantHub>> = self.tenants().values().cloned().collect();
        let wanted = Credential::Session(session_hash.to_vec());
        let frame = Frame::ephemeral(frames::error("unauthenticated", "signed out", None));
        for hub in hubs {
            let mut state = hub.lock();
            let ids: Vec<u64> = state
                .subs
                .iter()
                .filter(|(_, s)| s.credential == wanted)
                .map(|(id, _)| *id)
                .collect();
            for id in ids {
                if let Some(sub) = state.remove(id) {
                    // Best effort: the socket closes when its queue ends either way.
                    let _ = sub.tx.try_send(frame.clone());
                    let dead = state.after_leaving(&sub);
                    state.drop_dead(dead);
                }
            }
        }
    }

    /// Whether any socket of this customer is open on this instance.
    pub(crate) fn customer_online(&self, tenant: TenantId, customer: CustomerId) -> bool {
        let hub = self.tenants().get(&tenant).cloned();
        hub.is_some_and(|h| !h.lock().customers_of(customer).is_empty())
    }

    /// Closes every socket of staff member `party` (deactivated or given another role,
    /// checklist F04).
    pub(crate) fn revoke_party(&self, tenant: TenantId, party: PartyId) {
        let Some(hub) = self.tenants().get(&tenant).cloned() else {
            return;
        };
        let frame = Frame::ephemeral(frames::error("unauthenticated", "access changed", None));
        let mut state = hub.lock();
        let ids: Vec<u64> = state
            .subs
            .iter()
            .filter(|(_, s)| s.party == Some(party))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            if let Some(sub) = state.remove(id) {
                let _ = sub.tx.try_send(frame.clone());
                let dead = state.after_leaving(&sub);
                state.drop_dead(dead);
            }
        }
    }

    /// Whether any staff socket of the tenant is open.
    pub(crate) fn staff_online(&self, tenant: TenantId) -> bool {
        let hub = self.tenants().get(&tenant).cloned();
        hub.is_some_and(|h| !h.lock().staff.is_empty())
    }

    /// The customer of a conversation of this tenant (`None`: no such conversation).
    pub(crate) async fn owner(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
    ) -> kairos_store::Result<Option<CustomerId>> {
        let hub = self.tenants().get(&tenant).cloned();
        if let Some(h) = &hub
            && let Some(owner) = h.lock().owners.get(&conversation)
        {
            return Ok(Some(*owner));
        }
        let owner = self
            .store
            .conversation(tenant, conversation)
            .await?
            .map(|c| c.customer_id);
        if let (Some(h), Some(o)) = (hub, owner) {
            remember_owner(&mut h.lock(), conversation, o);
        }
        Ok(owner)
    }
}

fn remember_owner(state: &mut TenantState, conversation: ConversationId, owner: CustomerId) {
    if state.owners.len() >= OWNER_CACHE {
        state.owners.clear();
    }
    state.owners.insert(conversation, owner);
}

impl Subscription {
    /// Sets who the socket is (a visitor becomes a customer with their first message).
    pub(crate) fn set_viewer(&self, viewer: Viewer) {
        let mut state = self.tenant_hub.lock();
        let Some(sub) = state.subs.get_mut(&self.id) else {
            return;
        };
        if sub.viewer.is_some() {
            return;
        }
        sub.viewer = Some(viewer);
        let dead = match viewer {
            Viewer::Staff => {
                state.staff.push(self.id);
                if state.staff.len() == 1 {
                    state.announce_presence()
                } else {
                    Vec::new()
                }
            }
            Viewer::Customer(c) => {
                state.by_customer.entry(c).or_default().push(self.id);
                Vec::new()
            }
        };
        state.drop_dead(dead);
    }

    /// The customer this socket belongs to now (merges move it).
    pub(crate) fn customer(&self) -> Option<CustomerId> {
        match self.tenant_hub.lock().subs.get(&self.id)?.viewer? {
            Viewer::Customer(c) => Some(c),
            Viewer::Staff => None,
        }
    }

    /// Tells the others in a conversation that this socket's user is typing (or stopped).
    /// Staff see everyone's typing; the customer sees staff typing replies, not notes.
    pub(crate) fn typing(&self, owner: CustomerId, text: String, to_customer: bool) {
        let frame = Frame::ephemeral(text);
        let mut state = self.tenant_hub.lock();
        let mut targets: Vec<u64> = state.staff.clone();
        if to_customer {
            targets.extend_from_slice(state.customers_of(owner));
        }
        targets.retain(|id| *id != self.id);
        let dead = state.send(&targets, &frame);
        state.drop_dead(dead);
    }

    /// Records which conversation this (staff) socket has open, and tells staff.
    pub(crate) fn view(&self, conversation: Option<ConversationId>) {
        let mut state = self.tenant_hub.lock();
        let Some(sub) = state.subs.get_mut(&self.id) else {
            return;
        };
        let before = std::mem::replace(&mut sub.viewing, conversation);
        if before == conversation {
            return;
        }
        let mut dead = Vec::new();
        for c in [before, conversation].into_iter().flatten() {
            dead.extend(state.announce_viewers(c));
        }
        state.drop_dead(dead);
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut state = self.tenant_hub.lock();
        if let Some(sub) = state.remove(self.id) {
            let dead = state.after_leaving(&sub);
            state.drop_dead(dead);
        }
    }
}

/// Reads the tenant's log from `cursor` on and fans each event out, until no socket is left.
async fn pump(hub: Arc<Hub>, tenant: TenantId, tenant_hub: Arc<TenantHub>, mut cursor: i64) {
    let mut notices = hub.store.subscribe();
    loop {
        loop {
            let batch = match hub.store.events(tenant, cursor, BATCH).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "live fan-out: reading the log failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            for event in &batch {
                cursor = event.seq;
                fan_out(&hub, tenant, &tenant_hub, event).await;
            }
            if batch.len() < BATCH as usize {
                break;
            }
        }
        {
            // Retire under the registry lock, so a socket registering now either sees this
            // hub live (and we keep pumping) or starts a new one.
            let mut tenants = hub.tenants();
            let mut state = tenant_hub.lock();
            if state.subs.is_empty() {
                state.retired = true;
                if tenants
                    .get(&tenant)
                    .is_some_and(|t| Arc::ptr_eq(t, &tenant_hub))
                {
                    tenants.remove(&tenant);
                }
                return;
            }
        }
        let wait = async {
            loop {
                match notices.recv().await {
                    Ok(n) if n.tenant_id == tenant && n.seq > cursor => return true,
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => return true,
                    Err(RecvError::Closed) => return false,
                }
            }
        };
        // Wake at least every few seconds to notice that the last socket left.
        if let Ok(false) = tokio::time::timeout(Duration::from_secs(5), wait).await {
            return;
        }
    }
}

async fn fan_out(hub: &Hub, tenant: TenantId, tenant_hub: &TenantHub, event: &Event) {
    let owner = match &event.data {
        EventData::ConversationOpened {
            conversation_id,
            customer_id,
            ..
        } => {
            remember_owner(&mut tenant_hub.lock(), *conversation_id, *customer_id);
            Some(*customer_id)
        }
        EventData::CustomersMerged { into, from } => {
            tenant_hub.lock().merge(*into, *from);
            None
        }
        data => match data.conversation() {
            Some(c) => hub.owner(tenant, c).await.ok().flatten(),
            None => data.customer(),
        },
    };
    let mut state = tenant_hub.lock();
    let mut dead = Vec::new();
    if !state.staff.is_empty() {
        let frame = Frame {
            seq: event.seq,
            replayable: true,
            text: frames::staff_event(event).into(),
        };
        let staff = state.staff.clone();
        dead.extend(state.send(&staff, &frame));
    }
    if let Some(customer) = owner
        && !state.customers_of(customer).is_empty()
        && let Some(view) = view_for(Viewer::Customer(customer), &event.data, Some(customer))
        && let Some((text, replayable)) = frames::customer_event(event, &view)
    {
        let frame = Frame {
            seq: event.seq,
            replayable,
            text: text.into(),
        };
        let targets = state.customers_of(customer).to_vec();
        dead.extend(state.send(&targets, &frame));
    }
    state.drop_dead(dead);
}
