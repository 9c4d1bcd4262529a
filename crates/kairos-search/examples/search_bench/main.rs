//! Search benchmark: generate N mixed German/English documents (deterministic), index them,
//! run a query mix, and run the same through PostgreSQL full-text search. Prints one JSON
//! object with the figures of this run; `bench/search.sh` runs it several times and records
//! medians. See bench/README.md.
//!
//! ```text
//! search_bench [--docs N] [--queries N] [--pg-queries N] [--dir PATH] [--pg URL] [--threads N]
//! ```

mod corpus;
mod pg;

use corpus::Vocab;
use kairos_search::{Asker, IndexOptions, Scope, SearchIndex, SearchRequest};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// One query of the mix: text, who asks, whether facets are counted.
struct Query {
    text: &'static str,
    shape: &'static str,
}

const MIX: &[Query] = &[
    Query {
        text: "Vertrag",
        shape: "word",
    },
    Query {
        text: "Rechnung",
        shape: "word",
    },
    Query {
        text: "Lieferung",
        shape: "word",
    },
    Query {
        text: "contract",
        shape: "word",
    },
    Query {
        text: "invoice",
        shape: "word",
    },
    Query {
        text: "refund",
        shape: "word",
    },
    Query {
        text: "Kaution",
        shape: "word",
    },
    Query {
        text: "voucher",
        shape: "word",
    },
    Query {
        text: "Vertrag kündigen",
        shape: "words",
    },
    Query {
        text: "Rechnung falsche Zahlung",
        shape: "words",
    },
    Query {
        text: "cancel subscription",
        shape: "words",
    },
    Query {
        text: "refund order delivery",
        shape: "words",
    },
    Query {
        text: "Frist",
        shape: "compound",
    },
    Query {
        text: "Schutz",
        shape: "compound",
    },
    Query {
        text: "Kündigungsfrist",
        shape: "compound",
    },
    Query {
        text: "Vertragsende",
        shape: "compound",
    },
    Query {
        text: "Kündigng",
        shape: "typo",
    },
    Query {
        text: "Rechnug",
        shape: "typo",
    },
    Query {
        text: "Lieferunng",
        shape: "typo",
    },
    Query {
        text: "invocie",
        shape: "typo",
    },
    Query {
        text: "subscripton",
        shape: "typo",
    },
    Query {
        text: "\"monatliche Rechnung\"",
        shape: "phrase",
    },
    Query {
        text: "\"new contract\"",
        shape: "phrase",
    },
    Query {
        text: "\"defekte Router\"",
        shape: "phrase",
    },
    Query {
        text: "Wie kündige ich meinen Vertrag",
        shape: "question",
    },
    Query {
        text: "Warum ist meine Rechnung so hoch",
        shape: "question",
    },
    Query {
        text: "how do I cancel my contract",
        shape: "question",
    },
    Query {
        text: "where is my parcel",
        shape: "question",
    },
];

fn asker(i: usize) -> Asker {
    match i % 3 {
        0 => Asker::Staff,
        1 => Asker::Customer(corpus::customer((i as u64 * 7919) % corpus::CUSTOMERS)),
        _ => Asker::Anonymous,
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn dir_mb(dir: &std::path::Path) -> f64 {
    let bytes: u64 = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    bytes as f64 / (1 << 20) as f64
}

struct Args {
    docs: u64,
    queries: usize,
    pg_queries: usize,
    dir: PathBuf,
    pg: Option<String>,
    threads: Option<usize>,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        docs: 1_000_000,
        queries: 3_000,
        pg_queries: 300,
        dir: std::env::temp_dir().join("kairos-search-bench"),
        pg: None,
        threads: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--docs" => a.docs = value()?.parse()?,
            "--queries" => a.queries = value()?.parse()?,
            "--pg-queries" => a.pg_queries = value()?.parse()?,
            "--dir" => a.dir = value()?.into(),
            "--pg" => a.pg = Some(value()?),
            "--threads" => a.threads = Some(value()?.parse()?),
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    let vocab = Vocab::new();
    let _ = std::fs::remove_dir_all(&a.dir);
    let mut options = IndexOptions::default();
    if let Some(t) = a.threads {
        options.threads = t;
    }
    let index = SearchIndex::open_with(&a.dir, options)?;

    // Indexing: the documents are generated first, outside the clock.
    let docs: Vec<_> = (0..a.docs).map(|i| corpus::document(&vocab, i)).collect();
    let started = Instant::now();
    for batch in docs.chunks(10_000) {
        index.upsert(batch)?;
    }
    let mut indexing = started.elapsed();
    drop(docs);
    let started = Instant::now();
    index.commit()?;
    indexing += started.elapsed();
    let started = Instant::now();
    index.compact()?;
    let compact = started.elapsed();
    eprintln!(
        "indexed {} docs in {:.1} s ({:.0}/s), compacted in {:.1} s, {:.0} MiB",
        a.docs,
        indexing.as_secs_f64(),
        a.docs as f64 / indexing.as_secs_f64(),
        compact.as_secs_f64(),
        dir_mb(&a.dir)
    );

    // Queries: one warm-up pass over the mix, then the measured run.
    let tenant = corpus::tenants()[0];
    let request = |i: usize| {
        let mut r = SearchRequest::new(MIX[i % MIX.len()].text);
        if i % 4 == 3 {
            r = r.with_facets();
        }
        r
    };
    for i in 0..MIX.len() * 3 {
        index.search(&request(i), &Scope::new(tenant, asker(i)))?;
    }
    let mut lat = Vec::with_capacity(a.queries);
    let mut by_shape: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    let mut hits = 0usize;
    let (mut plain, mut faceted) = (Vec::new(), Vec::new());
    for i in 0..a.queries {
        let scope = Scope::new(tenant, asker(i));
        let req = request(i);
        let started = Instant::now();
        let r = index.search(&req, &scope)?;
        let t = ms(started.elapsed());
        hits += r.hits.len();
        lat.push(t);
        if req.facets {
            faceted.push(t)
        } else {
            plain.push(t)
        }
        by_shape
            .entry(MIX[i % MIX.len()].shape)
            .or_default()
            .push(t);
    }
    lat.sort_by(f64::total_cmp);
    plain.sort_by(f64::total_cmp);
    faceted.sort_by(f64::total_cmp);
    for (shape, v) in &mut by_shape {
        v.sort_by(f64::total_cmp);
        eprintln!(
            "  {shape:9} p50 {:.2} ms p99 {:.2} ms",
            percentile(v, 0.5),
            percentile(v, 0.99)
        );
    }
    let mut out = serde_json::json!({
        "docs": a.docs,
        "index_s": indexing.as_secs_f64(),
        "docs_per_s": a.docs as f64 / indexing.as_secs_f64(),
        "compact_s": compact.as_secs_f64(),
        "index_mb": dir_mb(&a.dir),
        "queries": a.queries,
        "hits": hits,
        "p50_ms": percentile(&lat, 0.5),
        "p99_ms": percentile(&lat, 0.99),
        "p99_ms_plain": percentile(&plain, 0.99),
        "p99_ms_facets": percentile(&faceted, 0.99),
    });
    drop(index);
    let _ = std::fs::remove_dir_all(&a.dir);

    if let Some(url) = &a.pg {
        let (mut peer, load) = pg::Peer::load(url, &vocab, a.docs).await?;
        let pg_mb = peer.size_mb().await?;
        eprintln!(
            "postgres loaded {} docs in {:.1} s ({:.0}/s), {:.0} MiB",
            a.docs,
            load.as_secs_f64(),
            a.docs as f64 / load.as_secs_f64(),
            pg_mb
        );
        let audience = |i: usize| match asker(i) {
            Asker::Staff => None,
            a => Scope::new(tenant, a).audience_terms(),
        };
        for (i, q) in MIX.iter().enumerate() {
            peer.search(q.text, tenant.uuid(), audience(i)).await?;
        }
        let mut pg_lat = Vec::with_capacity(a.pg_queries);
        for i in 0..a.pg_queries {
            let started = Instant::now();
            peer.search(MIX[i % MIX.len()].text, tenant.uuid(), audience(i))
                .await?;
            pg_lat.push(ms(started.elapsed()));
        }
        pg_lat.sort_by(f64::total_cmp);
        peer.drop_all().await?;
        out["pg_docs_per_s"] = (a.docs as f64 / load.as_secs_f64()).into();
        out["pg_queries"] = a.pg_queries.into();
        out["pg_p50_ms"] = percentile(&pg_lat, 0.5).into();
        out["pg_p99_ms"] = percentile(&pg_lat, 0.99).into();
        out["pg_mb"] = pg_mb.into();
    }
    let line = serde_json::to_string(&out)?;
    std::io::Write::write_all(&mut std::io::stdout(), format!("{line}\n").as_bytes())?;
    Ok(())
}
