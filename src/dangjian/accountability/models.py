"""Accountability (问责): records of talks, admonitions and removals; the proposals the rules make; workstation
chiefs' annual ratings; and commendations, which a talk in the same year blocks.

People are named, not linked: the register keeps secretaries and chiefs as names (`CommitteePost.holder_name`,
`Workstation.chief_name`), most of them not party members of the organization, so a person is a name within an
organization's subtree (see `services.blocked`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.scope import ScopedQuerySet
from dangjian.orgs.models import Organization, Workstation

from .choices import BLOCKING_KINDS, ChiefGrade, CommendationKind, ProposalStatus, RecordKind, Rule

YEAR_RANGE = Q(year__gte=2000) & Q(year__lte=2100)


class Record(models.Model):
    """A talk (约谈), an admonition (诫勉谈话) or a removal from post (免职/撤换), with what caused it."""

    org = models.ForeignKey(Organization, verbose_name="所在党组织", on_delete=models.PROTECT, related_name="+")
    workstation = models.ForeignKey(
        Workstation, verbose_name="党建工作站", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person_name = models.CharField("姓名", max_length=50)
    person_post = models.CharField("职务", max_length=100, blank=True)
    kind = models.CharField("问责方式", max_length=20, choices=RecordKind.choices)
    date = models.DateField("日期")
    year = models.PositiveSmallIntegerField("年度")
    reason = models.CharField("事由", max_length=1000)
    for_party_duty = models.BooleanField(
        "因党建工作责任落实不力", default=True, help_text="约谈、诫勉谈话因此而起的，当年不得提拔、表彰"
    )
    case = models.ForeignKey(
        "rectify.Case", verbose_name="整顿案件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessment = models.ForeignKey(
        "assess.Assessment", verbose_name="年度考核", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "问责记录"
        verbose_name_plural = "问责记录"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["person_name", "year"], name="acc_record_person_year")]
        constraints = [
            models.CheckConstraint(condition=YEAR_RANGE, name="acc_record_year", violation_error_message="年度有误。")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.person_name} {self.get_kind_display()}"

    @property
    def blocks(self) -> bool:
        """Whether this record bars the person from promotion and honours in its year."""
        return self.kind in BLOCKING_KINDS and self.for_party_duty


class ChiefRating(models.Model):
    """A workstation chief's annual rating (年度考评) [003]: 基本称职 leads to an admonition, twice running to
    dismissal."""

    workstation = models.ForeignKey(
        Workstation, verbose_name="党建工作站", on_delete=models.PROTECT, related_name="chief_ratings"
    )
    year = models.PositiveSmallIntegerField("年度")
    chief_name = models.CharField("站长", max_length=50)
    rating = models.CharField("考评等次", max_length=20, choices=ChiefGrade.choices)
    note = models.CharField("说明", max_length=500, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rated_at = models.DateTimeField("录入时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "workstation__town__path"

    class Meta:
        verbose_name = "工作站站长考评"
        verbose_name_plural = "工作站站长考评"
        ordering = ["-year", "workstation__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["workstation", "year"],
                name="acc_chief_rating_unique",
                violation_error_message="该工作站本年度已有考评结果。",
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="acc_chief_year", violation_error_message="年度有误。"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.workstation} {self.chief_name} {self.get_rating_display()}"


class Proposal(models.Model):
    """What a rule proposes (撤换书记, 诫勉谈话, 免职); an authorized user confirms it, which makes the Record, or
    dismisses it with a reason. `key` names the fact that gave rise to it, so generating again adds nothing."""

    key = models.CharField("来源标识", max_length=100, unique=True, editable=False)
    rule = models.CharField("依据规则", max_length=30, choices=Rule.choices)
    org = models.ForeignKey(Organization, verbose_name="所在党组织", on_delete=models.PROTECT, related_name="+")
    workstation = models.ForeignKey(
        Workstation, verbose_name="党建工作站", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person_name = models.CharField("姓名", max_length=50, blank=True)
    person_post = models.CharField("职务", max_length=100, blank=True)
    kind = models.CharField("建议问责方式", max_length=20, choices=RecordKind.choices)
    year = models.PositiveSmallIntegerField("年度")
    reason = models.CharField("事由", max_length=1000)
    assessment = models.ForeignKey(
        "assess.Assessment", verbose_name="年度考核", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "rectify.Case", verbose_name="整顿案件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chief_rating = models.ForeignKey(
        ChiefRating, verbose_name="站长考评", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PENDING)
    decision_reason = models.CharField("处理意见", max_length=1000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    record = models.OneToOneField(
        Record, verbose_name="问责记录", null=True, blank=True, on_delete=models.PROTECT, related_name="proposal"
    )
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "问责建议"
        verbose_name_plural = "问责建议"
        ordering = ["-year", "status", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ProposalStatus.DISMISSED) | ~Q(decision_reason=""),
                name="acc_proposal_dismiss_reason",
                violation_error_message="不予采纳须写明理由。",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProposalStatus.CONFIRMED) | Q(record__isnull=False),
                name="acc_proposal_confirmed_record",
                violation_error_message="已确认的建议须对应问责记录。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.person_name or self.org} {self.get_kind_display()}（{self.get_status_display()}）"

    @property
    def pending(self) -> bool:
        return self.status == ProposalStatus.PENDING


class Commendation(models.Model):
    """A recommendation for an honour (推荐表彰) or for promotion (提拔推荐); refused for a person talked to that
    year."""

    org = models.ForeignKey(Organization, verbose_name="所在党组织", on_delete=models.PROTECT, related_name="+")
    person_name = models.CharField("姓名", max_length=50)
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("类别", max_length=20, choices=CommendationKind.choices)
    reason = models.CharField("推荐理由", max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "表彰及提拔推荐"
        verbose_name_plural = "表彰及提拔推荐"
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(condition=YEAR_RANGE, name="acc_commend_year", violation_error_message="年度有误。")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.person_name} {self.get_kind_display()}"
