"""Scheduled jobs: a registry, and `run_due(now)`, which runs every period of every job that is due and has not run.

Cron (or a systemd timer) calls `dangjian cadence run` every hour or so. For each job, the periods between its last
recorded run and now are run oldest first, each in its own transaction together with its `JobRun` row: the row is
unique on (job, period), so a period runs once however often cron fires or however many runs overlap, and a server
that was down catches up every missed period on its next run. A failed period is rolled back, recorded as failed,
and tried again on the next runs up to `MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import datetime
import importlib
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import JobRun, RunStatus
from .notify import current_run
from .periods import EVERY, Period, periods_between

log = logging.getLogger("dangjian.cadence")

# The modules whose jobs are registered, in one place (importing them registers their @job functions).
JOB_MODULES = [
    "dangjian.cadence.rectify_jobs",
    "dangjian.sheets.leftovers",
    "dangjian.weekly.jobs",  # 每周一提示 of the weekly cycle
    "dangjian.problems.jobs",  # overdue problems escalate
    "dangjian.inspections.jobs",  # the monthly spot check and the draws due
]
MAX_ATTEMPTS = 3


@dataclass
class Context:
    """What a job function receives: the period it runs for, the moment of the run, and counts to record."""

    period: Period
    now: datetime.datetime
    counts: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def today(self) -> datetime.date:
        """The day the job acts as of: the period's first day (a caught-up week reminds as of that Monday)."""
        return self.period.start

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n


@dataclass(frozen=True)
class Job:
    name: str
    every: str
    title: str
    func: Callable[[Context], None]


REGISTRY: dict[str, Job] = {}


def job(name: str, *, every: str, title: str = ""):
    """Register a function as the job `name`, run once per `every` ("day", "week", "month", "quarter")."""
    if every not in EVERY:
        raise ValueError(f"every must be one of {EVERY}, not {every!r}")

    def register(func: Callable[[Context], None]) -> Callable[[Context], None]:
        REGISTRY[name] = Job(name, every, title or name, func)
        return func

    return register


def registry() -> dict[str, Job]:
    for module in JOB_MODULES:
        importlib.import_module(module)
    return REGISTRY


def _catch_up_limit() -> int:
    return getattr(settings, "DANGJIAN_CADENCE_MAX_CATCHUP", 400)


@dataclass
class Outcome:
    job: str
    period: str
    status: str
    counts: dict
    detail: str = ""


def run_due(now: datetime.datetime | None = None, *, only: str | None = None) -> list[Outcome]:
    """Run every due, not yet run period of every job (or only the job `only`), oldest first."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    jobs = registry()
    if only is not None and only not in jobs:
        raise KeyError(only)
    outcomes: list[Outcome] = []
    for name in sorted(jobs):
        if only is None or name == only:
            outcomes += _run_job(jobs[name], now, today)
    return outcomes


def _run_job(job: Job, now: datetime.datetime, today: datetime.date) -> list[Outcome]:
    last = JobRun.objects.filter(job=job.name).order_by("-period_start").values_list("period_start", flat=True).first()
    due = {p.key: p for p in periods_between(job.every, last, today, _catch_up_limit())}
    retry = JobRun.objects.filter(job=job.name, status=RunStatus.FAILED, attempts__lt=MAX_ATTEMPTS)
    for key, start in retry.values_list("period", "period_start"):
        due.setdefault(key, _period_from(job.every, start))
    return [outcome for period in sorted(due.values(), key=lambda p: p.start) if (outcome := _run(job, period, now))]


def _period_from(every: str, start: datetime.date) -> Period:
    from .periods import period_of

    return period_of(every, start)


def _run(job: Job, period: Period, now: datetime.datetime) -> Outcome | None:
    """Run one period in one transaction with its JobRun row; None when the period is already taken."""
    ctx = Context(period=period, now=now)
    started = timezone.now()
    try:
        with transaction.atomic():
            run = _claim(job, period, started)
            if run is None:
                return None
            token = current_run.set(run.pk)
            try:
                job.func(ctx)
            finally:
                current_run.reset(token)
            run.status, run.finished_at, run.counts = RunStatus.OK, timezone.now(), ctx.counts
            run.detail = "\n".join(ctx.notes)
            run.save(update_fields=["status", "finished_at", "counts", "detail"])
    except Exception:
        detail = traceback.format_exc(limit=8)
        log.exception("定期任务 %s %s 执行失败", job.name, period.key)
        _record_failure(job, period, started, detail)
        return Outcome(job.name, period.key, RunStatus.FAILED, {}, detail)
    log.info("定期任务 %s %s 完成：%s", job.name, period.key, ctx.counts)
    return Outcome(job.name, period.key, RunStatus.OK, ctx.counts, run.detail)


def _claim(job: Job, period: Period, started: datetime.datetime) -> JobRun | None:
    """The period's row, new or a failed one taken for a retry by a conditional update (no two runs take it)."""
    existing = JobRun.objects.filter(job=job.name, period=period.key).first()
    if existing is None:
        try:
            with transaction.atomic():  # marked OK only when the job succeeds, in the caller's transaction
                return JobRun.objects.create(
                    job=job.name,
                    period=period.key,
                    period_start=period.start,
                    status=RunStatus.FAILED,
                    started_at=started,
                )
        except IntegrityError:  # a concurrent run inserted this period first
            return None
    taken = JobRun.objects.filter(
        pk=existing.pk, status=RunStatus.FAILED, attempts=existing.attempts, attempts__lt=MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1, started_at=started)
    if not taken:
        return None
    existing.refresh_from_db()
    return existing


def _record_failure(job: Job, period: Period, started: datetime.datetime, detail: str) -> None:
    with transaction.atomic():
        run, created = JobRun.objects.get_or_create(
            job=job.name,
            period=period.key,
            defaults={
                "period_start": period.start,
                "status": RunStatus.FAILED,
                "started_at": started,
                "finished_at": timezone.now(),
                "detail": detail,
            },
        )
        if not created and run.status == RunStatus.FAILED:
            JobRun.objects.filter(pk=run.pk).update(
                attempts=F("attempts") + 1, finished_at=timezone.now(), detail=detail
            )


def note_delivery(run_id: int, *, sent: int, failures: list[str]) -> None:
    """Add what the senders did after the run committed to the run's record."""
    run = JobRun.objects.filter(pk=run_id).first()
    if run is None:
        return
    counts = dict(run.counts)
    counts["外发成功"] = counts.get("外发成功", 0) + sent
    if failures:
        counts["外发失败"] = counts.get("外发失败", 0) + len(failures)
    detail = "\n".join(filter(None, [run.detail, *(f"发送失败：{f}" for f in failures)]))
    JobRun.objects.filter(pk=run_id).update(counts=counts, detail=detail)
