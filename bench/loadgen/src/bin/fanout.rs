//! kairos-fanout: the live-chat fan-out benchmark.
//!
//! Opens `--staff` staff sockets and `--customers` widget (visitor) sockets against one
//! Kairos server on loopback, measures the server's memory per idle socket, lets every
//! customer write once (so each has a conversation), then runs `--rounds` probes: staff
//! socket 0 writes into a random customer's conversation and the time until every entitled
//! socket (all staff plus that customer) has the message is recorded. One JSON object on
//! stdout.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[derive(Parser, Debug)]
struct Args {
    /// Server address, e.g. 127.0.0.1:18080 (loopback only).
    #[arg(long)]
    addr: SocketAddr,
    /// The tenant's slug.
    #[arg(long)]
    tenant: String,
    /// An agent token of that tenant.
    #[arg(long)]
    token: String,
    /// Widget sockets.
    #[arg(long, default_value_t = 9_900)]
    customers: usize,
    /// Staff sockets.
    #[arg(long, default_value_t = 100)]
    staff: usize,
    /// Probe messages.
    #[arg(long, default_value_t = 500)]
    rounds: usize,
    /// The server's pid, to read its memory from /proc.
    #[arg(long)]
    server_pid: u32,
}

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A bare HTTP/1.1 POST with a JSON body; returns the response body.
async fn post_json(addr: SocketAddr, path: &str, body: &str) -> String {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.expect("read");
    let text = String::from_utf8_lossy(&out).into_owned();
    text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default()
}

async fn connect(addr: SocketAddr, path: &str, bearer: Option<&str>) -> Ws {
    let mut req = format!("ws://{addr}{path}").into_client_request().expect("request");
    if let Some(t) = bearer {
        req.headers_mut().insert("authorization", format!("Bearer {t}").parse().expect("header"));
    }
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (ws, _) = tokio_tungstenite::client_async(req, stream).await.expect("handshake");
    ws
}

async fn next_json(ws: &mut Ws, ty: &str) -> serde_json::Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .expect("frame in time")
            .expect("socket open")
            .expect("frame");
        if let Message::Text(t) = msg {
            let v: serde_json::Value = serde_json::from_str(t.as_str()).expect("json");
            if v["type"] == ty {
                return v;
            }
        }
    }
}

/// Reads a socket for ever, reporting `(probe number, arrival)` for every probe it sees.
fn watch(mut ws: futures_util::stream::SplitStream<Ws>, arrivals: mpsc::UnboundedSender<(usize, Instant)>) {
    tokio::spawn(async move {
        while let Some(Ok(msg)) = ws.next().await {
            if let Message::Text(t) = msg {
                let at = Instant::now();
                let t = t.as_str();
                if let Some(i) = t.find("probe-") {
                    let digits: String = t[i + 6..].chars().take_while(char::is_ascii_digit).collect();
                    // A staff socket sees the event; the writer also gets its `sent` ack.
                    if t.contains("\"type\":\"event\"") || t.contains("\"type\":\"message\"") {
                        if let Ok(k) = digits.parse() {
                            let _ = arrivals.send((k, at));
                        }
                    }
                }
            }
        }
    });
}

/// The server's CPU time so far, in clock ticks (utime + stime from /proc).
fn cpu_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the command name (which may contain spaces) start at ") ".
            let rest = s.rsplit_once(") ")?.1.split_whitespace().collect::<Vec<_>>();
            Some(rest.get(11)?.parse::<u64>().ok()? + rest.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0)
}

/// Waits (at most 2 minutes) until the server uses less than 2% of a core.
async fn wait_idle(pid: u32) {
    let started = Instant::now();
    let mut last = cpu_ticks(pid);
    while started.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = cpu_ticks(pid);
        // 100 ticks per second: under 1 tick in half a second is idle.
        if now.saturating_sub(last) < 1 {
            return;
        }
        last = now;
    }
}

/// Opens the staff sockets; each is read by a [`watch`] task, its sink returned.
async fn staff_sockets(
    a: &Args,
    tx: &mpsc::UnboundedSender<(usize, Instant)>,
) -> Vec<futures_util::stream::SplitSink<Ws, Message>> {
    let mut writers = Vec::with_capacity(a.staff);
    for _ in 0..a.staff {
        let mut ws = connect(a.addr, "/api/v1/staff/socket", Some(&a.token)).await;
        next_json(&mut ws, "ready").await;
        let (sink, stream) = ws.split();
        watch(stream, tx.clone());
        writers.push(sink);
    }
    writers
}

#[tokio::main]
async fn main() {
    let a = Args::parse();
    assert!(a.addr.ip().is_loopback(), "loopback only");
    let gate = Arc::new(Semaphore::new(200));
    // Visitor tokens first, so the memory measured below is the sockets' alone.
    let mut tasks = Vec::with_capacity(a.customers);
    for _ in 0..a.customers {
        let (addr, tenant, gate) = (a.addr, a.tenant.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.expect("gate");
            let body = post_json(addr, "/api/v1/chat/visitors", &format!("{{\"tenant\":\"{tenant}\"}}")).await;
            let v: serde_json::Value = serde_json::from_str(&body).expect("visitor json");
            v["visitor_token"].as_str().expect("visitor token").to_owned()
        }));
    }
    let mut tokens = Vec::with_capacity(a.customers);
    for t in tasks {
        tokens.push(t.await.expect("visitor task"));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before = rss_kib(a.server_pid);
    let (tx, mut arrivals) = mpsc::unbounded_channel();

    // Staff sockets, read from the start (a socket that is not read falls behind and is
    // dropped by the server, as it should be).
    let mut writers = staff_sockets(&a, &tx).await;
    assert!(!writers.is_empty(), "at least one staff socket");
    // Widget sockets, authenticated in the first frame.
    let mut tasks = Vec::with_capacity(a.customers);
    for token in tokens {
        let (addr, gate) = (a.addr, gate.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.expect("gate");
            let mut ws = connect(addr, "/api/v1/chat/socket", None).await;
            ws.send(Message::text(format!("{{\"type\":\"auth\",\"token\":\"{token}\"}}"))).await.expect("auth");
            next_json(&mut ws, "ready").await;
            ws
        }));
    }
    let mut customers = Vec::with_capacity(a.customers);
    for t in tasks {
        customers.push(t.await.expect("socket task"));
    }
    let sockets = a.staff + a.customers;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle = rss_kib(a.server_pid);
    let kib_per_socket = (rss_idle.saturating_sub(rss_before)) as f64 / sockets as f64;
    eprintln!("{sockets} sockets open; server RSS {rss_before} KiB -> {rss_idle} KiB ({kib_per_socket:.2} KiB per idle socket)");

    // Every customer writes once, so each has a conversation. The staff sockets leave for
    // this burst (~4 events per customer, 40,000 in a few seconds, to every staff socket):
    // a load generator on the same two cores cannot read that fast, and the server rightly
    // drops a staff socket that falls 4,096 events behind. They come back for the probes.
    for mut w in writers.drain(..) {
        let _ = w.send(Message::Close(None)).await;
    }
    let mut tasks = Vec::with_capacity(a.customers);
    for (i, mut ws) in customers.into_iter().enumerate() {
        let gate = gate.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.expect("gate");
            ws.send(Message::text(format!("{{\"type\":\"send\",\"text\":\"hello {i}\"}}"))).await.expect("send");
            let sent = next_json(&mut ws, "sent").await;
            (ws, sent["conversation_id"].as_str().expect("conversation").to_owned())
        }));
    }
    let mut conversations = Vec::with_capacity(a.customers);
    for t in tasks {
        let (ws, conversation) = t.await.expect("first message");
        let (_sink, stream) = ws.split();
        watch(stream, tx.clone());
        conversations.push(conversation);
        std::mem::forget(_sink);
    }
    // The burst is committed; let the server's fan-out catch up before staff come back.
    wait_idle(a.server_pid).await;
    let mut writers = staff_sockets(&a, &tx).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    while arrivals.try_recv().is_ok() {}

    // Probes.
    let receivers = a.staff + 1;
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram");
    let mut lost = 0;
    let mut pending: HashMap<usize, usize> = HashMap::new();
    for k in 0..a.rounds {
        let c = (k * 7919) % conversations.len();
        let frame = format!("{{\"type\":\"send\",\"conversation_id\":\"{}\",\"text\":\"probe-{k}\"}}", conversations[c]);
        let t0 = Instant::now();
        // Probes rotate over the staff sockets, each of which stays within the server's
        // per-connection rate limit.
        let w = k % writers.len();
        writers[w].send(Message::text(frame)).await.expect("probe");
        let deadline = t0 + Duration::from_secs(5);
        let mut last = t0;
        let mut got = pending.remove(&k).unwrap_or(0);
        while got < receivers {
            match tokio::time::timeout_at(deadline, arrivals.recv()).await {
                Ok(Some((n, at))) if n == k => {
                    got += 1;
                    last = last.max(at);
                }
                Ok(Some((n, _))) => *pending.entry(n).or_default() += 1,
                _ => break,
            }
        }
        if got < receivers {
            eprintln!("probe {k}: {got} of {receivers} sockets had it after 5 s");
            lost += 1;
        } else {
            hist.record(last.duration_since(t0).as_micros().max(1) as u64).expect("record");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{}",
        serde_json::json!({
            "sockets": sockets,
            "staff": a.staff,
            "customers": a.customers,
            "receivers_per_message": receivers,
            "rounds": a.rounds,
            "lost_rounds": lost,
            "rss_before_mib": rss_before as f64 / 1024.0,
            "rss_idle_mib": rss_idle as f64 / 1024.0,
            "kib_per_idle_socket": (kib_per_socket * 100.0).round() / 100.0,
            "fanout_p50_ms": ms(0.5),
            "fanout_p99_ms": ms(0.99),
            "fanout_max_ms": hist.max() as f64 / 1000.0,
        })
    );
}
