"""Fault drills as tests, on real processes: a worker or an app process killed outright (kill -9) in the middle of an
import, PostgreSQL dropping the app's connections, the disk filling up during a backup. Each shows what a user or an
operator notices: nothing half-written, the job failed with its message, a clean re-run, a clear error in Chinese.

The installation is of the suite's kind of database (SQLite, or PostgreSQL when DATABASE_URL points there); the
connection drill is PostgreSQL's by nature and runs on a database of its own there in either case.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from dangjian.sheets.jobs import ABANDONED_MESSAGE
from test_serve_proxy import dangjian, new_installation, run_server, with_database
from test_shared_state import signed_in, upload_csv

from conftest import id_number

PASSWORD = "Shared-2026-pass"  # test_shared_state's helpers sign in with it
ROWS = 60_000  # an import long enough to be caught in the middle
HEADER = "所在党组织编码,姓名,性别,公民身份号码,出生日期,联系电话,入党日期"

SETUP = f"""
from django.contrib.auth.models import User
from dangjian.accounts.models import Role
from dangjian.accounts.security import set_password
from dangjian.accounts.services import grant_org
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.services import create_org

city = create_org(actor=None, parent=None, name="演练市委", code="F-CITY", kind=OrgKind.CITY_COMMITTEE,
                  level=Level.CITY)
for code in ("F-WORKER", "F-APP", "F-WRITE"):
    create_org(actor=None, parent=city, name=f"演练{{code}}党支部", code=code, kind=OrgKind.BRANCH,
               level=Level.VILLAGE, domain=Domain.VILLAGE)
manager = User.objects.create_user("manager")
set_password(manager, {PASSWORD!r}, actor=manager, reason="测试账号")
grant_org(manager, city, Role.MANAGE)
"""


def members_csv(code: str) -> str:
    born = [datetime.date(1960, 1, 1) + datetime.timedelta(days=n // 1000) for n in range(ROWS)]
    return "\n".join([HEADER, *(f"{code},党员{n},男,{id_number(n % 1000, born[n])},,," for n in range(ROWS))])


def members_of(env: dict, code: str) -> int:
    probe = f"from dangjian.members.models import Member; print(Member.objects.filter(org__code={code!r}).count())"
    return int(dangjian(env, "shell", "--no-imports", "-c", probe))


def progress(browser, job: int) -> dict:
    answer = browser.send("GET", f"/sheets/jobs/{job}/progress/")
    assert answer.status == 200
    return json.loads(answer.text)


def wait_until_running(browser, job: int) -> dict:
    """The job's progress once its import is under way (rows read, its transaction open)."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        seen = progress(browser, job)
        if seen["status"] == "running" and 0 < seen["done"] < seen["total"]:
            return seen
        assert not seen["finished"], seen  # too fast to be caught: ROWS too small for this machine
        time.sleep(0.05)
    pytest.fail("the import never reported progress")


def wait_finished(browser, job: int) -> dict:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        seen = progress(browser, job)
        if seen["finished"]:
            return seen
        time.sleep(0.2)
    pytest.fail(f"job {job} did not finish")


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    with open(log, "a") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and console entry point
            [sys.executable, "-m", "dangjian.cli", "worker", "--interval", "0.2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    yield from new_installation(tmp_path_factory, SETUP)


@pytest.fixture(scope="module")
def env(installation):
    return {**installation, "DANGJIAN_TOTP_ROLES": ""}


def job_of(started) -> int:
    assert started.status == 302, started.text[:500]
    return int(re.search(r"/sheets/jobs/(\d+)/", started.headers["Location"]).group(1))


def test_a_worker_killed_during_an_import_leaves_nothing_and_its_job_fails_and_a_rerun_makes_no_duplicate(
    env, tmp_path
):
    worker = start_worker(env, tmp_path / "worker.log")
    server = run_server(env, tmp_path / "serve.log", "--no-worker")
    port = next(server)
    try:
        browser = signed_in(port, "127.0.20.1", "manager")
        text = members_csv("F-WORKER")
        job = job_of(upload_csv(browser, text))
        wait_until_running(browser, job)
        readers = children_of(worker.pid)
        assert readers  # the import's reader processes, forked by the worker
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        assert all_gone(readers)  # they die with it: none keeps its database connection and its locks

        assert members_of(env, "F-WORKER") == 0  # its transaction never committed: nothing partial
        assert progress(browser, job)["status"] == "running"  # nobody knows yet
        worker = start_worker(env, tmp_path / "worker.log")  # systemd restarts it
        failed = wait_finished(browser, job)
        assert failed["status"] == "failed"
        assert failed["message"] == ABANDONED_MESSAGE

        again = wait_finished(browser, job_of(upload_csv(browser, text)))  # the user uploads the file again
        assert (again["status"], again["created"]) == ("done", ROWS)
        assert members_of(env, "F-WORKER") == ROWS  # once each
    finally:
        server.close()
        stop(worker)


def test_an_app_process_killed_during_a_write_leaves_nothing_and_its_job_fails_when_it_starts_again(env, tmp_path):
    # The import runs inside the web request (DANGJIAN_IMPORT_INLINE): the app process itself holds the write.
    inline = {**env, "DANGJIAN_IMPORT_INLINE": "1"}
    writer_log, watcher_log = tmp_path / "writer.log", tmp_path / "watcher.log"
    writer_server = run_server(inline, writer_log, "--no-worker")
    watcher_server = run_server(env, watcher_log, "--no-worker")
    writer_port, watcher_port = next(writer_server), next(watcher_server)
    try:
        writer = signed_in(writer_port, "127.0.21.1", "manager")
        watcher = signed_in(watcher_port, "127.0.21.2", "manager")
        jobs_before = set(re.findall(r"/sheets/jobs/(\d+)/", watcher.send("GET", "/sheets/import/members/").text))
        answers = []
        upload = threading.Thread(target=lambda: answers.append(_upload_or_error(writer, members_csv("F-APP"))))
        upload.start()
        job = None
        deadline = time.monotonic() + 120
        while job is None and time.monotonic() < deadline:
            listed = set(re.findall(r"/sheets/jobs/(\d+)/", watcher.send("GET", "/sheets/import/members/").text))
            job = max((int(j) for j in listed - jobs_before), default=None)
            time.sleep(0.1)
        assert job is not None
        wait_until_running(watcher, job)
        pid = _serving_pid(writer_port)
        readers = children_of(pid)
        os.kill(pid, signal.SIGKILL)
        assert all_gone(readers)
        upload.join(timeout=30)
        assert answers and answers[0] is None  # the browser got no answer: the connection was cut

        assert members_of(env, "F-APP") == 0
        writer_server.close()
        restarted = run_server(env, writer_log, "--no-worker")  # systemd starts the process again
        next(restarted)
        failed = progress(watcher, job)
        assert (failed["status"], failed["message"]) == ("failed", ABANDONED_MESSAGE)
        restarted.close()
    finally:
        writer_server.close()
        watcher_server.close()


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout  # noqa: S603, S607
    return [int(line) for line in out.split()]


def all_gone(pids: list[int], seconds: float = 15) -> bool:
    """Whether every process in `pids` has ended (a zombie nobody reaped yet counts as ended)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (FileNotFoundError, ProcessLookupError):
                continue
            if state != "Z":
                alive.append(pid)
        if not alive:
            return True
        time.sleep(0.1)
    return False


def _upload_or_error(browser, text):
    try:
        return upload_csv(browser, text)
    except (ConnectionError, OSError, Exception):  # noqa: BLE001 - the point: the server vanished mid-request
        return None


def _serving_pid(port: int) -> int:
    """The pid of the `dangjian serve` listening on `port` (ours: run_server started it), not of the reader
    processes its import forked, which carry the same command line."""
    out = subprocess.run(["ps", "-eo", "pid,ppid,args"], capture_output=True, text=True, check=True).stdout  # noqa: S607
    found = {
        int(pid): int(ppid)
        for pid, ppid, *args in (line.split() for line in out.splitlines()[1:])
        if f"serve --port {port} " in " ".join(args) + " "
    }
    [pid] = [pid for pid, ppid in found.items() if ppid not in found]
    return pid


@pytest.fixture(scope="module")
def on_postgres(tmp_path_factory):
    yield from new_installation(tmp_path_factory, SETUP, postgres=True)


def test_after_postgresql_drops_the_apps_connections_the_next_request_succeeds_without_a_restart(on_postgres, tmp_path):
    env = {**on_postgres, "DANGJIAN_TOTP_ROLES": ""}
    server = run_server(env, tmp_path / "serve.log", "--no-worker", "--threads", "1")  # one thread, one connection
    port = next(server)
    try:
        browser = signed_in(port, "127.0.22.1", "manager")
        assert browser.send("GET", "/orgs/").status == 200  # the connection is now kept (CONN_MAX_AGE)
        database = env["DATABASE_URL"].rsplit("/", 1)[1]
        with psycopg.connect(with_database(env["DATABASE_URL"], "postgres"), autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s", [database]
            ).fetchone()[0]
        assert killed >= 1  # the app's own connections (the pages' and the shared cache's)
        page = browser.send("GET", "/orgs/")
        assert page.status == 200, page.text[:300]
        assert "演练市委" in page.text
        assert browser.send("GET", "/healthz").status == 200
    finally:
        server.close()


def test_a_backup_that_fills_the_disk_says_so_in_chinese_and_leaves_the_previous_backup_intact(env, tmp_path):
    target = tmp_path / "dangjian.zip"
    dangjian(env, "backup", str(target))
    previous = target.read_bytes()
    limit = len(previous) // 2  # the disk holds half of what the next backup needs

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(  # noqa: S603 - our own interpreter and console entry point
        [sys.executable, "-m", "dangjian.cli", "backup", str(target)],
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=small_disk,  # noqa: PLW1509 - a resource limit for the child only
        timeout=300,
    )
    assert done.returncode == 1
    assert "备份未完成：" in done.stderr
    assert (
        "磁盘空间不足（或超出文件大小限制），未写完的文件已删除，之前的备份未受影响。请腾出空间后重新备份。"
        in done.stderr
    )
    assert "Traceback" not in done.stderr
    assert target.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangjian.zip"]  # no .partial left behind
