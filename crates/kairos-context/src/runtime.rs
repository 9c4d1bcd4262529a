//! The anticipation runtime: one task that holds each tenant's engine, feeds it what the
//! door stored, moves its clock every second (absence fires on a timer, not on the next
//! event), and executes what fires. A tenant's engine starts when its first event arrives
//! or its rules change; it replays the stored events of the last day so that a restart
//! keeps windows, tables and timers (firings are executed once per key, so the replay
//! sends nothing twice; firings that are long overdue are skipped, not sent late).

use crate::execute::{Executor, Verdict};
use crate::history::TenantHistory;
use crate::webhook::Webhooks;
use kairos_anticipation::{
    ContextEvent, Engine, EngineConfig, Output, RuleInfo, RuleSet, StateSize, Stats,
};
use kairos_core::Timestamp;
use kairos_core::anticipation::{self, AnticipationSettings};
use kairos_core::ids::TenantId;
use kairos_store::Store;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// Where the runtime gets the time from: the wall clock, or a hand-moved one in tests.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// Runtime settings that are the operator's, not the tenant's.
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// How often the engines' clocks move.
    pub tick: Duration,
    /// How far behind its clock an engine still matches an event, in µs.
    pub lateness_us: i64,
    /// How much stored history a starting engine replays, in µs.
    pub replay_us: i64,
    /// How far back look-back (`was … ago`) can see, in µs (at least the rules' horizon).
    pub history_us: i64,
    /// Most events replayed per tenant and kind (customers' and feeds').
    pub replay_limit: u32,
    /// A firing due longer ago than this is skipped instead of executed, in µs.
    pub stale_us: i64,
    /// The server's public base URL (coupon redemption links).
    pub public_url: Option<String>,
    /// Whether webhooks may go to loopback, private and other non-public addresses (the
    /// server's `allow_private_hosts`; off: SSRF defence).
    pub allow_private_hosts: bool,
    /// The waits before each retry of a webhook delivery (network error, 5xx, 429).
    pub webhook_retry_delays: Vec<Duration>,
    /// Most customer events a tenant's look-back cache holds; past it the customers seen
    /// longest ago are dropped and read from the store again when they return.
    pub history_max_events: usize,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            tick: Duration::from_secs(1),
            lateness_us: 5 * 60_000_000,
            replay_us: 24 * 3_600_000_000,
            history_us: 31 * 24 * 3_600_000_000,
            replay_limit: 100_000,
            stale_us: 3_600_000_000,
            public_url: None,
            allow_private_hosts: false,
            // Five tries over about ten minutes.
            webhook_retry_delays: [10, 50, 180, 360].map(Duration::from_secs).to_vec(),
            history_max_events: 1_000_000,
        }
    }
}

/// What a tenant's engine is doing.
#[derive(Clone, Debug, Serialize)]
pub struct RuntimeStatus {
    /// Whether the tenant's rules are switched on and parse.
    pub running: bool,
    /// The rules it runs.
    pub rules: Vec<RuleSummary>,
    /// Totals since it started.
    pub stats: Stats,
    /// The state it holds now.
    pub state: StateSize,
    /// Stored events cached for look-back.
    pub cached_events: usize,
    /// Firings executed since it started.
    pub executed: u64,
}

/// A rule's name and version.
#[derive(Clone, Debug, Serialize)]
pub struct RuleSummary {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: u32,
}

impl From<RuleInfo> for RuleSummary {
    fn from(r: RuleInfo) -> Self {
        Self {
            name: r.name,
            version: r.version,
        }
    }
}

enum Command {
    Feed(TenantId, Vec<ContextEvent>),
    Reload(TenantId),
    Status(TenantId, oneshot::Sender<Option<RuntimeStatus>>),
    Sync(oneshot::Sender<()>),
}

/// How the door and the HTTP edge talk to the runtime.
#[derive(Clone)]
pub struct RuntimeHandle {
    tx: mpsc::Sender<Command>,
}

impl RuntimeHandle {
    /// Hands stored events to the tenant's engine (waits when the runtime is behind).
    pub async fn feed(&self, tenant: TenantId, events: Vec<ContextEvent>) {
        if self.tx.send(Command::Feed(tenant, events)).await.is_err() {
            tracing::warn!("the anticipation runtime has stopped; events stored, not matched");
        }
    }

    /// Restarts the tenant's engine from its current settings (after a rule change).
    pub async fn reload(&self, tenant: TenantId) {
        let _ = self.tx.send(Command::Reload(tenant)).await;
    }

    /// The tenant's engine status, or `None` if it is not running.
    pub async fn status(&self, tenant: TenantId) -> Option<RuntimeStatus> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Command::Status(tenant, tx)).await.ok()?;
        rx.await.ok().flatten()
    }

    /// Returns once everything sent before has been handled and one tick has run (tests).
    pub async fn sync(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Command::Sync(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

struct Tenant {
    engine: Option<Engine>,
    history: TenantHistory,
    out: Output,
    executed: u64,
}

struct Runtime {
    store: Store,
    clock: Clock,
    config: RuntimeConfig,
    executor: Executor,
    tenants: HashMap<TenantId, Tenant>,
}

/// Starts the runtime; it stops when `stop` turns true.
pub fn spawn(
    store: Store,
    config: RuntimeConfig,
    clock: Clock,
    mut stop: watch::Receiver<bool>,
) -> (RuntimeHandle, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel(1024);
    let mut runtime = Runtime {
        executor: Executor::new(
            store.clone(),
            config.public_url.clone(),
            Webhooks::new(
                store.clone(),
                config.allow_private_hosts,
                config.webhook_retry_delays.clone(),
            ),
        ),
        store,
        clock,
        config,
        tenants: HashMap::new(),
    };
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(runtime.config.tick);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    Some(cmd) => runtime.handle(cmd).await,
                    None => return,
                },
                _ = tick.tick() => runtime.tick().await,
                _ = stop.changed() => if *stop.borrow() { return },
            }
        }
    });
    (RuntimeHandle { tx }, task)
}

impl Runtime {
    async fn handle(&mut self, cmd: Command) {
        match cmd {
            Command::Feed(tenant, events) => {
                if let Err(e) = self.feed(tenant, events).await {
                    tracing::warn!(%tenant, error = %e, "anticipation: events not matched");
                }
            }
            Command::Reload(tenant) => {
                self.tenants.remove(&tenant);
                if let Err(e) = self.tenant(tenant).await {
                    tracing::warn!(%tenant, error = %e, "anticipation: engine not started");
                }
            }
            Command::Status(tenant, reply) => {
                let status = self.tenants.get(&tenant).map(|t| RuntimeStatus {
                    running: t.engine.is_some(),
                    rules: t
                        .engine
                        .as_ref()
                        .map(|e| {
                            e.rules()
                                .rules()
                                .into_iter()
                                .map(RuleSummary::from)
                                .collect()
                        })
                        .unwrap_or_default(),
                    stats: t.engine.as_ref().map(Engine::stats).unwrap_or_default(),
                    state: t
                        .engine
                        .as_ref()
                        .map(Engine::state_size)
                        .unwrap_or_default(),
                    cached_events: t.history.len(),
                    executed: t.executed,
                });
                let _ = reply.send(status);
            }
            Command::Sync(reply) => {
                self.tick().await;
                let _ = reply.send(());
            }
        }
    }

    /// How far back the engine's history must reach for `rules`.
    fn history_us(&self, rules: &RuleSet) -> i64 {
        rules.horizon_us().max(self.config.history_us)
    }

    /// The tenant's state, started (with replay) if it is not yet.
    async fn tenant(&mut self, tenant: TenantId) -> Result<&mut Tenant, kairos_store::StoreError> {
        if !self.tenants.contains_key(&tenant) {
            let started = self.start(tenant).await?;
            self.tenants.insert(tenant, started);
        }
        self.tenants
            .get_mut(&tenant)
            .ok_or_else(|| kairos_store::StoreError::Corrupt("tenant vanished".into()))
    }

    async fn start(&mut self, tenant: TenantId) -> Result<Tenant, kairos_store::StoreError> {
        let mut state = Tenant {
            engine: None,
            history: TenantHistory::new(self.config.history_max_events),
            out: Output::default(),
            executed: 0,
        };
        let settings: AnticipationSettings = match self
            .store
            .setting(tenant, anticipation::SETTINGS_KEY)
            .await?
        {
            Some(v) => serde_json::from_value(v).unwrap_or_default(),
            None => AnticipationSettings::default(),
        };
        if !settings.enabled {
            return Ok(state);
        }
        let rules = match RuleSet::parse(&settings.rules) {
            Ok(r) => r,
            Err(e) => {
                // PUT refuses such rules; only a hand-edited database gets here.
                tracing::error!(%tenant, error = %e, "anticipation rules do not parse; engine off");
                return Ok(state);
            }
        };
        let config = EngineConfig {
            lateness_us: self.config.lateness_us,
            default_time_zone: self.tenant_zone(tenant).await?,
            ..EngineConfig::default()
        };
        let now = (self.clock)();
        let horizon_start = Timestamp::from_micros(now.as_micros() - self.history_us(&rules));
        let replay_start = Timestamp::from_micros(now.as_micros() - self.config.replay_us);
        state.engine = Some(Engine::with_config(tenant, rules, config));
        let mut replay: Vec<ContextEvent> = self
            .store
            .reference_events_since(tenant, horizon_start, self.config.replay_limit)
            .await?
            .into_iter()
            .filter_map(|r| crate::execute::from_reference(tenant, r))
            .collect();
        // Older feed events serve look-back only; the last day's are replayed (and
        // recorded as they are).
        for ev in replay.iter().filter(|e| e.time < replay_start) {
            state.history.record(ev, now);
        }
        replay.retain(|e| e.time >= replay_start);
        replay.extend(
            self.store
                .context_events_since(tenant, replay_start, self.config.replay_limit)
                .await?
                .into_iter()
                .filter_map(|r| crate::execute::from_record(tenant, r)),
        );
        replay.sort_by_key(|e| e.time);
        tracing::info!(%tenant, events = replay.len(), "anticipation engine starting; replaying");
        self.tenants.insert(tenant, state);
        let result = self.process(tenant, replay).await;
        let state = self.tenants.remove(&tenant);
        result?;
        state.ok_or_else(|| kairos_store::StoreError::Corrupt("tenant vanished".into()))
    }

    /// The zone quiet hours count in: the tenant's business-hours zone (SLA settings), else
    /// UTC. (Customers carry no zone of their own yet.)
    async fn tenant_zone(
        &self,
        tenant: TenantId,
    ) -> Result<jiff::tz::TimeZone, kairos_store::StoreError> {
        let sla: Option<kairos_core::sla::SlaSettings> = self
            .store
            .setting(tenant, kairos_core::sla::SETTINGS_KEY)
            .await?
            .and_then(|v| serde_json::from_value(v).ok());
        Ok(sla
            .and_then(|s| s.business_hours)
            .and_then(|h| jiff::tz::TimeZone::get(h.time_zone.trim()).ok())
            .unwrap_or(jiff::tz::TimeZone::UTC))
    }

    async fn feed(
        &mut self,
        tenant: TenantId,
        events: Vec<ContextEvent>,
    ) -> Result<(), kairos_store::StoreError> {
        let state = self.tenant(tenant).await?;
        if state.engine.is_none() {
            return Ok(());
        }
        self.process(tenant, events).await
    }

    /// Matches events in order (loading each new customer's history first) and executes
    /// what fires.
    async fn process(
        &mut self,
        tenant: TenantId,
        events: Vec<ContextEvent>,
    ) -> Result<(), kairos_store::StoreError> {
        let now = (self.clock)();
        for ev in events {
            let needs_history = self.tenants.get(&tenant).is_some_and(|t| {
                !ev.subject.starts_with("feed:") && !t.history.has_subject(&ev.subject)
            });
            if needs_history {
                let (loaded, zone) = self.subject_history(tenant, &ev.subject).await?;
                if let Some(t) = self.tenants.get_mut(&tenant) {
                    t.history
                        .load_subject(ev.subject.clone(), loaded, zone, now);
                }
            }
            let Some(t) = self.tenants.get_mut(&tenant) else {
                return Ok(());
            };
            let Some(engine) = t.engine.as_mut() else {
                return Ok(());
            };
            t.history.record(&ev, now);
            if let Err(e) = engine.process(&ev, &t.history, &mut t.out) {
                tracing::debug!(%tenant, error = %e, "anticipation: event not matched");
            }
            self.drain(tenant).await;
        }
        Ok(())
    }

    async fn subject_history(
        &self,
        tenant: TenantId,
        subject: &str,
    ) -> Result<(Vec<ContextEvent>, Option<jiff::tz::TimeZone>), kairos_store::StoreError> {
        let Some(engine) = self.tenants.get(&tenant).and_then(|t| t.engine.as_ref()) else {
            return Ok((Vec::new(), None));
        };
        let Ok(customer) = subject.parse::<uuid::Uuid>() else {
            return Ok((Vec::new(), None));
        };
        let customer = kairos_core::ids::CustomerId(customer);
        let now = (self.clock)();
        let from = Timestamp::from_micros(now.as_micros() - self.history_us(engine.rules()));
        let events = self
            .store
            .context_history(tenant, customer, from)
            .await?
            .into_iter()
            .filter_map(|r| crate::execute::from_record(tenant, r))
            .collect();
        // A zone the database no longer knows falls back to the tenant's.
        let zone = self
            .store
            .customer(tenant, customer)
            .await?
            .and_then(|c| c.time_zone)
            .and_then(|name| jiff::tz::TimeZone::get(&name).ok());
        Ok((events, zone))
    }

    /// Executes and clears what the tenant's engine decided.
    async fn drain(&mut self, tenant: TenantId) {
        let now = (self.clock)();
        let Some(t) = self.tenants.get_mut(&tenant) else {
            return;
        };
        for s in t.out.suppressed.drain(..) {
            metrics::counter!("kairos_anticipation_suppressed_total", "rule" => s.rule)
                .increment(1);
        }
        let firings: Vec<_> = t.out.firings.drain(..).collect();
        for f in &firings {
            if let kairos_anticipation::Action::Emit { event } = &f.action {
                t.history.record(event, now);
            }
        }
        for f in firings {
            let overdue = now.as_micros() - f.due.as_micros() > self.config.stale_us;
            let verdict = if overdue {
                Verdict::Stale
            } else {
                self.executor.execute(tenant, &f).await
            };
            metrics::counter!("kairos_anticipation_firings_total", "action" => f.action.kind(), "verdict" => verdict.as_str())
                .increment(1);
            if verdict == Verdict::Executed
                && let Some(t) = self.tenants.get_mut(&tenant)
            {
                t.executed += 1;
            }
        }
    }

    /// Moves every running engine's clock to now and executes what fell due.
    async fn tick(&mut self) {
        let now = (self.clock)();
        let ids: Vec<TenantId> = self.tenants.keys().copied().collect();
        for tenant in ids {
            let Some(t) = self.tenants.get_mut(&tenant) else {
                continue;
            };
            let Some(engine) = t.engine.as_mut() else {
                continue;
            };
            engine.advance_to(now, &t.history, &mut t.out);
            let horizon = engine.rules().horizon_us().max(self.config.history_us);
            t.history
                .evict(Timestamp::from_micros(now.as_micros() - horizon), now);
            self.drain(tenant).await;
        }
    }
}
