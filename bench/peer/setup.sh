#!/usr/bin/env bash
# Set up the django-helpdesk 2.6.1 benchmark peer. Idempotent; works from a clean clone.
#
#   bench/peer/setup.sh [DATA_DIR]
#
# - creates bench/peer/.venv and installs requirements.txt (django-helpdesk 2.6.1,
#   Django, djangorestframework, gunicorn, pinned)
# - migrates the SQLite database DATA_DIR/helpdesk.sqlite3 (default bench/peer/data)
# - creates staff superuser `bench`, its DRF token and the queue `bench`
# - prints `token=...` and `queue_id=...` on stdout (everything else goes to stderr)
set -euo pipefail

PEER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA_DIR="${1:-${HELPDESK_BENCH_DATA:-$PEER_DIR/data}}"
VENV="$PEER_DIR/.venv"
PYTHON="${PYTHON:-python3}"

mkdir -p "$DATA_DIR"
DATA_DIR="$(cd "$DATA_DIR" && pwd)"
export HELPDESK_BENCH_DATA="$DATA_DIR"

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "creating venv $VENV" >&2
  "$PYTHON" -m venv "$VENV" >&2
fi
stamp="$VENV/.requirements.sha256"
want="$(sha256sum "$PEER_DIR/requirements.txt" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "installing requirements into $VENV" >&2
  "$VENV/bin/pip" install --disable-pip-version-check -q -r "$PEER_DIR/requirements.txt" >&2
  echo "$want" > "$stamp"
fi

cd "$PEER_DIR/site"
"$VENV/bin/python" manage.py migrate --noinput -v0 >&2
"$VENV/bin/python" bootstrap.py
