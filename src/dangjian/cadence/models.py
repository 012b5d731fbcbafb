"""Scheduled work and what it tells people: a record of each job run and the in-app notifications. (The monthly
spot-check's draws moved to the inspections app, where they are provable random draws.)

A job runs once per period (`JobRun` is unique on job and period), so a catch-up after the server was down never
repeats a period; a notification is unique per user and key, so a re-run never repeats a message.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RunStatus(models.TextChoices):
    OK = "ok", "成功"
    FAILED = "failed", "失败"


class JobRun(models.Model):
    """One run of a scheduled job for one period (e.g. the weekly reminder of 2026-W48)."""

    job = models.CharField("任务", max_length=50)
    period = models.CharField("周期", max_length=20)  # 2026-W48, 2026-11, 2026-Q4, 2026-11-25
    period_start = models.DateField("周期开始日期")  # orders the periods of a job whatever their key
    status = models.CharField("状态", max_length=10, choices=RunStatus.choices)
    attempts = models.PositiveSmallIntegerField("执行次数", default=1)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    counts = models.JSONField("计数", default=dict, blank=True)
    detail = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "定期任务执行记录"
        verbose_name_plural = "定期任务执行记录"
        ordering = ["-period_start", "job"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "period"], name="jobrun_unique_job_period", violation_error_message="该周期已执行。"
            )
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period} {self.get_status_display()}"


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A message to one user in the notification centre. Only its owner ever sees it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=500, blank=True)
    # What the message is about, e.g. "remind:2026-W48:17"; the same key never reaches the same user twice.
    key = models.CharField("去重键", max_length=200)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="notification_unique_user_key", violation_error_message="该通知已发送。"
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read")]

    def __str__(self) -> str:
        return self.title
