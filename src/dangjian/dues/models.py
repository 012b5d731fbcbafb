"""Party dues (党费) kept per member: the monthly base with its category from the month it takes effect (history
kept), what was paid for each month, and hardship reductions or exemptions approved by the level above.

The amount due is never stored: it is derived from the base in force for the month by `rules.monthly_due`, so a
corrected base corrects every month after it. Money is in fen (integers). Rows reach their organization through the
member (`member__org__path`): dues follow a member who moves to another branch.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery

from dangjian.core.scope import ScopedQuerySet
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from .choices import DuesCategory, ReliefKind


class DuesBase(models.Model):
    """A member's monthly dues base and category from `effective_from` (the first of a month) until the next one:
    after-tax fixed pay for those in work, the basic pension for retirees (中组发〔2008〕3号 第一、五条). Sensitive:
    shown only to roles that manage the member's organization (`visibility.may_see_bases`).

    `effective_until` is derived, never entered: the `effective_from` of the member's next base (NULL for the latest),
    so the base in force in a month is the one row whose range holds it and the set-based sums find it by a join
    (`sums`). Every writer of bases keeps it with `chain_bases`."""

    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.CASCADE, related_name="dues_bases")
    category = models.CharField("缴纳类别", max_length=20, choices=DuesCategory.choices)
    base_fen = models.PositiveBigIntegerField("月缴纳基数（分）", default=0)
    fixed_fen = models.PositiveIntegerField(
        "农民党员月缴纳额（分）", null=True, blank=True, help_text="农民党员由支部确定 0.20–1.00 元"
    )
    effective_from = models.DateField("起算月份", help_text="每月 1 日")
    effective_until = models.DateField(
        "截止月份（不含）", null=True, blank=True, editable=False, help_text="下一条基数的起算月份；最新一条为空"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "member__org__path"

    class Meta:
        verbose_name = "党费基数"
        verbose_name_plural = "党费基数"
        ordering = ["member_id", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "effective_from"],
                name="dues_base_unique_month",
                violation_error_message="该党员同一月份已登记基数。",
            ),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True) | Q(effective_until__gt=F("effective_from")),
                name="dues_base_range_in_order",
                violation_error_message="基数的截止月份须晚于起算月份。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from:%Y-%m} 起 {self.get_category_display()}"


def chain_bases(members=None) -> int:
    """Set every base's `effective_until` to the `effective_from` of the same member's next base (NULL for the
    latest), for the members of `members` (a queryset or ids of `Member`; None: every member). One statement; the
    rule of which base is in force stays `ledger.Ledger.base_for`, which `tests/test_dues_sums.py` holds this to."""
    rows = DuesBase.objects.all() if members is None else DuesBase.objects.filter(member__in=members)
    following = (
        DuesBase.objects.filter(member=OuterRef("member"), effective_from__gt=OuterRef("effective_from"))
        .order_by("effective_from")
        .values("effective_from")[:1]
    )
    return rows.update(effective_until=Subquery(following))


class DuesPayment(models.Model):
    """What a member paid for one month (`month`, the first of it) and on which day: paid by the end of that month
    is on time, later is a back-payment (补缴)."""

    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.CASCADE, related_name="dues_payments")
    month = models.DateField("所属月份", help_text="每月 1 日")
    amount_fen = models.PositiveBigIntegerField("实缴金额（分）")
    paid_on = models.DateField("缴纳日期")
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "member__org__path"

    class Meta:
        verbose_name = "党费缴纳"
        verbose_name_plural = "党费缴纳"
        ordering = ["member_id", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "month"],
                name="dues_payment_unique_month",
                violation_error_message="该党员该月党费已登记缴纳。",
            ),
        ]
        indexes = [models.Index(fields=["month", "member"], name="dues_payment_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} 实缴 {self.amount_fen / 100:.2f} 元"


class DuesRelief(models.Model):
    """A hardship reduction or exemption for the months `start`..`end` (第七条): decided by the branch, approved by
    the level above, whose organization, approver and date are kept. Months it covers are never counted as arrears."""

    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.CASCADE, related_name="dues_reliefs")
    kind = models.CharField("类型", max_length=10, choices=ReliefKind.choices)
    start = models.DateField("起始月份")
    end = models.DateField("截止月份")
    monthly_fen = models.PositiveIntegerField("减缴后月缴纳额（分）", default=0)
    reason = models.CharField("原因", max_length=200)
    approved_by = models.ForeignKey(Organization, verbose_name="审批党组织", on_delete=models.PROTECT, related_name="+")
    approver = models.CharField("审批人", max_length=50)
    approved_on = models.DateField("审批日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "member__org__path"

    class Meta:
        verbose_name = "党费减免"
        verbose_name_plural = "党费减免"
        ordering = ["member_id", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")),
                name="dues_relief_months_in_order",
                violation_error_message="截止月份不能早于起始月份。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start:%Y-%m}至{self.end:%Y-%m}"
