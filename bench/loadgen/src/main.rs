//! kairos-loadgen: a small closed-loop HTTP/1.1 load generator.
//!
//! One keep-alive connection per worker, one request in flight per connection.
//! It only ever targets loopback addresses and stops by itself after
//! `warmup + duration`. The result is one JSON object on stdout.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use clap::{Parser, ValueEnum};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Number of distinct customers the write scenarios cycle over.
const CUSTOMERS: u64 = 1000;
/// Highest latency the histogram tracks, in microseconds (120 s).
const MAX_LATENCY_US: u64 = 120_000_000;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// POST {url}/api/v1/inbound (Kairos)
    KairosInbound,
    /// GET {url}/api/v1/conversations/{id} with ids from --ids-file (Kairos)
    KairosGetConversation,
    /// GET {url}/api/v1/conversations?limit=25 (Kairos)
    KairosListConversations,
    /// POST {url}/api/tickets/ for a customer's first message, then
    /// POST {url}/api/followups/ (django-helpdesk; url ends in the helpdesk mount, e.g. /helpdesk)
    HelpdeskInbound,
    /// GET {url}/api/tickets/{id}/ with ids from --ids-file (django-helpdesk)
    HelpdeskGetTicket,
    /// GET {url}/api/tickets/?page_size=25 (django-helpdesk)
    HelpdeskListTickets,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::KairosInbound => "kairos-inbound",
            Scenario::KairosGetConversation => "kairos-get-conversation",
            Scenario::KairosListConversations => "kairos-list-conversations",
            Scenario::HelpdeskInbound => "helpdesk-inbound",
            Scenario::HelpdeskGetTicket => "helpdesk-get-ticket",
            Scenario::HelpdeskListTickets => "helpdesk-list-tickets",
        }
    }
    fn is_helpdesk(self) -> bool {
        matches!(
            self,
            Scenario::HelpdeskInbound | Scenario::HelpdeskGetTicket | Scenario::HelpdeskListTickets
        )
    }
    fn needs_ids(self) -> bool {
        matches!(
            self,
            Scenario::KairosGetConversation | Scenario::HelpdeskGetTicket
        )
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "kairos-loadgen",
    about = "Loopback-only HTTP/1.1 load generator for the Kairos benchmarks"
)]
struct Args {
    /// Base URL, e.g. http://127.0.0.1:8080 (for django-helpdesk include its mount: http://127.0.0.1:8001/helpdesk)
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Number of keep-alive connections (one worker each, one request in flight each)
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Measured duration, e.g. 10s, 500ms, 1m
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Warm-up before measuring (requests are sent but not counted)
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    warmup: Duration,
    #[arg(long, value_enum)]
    scenario: Scenario,
    /// Token: sent as `Authorization: Bearer T` (kairos-*) or `Authorization: Token T` (helpdesk-*)
    #[arg(long)]
    token: Option<String>,
    /// Extra header, `Name: value`; may be repeated
    #[arg(long = "header")]
    headers: Vec<String>,
    /// File with one id per line (get-conversation / get-ticket scenarios)
    #[arg(long)]
    ids_file: Option<PathBuf>,
    /// django-helpdesk queue id used when creating tickets
    #[arg(long, default_value_t = 1)]
    queue_id: u64,
    /// Run tag used in external ids (default: derived from the clock)
    #[arg(long)]
    run_id: Option<String>,
    /// helpdesk-inbound: JSON file mapping customer -> ticket id, loaded at start (if present)
    /// and written at the end, so later runs post follow-ups to the tickets earlier runs created
    #[arg(long)]
    state_file: Option<PathBuf>,
    /// Tokio worker threads for the client (keep low: the server shares the cores)
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, mult_ms) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60_000.0)
    } else {
        (s, 1000.0)
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("bad duration: {s}"))?;
    if v.is_nan() || v < 0.0 || v * mult_ms > 3_600_000.0 {
        return Err(format!("duration out of range (0..1h): {s}"));
    }
    Ok(Duration::from_micros((v * mult_ms * 1000.0) as u64))
}

/// Parsed target: loopback socket address, Host header, base path (no trailing slash).
struct Target {
    addr: SocketAddr,
    host_header: HeaderValue,
    base_path: String,
}

fn parse_target(url: &str) -> Result<Target, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| "only http:// URLs are supported".to_string())?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let with_port = if authority.starts_with('[') {
        if authority.contains("]:") {
            authority.to_string()
        } else {
            format!("{authority}:80")
        }
    } else if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let addr = with_port
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {authority}: {e}"))?
        .find(|a| a.ip().is_loopback())
        .ok_or_else(|| {
            format!("{authority} is not a loopback address; this tool only targets 127.0.0.1/::1")
        })?;
    if !addr.ip().is_loopback() {
        return Err("refusing non-loopback target".into());
    }
    Ok(Target {
        addr,
        host_header: HeaderValue::from_str(authority).map_err(|e| e.to_string())?,
        base_path: path.trim_end_matches('/').to_string(),
    })
}


/// Shared, read-only configuration of a run.
struct Shared {
    scenario: Scenario,
    target: Target,
    connections: usize,
    auth: Option<HeaderValue>,
    extra: Vec<(HeaderName, HeaderValue)>,
    ids: Vec<String>,
    queue_id: u64,
    run_id: String,
    warmup_end: Instant,
    end: Instant,
    errors_seen: Mutex<Vec<String>>,
    initial_tickets: HashMap<u64, u64>,
    // Pre-built constant URIs.
    uri_inbound: String,
    uri_list: String,
    uri_tickets: String,
    uri_followups: String,
}

#[derive(Default)]
struct WorkerStats {
    ok: u64,
    errors: u64,
    hist: Option<Histogram<u64>>,
    tickets: HashMap<u64, u64>,
    /// 1 if the worker had a request in flight when the deadline hit.
    unfinished: u64,
}

enum Outcome {
    Ok(Option<Bytes>),
    Err(String),
}

impl Shared {
    fn record_error(&self, msg: String) {
        let mut seen = self.errors_seen.lock().unwrap();
        if seen.len() < 3 && !seen.contains(&msg) {
            eprintln!("error: {msg}");
            seen.push(msg);
        }
    }
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// Per-worker request generator state.
struct Gen {
    worker: u64,
    k: u64,
    /// Customers owned by this worker: worker + connections * i, for i in 0..count.
    owned: u64,
    /// django-helpdesk: customer -> ticket id created by this worker.
    tickets: HashMap<u64, u64>,
    ids_pos: usize,
    buf: String,
}

/// What the current request is, so the response can be interpreted.
enum Pending {
    Plain,
    CreateTicket(u64),
}

impl Gen {
    fn new(worker: u64, shared: &Shared) -> Self {
        let c = shared.connections as u64;
        let owned = if worker < CUSTOMERS {
            (CUSTOMERS - worker).div_ceil(c)
        } else {
            0
        };
        let ids_pos = if shared.ids.is_empty() {
            0
        } else {
            (worker as usize * 7919) % shared.ids.len()
        };
        let tickets = shared
            .initial_tickets
            .iter()
            .filter(|(n, _)| **n % c == worker % c)
            .map(|(n, t)| (*n, *t))
            .collect();
        Gen {
            worker,
            k: 0,
            owned,
            tickets,
            ids_pos,
            buf: String::with_capacity(512),
        }
    }

    /// Customer for the current message; customers are partitioned over workers,
    /// so each customer's messages come from one connection, in order.
    fn customer(&self, shared: &Shared) -> u64 {
        if self.owned == 0 {
            // More workers than customers: share customers (only matters for >1000 connections).
            return self.worker % CUSTOMERS;
        }
        self.worker + shared.connections as u64 * (self.k % self.owned)
    }

    fn next_id<'a>(&mut self, shared: &'a Shared) -> &'a str {
        let id = &shared.ids[self.ids_pos];
        self.ids_pos += 1;
        if self.ids_pos == shared.ids.len() {
            self.ids_pos = 0;
        }
        id
    }

    fn build(&mut self, shared: &Shared) -> (Request<Full<Bytes>>, Pending) {
        let t = &shared.target;
        let mut pending = Pending::Plain;
        let (method, uri, body): (Method, String, Option<Bytes>) = match shared.scenario {
            Scenario::KairosInbound => {
                let n = self.customer(shared);
                let k = self.k;
                self.buf.clear();
                let _ = write!(
                    self.buf,
                    r#"{{"channel":"email","from":{{"kind":"email","value":"customer-{n}@bench.example"}},"subject":"Bench {n}","body":"Hello, message {k} from customer {n}","external_id":"bench-{run}-{w}-{k}"}}"#,
                    run = shared.run_id,
                    w = self.worker,
                );
                (
                    Method::POST,
                    shared.uri_inbound.clone(),
                    Some(Bytes::copy_from_slice(self.buf.as_bytes())),
                )
            }
            Scenario::KairosGetConversation => {
                let id = self.next_id(shared);
                (
                    Method::GET,
                    format!("{}/api/v1/conversations/{}", t.base_path, id),
                    None,
                )
            }
            Scenario::KairosListConversations => (Method::GET, shared.uri_list.clone(), None),
            Scenario::HelpdeskInbound => {
                let n = self.customer(shared);
                let k = self.k;
                self.buf.clear();
                match self.tickets.get(&n) {
                    Some(ticket) => {
                        let _ = write!(
                            self.buf,
                            r#"{{"ticket":{ticket},"title":"Bench {n}","comment":"Hello, message {k} from customer {n}","public":true}}"#
                        );
                        (
                            Method::POST,
                            shared.uri_followups.clone(),
                            Some(Bytes::copy_from_slice(self.buf.as_bytes())),
                        )
                    }
                    None => {
                        let _ = write!(
                            self.buf,
                            r#"{{"queue":{q},"title":"Bench {n}","description":"Hello, message {k} from customer {n}","submitter_email":"customer-{n}@bench.example","priority":3}}"#,
                            q = shared.queue_id
                        );
                        pending = Pending::CreateTicket(n);
                        (
                            Method::POST,
                            shared.uri_tickets.clone(),
                            Some(Bytes::copy_from_slice(self.buf.as_bytes())),
                        )
                    }
                }
            }
            Scenario::HelpdeskGetTicket => {
                let id = self.next_id(shared);
                (
                    Method::GET,
                    format!("{}/api/tickets/{}/", t.base_path, id),
                    None,
                )
            }
            Scenario::HelpdeskListTickets => (Method::GET, shared.uri_list.clone(), None),
        };
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header(hyper::header::HOST, t.host_header.clone());
        if let Some(auth) = &shared.auth {
            b = b.header(hyper::header::AUTHORIZATION, auth.clone());
        }
        if body.is_some() {
            b = b.header(
                hyper::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        b = b.header(
            hyper::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        for (k, v) in &shared.extra {
            b = b.header(k.clone(), v.clone());
        }
        let req = b
            .body(Full::new(body.unwrap_or_default()))
            .expect("valid request");
        (req, pending)
    }
}

fn extract_id(body: &[u8]) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v.get("id")?.as_u64()
}

async fn worker(worker: u64, shared: Arc<Shared>) -> WorkerStats {
    let mut stats = WorkerStats {
        hist: Some(Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("histogram")),
        ..Default::default()
    };
    let mut gen_ = Gen::new(worker, &shared);
    let mut sender: Option<SendRequest<Full<Bytes>>> = None;
    let end = shared.end;

    while Instant::now() < end {
        // (Re)connect when needed; servers such as gunicorn's sync workers close after each response.
        let mut s = match sender.take() {
            Some(s) if !s.is_closed() => s,
            _ => match tokio::time::timeout_at(end, connect(shared.target.addr)).await {
                Err(_) => break,
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    if Instant::now() >= shared.warmup_end {
                        stats.errors += 1;
                    }
                    shared.record_error(e);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        if tokio::time::timeout_at(end, s.ready())
            .await
            .map(|r| r.is_err())
            .unwrap_or(true)
        {
            // Closed between requests (not an error of the request itself) or deadline reached.
            continue;
        }
        let (req, pending) = gen_.build(&shared);
        let started = Instant::now();
        let outcome = match tokio::time::timeout_at(end, s.send_request(req)).await {
            Err(_) => {
                stats.unfinished = 1; // deadline: in-flight request is not counted
                break;
            }
            Ok(Err(e)) => Outcome::Err(format!("request: {e}")),
            Ok(Ok(resp)) => {
                let status = resp.status();
                let close = resp
                    .headers()
                    .get(hyper::header::CONNECTION)
                    .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
                let want_body = !status.is_success() || matches!(pending, Pending::CreateTicket(_));
                match tokio::time::timeout_at(end, resp.into_body().collect()).await {
                    Err(_) => {
                        stats.unfinished = 1;
                        break;
                    }
                    Ok(Err(e)) => Outcome::Err(format!("body: {e}")),
                    Ok(Ok(body)) => {
                        if !close {
                            sender = Some(s);
                        }
                        if status.is_success() {
                            Outcome::Ok(if want_body {
                                Some(body.to_bytes())
                            } else {
                                None
                            })
                        } else {
                            let b = body.to_bytes();
                            let text = String::from_utf8_lossy(&b[..b.len().min(300)]).into_owned();
                            Outcome::Err(status_msg(status, &text))
                        }
                    }
                }
            }
        };
        let done = Instant::now();
        gen_.k += 1;
        let measured = done >= shared.warmup_end && done <= end;
        match outcome {
            Outcome::Ok(body) => {
                if let Pending::CreateTicket(n) = pending {
                    match body.as_deref().and_then(extract_id) {
                        Some(id) => {
                            gen_.tickets.insert(n, id);
                        }
                        None => {
                            shared.record_error("ticket create: response without numeric id".into())
                        }
                    }
                }
                if measured {
                    stats.ok += 1;
                    let us = (done - started)
                        .as_micros()
                        .clamp(1, MAX_LATENCY_US as u128) as u64;
                    if let Some(h) = stats.hist.as_mut() {
                        let _ = h.record(us);
                    }
                }
            }
            Outcome::Err(msg) => {
                if measured {
                    stats.errors += 1;
                }
                shared.record_error(msg);
            }
        }
    }
    stats.tickets = std::mem::take(&mut gen_.tickets);
    stats
}

fn status_msg(status: StatusCode, body: &str) -> String {
    format!("HTTP {} {}", status.as_u16(), body.replace('\n', " "))
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(args) {
        eprintln!("kairos-loadgen: {e}");
        std::process::exit(2);
    }
}

fn run(args: Args) -> Result<(), String> {
    if args.connections == 0 || args.connections > 4096 {
        return Err("--connections must be in 1..=4096".into());
    }
    let target = parse_target(&args.url)?;
    let scenario = args.scenario;

    let ids: Vec<String> = if scenario.needs_ids() {
        let path = args
            .ids_file
            .as_ref()
            .ok_or("--ids-file is required for this scenario")?;
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let ids: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        if ids.is_empty() {
            return Err(format!("{}: no ids", path.display()));
        }
        ids
    } else {
        Vec::new()
    };

    let auth = match &args.token {
        Some(t) => {
            let scheme = if scenario.is_helpdesk() {
                "Token"
            } else {
                "Bearer"
            };
            Some(
                HeaderValue::from_str(&format!("{scheme} {t}"))
                    .map_err(|e| format!("bad token: {e}"))?,
            )
        }
        None => None,
    };
    let mut extra = Vec::new();
    for h in &args.headers {
        let (k, v) = h
            .split_once(':')
            .ok_or_else(|| format!("bad --header {h:?}, want 'Name: value'"))?;
        let name = HeaderName::from_bytes(k.trim().as_bytes())
            .map_err(|e| format!("bad header name {k:?}: {e}"))?;
        let value =
            HeaderValue::from_str(v.trim()).map_err(|e| format!("bad header value {v:?}: {e}"))?;
        extra.push((name, value));
    }
    let run_id = args.run_id.clone().unwrap_or_else(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        format!("{}{:03}", now.as_secs(), now.subsec_millis())
    });

    let initial_tickets: HashMap<u64, u64> = match &args.state_file {
        Some(p) if scenario == Scenario::HelpdeskInbound && p.exists() => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            let m: HashMap<String, u64> =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?;
            m.into_iter()
                .filter_map(|(k, v)| Some((k.parse().ok()?, v)))
                .collect()
        }
        _ => HashMap::new(),
    };
    let state_file = args.state_file.clone();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;

    let base = target.base_path.clone();
    let uri_list = if scenario.is_helpdesk() {
        format!("{base}/api/tickets/?page_size=25")
    } else {
        format!("{base}/api/v1/conversations?limit=25")
    };

    let (ok, errors, hist, measured_s, tickets, unfinished) = rt.block_on(async move {
        let start = Instant::now();
        let warmup_end = start + args.warmup;
        let end = warmup_end + args.duration;
        let shared = Arc::new(Shared {
            scenario,
            target,
            connections: args.connections,
            auth,
            extra,
            ids,
            queue_id: args.queue_id,
            run_id,
            warmup_end,
            end,
            errors_seen: Mutex::new(Vec::new()),
            initial_tickets,
            uri_inbound: format!("{base}/api/v1/inbound"),
            uri_list,
            uri_tickets: format!("{base}/api/tickets/"),
            uri_followups: format!("{base}/api/followups/"),
        });
        let handles: Vec<_> = (0..args.connections)
            .map(|w| tokio::spawn(worker(w as u64, shared.clone())))
            .collect();
        let mut ok = 0u64;
        let mut errors = 0u64;
        let mut tickets: HashMap<u64, u64> = HashMap::new();
        let mut unfinished = 0u64;
        let mut hist: Histogram<u64> =
            Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("histogram");
        for h in handles {
            match h.await {
                Ok(s) => {
                    ok += s.ok;
                    errors += s.errors;
                    tickets.extend(s.tickets);
                    unfinished += s.unfinished;
                    if let Some(wh) = s.hist {
                        let _ = hist.add(&wh);
                    }
                }
                Err(e) => {
                    errors += 1;
                    eprintln!("worker panicked: {e}");
                }
            }
        }
        let measured_s = args.duration.as_secs_f64();
        (ok, errors, hist, measured_s, tickets, unfinished)
    });
    rt.shutdown_timeout(Duration::from_millis(100));
    if let (Some(p), Scenario::HelpdeskInbound) = (&state_file, scenario) {
        let m: serde_json::Map<String, serde_json::Value> = tickets
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.into()))
            .collect();
        std::fs::write(p, serde_json::Value::Object(m).to_string())
            .map_err(|e| format!("{}: {e}", p.display()))?;
    }

    let ms = |us: u64| (us as f64 / 1000.0 * 1000.0).round() / 1000.0;
    // No successful request: latencies are unknown (null), not zero.
    let (p50, p90, p99, max) = if hist.is_empty() {
        (None, None, None, None)
    } else {
        (
            Some(ms(hist.value_at_quantile(0.50))),
            Some(ms(hist.value_at_quantile(0.90))),
            Some(ms(hist.value_at_quantile(0.99))),
            Some(ms(hist.max())),
        )
    };
    let rps = if measured_s > 0.0 {
        ok as f64 / measured_s
    } else {
        0.0
    };
    let out = serde_json::json!({
        "scenario": scenario.name(),
        "connections": args.connections,
        "duration_s": measured_s,
        "requests": ok,
        "errors": errors,
        "rps": (rps * 10.0).round() / 10.0,
        "p50_ms": p50,
        "p90_ms": p90,
        "p99_ms": p99,
        "max_ms": max,
        "unfinished": unfinished,
    });
    println!("{out}");
    Ok(())
}
