"""What an import leaves behind when it is cut off, cleaned up at the server's start (`dangjian serve`, and so `demo`)
and by the daily cleanup job (`dangjian cadence run`).

A job whose process ended (the server restarted or was killed) stays "进行中" and keeps its upload, which holds ID
numbers in clear; a member import killed mid-way leaves its change-set file (names, birth dates, digests) that no
audit record names. Both are personal data with no use left: the job is marked failed, the upload and the
change-set file removed. Files younger than `STALE_AFTER` are left alone, as an import may be writing them right now
(its upload folder made a moment before its job row, its change set named only when it commits). The folders are
made the server's user's alone (0700) on the way, for installations that made them before.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass

from django.utils import timezone

from dangjian.cadence.jobs import Context, job
from dangjian.core import changesets
from dangjian.core.models import AuditAction, AuditLog

from . import jobs
from .models import STALE_AFTER, ImportJob, imports_dir


@dataclass
class Cleaned:
    jobs: int = 0  # jobs marked failed
    uploads: int = 0  # upload folders or files removed
    changesets: int = 0  # change-set files removed

    def __bool__(self) -> bool:
        return bool(self.jobs or self.uploads or self.changesets)

    def summary(self) -> str:
        return (
            f"已清理导入遗留：中断的导入任务 {self.jobs} 个，上传文件 {self.uploads} 个，"
            f"未入账的变更集文件 {self.changesets} 个。"
        )


def clean_leftovers() -> Cleaned:
    """Fail the abandoned jobs and remove the uploads and change-set files nothing will use."""
    cleaned = Cleaned(jobs=jobs.fail_abandoned())
    cleaned.uploads = _remove_uploads()
    cleaned.changesets = _remove_changesets()
    return cleaned


def _old(path) -> bool:
    return time.time() - path.stat().st_mtime > STALE_AFTER.total_seconds()


def _remove_uploads() -> int:
    """Upload folders no job names (the upload was written, the job row never made), and the uploads of finished
    jobs (their runner died before removing them). A finished job's error sheet stays: it is the user's to download."""
    root = imports_dir()
    jobs.private_dir(root)
    unfinished = set()
    finished = set()
    for file, status in ImportJob.objects.values_list("file", "status"):
        folder = file.split("/", 1)[0]
        (unfinished if status in ("pending", "running") else finished).add(folder)
    removed = 0
    for folder in root.iterdir():
        if not folder.is_dir() or folder.name in unfinished:
            continue
        folder.chmod(jobs.PRIVATE_DIR)
        if folder.name not in finished:
            if _old(folder):
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
            continue
        for upload in folder.glob("upload*"):
            upload.unlink(missing_ok=True)
            removed += 1
    return removed


def _remove_changesets() -> int:
    """Change-set files no IMPORT record names: written by an import that did not commit, and not discarded."""
    folder = changesets.folder()
    jobs.private_dir(folder)
    named = set()
    for after in AuditLog.objects.filter(action=AuditAction.IMPORT).values_list("after", flat=True).iterator():
        changeset = changesets.changeset_of(after)
        if changeset is not None:
            named.add(changeset.get("file"))
    removed = 0
    for path in folder.iterdir():
        if changesets.NAME.fullmatch(path.name) and path.name not in named and _old(path):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


@job("import_leftovers", every="day", title="清理导入遗留文件")
def clean_import_leftovers(context: Context) -> None:
    cleaned = clean_leftovers()
    context.count("jobs_failed", cleaned.jobs)
    context.count("uploads_removed", cleaned.uploads)
    context.count("changesets_removed", cleaned.changesets)
    if cleaned:
        context.notes.append(f"{timezone.localtime():%Y-%m-%d %H:%M} {cleaned.summary()}")
