#!/usr/bin/env bash
# Seed the django-helpdesk peer with exactly N tickets (ORM bulk insert) for the read benchmarks.
#
#   bench/peer/seed.sh N IDS_FILE [DATA_DIR]
#
# Prints IDS_FILE (one ticket id per line) on stdout.
set -euo pipefail
PEER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
N="${1:?usage: seed.sh N IDS_FILE [DATA_DIR]}"
IDS="${2:?usage: seed.sh N IDS_FILE [DATA_DIR]}"
DATA_DIR="${3:-${HELPDESK_BENCH_DATA:-$PEER_DIR/data}}"
export HELPDESK_BENCH_DATA="$(cd "$DATA_DIR" && pwd)"
cd "$PEER_DIR/site"
"$PEER_DIR/.venv/bin/python" seed.py "$N" "$IDS"
