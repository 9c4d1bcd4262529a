#!/usr/bin/env bash
# Anticipation end to end (bench `anticipation-e2e`): context events into a live `kairos serve`
# over HTTP and MQTT, and detection latency from the completing event to `anticipation.fired`
# on the event stream, with the shipped airport rules. See bench/README.md.
#
#   bench/anticipation_e2e.sh                 # 10,000 customers, 50,000 events per phase, 3 runs, recorded
#   BENCH_QUICK=1 bench/anticipation_e2e.sh   # smoke: 1,000 customers, 5,000 events, 1 run, not recorded
#
# Environment: E2E_CUSTOMERS [10000], E2E_EVENTS [50000] (per phase and run), E2E_CONNECTIONS [4],
# E2E_SAMPLE_EVERY [25] (every 25th customer has pickup history; a third of them per run),
# BENCH_RUNS [3], BENCH_PORT [18093], BENCH_MQTT_URL [mqtt://127.0.0.1:1883], BENCH_NO_RECORD=1,
# BENCH_SKIP_BUILD=1, KAIROS_BIN, BENCH_LOG_LEVEL [warn] (the server's), BENCH_RESULTS,
# BENCH_RESULTS_MD, CARGO_TARGET_DIR.
set -euo pipefail
shopt -s inherit_errexit

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
  : "${E2E_CUSTOMERS:=1000}" "${E2E_EVENTS:=5000}" "${BENCH_RUNS:=1}" "${BENCH_NO_RECORD:=1}"
fi
CUSTOMERS="${E2E_CUSTOMERS:-10000}"
EVENTS="${E2E_EVENTS:-50000}"
CONNECTIONS="${E2E_CONNECTIONS:-4}"
SAMPLE_EVERY="${E2E_SAMPLE_EVERY:-25}"
RUNS="${BENCH_RUNS:-3}"
PORT="${BENCH_PORT:-18093}"
MQTT_URL="${BENCH_MQTT_URL:-mqtt://127.0.0.1:1883}"
RESULTS="${BENCH_RESULTS:-$BENCH_DIR/results.jsonl}"
KAIROS="${KAIROS_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/kairos}"
log() { printf '[anticipation-e2e %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 && -z "${KAIROS_BIN:-}" ]]; then
  log "building kairos (release)"
  (cd "$ROOT" && cargo build --release -p kairos -q)
fi
hostport="${MQTT_URL#mqtt://}"
MQTT_HOST="${hostport%:*}"
MQTT_PORT="${hostport##*:}"

WORK="$(mktemp -d /tmp/kairos-antic-e2e.XXXXXX)"
PID=""
cleanup() { [[ -n "$PID" ]] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# A unique client id and topic per run of the script, so no broker-kept session or retained
# message of an earlier run gets in.
PREFIX="kairos-bench-$(date +%s)-$$"
cat > "$WORK/kairos.toml" <<EOF
[context_sources.mqtt]
url = "$MQTT_URL"
client_id = "$PREFIX"
session_expiry_secs = 60

[[context_sources.mqtt.subscriptions]]
topic = "$PREFIX/+/context"
EOF

"$KAIROS" --data-dir "$WORK/data" tenant create bench >/dev/null
token="$("$KAIROS" --data-dir "$WORK/data" token create --tenant bench --role admin | tail -n1 | tr -d '[:space:]')"
"$KAIROS" --data-dir "$WORK/data" --config "$WORK/kairos.toml" --log-level "${BENCH_LOG_LEVEL:-warn}" \
  serve --listen "127.0.0.1:$PORT" > "$WORK/server.log" 2>&1 &
PID=$!
ready=0
for _ in $(seq 1 300); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz" 2>/dev/null; then ready=1; break; fi
  sleep 0.1
done
if [[ "$ready" != 1 ]]; then log "server not ready within 30 s; log:"; tail -n 30 "$WORK/server.log" >&2; exit 1; fi

OUTS="$WORK/runs.jsonl"
if ! python3 "$BENCH_DIR/anticipation_e2e.py" --port "$PORT" --token "$token" --server-pid "$PID" \
  --rules "$ROOT/examples/anticipation/airport.rules" --customers "$CUSTOMERS" --events "$EVENTS" \
  --runs "$RUNS" --connections "$CONNECTIONS" --sample-every "$SAMPLE_EVERY" \
  --mqtt-host "$MQTT_HOST" --mqtt-port "$MQTT_PORT" \
  --topic "$PREFIX/bench/context" --topic-prefix "$PREFIX" > "$OUTS"; then
  log "failed; server log:"; tail -n 30 "$WORK/server.log" >&2; exit 1
fi
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""

DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
python3 - "$OUTS" "$RESULTS" "$DATE" "$COMMIT" "${BENCH_NO_RECORD:-0}" <<'PY'
import json, statistics, sys
outs, results, date, commit, no_record = sys.argv[1:]
rows = [json.loads(l) for l in open(outs) if l.strip()]
missed = [r for r in rows if r["detection_missed"]]
if missed:
    sys.exit(f"a pickup did not fire: {missed}")
n = rows[0]["customers"]
med = lambda k: round(statistics.median(r[k] for r in rows), 3)
figs = [
    ("http_events_per_s_%d" % n, med("http_events_per_s"), "events/s"),
    ("http_matched_events_per_s_%d" % n, med("http_matched_events_per_s"), "events/s"),
    ("http_batch_p99_ms_%d" % n, med("http_batch_p99_ms"), "ms"),
    ("mqtt_events_per_s_%d" % n, med("mqtt_events_per_s"), "events/s"),
    ("mqtt_matched_events_per_s_%d" % n, med("mqtt_matched_events_per_s"), "events/s"),
    ("detection_p50_ms_%d" % n, med("detection_p50_ms"), "ms"),
    ("detection_p99_ms_%d" % n, med("detection_p99_ms"), "ms"),
    ("rss_mb_after_%d" % n, med("rss_mb_after"), "MiB"),
]
lines = [json.dumps({"date": date, "commit": commit, "bench": "anticipation-e2e", "metric": m,
                     "value": v, "unit": u}) for m, v, u in figs]
print("\n".join(lines))
if no_record != "1":
    with open(results, "a") as f:
        f.write("".join(l + "\n" for l in lines))
PY
if [[ "${BENCH_NO_RECORD:-0}" != 1 ]]; then
  python3 "$BENCH_DIR/render.py" "$RESULTS" "${BENCH_RESULTS_MD:-$BENCH_DIR/RESULTS.md}"
fi
