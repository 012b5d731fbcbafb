"""Rectification of weak organizations (软弱涣散整顿): a case per organization, its plan (一村一策), the five
supporters (五级包扶), special funds, the ledger (台账) of progress with evidence, and verification and closure (销号).

Every model reaches the organization's path, so the one data-scope mechanism applies to all of it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dangjian.core.evidence import EvidenceFile
from dangjian.core.scope import ScopedQuerySet
from dangjian.orgs.models import Organization


class CaseSource(models.TextChoices):
    ASSESSMENT = "assessment", "年度考核"
    INSPECTION = "inspection", "督查发现"
    MANUAL = "manual", "上级指定"
    ROLLOVER = "rollover", "上年度未销号结转"


class CaseStatus(models.TextChoices):
    OPEN = "open", "整改中"
    TOWN_CHECKED = "town_checked", "乡镇已初验"
    CLOSED = "closed", "已销号"


class WeaknessKind(models.TextChoices):
    """The kind of weakness decides the kind of agency paired with it [004]."""

    SOFT = "soft", "班子软弱（软）"
    POOR = "poor", "集体经济薄弱（穷）"
    DISORDERLY = "disorderly", "治理混乱（乱）"
    SPECIALISED = "specialised", "产业特色发展（专）"


class Case(models.Model):
    """One organization's rectification in one year."""

    org = models.ForeignKey(Organization, verbose_name="整顿对象", on_delete=models.PROTECT, related_name="cases")
    year = models.PositiveSmallIntegerField("年度")
    source = models.CharField("来源", max_length=20, choices=CaseSource.choices)
    assessment = models.ForeignKey(
        "assess.Assessment", verbose_name="考核", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reasons = models.JSONField("列入原因", default=list)
    problems = models.JSONField("问题类型", default=list)  # the six problem areas of [004], as labels
    kind = models.CharField("软弱类型", max_length=20, choices=WeaknessKind.choices, blank=True)
    status = models.CharField("状态", max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    deadline = models.DateField("整改期限", null=True, blank=True)
    rolled_from = models.ForeignKey(
        "self", verbose_name="结转自", null=True, blank=True, on_delete=models.SET_NULL, related_name="rolled_into"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="立案人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField("立案时间", auto_now_add=True)
    town_checked_at = models.DateTimeField("乡镇初验时间", null=True, blank=True)
    town_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="乡镇初验人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    town_opinion = models.CharField("乡镇初验意见", max_length=1000, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="验收销号人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closing_opinion = models.CharField("验收意见", max_length=1000, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "整顿案件"
        verbose_name_plural = "整顿案件"
        ordering = ["-year", "org__path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="case_unique_org_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.org}"


class MeasureStatus(models.TextChoices):
    OPEN = "open", "未完成"
    DONE = "done", "已完成"


class Measure(models.Model):
    """One line of the plan (一村一策): a problem, the measure against it, who answers for it, by when."""

    case = models.ForeignKey(Case, verbose_name="整顿案件", on_delete=models.CASCADE, related_name="measures")
    problem = models.CharField("问题", max_length=500)
    action = models.CharField("整改措施", max_length=1000)
    responsible = models.CharField("责任人", max_length=50)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deadline = models.DateField("完成时限")
    status = models.CharField("状态", max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.OPEN)
    done_at = models.DateField("完成日期", null=True, blank=True)
    # How far up the tree an overdue measure has been raised (0: not escalated), so escalation happens once per level.
    escalation_level = models.PositiveSmallIntegerField("已逐级提醒层数", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "case__org__path"

    class Meta:
        verbose_name = "整改措施"
        verbose_name_plural = "整改措施"
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return self.action[:50]


class SupporterRole(models.TextChoices):
    """五级包扶 [004]."""

    COUNTY_LEADER = "county_leader", "县级领导"
    ORG_DEPARTMENT = "org_department", "组织部"
    PAIRED_AGENCY = "paired_agency", "结对帮扶单位"
    DIRECT_SUPERVISOR = "direct_supervisor", "直属党委督导人"
    FIRST_SECRETARY = "first_secretary", "驻村第一书记"


class Supporter(models.Model):
    case = models.ForeignKey(Case, verbose_name="整顿案件", on_delete=models.CASCADE, related_name="supporters")
    role = models.CharField("包扶层级", max_length=30, choices=SupporterRole.choices)
    name = models.CharField("姓名", max_length=50)
    unit = models.CharField("单位及职务", max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="包扶责任人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notified_at = models.DateTimeField("通知时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "case__org__path"

    class Meta:
        verbose_name = "包扶责任人"
        verbose_name_plural = "包扶责任人"
        constraints = [models.UniqueConstraint(fields=["case", "role"], name="supporter_unique_role")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class Fund(models.Model):
    """Special funds (专项资金) spent on the case."""

    case = models.ForeignKey(Case, verbose_name="整顿案件", on_delete=models.CASCADE, related_name="funds")
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    source = models.CharField("资金来源", max_length=200)
    purpose = models.CharField("用途", max_length=500, blank=True)
    date = models.DateField("拨付日期")

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "case__org__path"

    class Meta:
        verbose_name = "专项资金"
        verbose_name_plural = "专项资金"
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.amount} 元"


class LedgerEntry(models.Model):
    """A progress entry of the ledger (台账) against one measure."""

    measure = models.ForeignKey(Measure, verbose_name="整改措施", on_delete=models.CASCADE, related_name="entries")
    date = models.DateField("日期")
    content = models.CharField("进展情况", max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "measure__case__org__path"

    class Meta:
        verbose_name = "台账记录"
        verbose_name_plural = "台账记录"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.content[:30]}"


class LedgerFile(EvidenceFile):
    """Evidence of a ledger entry: a file or a photo (a photo shown on the case page as a thumbnail)."""

    upload_folder = "rectify"
    owner_field = "entry"
    thumb_prefix = "ledger"

    entry = models.ForeignKey(LedgerEntry, verbose_name="台账记录", on_delete=models.CASCADE, related_name="files")

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "entry__measure__case__org__path"

    class Meta:
        verbose_name = "台账佐证"
        verbose_name_plural = "台账佐证"


class CaseEventKind(models.TextChoices):
    OPENED = "opened", "立案"
    TOWN_CHECKED = "town_checked", "乡镇初验"
    CLOSED = "closed", "销号"
    REOPENED = "reopened", "重新打开"
    ESCALATED = "escalated", "逾期上报"
    ROLLED = "rolled", "结转下年"
    SPOT_CHECK = "spot_check", "抽查"


class CaseEvent(models.Model):
    """The case's history as people read it; the audit log keeps the technical record."""

    case = models.ForeignKey(Case, verbose_name="整顿案件", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事项", max_length=20, choices=CaseEventKind.choices)
    note = models.CharField("说明", max_length=1000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "case__org__path"

    class Meta:
        verbose_name = "整顿过程记录"
        verbose_name_plural = "整顿过程记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()}"
