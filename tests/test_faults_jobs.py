"""Fault drills for the worker's other jobs, on real processes (issue #20 point 5): `dangjian worker` killed outright
(kill -9) in the middle of an assessment run, of a bulletin's files, and of a scheduled (cadence) job. Each shows
what a user or an operator notices: nothing half-written, the job failed with its message once a worker starts again
(or, for a scheduled job, run again from the start), a clean re-run, no duplicate.

To catch the worker in the middle deterministically, the drill holds a PostgreSQL lock the job needs (the
assessment's row, the cases table) while the job starts, waits until the worker's query is seen waiting for it, and
kills the worker there: after its claim, inside its transaction. The lock is PostgreSQL's, so these drills run on a
PostgreSQL database of their own whatever the suite's database (as tests/test_faults.py's connection drill does).
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from dangjian.core.jobs import ABANDONED_MESSAGE
from dangjian.flows.schedule import JOBS
from schemes import Y01, county_scheme, given
from test_faults import stop
from test_serve_proxy import PUBLIC_HOST, dangjian, new_installation, run_server, with_database
from test_shared_state import csrf_token, signed_in

PASSWORD = "Shared-2026-pass"  # test_shared_state's helpers sign in with it
SCHEME = county_scheme(given(90), Y01, total="100", weak_floors="{农村: 15%}")
VILLAGES = 6

SETUP = f"""
import datetime
from django.contrib.auth.models import User
from dangjian.accounts.models import Role
from dangjian.accounts.security import set_password
from dangjian.accounts.services import grant_org
from dangjian.assess import services as assess
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.services import create_org

city = create_org(actor=None, parent=None, name="演练市委", code="J-CITY", kind=OrgKind.CITY_COMMITTEE,
                  level=Level.CITY)
county = create_org(actor=None, parent=city, name="演练县委", code="J-COUNTY", kind=OrgKind.COUNTY_COMMITTEE,
                    level=Level.COUNTY)
town = create_org(actor=None, parent=county, name="演练镇党委", code="J-TOWN", kind=OrgKind.TOWN_COMMITTEE,
                  level=Level.TOWN)
for n in range({VILLAGES}):
    create_org(actor=None, parent=town, name=f"演练{{n}}村党支部", code=f"J-V{{n}}", kind=OrgKind.BRANCH,
               level=Level.VILLAGE, domain=Domain.VILLAGE)
manager = User.objects.create_user("manager")
set_password(manager, {PASSWORD!r}, actor=manager, reason="测试账号")
grant_org(manager, county, Role.MANAGE)
scheme = assess.save_scheme(actor=manager, owner=county, text={SCHEME!r})
assess.open_assessment(actor=manager, scheme=scheme, root=county, cutoff=datetime.date(2026, 12, 31))
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    for installation in new_installation(tmp_path_factory, SETUP, postgres=True):
        yield {**installation, "DANGJIAN_TOTP_ROLES": ""}


def shell(env: dict, code: str):
    return json.loads(dangjian(env, "shell", "--no-imports", "-c", f"import json; {code}"))


@contextlib.contextmanager
def held(env: dict, statement: str):
    """`statement` (a lock) held in an open transaction of a connection of the test's own until the block ends."""
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        conn.execute(statement)
        try:
            yield
        finally:
            conn.rollback()


def wait_blocked(env: dict) -> str:
    """The query of the worker's connection once it waits for the held lock."""
    database = env["DATABASE_URL"].rsplit("/", 1)[1]
    deadline = time.monotonic() + 120
    with psycopg.connect(with_database(env["DATABASE_URL"], "postgres"), autocommit=True) as admin:
        while time.monotonic() < deadline:
            row = admin.execute(
                "SELECT query FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [database]
            ).fetchone()
            if row:
                return row[0]
            time.sleep(0.1)
    pytest.fail("the worker never reached the held lock")


def post(browser, path: str, form: dict, page: str):
    """POST `form` to `path` with the CSRF token of `page` (read first: the bulletin's page reads the cases, which a
    drill holds locked, so its token is fetched before the lock is taken)."""
    token = browser.token if hasattr(browser, "token") else csrf_token(browser, page)
    body = "&".join(f"{k}={v}" for k, v in {"csrfmiddlewaretoken": token, **form}.items())
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://{PUBLIC_HOST}"}
    return browser.send("POST", path, body.encode(), headers)


def job_of(started) -> int:
    assert started.status == 302, started.text[:500]
    return int(re.search(r"/jobs/(\d+)/", started.headers["Location"]).group(1))


def progress(browser, job: int) -> dict:
    answer = browser.send("GET", f"/jobs/{job}/progress/")
    assert answer.status == 200
    return json.loads(answer.text)


def wait_finished(browser, job: int) -> dict:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        seen = progress(browser, job)
        if seen["finished"]:
            return seen
        time.sleep(0.2)
    pytest.fail(f"job {job} did not finish")


def start_worker(env: dict, log: Path, *args: str) -> subprocess.Popen:
    with open(log, "a") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and console entry point
            [sys.executable, "-m", "dangjian.cli", "worker", "--interval", "0.2", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def kill(worker) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait()


@pytest.fixture
def served(env, tmp_path):
    """A server without a worker of its own, and a worker beside it (the drill kills and restarts it)."""
    server = run_server(env, tmp_path / "serve.log", "--no-worker")
    port = next(server)
    workers = [start_worker(env, tmp_path / "worker.log")]
    yield port, workers, tmp_path
    server.close()
    for worker in workers:
        stop(worker)


def test_a_worker_killed_during_an_assessment_run_leaves_no_result_its_job_fails_and_a_rerun_counts_once(env, served):
    port, workers, logs = served
    pk = shell(env, "from dangjian.assess.models import Assessment; print(json.dumps(Assessment.objects.get().pk))")
    results = "from dangjian.assess.models import Result; print(json.dumps(Result.objects.count()))"
    browser = signed_in(port, "127.0.30.1", "manager")
    with held(env, f"SELECT id FROM assess_assessment WHERE id = {int(pk)} FOR UPDATE"):  # noqa: S608
        job = job_of(post(browser, f"/assess/{pk}/run/", {}, f"/assess/{pk}/"))
        assert "assess_assessment" in wait_blocked(env)  # claimed, its transaction open, its run under way
        assert progress(browser, job)["status"] == "running"
        kill(workers[0])
    assert shell(env, results) == 0  # its transaction never committed: nothing partial
    assert progress(browser, job)["status"] == "running"  # nobody knows yet

    workers.append(start_worker(env, logs / "worker.log"))  # systemd restarts it
    failed = wait_finished(browser, job)
    assert (failed["status"], failed["message"]) == ("failed", ABANDONED_MESSAGE)
    page = browser.send("GET", f"/jobs/{job}/").text
    assert ABANDONED_MESSAGE in page

    again = wait_finished(browser, job_of(post(browser, f"/assess/{pk}/run/", {}, f"/assess/{pk}/")))
    assert again["status"] == "done" and again["message"].startswith(f"已计算：{VILLAGES} 个组织")
    assert shell(env, results) == VILLAGES  # once each


def test_a_worker_killed_during_a_bulletin_leaves_no_file_its_job_fails_and_a_rerun_writes_each_file_once(env, served):
    port, workers, logs = served
    browser = signed_in(port, "127.0.31.1", "manager")
    form = {"org": "J-COUNTY", "year": "2026", "quarter": "4"}
    page = "/rectify/bulletins/?org=J-COUNTY&year=2026&quarter=4"
    jobs_dir = Path(env["DANGJIAN_DATA_DIR"]) / "jobs"
    browser.token = csrf_token(browser, page)
    with held(env, "LOCK TABLE rectify_case IN ACCESS EXCLUSIVE MODE"):
        job = job_of(post(browser, "/rectify/bulletins/generate/", form, page))
        assert "rectify_case" in wait_blocked(env)
        second = post(browser, "/rectify/bulletins/generate/", form, page)  # asked again meanwhile: refused
        assert job_of(second) == job
        kill(workers[0])
    assert not (jobs_dir / str(job)).exists() or not any((jobs_dir / str(job)).iterdir())

    workers.append(start_worker(env, logs / "worker.log"))
    failed = wait_finished(browser, job)
    assert (failed["status"], failed["message"], failed["files"]) == ("failed", ABANDONED_MESSAGE, [])

    done = wait_finished(browser, job_of(post(browser, "/rectify/bulletins/generate/", form, page)))
    assert done["status"] == "done"
    names = [f["name"] for f in done["files"]]
    assert names == ["演练县委2026年第4季度整顿工作通报.docx", "演练县委2026年第4季度整顿工作通报.xlsx"]
    written = sorted(p.name for p in jobs_dir.rglob("*") if p.is_file())
    assert written == sorted(names)  # the killed job left nothing, not even a temporary file
    assert all(p.read_bytes()[:2] == b"PK" for p in jobs_dir.rglob("*.*"))  # whole .docx/.xlsx (zip) files


def test_a_worker_killed_during_a_scheduled_job_leaves_no_run_recorded_and_the_next_worker_runs_it_once(env, tmp_path):
    runs = (
        "from dangjian.cadence.models import JobRun;"
        "print(json.dumps(sorted(JobRun.objects.values_list('job', 'period', 'status', 'attempts'))))"
    )
    with held(env, "LOCK TABLE rectify_case IN ACCESS EXCLUSIVE MODE"):
        worker = start_worker(env, tmp_path / "worker.log", "--with-scheduler")
        try:
            blocked = wait_blocked(env)
            kill(worker)
        finally:
            stop(worker)
    assert "rectify_case" in blocked
    before = shell(env, runs)
    assert all(status == "ok" for _job, _period, status, _attempts in before)  # no half-done run is recorded

    worker = start_worker(env, tmp_path / "worker.log", "--with-scheduler")  # restarted: its first tick runs
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            after = shell(env, runs)
            if {job for job, *_ in after} == {job.name for job in JOBS}:
                break
            time.sleep(1)
    finally:
        stop(worker)
    assert {job for job, *_ in after} == {job.name for job in JOBS}, after
    # Every period ran once, to the end: the killed one left no row behind and was run afresh, not retried.
    assert all(status == "ok" and attempts == 1 for _job, _period, status, attempts in after), after
    assert len(after) == len({(job, period) for job, period, *_ in after})  # each period once
    bulletins = Path(env["DANGJIAN_DATA_DIR"]) / "bulletins"
    assert not list(bulletins.glob("*.part"))  # no half-written bulletin file
