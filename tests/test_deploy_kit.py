"""The deployment kit (deploy/) started on this machine: Debian's nginx with the rendered configuration, over TLS,
in front of two `dangjian serve --no-worker` processes and one `dangjian worker` on one installation, as systemd
would run them (deploy/systemd/), on ports of its own, as the user running the tests.

Requests go through nginx only, which spreads them round-robin; its access log (the kit's log format) says which app
process answered each one, so the tests can show that what one process learned, the other one knew.
On the suite's kind of database (SQLite, or PostgreSQL when DATABASE_URL points there). nginx comes from
scripts/test.sh (apt-get as root); without it these tests fail rather than pass unseen.
"""

from __future__ import annotations

import datetime
import http.client
import importlib.util
import json
import re
import ssl
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from test_serve_proxy import PUBLIC_HOST, audit_rows, dangjian, free_port, new_installation, run_server

from conftest import id_number

pytestmark = pytest.mark.deployment

ROOT = Path(__file__).resolve().parents[1]
# The kit's pieces for one machine without root (the self-signed certificate, nginx's main configuration), shared
# with the load test.
_spec = importlib.util.spec_from_file_location("localkit", ROOT / "deploy" / "localkit.py")
localkit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(localkit)
PASSWORD = "Deploy-2026-pass"


def tagged(path: str) -> str:
    """`path` with a query of its own, so its access-log line is told apart from every other request's."""
    return f"{path}{'&' if '?' in path else '?'}tag={uuid.uuid4().hex}"


IMPORT_ROWS = 20_000

SETUP = f"""
from django.contrib.auth.models import User
from dangjian.accounts.models import Role
from dangjian.accounts.security import set_password
from dangjian.accounts.services import grant_org
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.services import create_org

city = create_org(actor=None, parent=None, name="部署市委", code="D-CITY", kind=OrgKind.CITY_COMMITTEE,
                  level=Level.CITY)
create_org(actor=None, parent=city, name="部署村党支部", code="D-BRANCH", kind=OrgKind.BRANCH,
           level=Level.VILLAGE, domain=Domain.VILLAGE)
manager = User.objects.create_user("manager")
set_password(manager, {PASSWORD!r}, actor=manager, reason="测试账号")
grant_org(manager, city, Role.MANAGE)
for name in ("target", "walker"):
    user = User.objects.create_user(name)
    set_password(user, {PASSWORD!r}, actor=user, reason="测试账号")
"""


def nginx_binary() -> str:
    found = localkit.nginx_binary()
    if not found:
        pytest.fail("缺少 nginx：请运行 scripts/test.sh（以 root 身份时自动安装），或 apt-get install nginx")
    return found


@dataclass
class Kit:
    https: int
    http: int
    apps: tuple[str, str]  # the upstream addresses of app A and app B, as nginx's log names them
    folder: Path
    env: dict

    def log(self) -> list[dict]:
        """The kit's access log, oldest first: request line, status, upstream."""
        return self._read()

    def line(self, method: str, target: str) -> dict:
        """The log line of the one request sent as `method target`. nginx writes it a moment after the answer is
        out (a client may already have sent its next request), so a test never takes "the last line": it tags each
        request it needs to attribute with a target of its own (see `tagged`) and waits for that line."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = [e for e in self._read() if e["request"].split(" ")[:2] == [method, target]]
            if found:
                assert len(found) == 1, found
                return found[0]
            time.sleep(0.01)
        pytest.fail(f"nginx logged no line for {method} {target}")

    def _read(self) -> list[dict]:
        pattern = re.compile(
            r'^(?P<client>\S+) \[[^]]+\] "(?P<request>[^"]*)" (?P<status>\d+) \d+ upstream=(?P<up>\S+)'
        )
        lines = (self.folder / "logs" / "dangjian.access.log").read_text().splitlines()
        return [m.groupdict() for m in map(pattern.match, lines) if m]


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    yield from new_installation(tmp_path_factory, SETUP)


@pytest.fixture(scope="module")
def kit(installation, tmp_path_factory):
    binary = nginx_binary()
    folder = tmp_path_factory.mktemp("deploy")
    (folder / "logs").mkdir()
    static_root = folder / "static"
    env_file = folder / "dangjian.env"
    env_file.write_text(
        (ROOT / "deploy" / "dangjian.env.example")
        .read_text()
        .replace("/srv/dangjian/static", str(static_root))
        .replace("DANGJIAN_IMPORT_MAX_MB=50", "DANGJIAN_IMPORT_MAX_MB=5")
    )
    # The app processes read the kit's settings of the env file; the installation keeps its database and data dir.
    kit_settings = {
        key: value
        for key, value in (
            line.split("=", 1) for line in env_file.read_text().splitlines() if re.match(r"^[A-Z]", line)
        )
        if key not in ("DATABASE_URL", "DANGJIAN_DATA_DIR")
    }
    env = {**installation, **kit_settings, "DANGJIAN_TOTP_ROLES": ""}
    dangjian(env, "collectstatic", "--noinput", "-v0")

    with open(folder / "worker.log", "w") as log:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and console entry point
            [sys.executable, "-m", "dangjian.cli", "worker", "--interval", "0.2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    a = run_server(env, folder / "a.log", "--no-worker")
    b = run_server(env, folder / "b.log", "--no-worker")
    nginx = None
    try:
        ports = (next(a), next(b))
        cert, key = localkit.self_signed(folder, PUBLIC_HOST)
        https, http = free_port(), free_port()
        rendered = localkit.render_site(env_file, list(ports), https, http, (cert, key), folder / "logs")
        site = folder / "dangjian.conf"
        site.write_text(rendered)
        conf = localkit.nginx_conf(folder, site, workers="1")
        checked = subprocess.run([binary, "-t", "-c", str(conf), "-e", str(folder / "error.log")], capture_output=True)  # noqa: S603
        assert checked.returncode == 0, checked.stderr.decode()
        nginx = subprocess.Popen([binary, "-c", str(conf), "-e", str(folder / "error.log")])  # noqa: S603
        deadline = time.monotonic() + 30
        while not (folder / "nginx.pid").exists():
            if nginx.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"nginx did not start:\n{(folder / 'error.log').read_text()[-3000:]}")
            time.sleep(0.05)
        yield Kit(https, http, tuple(f"127.0.0.1:{p}" for p in ports), folder, env)
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=15)
        for server in (a, b):
            server.close()
        worker.terminate()
        worker.wait(timeout=30)


class Browser:
    """A browser at `source` (a loopback address of its own) speaking HTTPS to nginx, keeping its cookies."""

    def __init__(self, kit: Kit, source: str):
        self.kit, self.source = kit, source
        self.cookies: dict[str, str] = {}
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate

    def send(self, method: str, path: str, body=None, headers: dict | None = None):
        conn = http.client.HTTPSConnection(
            "127.0.0.1", self.kit.https, timeout=60, source_address=(self.source, 0), context=self.context
        )
        sent = {"Host": PUBLIC_HOST, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            sent["Origin"] = f"https://{PUBLIC_HOST}"
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return response, text

    def token(self, path: str) -> str:
        _, page = self.send("GET", path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def post_login(self, token: str, username: str, password: str, headers: dict | None = None, path=None):
        body = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        form = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.send("POST", path or "/accounts/login/", body, form)

    def login(self, username: str):
        response, text = self.post_login(self.token("/accounts/login/"), username, PASSWORD)
        assert response.status == 302, text[:500]


def test_a_lockout_made_through_one_app_process_is_seen_by_the_other(kit):
    failures = []
    for n in range(1, 6):  # five desks, one failure each: the account is locked, none of the addresses
        desk = Browser(kit, f"127.0.8.{n}")
        target = tagged("/accounts/login/")
        desk.post_login(desk.token("/accounts/login/"), "target", "wrong-password", path=target)
        failures.append(kit.line("POST", target))
    assert [e["status"] for e in failures] == ["200"] * 4 + ["429"]  # the fifth failure locks the account
    busiest = max(kit.apps, key=lambda app: sum(e["up"] == app for e in failures))

    owner = Browser(kit, "127.0.8.9")
    for _ in range(4):  # round-robin: once a page came from the busiest process, the next request goes to the other
        page = tagged("/accounts/login/")
        token = owner.token(page)
        if kit.line("GET", page)["up"] == busiest:
            break
    target = tagged("/accounts/login/")
    response, text = owner.post_login(token, "target", PASSWORD, path=target)
    assert response.status == 429
    assert "登录失败次数过多" in text
    refused_by = kit.line("POST", target)["up"]
    assert refused_by != busiest
    # The process that refused had itself answered fewer than five of the failures: it knew of the other's.
    assert sum(e["up"] == refused_by for e in failures) < 5


def test_an_imports_progress_started_through_one_app_process_is_seen_on_the_other(kit):
    """Each poll's answer is matched with the process that gave it (the line nginx logs once the answer is out)."""
    manager = Browser(kit, "127.0.9.2")
    manager.login("manager")
    born = [datetime.date(1980, 1, 1) + datetime.timedelta(days=n // 1000) for n in range(IMPORT_ROWS)]
    rows = [f"D-BRANCH,党员乙{n},女,{id_number(n % 1000, born[n])},,," for n in range(IMPORT_ROWS)]
    header = "所在党组织编码,姓名,性别,公民身份号码,出生日期,联系电话,入党日期"
    token = manager.token("/sheets/import/members/")
    boundary = uuid.uuid4().hex
    body = "".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="mode"\r\n\r\nimport\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="members.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n{chr(10).join([header, *rows])}\r\n",
            f"--{boundary}--\r\n",
        ]
    ).encode()
    upload_path = tagged("/sheets/import/members/")
    started, text = manager.send(
        "POST", upload_path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    assert started.status == 302, text[:500]
    job = int(re.search(r"/sheets/jobs/(\d+)/", started.headers["Location"]).group(1))
    upload = kit.line("POST", upload_path)
    answers = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        poll = tagged(f"/sheets/jobs/{job}/progress/")
        answer, text = manager.send("GET", poll)
        assert answer.status == 200, text[:500]
        progress = json.loads(text)
        answers.append((kit.line("GET", poll)["up"], progress["status"], progress["done"], progress["total"]))
        if progress["finished"]:
            break
        time.sleep(0.05)
    assert progress["status"] == "done", progress
    assert progress["created"] == IMPORT_ROWS
    running_on = {up for up, status, done, total in answers if status == "running" and 0 < done < total}
    assert upload["up"] in kit.apps
    assert running_on == set(kit.apps), answers[:20]  # the process that took the upload, and the other one


def test_the_audit_log_records_the_client_address_nginx_passed_on(kit):
    browser = Browser(kit, "127.0.10.7")
    token = browser.token("/accounts/login/")
    # A client that forges its own X-Forwarded-For: nginx replaces it with the address it saw.
    browser.post_login(token, "walker", "wrong-password", {"X-Forwarded-For": "6.6.6.6"})
    browser.login("walker")
    assert audit_rows(kit.env, "walker") == [["login_failed", "127.0.10.7", False], ["login", "127.0.10.7", True]]


def test_healthz_answers_through_nginx_with_the_workers_heartbeat(kit):
    response, text = Browser(kit, "127.0.11.1").send("GET", "/healthz")
    assert response.status == 200
    body = json.loads(text)
    assert body["status"] == "ok", body
    assert body["database"]["ok"] and body["cache"]["ok"] and body["worker"]["ok"]
    assert body["worker"]["heartbeat_age_s"] < 60


def test_nginx_serves_the_static_files_and_sends_plain_http_to_https(kit):
    static_root = Path(kit.env["DANGJIAN_STATIC_ROOT"])
    sample = next(p for p in sorted(static_root.rglob("*.css")))
    assert sample.stat().st_mode & 0o044 == 0o044  # readable by nginx's user: static files are public
    response, text = Browser(kit, "127.0.11.2").send("GET", f"/static/{sample.relative_to(static_root)}")
    assert response.status == 200
    assert text == sample.read_text()
    assert response.headers["Cache-Control"] == "max-age=604800"  # nginx's `expires 7d`, not the app's

    conn = http.client.HTTPConnection("127.0.0.1", kit.http, timeout=10)
    conn.request("GET", "/orgs/?x=1", headers={"Host": PUBLIC_HOST})
    redirect = conn.getresponse()
    assert redirect.status == 301
    assert redirect.headers["Location"] == f"https://{PUBLIC_HOST}/orgs/?x=1"
    conn.close()


def test_the_rendered_configuration_takes_its_limits_and_names_from_the_env_file(kit):
    site = (kit.folder / "dangjian.conf").read_text()
    assert "client_max_body_size 6m;" in site  # DANGJIAN_IMPORT_MAX_MB=5, plus the form around the file
    assert f"server_name {PUBLIC_HOST};" in site
    for header in ("X-Forwarded-For   $remote_addr", "X-Forwarded-Proto $scheme", "X-Forwarded-Host  $host"):
        assert site.count(f"proxy_set_header {header};") == 2  # in both proxied locations
    assert "@" not in re.sub(r"#.*", "", site)  # no placeholder left
