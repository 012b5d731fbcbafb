#!/usr/bin/env bash
# Install the test extras (and Debian's Chromium for the browser tests) and run the whole suite.
# Set DATABASE_URL to run it on PostgreSQL; extra arguments go to pytest.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh" "test"
cd "$ROOT"

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "安装 Chromium（浏览器测试用）/ installing Debian's Chromium for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "缺少 chromium：请先安装（Debian: apt-get install chromium）/ chromium is missing" >&2
    exit 1
  fi
fi

# The quarterly bulletin's test opens the .docx in LibreOffice and reads the PDF back (pdftotext).
if ! command -v libreoffice >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "安装 LibreOffice 与 poppler-utils（通报测试用）/ installing LibreOffice and poppler-utils for the bulletin tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui libreoffice-calc-nogui \
      poppler-utils fonts-noto-cjk >/dev/null
  else
    echo "缺少 libreoffice 或 pdftotext：请先安装（Debian: apt-get install libreoffice-writer-nogui poppler-utils）" >&2
    exit 1
  fi
fi

# The deployment kit's test starts Debian's nginx (as the invoking user, on ports of its own) in front of the app.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "安装 nginx（部署套件测试用）/ installing Debian's nginx for the deployment kit's test"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  else
    echo "缺少 nginx：请先安装（Debian: apt-get install nginx）/ nginx is missing" >&2
    exit 1
  fi
fi

# The suite runs in one worker per core (pytest-xdist), a test file to a worker: the files that start servers,
# browsers and LibreOffice wait on them, and the two-core machine's suite on two databases fits CI's time only so.
# DANGJIAN_TEST_WORKERS=0 runs it in this process.
WORKERS="${DANGJIAN_TEST_WORKERS:-auto}"

# pytest exits 5 when it collected no test: that must fail, never pass silently.
set +e
"$VENV/bin/pytest" -n "$WORKERS" --dist loadfile "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
  echo "没有运行任何测试 / no tests ran" >&2
  exit 1
fi
exit "$status"
