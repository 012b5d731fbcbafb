"""Running an import job in the background: a task the upload view enqueues, run by the worker process
(`dangjian worker`, which `dangjian serve` starts unless told not to), with progress the page can poll.

The task queue is a table of the database (django-tasks' database backend), so it works alike on SQLite and
PostgreSQL and the task row commits with the job row. The worker runs the import on its main thread, so the reader
processes the import forks are never forked from a web server's threads. The job row is claimed with a conditional
UPDATE and names its runner (host:pid of the worker), so a job whose worker died is failed at the next start.
Progress goes to the shared cache (core/shared_cache.py) as well as to the row, because the import core holds its
rows in a transaction the polling request, in another process, cannot see into yet.
"""

from __future__ import annotations

import datetime
import logging
import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from dangjian.core.jobs import runner_gone, runner_id

from .models import STALE_AFTER, ImportJob, JobStatus, imports_dir

logger = logging.getLogger(__name__)

FAILED_MESSAGE = "导入未能完成：系统处理时出错，已记录，未写入任何数据。请稍后重试，或联系系统管理员。"
ABANDONED_MESSAGE = "导入已中断：处理该文件的进程已停止（可能因系统重启），未写入任何数据。请重新上传文件。"
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600  # uploads hold ID numbers in clear: the server's user alone reads them


def progress_key(job_id: int) -> str:
    return f"dangjian:import-job:{job_id}:progress"


def new_job_dir() -> str:
    """A fresh folder under imports/ for one upload; random so names cannot be guessed or collide."""
    name = uuid.uuid4().hex
    private_dir(imports_dir())
    (imports_dir() / name).mkdir(mode=PRIVATE_DIR)
    return name


def private_dir(path: Path) -> None:
    """`path` made if missing, and readable by the server's user alone."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIR)


def open_private(path: Path):
    """A new file (binary, for writing) that only the server's user may read, whatever the umask."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE), "wb")


class Progress:
    """The `progress(done, total)` callback: cheap to call per row, writes the cache a few times a second.

    The import core runs in one transaction, so the job row could not show progress before the end anyway."""

    EVERY = 0.3  # seconds

    def __init__(self, job_id: int, estimate: int | None = None):
        self.job_id = job_id
        self.estimate = estimate
        self._last = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._last < self.EVERY:
            return
        self._last = now
        total = total or self.estimate or 0
        if total and done > total:  # the estimate was short (quoted line breaks in a CSV)
            total = done
        cache.set(progress_key(self.job_id), (done, total, timezone.now()), timeout=24 * 3600)


def estimate_rows(path: Path) -> int | None:
    """A CSV does not say how many rows it has; its line count (less the header) is close enough for a bar."""
    if path.suffix.lower() != ".csv":
        return None
    lines = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            lines += block.count(b"\n")
    return max(lines - 1, 0)


def current_progress(job: ImportJob) -> tuple[int, int, datetime.datetime | None]:
    """(done, total, when last reported) as fresh as possible: the cache while the job runs, the row after."""
    if not job.finished:
        cached = cache.get(progress_key(job.pk))
        if cached:
            return cached
    return job.done, job.total, job.heartbeat


def fail_abandoned() -> int:
    """Mark failed the jobs that will never finish (their process has ended, or they have been silent for
    STALE_AFTER), and remove their uploads; how many. At the server's start and in the daily cleanup."""
    failed = 0
    for job in ImportJob.objects.filter(status__in=[JobStatus.PENDING, JobStatus.RUNNING]):
        if not (job.runner and runner_gone(job.runner)) and not is_stale(job):
            continue
        # Conditional on the status it had: a runner that finishes meanwhile keeps its outcome.
        failed += ImportJob.objects.filter(pk=job.pk, status=job.status).update(
            status=JobStatus.FAILED, message=ABANDONED_MESSAGE, finished_at=timezone.now()
        )
        job.path.unlink(missing_ok=True)
    return failed


def is_stale(job: ImportJob) -> bool:
    """A running job silent for long will never finish: its worker died, or no worker has taken it."""
    if job.finished:
        return False
    _done, _total, last = current_progress(job)
    last = last or job.started_at or job.created_at
    return timezone.now() - last > STALE_AFTER


def run(job_id: int) -> None:
    """Run one pending job to the end. Claims it first, so two runners never run the same job."""
    from dangjian.sheets.imports import run_import, write_error_sheet

    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat=now, runner=runner_id()
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    try:
        progress = Progress(job_id, estimate_rows(job.path))
        report = run_import(job.kind, job.path, job.user, dry_run=job.dry_run, progress=progress)
        error_file = ""
        if report.rejected:  # rows to correct; a problem of the file itself (row 0) is said in the message alone
            error_file = str(Path(job.file).parent / "errors.xlsx")
            with open_private(imports_dir() / error_file) as out:
                write_error_sheet(job.path, report, out)
        # Row 0 is the file itself (unreadable, past a limit, no header found, a write conflict): the job failed.
        about_file = [e.message for e in report.errors if e.row_number == 0]
        ImportJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED if about_file else JobStatus.DONE,
            message=("；".join(about_file) or report.unlisted_note())[:500],
            done=report.total,
            total=report.total,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
            error_file=error_file,
            finished_at=timezone.now(),
            heartbeat=timezone.now(),
        )
    except Exception:
        logger.exception("import job %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, message=FAILED_MESSAGE, finished_at=timezone.now()
        )
    finally:
        cache.delete(progress_key(job_id))
        # The upload holds ID numbers in clear: keep it no longer than the job needs it. The error sheet
        # the user downloads is written before this, and is theirs alone.
        job.path.unlink(missing_ok=True)


@task()
def run_in_worker(job_id: int) -> None:
    """The task: the worker process runs the job (the worker closes its connections between tasks)."""
    run(job_id)


def start(job: ImportJob):
    """Queue the job for the worker (the task row commits with the caller's transaction, the job row's too), or
    run it right here when settings.IMPORT_JOBS_INLINE is set (tests, or installations that prefer to wait)."""
    if settings.IMPORT_JOBS_INLINE:
        run(job.pk)
        return None
    return run_in_worker.enqueue(job.pk)
