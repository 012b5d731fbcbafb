"""Workstations as working units: their people (chief and staff, full-time or part-time) and their accounts.

The station itself is `orgs.Workstation` (its town, the villages it covers, its retirement). Every row here reaches
the station's town, so the one data-scope mechanism applies; a station account's own scope is nothing but its
grants of the covered villages, kept in step with the coverage by `stations.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dangjian.core.scope import ScopedQuerySet
from dangjian.orgs.models import Workstation

from .choices import StaffPost, StaffSource


class StationStaff(models.Model):
    """A person working at a station, with a post and full-time or part-time [003: 专职人员523名、兼职人员705名]."""

    station = models.ForeignKey(Workstation, verbose_name="党建工作站", on_delete=models.CASCADE, related_name="staff")
    name = models.CharField("姓名", max_length=50)
    post = models.CharField("职务", max_length=20, choices=StaffPost.choices, default=StaffPost.STAFF)
    full_time = models.BooleanField("专职", default=False)
    source = models.CharField("人员来源", max_length=20, choices=StaffSource.choices, blank=True)
    since = models.DateField("任职时间", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "station__town__path"

    class Meta:
        verbose_name = "工作站人员"
        verbose_name_plural = "工作站人员"
        ordering = ["station", "post", "-full_time", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["station"],
                condition=models.Q(post="chief"),
                name="station_one_chief",
                violation_error_message="一个工作站只有一名站长。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.get_post_display()} {self.name}"


class StationAccount(models.Model):
    """An account that works for a station. It holds a grant of each covered village and nothing else; the link
    says whose grants follow the station's coverage when it changes."""

    station = models.ForeignKey(
        Workstation, verbose_name="党建工作站", on_delete=models.CASCADE, related_name="accounts"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE, related_name="station_account"
    )
    created_at = models.DateTimeField("设定时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "station__town__path"

    class Meta:
        verbose_name = "工作站账号"
        verbose_name_plural = "工作站账号"
        ordering = ["station", "id"]

    def __str__(self) -> str:
        return f"{self.station} · {self.user}"
