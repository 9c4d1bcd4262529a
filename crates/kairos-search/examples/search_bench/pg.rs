//! The peer: the same documents and queries through PostgreSQL full-text search
//! (`german`/`english` configurations per row, a stored tsvector with title weighted over
//! body, a GIN index, ts_rank ordering, a total count and ts_headline snippets for the top
//! 10, and the same visibility filter as an array overlap). Scratch schema, dropped at the end.

use crate::corpus::{self, Vocab};
use kairos_search::{Document, Language};
use sqlx::{Connection, PgConnection, Row};
use std::time::{Duration, Instant};
use uuid::Uuid;

fn tsv_escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn row(doc: &Document, out: &mut String) {
    let cfg = match doc.language {
        Language::De => "german",
        Language::En => "english",
    };
    out.push_str(&format!(
        "{}\t{}\t{}\t{cfg}\t",
        doc.tenant,
        doc.id,
        doc.kind.as_str()
    ));
    tsv_escape(&doc.title, out);
    out.push('\t');
    tsv_escape(&doc.body, out);
    out.push('\t');
    match &doc.category {
        Some(c) => tsv_escape(c, out),
        None => out.push_str("\\N"),
    }
    out.push_str(&format!("\t{}\t", doc.state.as_str()));
    match doc.channel {
        Some(c) => out.push_str(c.as_str()),
        None => out.push_str("\\N"),
    }
    out.push_str("\t{");
    out.push_str(&doc.audiences().join(","));
    out.push_str("}\n");
}

/// A loaded peer.
pub struct Peer {
    conn: PgConnection,
}

impl Peer {
    /// Creates the scratch table, loads `docs` documents and builds the indexes; returns the
    /// peer and the load time (COPY with tsvector computation + index build + ANALYZE).
    pub async fn load(url: &str, vocab: &Vocab, docs: u64) -> anyhow::Result<(Peer, Duration)> {
        let mut conn = PgConnection::connect(url).await?;
        sqlx::raw_sql(
            "DROP SCHEMA IF EXISTS kairos_search_bench CASCADE; CREATE SCHEMA kairos_search_bench;
             CREATE TABLE kairos_search_bench.docs (
               tenant uuid NOT NULL, id uuid NOT NULL, kind text NOT NULL, lang regconfig NOT NULL,
               title text NOT NULL, body text NOT NULL, category text, state text NOT NULL,
               channel text, audience text[] NOT NULL,
               tsv tsvector GENERATED ALWAYS AS (
                 setweight(to_tsvector(lang, title), 'A') || setweight(to_tsvector(lang, body), 'B')
               ) STORED)",
        )
        .execute(&mut conn)
        .await?;
        let started = Instant::now();
        let mut copy = conn
            .copy_in_raw(
                "COPY kairos_search_bench.docs (tenant, id, kind, lang, title, body, category, state, channel, audience) FROM STDIN"
            )
            .await?;
        let mut buf = String::with_capacity(8 << 20);
        for i in 0..docs {
            row(&corpus::document(vocab, i), &mut buf);
            if buf.len() > (4 << 20) {
                copy.send(buf.as_bytes()).await?;
                buf.clear();
            }
        }
        copy.send(buf.as_bytes()).await?;
        copy.finish().await?;
        sqlx::raw_sql(
            "CREATE INDEX docs_tsv ON kairos_search_bench.docs USING gin (tsv);
             CREATE INDEX docs_tenant ON kairos_search_bench.docs (tenant);
             ANALYZE kairos_search_bench.docs",
        )
        .execute(&mut conn)
        .await?;
        Ok((Peer { conn }, started.elapsed()))
    }

    /// Table plus index size in MiB.
    pub async fn size_mb(&mut self) -> anyhow::Result<f64> {
        let bytes: i64 =
            sqlx::query_scalar("SELECT pg_total_relation_size('kairos_search_bench.docs')")
                .fetch_one(&mut self.conn)
                .await?;
        Ok(bytes as f64 / (1 << 20) as f64)
    }

    /// Runs one query; returns (total, hits).
    pub async fn search(
        &mut self,
        text: &str,
        tenant: Uuid,
        audience: Option<Vec<String>>,
    ) -> anyhow::Result<(i64, usize)> {
        let sql =
            "WITH q AS (SELECT websearch_to_tsquery('german', $1) || websearch_to_tsquery('english', $1) AS q),
             m AS (
               SELECT d.id, d.lang, d.title, d.body, ts_rank(d.tsv, q.q) AS rank, count(*) OVER () AS total
               FROM kairos_search_bench.docs d, q
               WHERE d.tenant = $2 AND d.tsv @@ q.q AND ($3::text[] IS NULL OR d.audience && $3::text[])
               ORDER BY rank DESC LIMIT 10)
             SELECT m.id, m.total, ts_headline(m.lang, m.title, q.q, 'StartSel=<mark>, StopSel=</mark>') AS title,
                    ts_headline(m.lang, m.body, q.q, 'StartSel=<mark>, StopSel=</mark>, MaxFragments=1, MaxWords=30, MinWords=10') AS snippet
             FROM m, q ORDER BY m.rank DESC";
        let rows = sqlx::query(sql)
            .bind(text)
            .bind(tenant)
            .bind(audience)
            .fetch_all(&mut self.conn)
            .await?;
        let total = rows.first().map(|r| r.get::<i64, _>("total")).unwrap_or(0);
        Ok((total, rows.len()))
    }

    /// Drops the scratch schema.
    pub async fn drop_all(mut self) -> anyhow::Result<()> {
        sqlx::raw_sql("DROP SCHEMA IF EXISTS kairos_search_bench CASCADE")
            .execute(&mut self.conn)
            .await?;
        Ok(())
    }
}
