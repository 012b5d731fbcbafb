"""The weekly cycle "两下两上" [003] and its four forms (四张表):

- 镇→站 安排表: the town's `Arrangement` (level town) with its `Item`s, published on Monday to its stations;
- 站→村 安排表: a station's `Arrangement` (level station): the town's items relayed (`Item.source`) and its own;
- 村→站 完成情况表: a village's `VillageReport`, a `ReportLine` per item (done / partly / not done, a note, photos);
- 站→镇 完成情况表: the station's `StationReport`, assembled from its villages' reports plus its own items when the
  station forwards it (`StationReportLine`, frozen then, so what the town received stays what it was).

Scope. A village's report is the village's data (`village__path`): its station's accounts (granted the covered
villages) and everyone above see it, no other village does. The station's papers belong to the station: seen by the
town and above, and by whoever sees the station (`Workstation.objects.restrict`, its own accounts). The two
arrangements are also read by those they are addressed to: the town's by its stations, a station's by its villages.
All of it follows from the users' grants; no second mechanism.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.evidence import EvidencePhoto
from dangjian.core.scope import Action, ScopedQuerySet, acts_anywhere, scope_q
from dangjian.orgs.models import Organization, Workstation

from .choices import Level, LineStatus


def _seen_stations(user, action: str):
    return Workstation.objects.restrict(user, action).values("pk")


class ArrangementQuerySet(ScopedQuerySet):
    def restrict(self, user, action: str = Action.VIEW) -> ArrangementQuerySet:
        by_town = super().restrict(user, action)
        if not acts_anywhere(user, action):
            return by_town
        stations = Workstation.objects.restrict(user, action)
        mine = Q(pk__in=by_town.values("pk")) | Q(level=Level.STATION, station__in=stations.values("pk"))
        if action == Action.VIEW:
            # The addressees read it: a town's arrangement its working stations, a station's its villages.
            inside = scope_q(user, "organization__path", action)
            addressed = Workstation.villages.through.objects.filter(inside).values("workstation_id")
            mine |= Q(level=Level.TOWN, town__in=stations.filter(retired_on__isnull=True).values("town_id"))
            mine |= Q(level=Level.STATION, station__in=addressed)
        return self.filter(mine)


class Arrangement(models.Model):
    """A week's arrangement (一周工作安排表): the town's to its stations, or a station's to its villages."""

    level = models.CharField("安排表", max_length=10, choices=Level.choices)
    town = models.ForeignKey(Organization, verbose_name="乡镇党委", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(
        Workstation,
        verbose_name="党建工作站",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="arrangements",
    )
    week = models.DateField("周次（周一）")
    source = models.ForeignKey(
        "self",
        verbose_name="转发的镇安排表",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="relays",
    )
    note = models.CharField("说明", max_length=1000, blank=True)
    published_at = models.DateTimeField("下发时间")
    # End of the week's Friday (weeks.report_deadline), stored so that "sent on time" is one comparison in the
    # database for the on-time rate of a whole province (metrics.weekly_on_time).
    report_due = models.DateTimeField("完成情况报送期限")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="下发人", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ArrangementQuerySet.as_manager()
    scope_path_field = "town__path"

    class Meta:
        verbose_name = "周工作安排表"
        verbose_name_plural = "周工作安排表"
        ordering = ["-week", "town__path", "station__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "week"],
                condition=Q(station__isnull=True),
                name="arrangement_one_per_town_week",
                violation_error_message="本周安排已发布。",
            ),
            models.UniqueConstraint(
                fields=["station", "week"],
                condition=Q(station__isnull=False),
                name="arrangement_one_per_station_week",
                violation_error_message="本站本周安排已下发。",
            ),
            models.CheckConstraint(
                condition=Q(level=Level.TOWN, station__isnull=True) | Q(level=Level.STATION, station__isnull=False),
                name="arrangement_level_matches_station",
                violation_error_message="镇安排表不属于工作站，站安排表必须属于一个工作站。",
            ),
        ]

    def __str__(self) -> str:
        who = self.station.name if self.station_id else self.town.name
        return f"{who} {self.week:%Y-%m-%d} {self.get_level_display()}"


class ItemQuerySet(models.QuerySet):
    def restrict(self, user, action: str = Action.VIEW) -> ItemQuerySet:
        return self.filter(arrangement__in=Arrangement.objects.restrict(user, action).values("pk"))


class Item(models.Model):
    """One line of an arrangement: what is to be done, the target, by when."""

    arrangement = models.ForeignKey(Arrangement, verbose_name="安排表", on_delete=models.CASCADE, related_name="items")
    seq = models.PositiveSmallIntegerField("序号")
    title = models.CharField("工作事项", max_length=200)
    target = models.CharField("目标要求", max_length=500, blank=True)
    due = models.DateField("完成时限")
    source = models.ForeignKey(
        "self",
        verbose_name="镇党委安排事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="relayed_as",
    )
    by_station = models.BooleanField("由工作站自行完成", default=False)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = "安排事项"
        verbose_name_plural = "安排事项"
        ordering = ["arrangement", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["arrangement", "seq"], name="item_unique_seq"),
        ]

    def __str__(self) -> str:
        return self.title


class VillageReport(models.Model):
    """村→站 完成情况表: a village's report on its station's arrangement. Made (unsent) for each covered village
    when the station relays the week, so the board knows from Monday whom it waits for."""

    arrangement = models.ForeignKey(
        Arrangement, verbose_name="站安排表", on_delete=models.CASCADE, related_name="village_reports"
    )
    village = models.ForeignKey(
        Organization, verbose_name="村（社区）党组织", on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("其他情况说明", max_length=1000, blank=True)
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报送人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "village__path"

    class Meta:
        verbose_name = "村周工作完成情况表"
        verbose_name_plural = "村周工作完成情况表"
        ordering = ["-arrangement__week", "village__path"]
        constraints = [
            models.UniqueConstraint(fields=["arrangement", "village"], name="village_report_once_a_week"),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.arrangement.week:%Y-%m-%d}"


class ReportLine(models.Model):
    report = models.ForeignKey(
        VillageReport, verbose_name="村完成情况表", on_delete=models.CASCADE, related_name="lines"
    )
    item = models.ForeignKey(Item, verbose_name="安排事项", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("完成情况", max_length=10, choices=LineStatus.choices)
    note = models.CharField("情况说明", max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "report__village__path"

    class Meta:
        verbose_name = "完成情况"
        verbose_name_plural = "完成情况"
        ordering = ["report", "item__seq"]
        constraints = [models.UniqueConstraint(fields=["report", "item"], name="report_line_once_per_item")]

    def __str__(self) -> str:
        return f"{self.item} {self.get_status_display()}"


class LinePhoto(EvidencePhoto):
    """A photo showing the work done; downloaded only through the data scope."""

    upload_folder = "weekly"
    owner_field = "line"

    line = models.ForeignKey(ReportLine, verbose_name="完成情况", on_delete=models.CASCADE, related_name="photos")

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "line__report__village__path"

    class Meta:
        verbose_name = "完成情况照片"
        verbose_name_plural = "完成情况照片"


class StationReportQuerySet(ScopedQuerySet):
    def restrict(self, user, action: str = Action.VIEW) -> StationReportQuerySet:
        by_town = super().restrict(user, action)
        if not acts_anywhere(user, action):
            return by_town
        return self.filter(Q(pk__in=by_town.values("pk")) | Q(arrangement__station__in=_seen_stations(user, action)))


class StationReport(models.Model):
    """站→镇 完成情况表: assembled when the station forwards it, from its villages' reports and its own items."""

    arrangement = models.OneToOneField(
        Arrangement, verbose_name="站安排表", on_delete=models.CASCADE, related_name="station_report"
    )
    note = models.CharField("其他情况说明", max_length=1000, blank=True)
    submitted_at = models.DateTimeField("报送时间")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报送人", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = StationReportQuerySet.as_manager()
    scope_path_field = "arrangement__town__path"

    class Meta:
        verbose_name = "站周工作完成情况表"
        verbose_name_plural = "站周工作完成情况表"
        ordering = ["-arrangement__week", "arrangement__station__code"]

    def __str__(self) -> str:
        return f"{self.arrangement.station} {self.arrangement.week:%Y-%m-%d} 完成情况"


class StationReportLineQuerySet(models.QuerySet):
    def restrict(self, user, action: str = Action.VIEW) -> StationReportLineQuerySet:
        return self.filter(report__in=StationReport.objects.restrict(user, action).values("pk"))


class StationReportLine(models.Model):
    """One item of the station's report: the villages' answers counted (village items) or the station's own."""

    report = models.ForeignKey(
        StationReport, verbose_name="站完成情况表", on_delete=models.CASCADE, related_name="lines"
    )
    item = models.ForeignKey(Item, verbose_name="安排事项", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("完成情况", max_length=10, choices=LineStatus.choices)
    done = models.PositiveSmallIntegerField("已完成村数", default=0)
    partly = models.PositiveSmallIntegerField("部分完成村数", default=0)
    not_done = models.PositiveSmallIntegerField("未完成村数", default=0)
    missing = models.PositiveSmallIntegerField("未报送村数", default=0)
    note = models.CharField("情况说明", max_length=500, blank=True)

    objects = StationReportLineQuerySet.as_manager()

    class Meta:
        verbose_name = "站完成情况"
        verbose_name_plural = "站完成情况"
        ordering = ["report", "item__seq"]
        constraints = [models.UniqueConstraint(fields=["report", "item"], name="station_line_once_per_item")]

    def __str__(self) -> str:
        return f"{self.item} {self.get_status_display()}"
