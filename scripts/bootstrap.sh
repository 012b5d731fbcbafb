# Shared by demo.sh and test.sh: make the project's virtual environment and install into it.
# Usage: . scripts/bootstrap.sh "EXTRAS"   (EXTRAS empty for the app alone, "test" for the test tools)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${DANGJIAN_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "需要 Python 3.11 或更高版本 / Python 3.11+ is required" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
if [ -n "${1:-}" ]; then
  "$VENV/bin/python" -m pip install --quiet -e "$ROOT[$1]"
else
  "$VENV/bin/python" -m pip install --quiet -e "$ROOT"
fi
