#!/usr/bin/env bash
# Inbound-mail benchmark: 10,000 mails over SMTP until all are on timelines. See bench/README.md.
#
#   bench/smtp.sh                 # 10,000 mails, 16 sessions, 3 runs, recorded
#   BENCH_QUICK=1 bench/smtp.sh   # smoke: 500 mails, 1 run, not recorded
#
# Environment: SMTP_MESSAGES [10000], SMTP_CONNECTIONS [16], BENCH_RUNS [3], BENCH_PORT [18091],
# BENCH_SMTP_PORT [12525], BENCH_NO_RECORD=1, BENCH_SKIP_BUILD=1, KAIROS_BIN, BENCH_RESULTS.
set -euo pipefail
shopt -s inherit_errexit

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
  : "${SMTP_MESSAGES:=500}" "${BENCH_RUNS:=1}" "${BENCH_NO_RECORD:=1}"
fi
MESSAGES="${SMTP_MESSAGES:-10000}"
CONNECTIONS="${SMTP_CONNECTIONS:-16}"
RUNS="${BENCH_RUNS:-3}"
PORT="${BENCH_PORT:-18091}"
SMTP_PORT="${BENCH_SMTP_PORT:-12525}"
RESULTS="${BENCH_RESULTS:-$BENCH_DIR/results.jsonl}"
KAIROS="${KAIROS_BIN:-$ROOT/target/release/kairos}"
SMTP="$BENCH_DIR/loadgen/target/release/smtp"
log() { printf '[smtp %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  log "building the SMTP client and kairos (release)"
  (cd "$BENCH_DIR/loadgen" && CARGO_TARGET_DIR="$BENCH_DIR/loadgen/target" cargo build --release --locked -q --bin smtp)
  [[ -n "${KAIROS_BIN:-}" ]] || (cd "$ROOT" && cargo build --release -p kairos -q)
fi

WORK="$(mktemp -d /tmp/kairos-smtp.XXXXXX)"
PID=""
cleanup() { [[ -n "$PID" ]] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

OUTS="$WORK/runs.jsonl"
for run in $(seq 1 "$RUNS"); do
  dir="$WORK/run$run"
  mkdir -p "$dir"
  "$KAIROS" --data-dir "$dir" tenant create bench >/dev/null
  token="$("$KAIROS" --data-dir "$dir" token create --tenant bench --role admin | tail -n1 | tr -d '[:space:]')"
  "$KAIROS" --data-dir "$dir" serve --listen "127.0.0.1:$PORT" --smtp-listen "127.0.0.1:$SMTP_PORT" > "$dir/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz" 2>/dev/null && break; sleep 0.1; done
  curl -fsS -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"address": "support@bench.test"}' "http://127.0.0.1:$PORT/api/v1/mail/addresses"
  out="$("$SMTP" --addr "127.0.0.1:$SMTP_PORT" --to support@bench.test --messages "$MESSAGES" \
    --connections "$CONNECTIONS" --server-pid "$PID")"
  # Every 250 must be a message on a timeline: count them through the API.
  on_log="$(python3 - "$PORT" "$token" <<'PY'
import json, sys, urllib.request
port, token = sys.argv[1:]
after, count = 0, 0
while True:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/events?after={after}&limit=500",
                                 headers={"Authorization": f"Bearer {token}"})
    page = json.load(urllib.request.urlopen(req))
    items = page["items"]
    if not items:
        break
    count += sum(1 for e in items if e["type"] == "message.appended")
    after = items[-1]["seq"]
print(count)
PY
)"
  out="$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["on_timelines"]=int(sys.argv[2]); print(json.dumps(d))' "$out" "$on_log")"
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
for r in rows:
    assert r["stored"] == r["messages"] == r["on_timelines"], f"lost mail: {r}"
n = rows[0]["messages"]
med = lambda k: round(statistics.median(r[k] for r in rows), 3)
figs = [
    ("smtp_messages_per_s_%d" % n, med("messages_per_s"), "msg/s"),
    ("smtp_p50_ms_%d" % n, med("p50_ms"), "ms"),
    ("smtp_p99_ms_%d" % n, med("p99_ms"), "ms"),
    ("smtp_rss_mb_after_%d" % n, med("rss_after_mib"), "MiB"),
]
lines = [json.dumps({"date": date, "commit": commit, "bench": "smtp-inbound", "metric": m, "value": v, "unit": u}) for m, v, u in figs]
print("\n".join(lines))
if no_record != "1":
    with open(results, "a") as f:
        f.write("".join(l + "\n" for l in lines))
PY
if [[ "${BENCH_NO_RECORD:-0}" != 1 ]]; then
  python3 "$BENCH_DIR/render.py" "$RESULTS" "${BENCH_RESULTS_MD:-$BENCH_DIR/RESULTS.md}"
fi
