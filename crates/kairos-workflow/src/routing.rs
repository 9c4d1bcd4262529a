//! The routing worker: when a tenant's log moves, it gives unassigned open conversations,
//! oldest first, to available agents with the skills their queue needs and room under their
//! capacity (decisions in `kairos_core::routing`). Off unless the tenant enables it.

use kairos_core::conversation::Status;
use kairos_core::ids::TenantId;
use kairos_core::routing::{self, RoutingSettings, SETTINGS_KEY};
use kairos_store::log_watch::{LogWatch, Wake};
use kairos_store::{ConversationFilter, Store, StoreError};
use std::time::Duration;
use tokio::sync::watch;

/// Unassigned conversations looked at per round.
const ROUND: u32 = 200;

/// Routes every tenant's waiting conversations whenever its log moves, until `stop`.
pub async fn run(store: Store, mut stop: watch::Receiver<bool>) {
    let mut log = LogWatch::new(&store).await;
    // Capacity also frees up without a commit of the waiting conversation's tenant being
    // missed, but a periodic look keeps routing going if a notice was lost.
    let mut sweep = tokio::time::interval(Duration::from_secs(30));
    loop {
        for tenant in log.take() {
            if let Err(e) = route(&store, tenant).await {
                tracing::warn!(error = %e, "routing: failed; retrying with the next change");
            }
        }
        match log.wait(&mut sweep, &mut stop).await {
            Wake::Stop => return,
            Wake::Tick => log.mark_all().await,
            Wake::Changed => {}
        }
    }
}

/// One routing round for a tenant; returns how many conversations were assigned.
pub async fn route(store: &Store, tenant: TenantId) -> Result<usize, StoreError> {
    let Some(value) = store.setting(tenant, SETTINGS_KEY).await? else {
        return Ok(0);
    };
    let Ok(settings) = serde_json::from_value::<RoutingSettings>(value) else {
        tracing::warn!(%tenant, "routing: stored settings are invalid; not routing");
        return Ok(0);
    };
    if !settings.enabled {
        return Ok(0);
    }
    let mut agents = store.agents(tenant).await?;
    if !agents
        .iter()
        .any(|a| a.status == routing::AgentStatus::Available && a.load < a.capacity)
    {
        return Ok(0);
    }
    let filter = ConversationFilter {
        status: Some(Status::Open),
        assignee: Some(None),
        limit: ROUND,
        ..ConversationFilter::default()
    };
    let mut waiting = store.conversations(tenant, &filter).await?;
    // The list is newest first; the longest-waiting customer goes first.
    waiting.reverse();
    let mut assigned = 0;
    for conversation in waiting {
        let skills = settings
            .queue_for(&conversation)
            .map(|q| q.skills.clone())
            .unwrap_or_default();
        let Some(agent) = routing::choose(&agents, &skills).map(|a| a.party_id) else {
            continue;
        };
        if store.route_assign(tenant, conversation.id, agent).await? {
            assigned += 1;
            if let Some(a) = agents.iter_mut().find(|a| a.party_id == agent) {
                a.load += 1;
                a.last_assigned = Some(kairos_store::now());
            }
        }
    }
    if assigned > 0 {
        metrics::counter!("kairos_routed_total").increment(assigned as u64);
    }
    Ok(assigned)
}
