#!/usr/bin/env bash
# Search benchmark: index 1,000,000 generated German/English documents with kairos-search, run
# a query mix, and the same documents and queries through PostgreSQL full-text search in the
# same run. See bench/README.md.
#
#   bench/search.sh                 # 1,000,000 documents, 3 runs, medians recorded
#   BENCH_QUICK=1 bench/search.sh   # smoke: 20,000 documents, 1 run, not recorded
#
# Environment: SEARCH_DOCS [1000000], SEARCH_QUERIES [3000], SEARCH_PG_QUERIES [300],
# BENCH_RUNS [3], BENCH_PG_URL [postgres://postgres@127.0.0.1:5432/test], BENCH_SKIP_PG=1,
# BENCH_NO_RECORD=1, BENCH_SKIP_BUILD=1, SEARCH_BENCH_BIN, BENCH_RESULTS, BENCH_RESULTS_MD.
set -euo pipefail
shopt -s inherit_errexit

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
  : "${SEARCH_DOCS:=20000}" "${SEARCH_QUERIES:=500}" "${SEARCH_PG_QUERIES:=100}" "${BENCH_RUNS:=1}" "${BENCH_NO_RECORD:=1}"
fi
DOCS="${SEARCH_DOCS:-1000000}"
QUERIES="${SEARCH_QUERIES:-3000}"
PG_QUERIES="${SEARCH_PG_QUERIES:-300}"
RUNS="${BENCH_RUNS:-3}"
PG_URL="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
RESULTS="${BENCH_RESULTS:-$BENCH_DIR/results.jsonl}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="${SEARCH_BENCH_BIN:-$TARGET/release/examples/search_bench}"
log() { printf '[search %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 && -z "${SEARCH_BENCH_BIN:-}" ]]; then
  log "building the benchmark (release)"
  (cd "$ROOT" && cargo build --release -q -p kairos-search --example search_bench)
fi

PG_ARGS=()
PEER=""
if [[ "${BENCH_SKIP_PG:-0}" != 1 ]]; then
  if command -v psql >/dev/null && ! psql "$PG_URL" -Atqc 'select 1' >/dev/null 2>&1; then
    log "WARNING: no PostgreSQL at $PG_URL; running without the peer"
  else
    PG_ARGS=(--pg "$PG_URL")
    PEER="$(psql "$PG_URL" -Atqc "select 'PostgreSQL ' || current_setting('server_version') || ' FTS'" 2>/dev/null || echo "PostgreSQL FTS")"
  fi
fi

WORK="$(mktemp -d /tmp/kairos-search-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
OUTS="$WORK/runs.jsonl"
for run in $(seq 1 "$RUNS"); do
  log "run $run/$RUNS: $DOCS documents"
  out="$("$BIN" --docs "$DOCS" --queries "$QUERIES" --pg-queries "$PG_QUERIES" --dir "$WORK/index" "${PG_ARGS[@]}")"
  log "run $run/$RUNS: $out"
  echo "$out" >> "$OUTS"
done

DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
python3 - "$OUTS" "$RESULTS" "$DATE" "$COMMIT" "${BENCH_NO_RECORD:-0}" "$PEER" <<'PY'
import json, statistics, sys
outs, results, date, commit, no_record, peer = sys.argv[1:]
rows = [json.loads(l) for l in open(outs) if l.strip()]
n = rows[0]["docs"]
med = lambda k: round(statistics.median(r[k] for r in rows), 3) if all(k in r for r in rows) else None
figs = [
    # metric, ours, peer's, unit
    ("search_docs_per_s_%d" % n, med("docs_per_s"), med("pg_docs_per_s"), "docs/s"),
    ("search_p50_ms_%d" % n, med("p50_ms"), med("pg_p50_ms"), "ms"),
    ("search_p99_ms_%d" % n, med("p99_ms"), med("pg_p99_ms"), "ms"),
    ("search_index_mb_%d" % n, med("index_mb"), med("pg_mb"), "MiB"),
    ("search_compact_s_%d" % n, med("compact_s"), None, "s"),
]
lines = []
for metric, value, peer_value, unit in figs:
    row = {"date": date, "commit": commit, "bench": "search", "metric": metric, "value": value, "unit": unit}
    if peer and peer_value:
        row.update(peer=peer, peer_value=peer_value, ratio=round(value / peer_value, 3))
    lines.append(json.dumps(row))
print("\n".join(lines))
if no_record != "1":
    with open(results, "a") as f:
        f.write("".join(l + "\n" for l in lines))
PY
if [[ "${BENCH_NO_RECORD:-0}" != 1 ]]; then
  python3 "$BENCH_DIR/render.py" "$RESULTS" "${BENCH_RESULTS_MD:-$BENCH_DIR/RESULTS.md}"
fi
