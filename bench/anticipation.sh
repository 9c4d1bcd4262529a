#!/usr/bin/env bash
# Anticipation engine benchmark (bench `anticipation`): the airport scenario generated at
# scale and replayed through the engine in process, on one core. See bench/README.md.
#
# Knobs (env): BENCH_ANTIC_CUSTOMERS (1000000), BENCH_ANTIC_RUNS (3), BENCH_SKIP_BUILD=1,
# BENCH_NO_RECORD=1 (print only), BENCH_RESULTS, BENCH_RESULTS_MD, CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

CUSTOMERS="${BENCH_ANTIC_CUSTOMERS:-1000000}"
RUNS="${BENCH_ANTIC_RUNS:-3}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
RESULTS="${BENCH_RESULTS:-bench/results.jsonl}"
RESULTS_MD="${BENCH_RESULTS_MD:-bench/RESULTS.md}"

if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  cargo build --release -p kairos-anticipation --example bench >&2
fi
BIN="$TARGET_DIR/release/examples/bench"

# One core: pin to CPU 0 when taskset exists (the engine is single-threaded anyway).
PIN=()
if command -v taskset >/dev/null 2>&1; then PIN=(taskset -c 0); fi
OUT="$("${PIN[@]}" "$BIN" --customers "$CUSTOMERS" --runs "$RUNS")"
echo "$OUT"

if [ -n "${BENCH_NO_RECORD:-}" ]; then exit 0; fi

COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
python3 - "$OUT" "$RESULTS" "$COMMIT" <<'PY'
import datetime, json, sys
r = json.loads(sys.argv[1])
n = r["customers"]
date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
rows = [
    ("events_per_s", r["events_per_s"], "events/s"),
    ("p50_ms", r["p50_us"] / 1000, "ms"),
    ("p99_ms", r["p99_us"] / 1000, "ms"),
    ("p999_ms", r["p999_us"] / 1000, "ms"),
    ("p99_detection_ms", r["p99_detection_us"] / 1000, "ms"),
    ("tracked_customers_peak", r["tracked_customers_peak"], "customers"),
    ("bytes_per_tracked_customer", r["bytes_per_tracked_customer"], "B"),
    ("events", r["events"], "events"),
]
with open(sys.argv[2], "a") as f:
    for metric, value, unit in rows:
        f.write(json.dumps({"date": date, "commit": sys.argv[3], "bench": "anticipation",
                            "metric": f"anticipation_{metric}_{n}", "value": value, "unit": unit}) + "\n")
PY
python3 bench/render.py "$RESULTS" "$RESULTS_MD"
