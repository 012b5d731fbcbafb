"""Residents' opinions (收集民意) [003]: collected through a printed QR code per village or workstation, entered by
station staff or imported; sorted by category, grouped when they repeat, answered (反馈), and turned into problems.

The contact a resident leaves is encrypted at rest and masked on every page, API answer and export, like a
member's phone number.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.crypto import EncryptedCharField, mask_phone
from dangjian.core.scope import ScopedQuerySet
from dangjian.orgs.models import Organization, Workstation
from dangjian.problems.models import Problem

from .choices import Category, Channel


class OpinionCode(models.Model):
    """A printed QR code. A village's code files opinions under the village; a workstation's code lets the resident
    pick one of the station's villages, and belongs to the station's town (`org`), which prints it.

    The token grants only the opinion form of that code: no session, no account, nothing else of the system."""

    token = models.CharField("令牌", max_length=32, unique=True, editable=False)
    org = models.ForeignKey(Organization, verbose_name="所属党组织", on_delete=models.PROTECT, related_name="+")
    workstation = models.ForeignKey(
        Workstation, verbose_name="党建工作站", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField("有效", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="生成人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "意见收集二维码"
        verbose_name_plural = "意见收集二维码"
        ordering = ["org__path", "id"]

    def __str__(self) -> str:
        return self.workstation.name if self.workstation_id else self.org.name


class Opinion(models.Model):
    """One resident's opinion or suggestion (意见建议) about one village or community."""

    org = models.ForeignKey(Organization, verbose_name="村（社区）", on_delete=models.PROTECT, related_name="+")
    code = models.ForeignKey(
        OpinionCode, verbose_name="二维码", null=True, blank=True, on_delete=models.SET_NULL, related_name="opinions"
    )
    channel = models.CharField("收集方式", max_length=20, choices=Channel.choices)
    text = models.CharField("意见内容", max_length=2000)
    # The text's words (jieba), kept for grouping repeats and training the category suggestion without
    # segmenting every stored text again.
    words = models.TextField("分词", blank=True, editable=False)
    contact = EncryptedCharField("联系方式", blank=True)
    date = models.DateField("日期")
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    suggested = models.CharField("建议类别", max_length=20, choices=Category.choices, blank=True)
    confirmed = models.BooleanField("类别已确认", default=False)
    duplicate_of = models.ForeignKey(
        "self", verbose_name="与之重复", null=True, blank=True, on_delete=models.SET_NULL, related_name="repeats"
    )
    problem = models.ForeignKey(
        Problem, verbose_name="转为问题", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply = models.CharField("反馈意见", max_length=1000, blank=True)
    replied_on = models.DateField("反馈日期", null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="反馈人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "群众意见"
        verbose_name_plural = "群众意见"
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["org", "date"], name="opinion_org_date"),
            models.Index(fields=["confirmed", "id"], name="opinion_confirmed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reply="") | Q(replied_on__isnull=False),
                name="opinion_reply_dated",
                violation_error_message="反馈须有日期。",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def contact_masked(self) -> str:
        return mask_phone(self.contact)
