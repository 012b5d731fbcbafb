"""Long jobs started from a page (an assessment run, a bulletin's files), run by the worker: one record, one runner.

`start()` writes the `BackgroundJob` row and queues a task (django-tasks' database backend, so the task row commits
with the job row); `dangjian worker` runs it on its main thread. The work itself is the owning app's handler,
registered by `register_job_kind()` from that app's AppConfig.ready(): `handler(job, progress) -> Outcome`. A
handler does its writes in one transaction (or writes files under a temporary name first), so a worker killed
outright leaves nothing half-written: the job row says "running", names its runner (host:pid), and the next worker
to start (or server, or the daily cleanup) marks it failed (`fail_abandoned`). A job still queued when its worker
died keeps its task row and runs when a worker starts again.

At most one job of a kind per target is queued or running: a partial unique index on (kind, target) holds it even
for two requests at the same instant, and `start()` answers the second with `JobAlreadyActive` (a Chinese message).
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from .models import ACTIVE_JOB_STATUSES, BackgroundJob, BackgroundJobStatus
from .scope import scope_q

logger = logging.getLogger(__name__)

PRUNED_NOTE = "结果文件已超过保存期限（{days} 天），已清理；如仍需要，请重新发起。"
FAILED_MESSAGE = "任务未能完成：系统处理时出错，已记录，未写入任何结果。请稍后重试，或联系系统管理员。"
ABANDONED_MESSAGE = "任务已中断：执行它的后台进程已停止（可能因系统重启），未写入任何结果。请重新发起。"
STALE_AFTER = datetime.timedelta(minutes=15)  # a running job whose worker has not beaten for this long is dead
BEAT_SECONDS = 20.0
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


@dataclass
class Outcome:
    """What a handler reports on success: a sentence, where to look, and the files it wrote (`write_file`)."""

    message: str = ""
    result_url: str = ""
    files: list[str] = field(default_factory=list)


Handler = Callable[[BackgroundJob, Callable[[int, int], None]], Outcome]
HANDLERS: dict[str, Handler] = {}


class JobAlreadyActive(Exception):
    """A job of the same kind for the same object is already queued or running."""

    def __init__(self, job: BackgroundJob | None):
        self.job = job
        what = f"“{job.title}”" if job else "同一任务"
        state = job.get_status_display() if job else "排队或进行中"
        super().__init__(f"{what}正在{state}，请等它结束后再发起（不会重复执行）。")


def register_job_kind(kind: str, handler: Handler) -> None:
    """The one way an app adds a kind of background job: called from its AppConfig.ready()."""
    HANDLERS[kind] = handler


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def runner_gone(runner: str) -> bool:
    """Whether the process that claimed a job has ended (known only for one on this machine)."""
    host, _, pid = runner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def jobs_dir() -> Path:
    return Path(settings.DATA_DIR) / "jobs"


def job_dir(job: BackgroundJob) -> Path:
    return jobs_dir() / str(job.pk)


def write_file(job: BackgroundJob, name: str, writer: Callable[[Path], None]) -> str:
    """Write one result file of `job` (the owner's alone): under a temporary name first, so a worker killed while
    writing leaves no half-written file under the final name. Returns `name` for `Outcome.files`."""
    folder = job_dir(job)
    for path in (jobs_dir(), folder):
        path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        path.chmod(PRIVATE_DIR)
    final = folder / name
    partial = folder / f"{name}.part"
    writer(partial)
    partial.chmod(PRIVATE_FILE)
    partial.replace(final)
    return name


def visible_jobs(user):
    """The jobs a user may see: those they started, and those of organizations within their scope."""
    if not user.is_authenticated:
        return BackgroundJob.objects.none()
    return BackgroundJob.objects.filter(Q(user=user) | scope_q(user, "org_path"))


def active_job(kind: str, target: str) -> BackgroundJob | None:
    return BackgroundJob.objects.filter(kind=kind, target=target, status__in=ACTIVE_JOB_STATUSES).first()


def start(kind: str, *, title: str, target: str, user, org=None, params: dict | None = None) -> BackgroundJob:
    """Queue a job (or run it here when settings.JOBS_INLINE is set); JobAlreadyActive if one for `target` is
    queued or running."""
    if kind not in HANDLERS:
        raise ValueError(f"no background job kind {kind!r}")
    try:
        with transaction.atomic():
            job = BackgroundJob.objects.create(
                kind=kind,
                title=title[:200],
                target=target[:120],
                params=params or {},
                user=user if user is not None and user.is_authenticated else None,
                org_path=org.path[:255] if org is not None else "",
            )
            if not settings.JOBS_INLINE:
                run_background_job.enqueue(job.pk)
    except IntegrityError as exc:
        raise JobAlreadyActive(active_job(kind, target)) from exc
    if settings.JOBS_INLINE:
        run(job.pk)
        job.refresh_from_db()
    return job


def progress_key(job_id: int) -> str:
    return f"dangjian:background-job:{job_id}:progress"


def beat_key(job_id: int) -> str:
    return f"dangjian:background-job:{job_id}:beat"


class _Beat(threading.Thread):
    """Says the job's worker is alive (in the shared cache) while the handler runs: a worker on another machine
    cannot be asked whether its process still exists, so its job is failed once the beats stop."""

    def __init__(self, job_id: int):
        super().__init__(name=f"dangjian-job-{job_id}", daemon=True)
        self.job_id = job_id
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopped.is_set():
                try:
                    cache.set(beat_key(self.job_id), timezone.now(), timeout=24 * 3600)
                except Exception:  # noqa: BLE001 - the job goes on; at worst it is called stale later
                    logger.warning("job heartbeat not written", exc_info=True)
                self._stopped.wait(BEAT_SECONDS)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self._stopped.set()


def current_progress(job: BackgroundJob) -> tuple[int, int]:
    if not job.finished:
        cached = cache.get(progress_key(job.pk))
        if cached:
            return cached
    return job.done, job.total


def is_stale(job: BackgroundJob) -> bool:
    """A running job whose worker has stopped beating: it will never finish."""
    if job.status != BackgroundJobStatus.RUNNING:
        return False
    last = cache.get(beat_key(job.pk)) or job.started_at or job.created_at
    return timezone.now() - last > STALE_AFTER


def run(job_id: int) -> None:
    """Run one queued job to the end. Claims it first (a conditional UPDATE), so no job ever runs twice."""
    claimed = BackgroundJob.objects.filter(pk=job_id, status=BackgroundJobStatus.QUEUED).update(
        status=BackgroundJobStatus.RUNNING, started_at=timezone.now(), runner=runner_id()
    )
    if not claimed:
        return
    job = BackgroundJob.objects.select_related("user").get(pk=job_id)
    beat = _Beat(job_id)
    beat.start()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.3 or done >= total:
            last[0] = now
            cache.set(progress_key(job_id), (done, total), timeout=24 * 3600)

    try:
        outcome = HANDLERS[job.kind](job, progress)
    except ValidationError as exc:
        _fail(job, "；".join(exc.messages)[:500] or FAILED_MESSAGE)
    except Exception:
        logger.exception("background job %s (%s) failed", job_id, job.kind)
        _fail(job, FAILED_MESSAGE)
    else:
        done, total = current_progress(job)
        BackgroundJob.objects.filter(pk=job_id).update(
            status=BackgroundJobStatus.DONE,
            message=outcome.message[:500],
            result_url=outcome.result_url[:300],
            files=outcome.files,
            done=max(done, total, 1),
            total=max(total, 1),
            finished_at=timezone.now(),
        )
    finally:
        beat.stop()
        cache.delete(progress_key(job_id))
        cache.delete(beat_key(job_id))


def _fail(job: BackgroundJob, message: str) -> None:
    shutil.rmtree(job_dir(job), ignore_errors=True)  # nothing partial: files written before the failure go too
    BackgroundJob.objects.filter(pk=job.pk).update(
        status=BackgroundJobStatus.FAILED, message=message, finished_at=timezone.now()
    )


@task()
def run_background_job(job_id: int) -> None:
    """The task the worker runs."""
    run(job_id)


def fail_abandoned() -> int:
    """Mark failed the running jobs that will never finish (their worker has ended, or stopped beating), and remove
    their files; how many. At a worker's and a server's start, and in the daily cleanup. Queued jobs are left: their
    task is still queued, and the next worker runs them."""
    failed = 0
    for job in BackgroundJob.objects.filter(status=BackgroundJobStatus.RUNNING):
        if not (job.runner and runner_gone(job.runner)) and not is_stale(job):
            continue
        # Conditional on the status it had: a runner that finishes meanwhile keeps its outcome.
        gone = BackgroundJob.objects.filter(pk=job.pk, status=BackgroundJobStatus.RUNNING).update(
            status=BackgroundJobStatus.FAILED, message=ABANDONED_MESSAGE, finished_at=timezone.now()
        )
        if gone:
            shutil.rmtree(job_dir(job), ignore_errors=True)
        failed += gone
    return failed


def prune_finished(now: datetime.datetime | None = None) -> int:
    """Remove the result files of jobs that ended more than `settings.JOB_RETENTION_DAYS` ago, and their names from
    the job rows (whose page then says the files were cleaned); how many jobs. Result files (a bulletin's documents,
    an export) hold personal data and are regenerated on demand, so they are not kept for ever. In the daily
    cleanup. Folders under jobs/ that no job row names any more (the row deleted) go too, once as old."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.JOB_RETENTION_DAYS)
    note = PRUNED_NOTE.format(days=settings.JOB_RETENTION_DAYS)
    pruned = 0
    old = BackgroundJob.objects.filter(
        status__in=(BackgroundJobStatus.DONE, BackgroundJobStatus.FAILED), finished_at__lt=cutoff
    ).exclude(files=[])
    for job in old.only("pk", "message", "files"):
        shutil.rmtree(job_dir(job), ignore_errors=True)
        message = f"{job.message} {note}".strip()[:500] if note not in job.message else job.message
        # Conditional on the files it had, so a second sweep running meanwhile counts it once.
        pruned += BackgroundJob.objects.filter(pk=job.pk, files=job.files).update(files=[], message=message)
    root = jobs_dir()
    if root.is_dir():
        known = {str(pk) for pk in BackgroundJob.objects.values_list("pk", flat=True)}
        for folder in root.iterdir():
            if folder.is_dir() and folder.name not in known and folder.stat().st_mtime < cutoff.timestamp():
                shutil.rmtree(folder, ignore_errors=True)
    return pruned
