#!/usr/bin/env bash
# Install the app, build the demo county on SQLite (first run only) and serve it.
# Extra arguments go to `dangjian demo`, e.g. `bash scripts/demo.sh --port 9000`.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh" ""
cd "$ROOT"
exec "$VENV/bin/dangjian" demo "$@"
