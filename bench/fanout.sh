#!/usr/bin/env bash
# Live-chat fan-out benchmark. See bench/README.md.
#
#   bench/fanout.sh                  # 9,900 widget + 100 staff sockets, 500 probes, 3 runs
#   BENCH_QUICK=1 bench/fanout.sh    # smoke: 500 + 10 sockets, 50 probes, 1 run, not recorded
#
# Environment: FANOUT_CUSTOMERS [9900], FANOUT_STAFF [100], FANOUT_ROUNDS [500], BENCH_RUNS [3],
# BENCH_PORT [18090], BENCH_NO_RECORD=1, BENCH_SKIP_BUILD=1, KAIROS_BIN, BENCH_RESULTS.
set -euo pipefail
shopt -s inherit_errexit

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
  : "${FANOUT_CUSTOMERS:=500}" "${FANOUT_STAFF:=10}" "${FANOUT_ROUNDS:=50}" "${BENCH_RUNS:=1}" "${BENCH_NO_RECORD:=1}"
fi
CUSTOMERS="${FANOUT_CUSTOMERS:-9900}"
STAFF="${FANOUT_STAFF:-100}"
ROUNDS="${FANOUT_ROUNDS:-500}"
RUNS="${BENCH_RUNS:-3}"
PORT="${BENCH_PORT:-18090}"
RESULTS="${BENCH_RESULTS:-$BENCH_DIR/results.jsonl}"
KAIROS="${KAIROS_BIN:-$ROOT/target/release/kairos}"
FANOUT="$BENCH_DIR/loadgen/target/release/fanout"
log() { printf '[fanout %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Both ends hold one descriptor per socket.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(( $(ulimit -n) > CUSTOMERS + STAFF + 100 )) || die "open-file limit $(ulimit -n) is too low for $((CUSTOMERS + STAFF)) sockets"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  log "building fan-out client and kairos (release)"
  (cd "$BENCH_DIR/loadgen" && CARGO_TARGET_DIR="$BENCH_DIR/loadgen/target" cargo build --release --locked -q --bin fanout)
  [[ -n "${KAIROS_BIN:-}" ]] || (cd "$ROOT" && cargo build --release -p kairos -q)
fi

WORK="$(mktemp -d /tmp/kairos-fanout.XXXXXX)"
PID=""
cleanup() { [[ -n "$PID" ]] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

OUTS="$WORK/runs.jsonl"
for run in $(seq 1 "$RUNS"); do
  dir="$WORK/run$run"
  mkdir -p "$dir"
  "$KAIROS" --data-dir "$dir" tenant create bench >/dev/null
  token="$("$KAIROS" --data-dir "$dir" token create --tenant bench --role agent | tail -n1 | tr -d '[:space:]')"
  "$KAIROS" --data-dir "$dir" serve --listen "127.0.0.1:$PORT" > "$dir/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz" 2>/dev/null && break; sleep 0.1; done
  out="$("$FANOUT" --addr "127.0.0.1:$PORT" --tenant bench --token "$token" --customers "$CUSTOMERS" \
    --staff "$STAFF" --rounds "$ROUNDS" --server-pid "$PID")"
  log "run $run/$RUNS: $out"
  echo "$out" >> "$OUTS"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
done

DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
python3 - "$OUTS" "$RESULTS" "$DATE" "$COMMIT" "${BENCH_NO_RECORD:-0}" <<'PY'
import json, statistics, sys
outs, results, date, commit, no_record = sys.argv[1:]
rows = [json.loads(l) for l in open(outs) if l.strip()]
n = rows[0]["sockets"]
med = lambda k: round(statistics.median(r[k] for r in rows), 3)
figs = [
    ("fanout_p50_ms_%d" % n, med("fanout_p50_ms"), "ms"),
    ("fanout_p99_ms_%d" % n, med("fanout_p99_ms"), "ms"),
    ("kib_per_idle_socket_%d" % n, med("kib_per_idle_socket"), "KiB"),
    ("rss_mb_idle_sockets_%d" % n, med("rss_idle_mib"), "MiB"),
    ("lost_rounds_%d" % n, sum(r["lost_rounds"] for r in rows), "rounds"),
]
lines = [json.dumps({"date": date, "commit": commit, "bench": "live-fanout", "metric": m, "value": v, "unit": u}) for m, v, u in figs]
print("\n".join(lines))
if no_record != "1":
    with open(results, "a") as f:
        f.write("".join(l + "\n" for l in lines))
PY
if [[ "${BENCH_NO_RECORD:-0}" != 1 ]]; then
  python3 "$BENCH_DIR/render.py" "$RESULTS" "${BENCH_RESULTS_MD:-$BENCH_DIR/RESULTS.md}"
fi
