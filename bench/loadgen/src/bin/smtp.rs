//! kairos-smtp: the inbound-mail benchmark.
//!
//! Opens `--connections` SMTP sessions against Kairos' listener on loopback and sends
//! `--messages` distinct mails (from `--senders` different customers) over them, pipelining
//! MAIL/RCPT/DATA as RFC 2920 allows. Kairos answers `250` only once a mail is on its
//! timeline, so the time until the last `250` is the time until all are on timelines. One
//! JSON object on stdout: messages/s, per-message latency (end of data → 250) p50/p99, and
//! the server's memory.

use clap::Parser;
use hdrhistogram::Histogram;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::Instant;

#[derive(Parser, Debug)]
struct Args {
    /// The SMTP listener, e.g. 127.0.0.1:12525 (loopback only).
    #[arg(long)]
    addr: SocketAddr,
    /// The support address mail goes to.
    #[arg(long)]
    to: String,
    /// Mails to send.
    #[arg(long, default_value_t = 10_000)]
    messages: usize,
    /// Parallel SMTP sessions.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Distinct senders (customers).
    #[arg(long, default_value_t = 1_000)]
    senders: usize,
    /// The server's pid, to read its memory from /proc.
    #[arg(long)]
    server_pid: u32,
}

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

/// A realistic support mail: headers, a German/English paragraph or two, ~1.5 KiB.
fn mail(n: usize, sender: usize, to: &str) -> String {
    let body = "Guten Tag,\r\n\r\nmein Router zeigt seit gestern Abend eine rote Lampe und das Internet \
fällt alle paar Minuten aus. Ich habe ihn schon zweimal neu gestartet. Vertragsnummer 48-1193-77.\r\n\r\n\
Hello, my router has been blinking red since last night and the connection drops every few \
minutes. I restarted it twice already.\r\n\r\nViele Grüße\r\n";
    format!(
        "From: Kunde {sender} <kunde{sender}@example.org>\r\nTo: {to}\r\nSubject: Router Störung {n}\r\n\
Message-ID: <bench-{n}@example.org>\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}{body}"
    )
}

async fn reply(r: &mut BufReader<TcpStream>) -> u16 {
    let mut code = 0;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
            return 0;
        }
        code = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(code);
        if line.as_bytes().get(3) != Some(&b'-') {
            return code;
        }
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    assert!(args.addr.ip().is_loopback(), "loopback only");
    let next = Arc::new(AtomicUsize::new(0));
    let rss_before = rss_kib(args.server_pid);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let (next, to) = (next.clone(), args.to.clone());
        let (total, senders, addr) = (args.messages, args.senders, args.addr);
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new(3).expect("histogram");
            let mut failed = 0usize;
            let stream = TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            let mut r = BufReader::new(stream);
            assert_eq!(reply(&mut r).await, 220);
            r.get_mut().write_all(b"EHLO bench.test\r\n").await.expect("write");
            assert_eq!(reply(&mut r).await, 250);
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let sender = n % senders;
                let cmds = format!("MAIL FROM:<kunde{sender}@example.org>\r\nRCPT TO:<{to}>\r\nDATA\r\n");
                r.get_mut().write_all(cmds.as_bytes()).await.expect("write");
                let (a, b, c) = (reply(&mut r).await, reply(&mut r).await, reply(&mut r).await);
                assert_eq!((a, b, c), (250, 250, 354), "transaction refused");
                let data = format!("{}.\r\n", mail(n, sender, &to));
                let t = Instant::now();
                r.get_mut().write_all(data.as_bytes()).await.expect("write");
                if reply(&mut r).await == 250 {
                    hist.record(t.elapsed().as_micros() as u64).ok();
                } else {
                    failed += 1;
                }
            }
            r.get_mut().write_all(b"QUIT\r\n").await.ok();
            (hist, failed)
        }));
    }
    let mut hist = Histogram::<u64>::new(3).expect("histogram");
    let mut failed = 0;
    for t in tasks {
        let (h, f) = t.await.expect("task");
        hist.add(h).expect("merge");
        failed += f;
    }
    let secs = started.elapsed().as_secs_f64();
    let stored = hist.len() as usize;
    println!(
        "{}",
        serde_json::json!({
            "messages": args.messages,
            "stored": stored,
            "failed": failed,
            "connections": args.connections,
            "seconds": (secs * 1000.0).round() / 1000.0,
            "messages_per_s": (stored as f64 / secs).round(),
            "p50_ms": hist.value_at_quantile(0.50) as f64 / 1000.0,
            "p99_ms": hist.value_at_quantile(0.99) as f64 / 1000.0,
            "rss_before_mib": rss_before / 1024,
            "rss_after_mib": rss_kib(args.server_pid) / 1024,
        })
    );
}
