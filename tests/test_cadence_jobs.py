"""Scheduled jobs: each period runs once, missed periods are caught up oldest first, failures roll back and retry."""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from dangjian.cadence import jobs
from dangjian.cadence.models import JobRun, Notification, RunStatus
from dangjian.cadence.notify import notify
from dangjian.cadence.periods import period_of, periods_between
from dangjian.flows import schedule

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=9):
    return datetime.datetime(year, month, day, hour, tzinfo=TZ)


@pytest.fixture
def counter(monkeypatch):
    """A weekly test job that records the periods it ran for, listed with the real jobs (as one more line would be)."""
    calls = []

    def run(ctx):
        calls.append(ctx.period.key)
        ctx.count("次数")

    monkeypatch.setattr(schedule, "JOBS", (*schedule.JOBS, jobs.Job("test_weekly", "week", "测试周任务", run)))
    return calls


def test_period_keys_read_as_people_write_them():
    day = datetime.date(2026, 11, 25)  # a Wednesday
    assert period_of("day", day).key == "2026-11-25"
    week = period_of("week", day)
    assert (week.key, week.start, week.end) == ("2026-W48", datetime.date(2026, 11, 23), datetime.date(2026, 11, 30))
    assert period_of("month", day).key == "2026-11"
    assert period_of("quarter", day).key == "2026-Q4"
    assert period_of("quarter", day).previous().key == "2026-Q3"
    assert period_of("week", datetime.date(2027, 1, 1)).key == "2026-W53"  # ISO years differ from calendar years
    assert period_of("month", datetime.date(2026, 12, 31)).next().key == "2027-01"


def test_periods_between_lists_the_missed_periods_oldest_first_and_only_today_for_a_new_job():
    today = datetime.date(2026, 12, 9)
    assert [p.key for p in periods_between("week", None, today, 400)] == ["2026-W50"]
    keys = [p.key for p in periods_between("week", datetime.date(2026, 11, 23), today, 400)]
    assert keys == ["2026-W49", "2026-W50"]
    assert [p.key for p in periods_between("week", datetime.date(2026, 11, 23), today, 1)] == ["2026-W50"]
    assert periods_between("month", datetime.date(2026, 12, 1), today, 400) == []


def test_a_period_runs_once_however_often_cron_fires(counter):
    outcomes = schedule.run_due(at(2026, 11, 23), only="test_weekly")
    assert [(o.period, o.status) for o in outcomes] == [("2026-W48", RunStatus.OK)]
    assert schedule.run_due(at(2026, 11, 23, 10), only="test_weekly") == []
    assert schedule.run_due(at(2026, 11, 29, 23), only="test_weekly") == []
    assert counter == ["2026-W48"]
    run = JobRun.objects.get()
    assert (run.job, run.period, run.status, run.counts) == ("test_weekly", "2026-W48", RunStatus.OK, {"次数": 1})


def test_missed_weeks_are_caught_up_once_each_oldest_first(counter):
    schedule.run_due(at(2026, 11, 2), only="test_weekly")  # W45, then the server is down for three weeks
    outcomes = schedule.run_due(at(2026, 11, 25), only="test_weekly")
    assert [o.period for o in outcomes] == ["2026-W46", "2026-W47", "2026-W48"]
    assert schedule.run_due(at(2026, 11, 25, 11), only="test_weekly") == []
    assert counter == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert list(JobRun.objects.order_by("period_start").values_list("period", flat=True)) == counter


def test_a_failing_period_is_rolled_back_recorded_and_retried_up_to_the_limit():
    attempts = []

    def broken(ctx):
        attempts.append(ctx.period.key)
        notify([], title="x", key="x")  # nothing to notify; the write below must roll back
        JobRun.objects.create(job="side", period="p", period_start=ctx.today, status=RunStatus.OK, started_at=ctx.now)
        raise RuntimeError("磁盘已满")

    listed = [jobs.Job("test_broken", "month", "测试", broken)]
    outcome = jobs.run_due(listed, at(2026, 11, 3))[0]
    assert outcome.status == RunStatus.FAILED and "磁盘已满" in outcome.detail
    run = JobRun.objects.get(job="test_broken")
    assert (run.status, run.attempts) == (RunStatus.FAILED, 1)
    assert not JobRun.objects.filter(job="side").exists()  # the job's own writes were rolled back
    for _ in range(5):
        jobs.run_due(listed, at(2026, 11, 4))
    assert attempts == ["2026-11"] * jobs.MAX_ATTEMPTS
    assert JobRun.objects.get(job="test_broken").attempts == jobs.MAX_ATTEMPTS


def test_a_failed_period_that_succeeds_on_retry_is_recorded_ok():
    state = {"fail": True}

    def flaky(ctx):
        if state["fail"]:
            raise RuntimeError("网关超时")
        ctx.count("完成")

    listed = [jobs.Job("test_flaky", "day", "测试", flaky)]
    jobs.run_due(listed, at(2026, 11, 3))
    state["fail"] = False
    outcomes = jobs.run_due(listed, at(2026, 11, 3, 12))
    assert [(o.period, o.status) for o in outcomes] == [("2026-11-03", RunStatus.OK)]
    run = JobRun.objects.get(job="test_flaky")
    assert (run.status, run.attempts, run.counts) == (RunStatus.OK, 2, {"完成": 1})


def test_the_command_runs_due_jobs_and_shows_their_status(counter):
    out = io.StringIO()
    call_command("cadence", "run", "--now", "2026-11-23T08:00", "--job", "test_weekly", stdout=out)
    assert "测试周任务（test_weekly）2026-W48：完成；次数 1" in out.getvalue()
    out = io.StringIO()
    call_command("cadence", "run", "--now", "2026-11-23T09:00", "--job", "test_weekly", stdout=out)
    assert "没有到期未执行的任务" in out.getvalue()
    out = io.StringIO()
    call_command("cadence", "status", stdout=out)
    text = out.getvalue()
    assert "测试周任务（test_weekly，每周一次）" in text and "2026-W48  成功" in text
    assert "每周一提示（weekly_reminder，每周一次）" in text and "尚未执行" in text


def test_the_command_refuses_a_bad_time_and_an_unknown_job():
    with pytest.raises(CommandError, match="格式不对"):
        call_command("cadence", "run", "--now", "下周一")
    with pytest.raises(CommandError, match="没有名为“nope”的任务"):
        call_command("cadence", "run", "--job", "nope")
    assert not JobRun.objects.exists()


def test_without_now_the_command_uses_the_clock(counter):
    with time_machine.travel(at(2027, 3, 1), tick=False):
        call_command("cadence", "run", "--job", "test_weekly", stdout=io.StringIO())
    assert counter == ["2027-W09"]
    assert not Notification.objects.exists()


def test_the_workers_scheduler_runs_due_jobs_at_once_then_once_per_interval():
    from dangjian.cadence.scheduler import Scheduler

    now = [1000.0]
    passes = []
    scheduler = Scheduler(run=lambda: passes.append(now[0]), interval_seconds=300, clock=lambda: now[0])
    assert scheduler.tick()
    now[0] += 299
    assert not scheduler.tick()
    now[0] += 1
    assert scheduler.tick()
    assert passes == [1000.0, 1300.0]


def test_a_failing_pass_of_the_scheduler_is_logged_and_tried_again_at_the_next_interval(caplog):
    from dangjian.cadence.scheduler import Scheduler

    now = [0.0]

    def broken():
        raise RuntimeError("数据库不可用")

    scheduler = Scheduler(run=broken, interval_seconds=60, clock=lambda: now[0])
    assert scheduler.tick()
    assert "定期任务调度出错" in caplog.text
    now[0] += 60
    assert scheduler.tick()


def test_the_workers_scheduler_runs_the_jobs_listed_in_the_schedule(monkeypatch):
    from dangjian.server.management.commands.worker import job_scheduler

    passes = []
    monkeypatch.setattr(jobs, "run_due", lambda listed, now=None, *, only=None: passes.append([j.name for j in listed]))
    assert job_scheduler().tick()
    assert passes == [[job.name for job in schedule.JOBS]]
    assert {"weekly_reminder", "import_leftovers", "weekly_cycle_reminder", "problem_escalation"} <= set(passes[0])
