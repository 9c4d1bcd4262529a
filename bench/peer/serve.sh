#!/usr/bin/env bash
# Serve the django-helpdesk peer with gunicorn (sync workers) on 127.0.0.1:PORT.
#
#   bench/peer/serve.sh PORT [DATA_DIR]
#
# Starts gunicorn in the background and prints the master PID on stdout.
# Stop it with: kill PID  (the master stops its workers).
# Env: HELPDESK_WORKERS (default 4), HELPDESK_BENCH_LOG (default DATA_DIR/gunicorn.log).
set -euo pipefail

PEER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PORT="${1:?usage: serve.sh PORT [DATA_DIR]}"
DATA_DIR="${2:-${HELPDESK_BENCH_DATA:-$PEER_DIR/data}}"
DATA_DIR="$(cd "$DATA_DIR" && pwd)"
export HELPDESK_BENCH_DATA="$DATA_DIR"
WORKERS="${HELPDESK_WORKERS:-4}"
LOG="${HELPDESK_BENCH_LOG:-$DATA_DIR/gunicorn.log}"
PIDFILE="$DATA_DIR/gunicorn.pid"

rm -f "$PIDFILE"
"$PEER_DIR/.venv/bin/gunicorn" \
  --chdir "$PEER_DIR/site" \
  --bind "127.0.0.1:$PORT" \
  --workers "$WORKERS" \
  --worker-class sync \
  --no-control-socket \
  --pid "$PIDFILE" \
  --error-logfile "$LOG" \
  --daemon \
  benchsite.wsgi:application

for _ in $(seq 1 100); do
  [[ -s "$PIDFILE" ]] && break
  sleep 0.1
done
[[ -s "$PIDFILE" ]] || { echo "gunicorn did not start; see $LOG" >&2; exit 1; }
cat "$PIDFILE"
