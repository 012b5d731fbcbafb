"""Two `dangjian serve --no-worker` processes on one data directory and one database, and one `dangjian worker`:
what one server learns, the other knows (lockouts, login rate limits, import progress, the data version), and the
import started through one runs in the worker. On SQLite, or on PostgreSQL when DATABASE_URL points there; with
REDIS_URL set the shared cache is Redis.

Each test uses accounts, organizations and client addresses of its own, so they do not meet.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
import time
import uuid

import pytest

from test_serve_proxy import PUBLIC_HOST, Visitor, new_installation, run_server

from conftest import id_number

PASSWORD = "Shared-2026-pass"
IMPORT_ROWS = 20_000  # enough rows for the import to report progress several times before it ends

SETUP = f"""
from django.contrib.auth.models import User
from dangjian.accounts.models import Role
from dangjian.accounts.security import set_password
from dangjian.accounts.services import grant_org
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.services import create_org

city = create_org(actor=None, parent=None, name="共享市委", code="S-CITY", kind=OrgKind.CITY_COMMITTEE,
                  level=Level.CITY)
for n in (1, 2):
    county = create_org(actor=None, parent=city, name=f"共享{{n}}县委", code=f"S-COUNTY{{n}}",
                        kind=OrgKind.COUNTY_COMMITTEE, level=Level.COUNTY)
    for code in (f"S-BRANCH{{n}}", f"S-SPARE{{n}}"):
        create_org(actor=None, parent=county, name=f"共享{{code}}党支部", code=code, kind=OrgKind.BRANCH,
                   level=Level.VILLAGE, domain=Domain.VILLAGE)
    user = User.objects.create_user(f"manager{{n}}")
    set_password(user, {PASSWORD!r}, actor=user, reason="测试账号")
    grant_org(user, county, Role.MANAGE)
for name in ("target", "sprayer"):
    user = User.objects.create_user(name)
    set_password(user, {PASSWORD!r}, actor=user, reason="测试账号")
"""


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    yield from new_installation(tmp_path_factory, SETUP)


@pytest.fixture(scope="module")
def served(installation, tmp_path_factory):
    """Server A and server B (their ports), both without a worker of their own, and one worker beside them."""
    logs = tmp_path_factory.mktemp("shared")
    # The manage role's second factor is not what this is about; four login attempts a minute per address.
    env = {**installation, "DANGJIAN_TOTP_ROLES": "", "DANGJIAN_LOGIN_RATE": "4/minute"}
    with open(logs / "worker.log", "w") as log:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and console entry point
            [sys.executable, "-m", "dangjian.cli", "worker", "--interval", "0.2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield from two_servers(env, logs)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def two_servers(env: dict, logs):
    """Yields the ports of two `dangjian serve --no-worker` of the installation `env`; stops them afterwards."""
    a = run_server(env, logs / "a.log", "--no-worker")
    b = run_server(env, logs / "b.log", "--no-worker")
    try:
        yield next(a), next(b)
    finally:
        for server in (a, b):
            server.close()


def visitor(port: int, source: str) -> Visitor:
    """A browser at `source` (its own loopback address, so lockouts and rate limits by address stay its own)."""
    return Visitor(port, forwarded_for=source, proto="http", source=source)


def signed_in(port: int, source: str, username: str) -> Visitor:
    browser = visitor(port, source)
    assert browser.login(username, PASSWORD).status == 302
    return browser


def csrf_token(browser: Visitor, path: str) -> str:
    page = browser.send("GET", path)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def upload_csv(browser: Visitor, text: str):
    token = csrf_token(browser, "/sheets/import/members/")
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="mode"\r\n\r\nimport\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="members.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n{text}\r\n",
        f"--{boundary}--\r\n",
    ]
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Origin": f"http://{PUBLIC_HOST}"}
    return browser.send("POST", "/sheets/import/members/", "".join(parts).encode(), headers)


def home_counts(browser: Visitor) -> tuple[int, int]:
    """(organizations, members) as the home page shows them."""
    page = browser.send("GET", "/").text
    orgs = re.search(r'id="org-total">([\d,]+)<', page).group(1)
    members = re.search(r'id="member-total">([\d,]+)<', page).group(1)
    return int(orgs.replace(",", "")), int(members.replace(",", ""))


def test_five_failed_logins_through_one_server_lock_the_account_on_the_other(served):
    a, b = served
    for n in range(5):  # five desks, one failure each: the account is locked, none of the addresses
        visitor(a, f"127.0.1.{n + 1}").login("target", "wrong-password")
    owner = visitor(b, "127.0.1.9").login("target", PASSWORD)
    assert owner.status == 429
    assert "登录失败次数过多" in owner.text


def test_the_login_rate_limit_counts_the_attempts_made_through_both_servers(served):
    a, b = served
    for port in (a, a, b, b):  # four attempts a minute, spent half here, half there
        assert visitor(port, "127.0.2.1").login("sprayer", "wrong-password").status == 200
    refused = visitor(a, "127.0.2.1").login("sprayer", "wrong-password")
    assert refused.status == 429
    assert "请求过于频繁" in refused.text


def test_an_import_started_through_one_server_runs_in_the_worker_with_its_progress_seen_through_the_other(served):
    a, b = served
    born = [datetime.date(1970, 1, 1) + datetime.timedelta(days=n // 1000) for n in range(IMPORT_ROWS)]
    rows = [f"S-BRANCH1,党员{n},男,{id_number(n % 1000, born[n])},,," for n in range(IMPORT_ROWS)]
    header = "所在党组织编码,姓名,性别,公民身份号码,出生日期,联系电话,入党日期"
    started = upload_csv(signed_in(a, "127.0.3.1", "manager1"), "\n".join([header, *rows]))
    assert started.status == 302, started.text[:500]
    job = int(re.search(r"/sheets/jobs/(\d+)/", started.headers["Location"]).group(1))

    watcher = signed_in(b, "127.0.3.2", "manager1")  # the same person, on the other server
    seen = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        answer = watcher.send("GET", f"/sheets/jobs/{job}/progress/")
        assert answer.status == 200
        progress = json.loads(answer.text)
        seen.append((progress["status"], progress["done"], progress["total"]))
        if progress["finished"]:
            break
        time.sleep(0.05)
    assert progress["status"] == "done", progress
    assert progress["created"] == IMPORT_ROWS
    running = [(done, total) for status, done, total in seen if status == "running" and 0 < done < total]
    assert running, seen[:20]  # the worker's progress, while its import's transaction was still open
    assert home_counts(watcher)[1] == IMPORT_ROWS


def test_a_write_through_one_server_renews_the_counts_the_other_shows(served):
    a, b = served
    reader = signed_in(b, "127.0.4.1", "manager2")
    orgs_before, _ = home_counts(reader)  # now cached by server B under the current data version
    writer = signed_in(a, "127.0.4.2", "manager2")
    [spare] = json.loads(writer.send("GET", "/orgs/search/?q=S-SPARE2&format=json").text)["results"]
    pk = spare["id"]
    token = csrf_token(writer, f"/orgs/{pk}/delete/")
    deleted = writer.send(
        "POST",
        f"/orgs/{pk}/delete/",
        f"csrfmiddlewaretoken={token}",
        {"Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://{PUBLIC_HOST}"},
    )
    assert deleted.status == 302, deleted.text[:500]
    assert home_counts(reader)[0] == orgs_before - 1
