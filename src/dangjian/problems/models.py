"""Problem lists with four-level linkage (问题清单、责任清单、销号清单, "市-县-镇-站(村)四级联动") [003].

A problem concerns one organization (`org`, which decides the data scope) and is solved at one of four levels
(`level`); the organization that answers for that level (`responsible_org`, the concerned organization or the one
above it at that level) names an owner and a deadline. Closure (销号) is by the level above after verification.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dangjian.core.scope import ScopedQuerySet
from dangjian.orgs.models import Organization

from .choices import Category, EventKind, ProblemLevel, ProblemStatus, SourceKind


class ProblemQuerySet(ScopedQuerySet):
    def overdue(self, today: datetime.date) -> ProblemQuerySet:
        """Being worked on past the deadline. One awaiting verification is not: its owner has done their part."""
        return self.filter(status=ProblemStatus.OPEN, deadline__lt=today)


class Problem(models.Model):
    """One item of the problem list: what, where, at which level, who answers for it by when, how it ended."""

    title = models.CharField("问题", max_length=200)
    detail = models.CharField("具体情况", max_length=2000, blank=True)
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    org = models.ForeignKey(Organization, verbose_name="涉及组织", on_delete=models.PROTECT, related_name="+")
    level = models.CharField("办理层级", max_length=20, choices=ProblemLevel.choices)
    responsible_org = models.ForeignKey(
        Organization, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    owner_name = models.CharField("责任人", max_length=50, blank=True)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deadline = models.DateField("办结时限", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    source = models.CharField("来源", max_length=20, choices=SourceKind.choices, default=SourceKind.MANUAL)
    # What the source was, in words and its number (a weekly report, an opinion, a finding): generic, so the areas
    # that feed the list (the weekly cycle, inspections) need no field of their own here.
    source_ref = models.CharField("来源说明", max_length=200, blank=True)
    # How many levels above the responsible organization an overdue problem has been raised (0: not yet).
    escalation_level = models.PositiveSmallIntegerField("逾期已上报层数", default=0)
    submitted_at = models.DateTimeField("申报办结时间", null=True, blank=True)
    # Who verifies and closes, kept when the problem is submitted (`services.verifier`): the workbench of a province
    # asks "what waits for my check" in one query instead of working it out for each submitted problem. The check
    # itself (`services._verifier_side`) works it out again from the tree as it is.
    verifier_org = models.ForeignKey(
        Organization, verbose_name="核实单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verifier_manages = models.BooleanField("核实须管理权限", default=False)  # the top level verifies itself (MANAGE)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    result = models.CharField("办理结果", max_length=1000, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_on = models.DateField("销号日期", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="销号人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closing_opinion = models.CharField("核实意见", max_length=1000, blank=True)
    solved_level = models.CharField("解决层级", max_length=20, choices=ProblemLevel.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    recorded_on = models.DateField("登记日期", default=timezone.localdate)

    objects = ProblemQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "问题"
        verbose_name_plural = "问题清单"
        ordering = ["-recorded_on", "-id"]
        indexes = [
            models.Index(fields=["status", "level"], name="problem_status_level"),
            models.Index(fields=["closed_on"], name="problem_closed_on"),
            models.Index(fields=["deadline"], name="problem_deadline"),
            models.Index(fields=["status", "verifier_org"], name="problem_status_verifier"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ProblemStatus.ASSIGNING) | ~Q(owner_name=""),
                name="problem_owner_named",
                violation_error_message="交办的问题须有责任人。",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProblemStatus.CLOSED) | (~Q(solved_level="") & ~Q(closing_opinion="")),
                name="problem_closed_verified",
                violation_error_message="销号须写明核实意见。",
            ),
        ]

    def __str__(self) -> str:
        return self.title[:60]

    def is_overdue(self, today: datetime.date) -> bool:
        return self.status == ProblemStatus.OPEN and self.deadline is not None and self.deadline < today

    @property
    def closed_on_time(self) -> bool | None:
        """Closed by its deadline; None while not closed."""
        if self.status != ProblemStatus.CLOSED or self.closed_on is None:
            return None
        return self.deadline is None or self.closed_on <= self.deadline


class ProblemEvent(models.Model):
    """The problem's history as people read it (progress, escalations, verification); the audit log keeps the
    technical record."""

    problem = models.ForeignKey(Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事项", max_length=20, choices=EventKind.choices)
    note = models.CharField("说明", max_length=1000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "problem__org__path"

    class Meta:
        verbose_name = "问题办理记录"
        verbose_name_plural = "问题办理记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.problem} {self.get_kind_display()}"
