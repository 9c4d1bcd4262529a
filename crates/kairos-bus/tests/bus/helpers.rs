//! A recording sink, a counting metrics recorder and waiting helpers.

use kairos_bus::{BusConfig, ContextSink, SinkError, SinkReport};
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The broker URL in `var`, or `None` with a loud notice.
pub fn broker_url(var: &str, suite: &str) -> Option<String> {
    let url = std::env::var(var).ok();
    if url.is_none() {
        eprintln!("\n*** NOTICE: {var} is not set: {suite} bus tests did NOT run ***\n");
    }
    url
}

/// A short name unique to this test run.
pub fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// What a sink call received.
#[derive(Clone, Debug)]
pub struct Call {
    pub tenant: String,
    pub events: Vec<Value>,
    /// Whether it was answered `Ok`.
    pub ok: bool,
}

/// Records every call; answers `Transient` while `transient` is positive.
#[derive(Default)]
pub struct RecordingSink {
    calls: Mutex<Vec<Call>>,
    pub transient: AtomicUsize,
    /// Events with this id are refused for good.
    pub reject_id: Mutex<Option<String>>,
}

impl RecordingSink {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }
    /// The ids of the events answered `Ok`, in order.
    pub fn ok_ids(&self) -> Vec<String> {
        self.calls()
            .iter()
            .filter(|c| c.ok)
            .flat_map(|c| {
                c.events
                    .iter()
                    .map(|e| e["id"].as_str().unwrap_or("?").to_owned())
            })
            .collect()
    }
    /// Waits up to `secs` until `done` holds for the calls.
    pub async fn wait(&self, secs: u64, done: impl Fn(&[Call]) -> bool) -> Vec<Call> {
        for _ in 0..secs * 20 {
            let calls = self.calls();
            if done(&calls) {
                return calls;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let calls = self.calls();
        panic!("timed out; calls so far: {calls:?}");
    }
    /// Waits until the event `id` was answered `Ok`.
    pub async fn wait_ok(&self, id: &str) -> Vec<Call> {
        self.wait(20, |c| {
            c.iter()
                .any(|c| c.ok && c.events.iter().any(|e| e["id"] == id))
        })
        .await
    }
}

impl ContextSink for RecordingSink {
    fn ingest(
        &self,
        tenant: &str,
        events: Vec<Value>,
    ) -> Pin<Box<dyn Future<Output = Result<SinkReport, SinkError>> + Send + '_>> {
        let transient = self
            .transient
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        let n = events.len();
        let reject = self
            .reject_id
            .lock()
            .unwrap()
            .as_ref()
            .is_some_and(|r| events[0]["id"] == r.as_str());
        self.calls.lock().unwrap().push(Call {
            tenant: tenant.to_owned(),
            events,
            ok: !transient && !reject,
        });
        Box::pin(async move {
            if reject {
                Err(SinkError::Permanent("unknown tenant (test)".into()))
            } else if transient {
                Err(SinkError::Transient("store down (test)".into()))
            } else {
                Ok(SinkReport {
                    accepted: n,
                    ..Default::default()
                })
            }
        })
    }
}

/// A context event with this id.
pub fn event(id: &str) -> Value {
    json!({
        "id": id,
        "subject": {"kind": "email", "value": "ada@example.com"},
        "type": "wifi.seen",
        "time": "2026-01-01T10:00:00Z",
    })
}

/// Counters by `name{labels}`, installed once for the whole test binary.
struct Counting(Mutex<HashMap<String, Arc<AtomicU64>>>);

fn key_text(key: &Key) -> String {
    let mut labels: Vec<String> = key
        .labels()
        .map(|l| format!("{}={}", l.key(), l.value()))
        .collect();
    labels.sort();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

impl Recorder for Counting {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let c = self
            .0
            .lock()
            .unwrap()
            .entry(key_text(key))
            .or_default()
            .clone();
        Counter::from_arc(c)
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

static COUNTING: OnceLock<&'static Counting> = OnceLock::new();

/// `kairos_bus_messages_total{outcome,source}` so far (all tests of the binary together).
pub fn messages(source: &str, outcome: &str) -> u64 {
    let rec = COUNTING.get_or_init(|| {
        let rec: &'static Counting = Box::leak(Box::new(Counting(Mutex::default())));
        let _ = metrics::set_global_recorder(rec);
        rec
    });
    let key = format!("kairos_bus_messages_total{{outcome={outcome},source={source}}}");
    rec.0
        .lock()
        .unwrap()
        .get(&key)
        .map_or(0, |c| c.load(Ordering::SeqCst))
}

/// Running sources; `stop` ends them and waits.
pub struct Source {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Source {
    pub fn start(config: BusConfig, sink: Arc<RecordingSink>) -> Self {
        let (stop, rx) = watch::channel(false);
        let tasks = kairos_bus::spawn(&config, sink, rx).unwrap();
        Self { stop, tasks }
    }
    pub async fn stop(self) {
        self.stop.send(true).unwrap();
        for t in self.tasks {
            tokio::time::timeout(Duration::from_secs(15), t)
                .await
                .expect("the source stops")
                .unwrap();
        }
    }
}

/// Payloads refused whatever the topic (limit 4096 bytes), checklist G06: not JSON, an
/// array, a number, not UTF-8, an empty batch, 1001 events, one byte over the limit.
pub fn hostile_payloads() -> Vec<Vec<u8>> {
    vec![
        b"not json".to_vec(),
        b"[1,2,3]".to_vec(),
        b"42".to_vec(),
        b"{\"id\":\"\xff\xfe\"}".to_vec(),
        b"{\"events\":[]}".to_vec(),
        json!({"events": vec![json!({}); 1001]})
            .to_string()
            .into_bytes(),
        vec![b' '; 4097],
    ]
}
