"""`dangjian serve` behind a reverse proxy, through the real server: waitress in a subprocess, spoken to over TCP as
nginx would (X-Forwarded-For/-Proto/-Host), and by peers that send the same headers without being the proxy.

The server runs on the same kind of database as the suite (SQLite, or PostgreSQL when DATABASE_URL points there), in
an installation of its own: pytest-django's test database lives in a transaction another process cannot see.
Each server starts once for the module; the tests use their own accounts and client addresses, so they do not meet.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from dangjian.core.proxy import behind_proxy, trusted_proxies

PUBLIC_HOST = "dangjian.example.cn"
PASSWORD = "Serve-2026-pass"
ACCOUNTS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")
HSTS = "max-age=31536000; includeSubDomains"
PG_SERVER = os.environ.get("DANGJIAN_TEST_PG_SERVER", "postgres://postgres@127.0.0.1:5432")

SETUP = f"""
from django.contrib.auth.models import User
from dangjian.accounts.security import set_password
for name in {ACCOUNTS!r}:
    user = User.objects.create_user(name)
    set_password(user, {PASSWORD!r}, actor=user, reason="测试账号")
"""


def dangjian(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and console entry point, fixed arguments
        [sys.executable, "-m", "dangjian.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def audit_rows(env: dict, username: str) -> list[list]:
    """(action, address, success) of the user's login records, oldest first, read by the installation itself."""
    probe = (
        "import json; from dangjian.core.models import AuditLog;"
        f"print(json.dumps(list(AuditLog.objects.filter(username={username!r}, action__startswith='login')"
        ".order_by('seq').values_list('action', 'ip', 'success'))))"
    )
    return json.loads(dangjian(env, "shell", "--no-imports", "-c", probe))


def with_database(url: str, name: str) -> str:
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def new_installation(tmp_path_factory, setup: str, *, postgres: bool | None = None):
    """A migrated installation on the suite's kind of database (or on PostgreSQL whatever the suite's, with
    `postgres=True`: the server DATABASE_URL names, else DANGJIAN_TEST_PG_SERVER's), `setup` run in its shell; yields
    its environment, without any DANGJIAN_* of the caller, and drops its PostgreSQL database afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGJIAN_")}
    env["DANGJIAN_DATA_DIR"] = str(tmp_path_factory.mktemp("served"))
    database = ""
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if postgres or on_postgres:
        import psycopg

        server = os.environ["DATABASE_URL"] if on_postgres else PG_SERVER
        database = f"dj_serve_{uuid.uuid4().hex[:10]}"
        admin_url = with_database(server, "postgres")  # the server's own, not the suite's
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = with_database(server, database)
    else:
        env.pop("DATABASE_URL", None)
    try:
        dangjian(env, "migrate", "-v0")
        dangjian(env, "shell", "--no-imports", "-c", setup)
        yield env
    finally:
        if database:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    """A migrated installation with the test accounts."""
    yield from new_installation(tmp_path_factory, SETUP)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_server(env: dict, log_path, *args: str, **extra: str):
    """`dangjian serve` (with `args`) on a free port; yields the port once it accepts connections, stops it
    afterwards."""
    port = free_port()
    with open(log_path, "w") as log:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and console entry point
            [sys.executable, "-m", "dangjian.cli", "serve", "--port", str(port), *args],
            env={**env, **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"dangjian serve did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def proxied(installation, tmp_path_factory):
    """The documented set-up: nginx on the same machine, HTTPS at nginx."""
    log = tmp_path_factory.mktemp("proxied") / "serve.log"
    yield from run_server(installation, log, DANGJIAN_TRUSTED_PROXY="1", DANGJIAN_HTTPS="1")


@pytest.fixture(scope="module")
def direct(installation, tmp_path_factory):
    """No proxy configured (the default), still HTTPS: nobody's forwarded headers count."""
    log = tmp_path_factory.mktemp("direct") / "serve.log"
    yield from run_server(installation, log, DANGJIAN_HTTPS="1")


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str


class Visitor:
    """One browser: its own cookies, reaching the server from `source` with the headers nginx would add
    (`forwarded_for` as it arrives after nginx appended the client's address, `proto` as nginx saw it)."""

    def __init__(self, port: int, *, forwarded_for: str, proto: str = "https", source: str = "127.0.0.1"):
        self.port, self.source, self.proto = port, source, proto
        self.forwarded = {"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": proto, "X-Forwarded-Host": PUBLIC_HOST}
        self.cookies: dict[str, str] = {}  # kept by hand: a cookie marked Secure still comes back over this plain TCP

    def send(self, method: str, path: str, body: str | None = None, headers: dict | None = None) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(self.source, 0))
        sent = {"Host": PUBLIC_HOST, **self.forwarded, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            answer = Answer(response.status, response.headers, response.read().decode())
        finally:
            conn.close()
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return answer

    def login(self, username: str, password: str) -> Answer:
        page = self.send("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        body = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        # A browser sends the page's origin with every POST: the public https address it sees.
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": f"{self.proto}://{PUBLIC_HOST}"}
        return self.send("POST", "/accounts/login/", body, headers)


# --- through the real server --------------------------------------------------------------------------------------


def test_five_failed_logins_lock_out_that_client_and_not_another_behind_the_same_proxy(proxied):
    attacker = Visitor(proxied, forwarded_for="203.0.113.7")
    for _ in range(5):
        attacker.login("alpha", "wrong-password")
    refused = attacker.login("bravo", PASSWORD)
    assert refused.status == 429
    assert "登录失败次数过多" in refused.text
    colleague = Visitor(proxied, forwarded_for="198.51.100.8")  # same proxy, another desk
    assert colleague.login("bravo", PASSWORD).status == 302


def test_the_audit_log_records_each_clients_own_address_not_the_proxys(proxied, installation):
    Visitor(proxied, forwarded_for="203.0.113.20").login("charlie", "wrong-password")
    # A client that sends its own X-Forwarded-For: nginx appends the address it saw, and that one is believed.
    Visitor(proxied, forwarded_for="6.6.6.6, 198.51.100.21").login("charlie", PASSWORD)
    assert audit_rows(installation, "charlie") == [
        ["login_failed", "203.0.113.20", False],
        ["login", "198.51.100.21", True],
    ]


def test_a_login_over_https_through_the_proxy_passes_the_origin_check_and_gets_hsts(proxied):
    visitor = Visitor(proxied, forwarded_for="203.0.113.30")
    response = visitor.login("delta", PASSWORD)
    assert response.status == 302, response.text[:500]
    assert response.headers["Location"] == "/"
    assert response.headers["Strict-Transport-Security"] == HSTS
    session_cookie = next(c for c in response.headers.get_all("Set-Cookie") if c.startswith("sessionid="))
    assert "Secure" in session_cookie
    home = visitor.send("GET", "/")
    assert home.status == 200
    assert "no-store" in home.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("server", "peer", "account"),
    [("proxied", "127.0.0.2", "echo"), ("direct", "127.0.0.1", "foxtrot")],
    ids=["a-peer-that-is-not-the-proxy", "no-proxy-configured"],
)
def test_forwarded_headers_from_anyone_but_the_trusted_proxy_are_ignored(request, installation, server, peer, account):
    port = request.getfixturevalue(server)
    forged_https = Visitor(port, forwarded_for="192.0.2.50", source=peer).login(account, PASSWORD)
    assert forged_https.status == 403  # plain HTTP after all: the page's https origin is not this site's
    assert "提交未被接受" in forged_https.text
    assert "Strict-Transport-Security" not in forged_https.headers

    Visitor(port, forwarded_for="192.0.2.51", proto="http", source=peer).login(account, "wrong-password")
    assert audit_rows(installation, account) == [["login_failed", peer, False]]


# --- the rule itself, without a server ----------------------------------------------------------------------------


def test_the_setting_takes_1_for_the_local_host_or_addresses_and_networks():
    assert trusted_proxies("") == () and trusted_proxies("0") == ()
    assert trusted_proxies("1") == ("127.0.0.1/32", "::1/128")
    assert trusted_proxies("10.0.0.5, 10.1.0.0/16 fd00::1") == ("10.0.0.5/32", "10.1.0.0/16", "fd00::1/128")
    with pytest.raises(ImproperlyConfigured, match="'nginx' is not an IP address or network"):
        trusted_proxies("nginx")


def seen_by_the_app(proxies, peer: str, headers: dict) -> dict:
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        start_response("200 OK", [])
        return [b""]

    environ = {"REMOTE_ADDR": peer, "wsgi.url_scheme": "http", "HTTP_HOST": "10.9.9.9:8000", **headers}
    behind_proxy(app, proxies)(environ, lambda *a: None)
    return seen


FORWARDED = {
    "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9",
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_FORWARDED_HOST": PUBLIC_HOST,
}


@pytest.mark.parametrize("peer", ["10.0.0.5", "::ffff:10.0.0.5"])
def test_a_proxy_in_a_trusted_network_gives_the_client_address_scheme_and_host(peer):
    seen = seen_by_the_app(trusted_proxies("10.0.0.0/24"), peer, FORWARDED)
    assert seen["REMOTE_ADDR"] == "203.0.113.9"
    assert seen["wsgi.url_scheme"] == "https"
    assert seen["HTTP_HOST"] == PUBLIC_HOST


@pytest.mark.parametrize(("setting", "peer"), [("10.0.0.0/24", "10.0.1.5"), ("", "127.0.0.1"), ("1", "unix")])
def test_anyone_else_keeps_its_own_address_and_loses_the_forwarded_headers(setting, peer):
    seen = seen_by_the_app(trusted_proxies(setting), peer, FORWARDED)
    assert seen["REMOTE_ADDR"] == peer
    assert seen["wsgi.url_scheme"] == "http"
    assert not [key for key in seen if key.startswith("HTTP_X_FORWARDED")]
