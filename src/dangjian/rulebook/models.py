"""The rulebook: every rule the system checks or applies, with its source, and per-region overrides.

A `Rule` is seeded from `catalog.CATALOG` by the migrations; a `RuleOverride` changes a rule's value or severity, or
turns it off, for one organization and everything under it. Overrides are never edited: a new one for the same rule
and organization withdraws the old, and a withdrawal keeps who, when and why, so the rows are the trail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dangjian.core.scope import ScopedQuerySet

from .choices import Confidence, Severity


class Rule(models.Model):
    """One rule with its source (document, article, date), confidence, severity and the domains it binds."""

    key = models.CharField("规则键", max_length=60, unique=True)
    category = models.CharField("类别", max_length=30)
    title = models.CharField("规则名称", max_length=100)
    text = models.TextField("规则内容")
    document = models.CharField("依据文件", max_length=200)
    article = models.CharField("条款", max_length=30, blank=True)
    issued = models.CharField("发布日期", max_length=20, blank=True)
    confidence = models.CharField("可信度", max_length=1, choices=Confidence.choices)
    severity = models.CharField("严重程度", max_length=10, choices=Severity.choices, default=Severity.WARNING)
    domains = models.JSONField("适用党建类型", default=list, blank=True)
    value = models.JSONField("取值", null=True, blank=True)
    unit = models.CharField("单位", max_length=20, blank=True)
    applied_in = models.CharField("代码中的适用位置", max_length=200, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "规则"
        verbose_name_plural = "规则"
        ordering = ["category", "key"]

    def __str__(self) -> str:
        return self.title

    @property
    def source(self) -> str:
        """《文件》第X条, as every warning names it."""
        return f"{self.document}{self.article}"


class RuleOverride(models.Model):
    """A region's change to a rule (value, severity, or off) for an organization and its subtree, with who, when,
    why; withdrawn rather than edited."""

    rule = models.ForeignKey(Rule, verbose_name="规则", on_delete=models.PROTECT, related_name="overrides")
    org = models.ForeignKey(
        "orgs.Organization", verbose_name="适用党组织", on_delete=models.PROTECT, related_name="rule_overrides"
    )
    value = models.JSONField("调整后取值", null=True, blank=True)
    severity = models.CharField("调整后严重程度", max_length=10, choices=Severity.choices, blank=True)
    disabled = models.BooleanField("停用", default=False)
    reason = models.CharField("调整理由", max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="调整人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("调整时间", auto_now_add=True)
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_reason = models.CharField("撤销理由", max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "规则地方调整"
        verbose_name_plural = "规则地方调整"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "org"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="rule_override_one_active",
                violation_error_message="同一组织对同一规则只能有一项生效的调整。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} @ {self.org}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
