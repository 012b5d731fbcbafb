"""Import jobs: one row per uploaded file, so a long import runs in the background and reports its progress."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.db import models

from .columns import TITLES

STALE_AFTER = datetime.timedelta(minutes=15)  # a running job silent this long was cut off (server restarted)


class JobStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


def imports_dir() -> Path:
    """Where uploads and error sheets are kept, one folder per job: the owner's alone (0700), as are its files."""
    return Path(settings.DATA_DIR) / "imports"


class ImportJob(models.Model):
    """An uploaded file being checked or imported. Seen only by the user who uploaded it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.CASCADE)
    # Any registered kind (`imports.register_kind`): the apps above this one add theirs, so no fixed choices here.
    kind = models.CharField("导入内容", max_length=20)
    dry_run = models.BooleanField("仅校验（试导入）", default=True)
    original_name = models.CharField("原文件名", max_length=255)
    # Paths relative to imports_dir(), so the data directory can move.
    file = models.CharField("上传文件", max_length=255)
    error_file = models.CharField("错误表", max_length=255, blank=True)
    status = models.CharField("状态", max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    done = models.PositiveIntegerField("已处理行数", default=0)
    total = models.PositiveIntegerField("总行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变化", default=0)
    rejected = models.PositiveIntegerField("有误", default=0)
    message = models.CharField("说明", max_length=500, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    heartbeat = models.DateTimeField("最近进展", null=True, blank=True)
    # Who runs the job ("host:pid", set when claimed): a job whose process is gone is failed at once, not after
    # STALE_AFTER, wherever it ran (a thread of the web server, a worker).
    runner = models.CharField("执行进程", max_length=100, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="importjob_user_recent")]

    def __str__(self) -> str:
        return f"{self.kind_label}导入 {self.original_name}"

    @property
    def kind_label(self) -> str:
        """The list's Chinese title ("党组织", "阵地"...), as the import page and the template name it."""
        return TITLES.get(self.kind, self.kind)

    @property
    def path(self) -> Path:
        return imports_dir() / self.file

    @property
    def error_path(self) -> Path | None:
        return imports_dir() / self.error_file if self.error_file else None

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
