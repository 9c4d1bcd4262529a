#!/usr/bin/env bash
# Kairos benchmark runner. See bench/README.md.
#
#   bench/run.sh                # full run (~15 min plus seeding time)
#   BENCH_QUICK=1 bench/run.sh  # smoke run: 1 short run per figure, small sizes
#
# Appends one JSON line per figure to bench/results.jsonl and regenerates
# bench/RESULTS.md. Every server it starts listens on 127.0.0.1 only and is
# stopped on exit.
#
# Environment (defaults in brackets):
#   BENCH_QUICK=1               short smoke run (RUNS=1, 3s+1s, sizes 100, sqlite only, not recorded)
#   BENCH_RUNS [3]              write runs per store (medians are reported)
#   BENCH_DURATION [10s]        measured time per run
#   BENCH_WARMUP [2s]           warm-up per run
#   BENCH_CONNECTIONS [16]      keep-alive connections
#   BENCH_STORES ["sqlite postgres"]
#   BENCH_KAIROS_READ_SIZES ["100 10000 1000000"]
#   BENCH_PEER_READ_SIZES ["100 10000"]
#   BENCH_SKIP_PEER=1           do not run django-helpdesk
#   BENCH_SKIP_KAIROS=1         do not run Kairos (peer only)
#   BENCH_SKIP_BUILD=1          use existing binaries
#   KAIROS_BIN [target/release/kairos]   (setting it also skips the server build)
#   LOADGEN_BIN [bench/loadgen/target/release/kairos-loadgen]
#   BENCH_PORT [18080], BENCH_PEER_PORT [18081]  (the next free port is taken if one is busy)
#   BENCH_PG_HOST [127.0.0.1], BENCH_PG_PORT [5432], BENCH_PG_USER [postgres], BENCH_PG_DB [kairos_bench]
#   BENCH_RESULTS [bench/results.jsonl], BENCH_RESULTS_MD [bench/RESULTS.md]
#   BENCH_NO_RECORD=1           print figures, do not touch results.jsonl / RESULTS.md
#   BENCH_KEEP=1                keep the scratch directory
set -euo pipefail
shopt -s inherit_errexit

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"

if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
  : "${BENCH_RUNS:=1}" "${BENCH_DURATION:=3s}" "${BENCH_WARMUP:=1s}"
  : "${BENCH_STORES:=sqlite}" "${BENCH_KAIROS_READ_SIZES:=100}" "${BENCH_PEER_READ_SIZES:=100}"
  : "${BENCH_NO_RECORD:=1}"  # smoke figures are not comparable; record only with BENCH_NO_RECORD=0
fi
RUNS="${BENCH_RUNS:-3}"
DURATION="${BENCH_DURATION:-10s}"
WARMUP="${BENCH_WARMUP:-2s}"
CONNS="${BENCH_CONNECTIONS:-16}"
STORES="${BENCH_STORES:-sqlite postgres}"
KAIROS_READ_SIZES="${BENCH_KAIROS_READ_SIZES:-100 10000 1000000}"
PEER_READ_SIZES="${BENCH_PEER_READ_SIZES:-100 10000}"
PORT="${BENCH_PORT:-18080}"
PEER_PORT="${BENCH_PEER_PORT:-18081}"
PG_HOST="${BENCH_PG_HOST:-127.0.0.1}"
PG_PORT="${BENCH_PG_PORT:-5432}"
PG_USER="${BENCH_PG_USER:-postgres}"
PG_DB="${BENCH_PG_DB:-kairos_bench}"
RESULTS="${BENCH_RESULTS:-$BENCH_DIR/results.jsonl}"
LOADGEN="${LOADGEN_BIN:-$BENCH_DIR/loadgen/target/release/kairos-loadgen}"
KAIROS="${KAIROS_BIN:-$ROOT/target/release/kairos}"
PEER_NAME="django-helpdesk 2.6.1"

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

WORK="$(mktemp -d /tmp/kairos-bench.XXXXXX)"
FIGS="$WORK/figures.jsonl"   # {"side","bench","metric","value","unit","errors"}
: > "$FIGS"
SERVER_PIDS=()
PG_CREATED=0

cleanup() {
  local pid
  for pid in "${SERVER_PIDS[@]:-}"; do
    [[ -n "$pid" ]] && stop_pid "$pid"
  done
  if [[ "$PG_CREATED" == 1 ]]; then
    psql_admin -c "drop database if exists $PG_DB" >/dev/null 2>&1 || true
  fi
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then log "scratch kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pid() {
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "pid $pid did not stop in 10 s; killing"
  kill -9 "$pid" 2>/dev/null || true
}

forget_pid() {
  local keep=() p
  for p in "${SERVER_PIDS[@]:-}"; do [[ -n "$p" && "$p" != "$1" ]] && keep+=("$p"); done
  SERVER_PIDS=("${keep[@]:-}")
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# First port from $1 upward that nothing listens on (another server may hold the default).
free_port() {
  local p="$1"
  while port_busy "$p"; do
    p=$((p + 1))
    ((p < $1 + 100)) || die "no free port in $1..$p"
  done
  echo "$p"
}

psql_admin() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d test "$@"; }

wait_http() { # URL PID [extra curl args...]
  local url="$1" pid="$2" i
  shift 2
  for i in $(seq 1 600); do
    if curl -fsS -o /dev/null --max-time 2 "$@" "$url" 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || die "server (pid $pid) exited before $url answered"
    sleep 0.1
  done
  die "$url did not answer within 60 s"
}
# wait_http, then make sure the answer came from our process and not from someone else's.
wait_ours() {
  wait_http "$@"
  kill -0 "$2" 2>/dev/null || die "server (pid $2) exited; is port in use by another process?"
}

# kB value of FIELD (VmRSS / VmHWM) summed over the given pids, printed in MiB.
rss_mib() {
  local field="$1" total=0 pid v
  shift
  for pid in "$@"; do
    v="$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$pid/status" 2>/dev/null || true)"
    total=$((total + ${v:-0}))
  done
  awk -v kb="$total" 'BEGIN { printf "%.1f", kb / 1024 }'
}

# Proportional set size summed over the given pids, in MiB (shared pages split between processes).
pss_mib() {
  local total=0 pid v
  for pid in "$@"; do
    v="$(awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || true)"
    total=$((total + ${v:-0}))
  done
  awk -v kb="$total" 'BEGIN { printf "%.1f", kb / 1024 }'
}

fig() { # side bench metric value unit [errors]
  printf '{"side":"%s","bench":"%s","metric":"%s","value":%s,"unit":"%s","errors":%s}\n' \
    "$1" "$2" "$3" "$4" "$5" "${6:-0}" >> "$FIGS"
  log "  $1 $2 $3 = $4 $5"
  if [[ "${6:-0}" != 0 ]]; then log "  WARNING: $6 failed requests (first ones printed above)"; fi
}

# After a run, wait until the server has worked off requests the load generator abandoned at its
# deadline (a sync gunicorn worker finishes them anyway), so they do not slow the next run.
DRAIN_URL=""
DRAIN_AUTH=()
drain() {
  [[ -n "$DRAIN_URL" ]] || return 0
  curl -fsS -o /dev/null --max-time 300 "${DRAIN_AUTH[@]}" "$DRAIN_URL" || log "  drain: $DRAIN_URL did not answer"
}

# Runs the load generator RUNS times; prints "rps p50 p99 errors" with medians (errors summed).
run_load() { # runs scenario url token [extra loadgen args...]
  local runs="$1" scen="$2" url="$3" token="$4" i out
  shift 4
  local outs="$WORK/load-$scen-$RANDOM.jsonl"
  : > "$outs"
  for i in $(seq 1 "$runs"); do
    out="$("$LOADGEN" --url "$url" --scenario "$scen" --token "$token" --connections "$CONNS" \
      --duration "$DURATION" --warmup "$WARMUP" "$@")"
    log "  run $i/$runs: $out"
    echo "$out" >> "$outs"
    drain
  done
  python3 - "$outs" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def med(k, fmt):
    vals = [r[k] for r in rows if r.get(k) is not None]
    return format(statistics.median(vals), fmt) if vals else "null"
print(med("rps", ".1f"), med("p50_ms", ".3f"), med("p99_ms", ".3f"), sum(r["errors"] for r in rows))
EOF
}

# ---------------------------------------------------------------- build
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  if [[ -z "${LOADGEN_BIN:-}" ]]; then
    log "building load generator"
    (cd "$BENCH_DIR/loadgen" && CARGO_TARGET_DIR="$BENCH_DIR/loadgen/target" cargo build --release --locked -q)
  fi
  if [[ -z "${KAIROS_BIN:-}" && "${BENCH_SKIP_KAIROS:-0}" != 1 ]]; then
    log "building kairos (release)"
    (cd "$ROOT" && cargo build --release -p kairos -q)
  fi
fi
[[ -x "$LOADGEN" ]] || die "load generator not found: $LOADGEN"
if [[ "${BENCH_SKIP_KAIROS:-0}" != 1 ]]; then
  [[ -x "$KAIROS" ]] || die "kairos binary not found: $KAIROS"
fi

DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo uncommitted)"

# ---------------------------------------------------------------- kairos helpers
KPID=""
KTOKEN=""
start_kairos() { # data_dir [extra serve args...]
  local dir="$1"
  shift
  mkdir -p "$dir"
  # Extra args (e.g. --database-url) go to the admin commands as well as to `serve`.
  "$KAIROS" --data-dir "$dir" tenant create bench "$@" >/dev/null
  KTOKEN="$("$KAIROS" --data-dir "$dir" token create --tenant bench --role admin "$@" | tail -n1 | tr -d '[:space:]')"
  [[ -n "$KTOKEN" ]] || die "token create printed nothing"
}
serve_kairos() { # data_dir [extra serve args...]
  local dir="$1"
  shift
  PORT="$(free_port "$PORT")"
  "$KAIROS" --data-dir "$dir" serve --listen "127.0.0.1:$PORT" "$@" > "$dir/server.log" 2>&1 &
  KPID=$!
  SERVER_PIDS+=("$KPID")
  wait_ours "http://127.0.0.1:$PORT/healthz" "$KPID"
  sleep 0.5
  kill -0 "$KPID" 2>/dev/null || { cat "$dir/server.log" >&2; die "kairos exited"; }
  DRAIN_URL="http://127.0.0.1:$PORT/healthz"
  DRAIN_AUTH=()
}
stop_kairos() {
  stop_pid "$KPID"
  forget_pid "$KPID"
  KPID=""
}

# ---------------------------------------------------------------- kairos writes
if [[ "${BENCH_SKIP_KAIROS:-0}" != 1 ]]; then
  for store in $STORES; do
    dir="$WORK/kairos-write-$store"
    extra=()
    if [[ "$store" == postgres ]]; then
      if ! psql_admin -c 'select 1' >/dev/null 2>&1; then
        log "PostgreSQL not reachable at $PG_HOST:$PG_PORT; skipping the postgres store"
        continue
      fi
      psql_admin -c "drop database if exists $PG_DB" >/dev/null
      psql_admin -c "create database $PG_DB" >/dev/null
      PG_CREATED=1
      extra=(--database-url "postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB")
    elif [[ "$store" != sqlite ]]; then
      die "unknown store $store"
    fi
    log "kairos inbound-write on $store: $RUNS x ($WARMUP + $DURATION), $CONNS connections"
    start_kairos "$dir" "${extra[@]}"
    serve_kairos "$dir" "${extra[@]}"
    res="$(run_load "$RUNS" kairos-inbound "http://127.0.0.1:$PORT" "$KTOKEN")"
    read -r rps p50 p99 errs <<< "$res"
    rss="$(rss_mib VmRSS "$KPID")"
    hwm="$(rss_mib VmHWM "$KPID")"
    pss="$(pss_mib "$KPID")"
    stop_kairos
    fig kairos inbound-write "messages_per_s_$store" "$rps" "messages/s" "$errs"
    fig kairos inbound-write "p50_ms_$store" "$p50" ms "$errs"
    fig kairos inbound-write "p99_ms_$store" "$p99" ms "$errs"
    fig kairos inbound-write "rss_mb_$store" "$rss" MiB
    fig kairos inbound-write "peak_rss_mb_$store" "$hwm" MiB
    fig kairos inbound-write "pss_mb_$store" "$pss" MiB
    if [[ "$store" == postgres ]]; then
      psql_admin -c "drop database if exists $PG_DB" >/dev/null
      PG_CREATED=0
    fi
  done
fi

# ---------------------------------------------------------------- peer helpers
PEER_PID=""
PEER_TOKEN=""
PEER_QUEUE=""
PEER_URL="http://127.0.0.1:$PEER_PORT/helpdesk"
setup_peer() { # data_dir
  local out
  out="$("$BENCH_DIR/peer/setup.sh" "$1" 2> "$1.setup.log")" || { cat "$1.setup.log" >&2; die "peer setup failed"; }
  PEER_TOKEN="$(sed -n 's/^token=//p' <<< "$out")"
  PEER_QUEUE="$(sed -n 's/^queue_id=//p' <<< "$out")"
  [[ -n "$PEER_TOKEN" && -n "$PEER_QUEUE" ]] || die "peer setup printed no token/queue"
}
serve_peer() { # data_dir
  PEER_PORT="$(free_port "$PEER_PORT")"
  PEER_URL="http://127.0.0.1:$PEER_PORT/helpdesk"
  PEER_PID="$("$BENCH_DIR/peer/serve.sh" "$PEER_PORT" "$1")"
  SERVER_PIDS+=("$PEER_PID")
  DRAIN_URL="$PEER_URL/api/"
  DRAIN_AUTH=(-H "Authorization: Token $PEER_TOKEN")
  wait_ours "$DRAIN_URL" "$PEER_PID" "${DRAIN_AUTH[@]}"
}
peer_pids() { echo "$PEER_PID"; ps -o pid= --ppid "$PEER_PID" 2>/dev/null | tr -d ' '; }
stop_peer() {
  stop_pid "$PEER_PID"
  forget_pid "$PEER_PID"
  PEER_PID=""
}

# ---------------------------------------------------------------- peer writes
if [[ "${BENCH_SKIP_PEER:-0}" != 1 ]]; then
  dir="$WORK/peer-write"
  mkdir -p "$dir"
  log "$PEER_NAME inbound-write on sqlite (gunicorn sync x4): $RUNS x ($WARMUP + $DURATION), $CONNS connections"
  setup_peer "$dir"
  serve_peer "$dir"
  res="$(run_load "$RUNS" helpdesk-inbound "$PEER_URL" "$PEER_TOKEN" \
    --queue-id "$PEER_QUEUE" --state-file "$dir/tickets.json")"
  read -r rps p50 p99 errs <<< "$res"
  mapfile -t pids < <(peer_pids)
  rss="$(rss_mib VmRSS "${pids[@]}")"
  hwm="$(rss_mib VmHWM "${pids[@]}")"
  pss="$(pss_mib "${pids[@]}")"
  stop_peer
  fig peer inbound-write messages_per_s_sqlite "$rps" "messages/s" "$errs"
  fig peer inbound-write p50_ms_sqlite "$p50" ms "$errs"
  fig peer inbound-write p99_ms_sqlite "$p99" ms "$errs"
  fig peer inbound-write rss_mb_sqlite "$rss" MiB
  fig peer inbound-write peak_rss_mb_sqlite "$hwm" MiB
  fig peer inbound-write pss_mb_sqlite "$pss" MiB
fi

# ---------------------------------------------------------------- reads
READ_RUNS="${BENCH_READ_RUNS:-1}"
if [[ "${BENCH_SKIP_KAIROS:-0}" != 1 ]]; then
  for n in $KAIROS_READ_SIZES; do
    dir="$WORK/kairos-read-$n"
    log "kairos reads at $n conversations (sqlite)"
    start_kairos "$dir"
    t0=$(date +%s)
    ids="$("$KAIROS" --data-dir "$dir" bench-seed --tenant bench --conversations "$n" | tail -n1)"
    log "  seeded $n in $(( $(date +%s) - t0 )) s: $ids"
    [[ -s "$ids" ]] || die "bench-seed did not produce an ids file"
    serve_kairos "$dir"
    res="$(run_load "$READ_RUNS" kairos-get-conversation "http://127.0.0.1:$PORT" "$KTOKEN" --ids-file "$ids")"
    read -r rps p50 p99 errs <<< "$res"
    fig kairos read "get_conversation_rps_$n" "$rps" "requests/s" "$errs"
    fig kairos read "get_conversation_p99_ms_$n" "$p99" ms "$errs"
    res="$(run_load "$READ_RUNS" kairos-list-conversations "http://127.0.0.1:$PORT" "$KTOKEN")"
    read -r rps p50 p99 errs <<< "$res"
    fig kairos read "list_conversations_rps_$n" "$rps" "requests/s" "$errs"
    fig kairos read "list_conversations_p99_ms_$n" "$p99" ms "$errs"
    fig kairos read "rss_mb_read_$n" "$(rss_mib VmRSS "$KPID")" MiB
    stop_kairos
    rm -rf "$dir"
  done
fi

if [[ "${BENCH_SKIP_PEER:-0}" != 1 ]]; then
  dir="$WORK/peer-read"
  mkdir -p "$dir"
  setup_peer "$dir"
  for n in $PEER_READ_SIZES; do
    log "$PEER_NAME reads at $n tickets (sqlite)"
    ids="$("$BENCH_DIR/peer/seed.sh" "$n" "$dir/ids-$n.txt" "$dir" 2>> "$dir.setup.log")"
    serve_peer "$dir"
    res="$(run_load "$READ_RUNS" helpdesk-get-ticket "$PEER_URL" "$PEER_TOKEN" --ids-file "$ids")"
    read -r rps p50 p99 errs <<< "$res"
    fig peer read "get_conversation_rps_$n" "$rps" "requests/s" "$errs"
    fig peer read "get_conversation_p99_ms_$n" "$p99" ms "$errs"
    res="$(run_load "$READ_RUNS" helpdesk-list-tickets "$PEER_URL" "$PEER_TOKEN")"
    read -r rps p50 p99 errs <<< "$res"
    fig peer read "list_conversations_rps_$n" "$rps" "requests/s" "$errs"
    fig peer read "list_conversations_p99_ms_$n" "$p99" ms "$errs"
    mapfile -t pids < <(peer_pids)
    fig peer read "rss_mb_read_$n" "$(rss_mib VmRSS "${pids[@]}")" MiB
    stop_peer
  done
fi

# ---------------------------------------------------------------- record
if [[ "${BENCH_NO_RECORD:-0}" == 1 ]]; then
  log "BENCH_NO_RECORD=1: not recording"
  cat "$FIGS"
  exit 0
fi
python3 - "$FIGS" "$RESULTS" "$DATE" "$COMMIT" "$PEER_NAME" "${BENCH_SKIP_KAIROS:-0}" <<'EOF'
import json, sys
figs_path, results, date, commit, peer_name, skip_kairos = sys.argv[1:]
figs = [json.loads(l) for l in open(figs_path) if l.strip()]
peer = {f["metric"]: f for f in figs if f["side"] == "peer"}
lines = []
for f in figs:
    if f["side"] != "kairos" and skip_kairos != "1":
        continue
    if f["side"] == "peer":  # peer-only run: record the peer's figures as such
        row = {"date": date, "commit": commit, "bench": f["bench"], "metric": f["metric"],
               "value": f["value"], "unit": f["unit"], "system": peer_name}
    else:
        row = {"date": date, "commit": commit, "bench": f["bench"], "metric": f["metric"],
               "value": f["value"], "unit": f["unit"]}
        p = peer.get(f["metric"])
        if p is not None:
            row["peer"] = peer_name
            row["peer_value"] = p["value"]
            ok = f["value"] is not None and p["value"]
            row["ratio"] = round(f["value"] / p["value"], 3) if ok else None
    if f.get("errors"):
        row["errors"] = f["errors"]
    lines.append(json.dumps(row))
with open(results, "a") as out:
    out.write("".join(l + "\n" for l in lines))
print(f"appended {len(lines)} lines to {results}", file=sys.stderr)
EOF
python3 "$BENCH_DIR/render.py" "$RESULTS" "${BENCH_RESULTS_MD:-$BENCH_DIR/RESULTS.md}"
log "done: $RESULTS, ${BENCH_RESULTS_MD:-$BENCH_DIR/RESULTS.md}"
