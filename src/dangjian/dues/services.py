"""Writes of dues records, each atomic, scope-checked and audited in the same transaction: a member's base (MANAGE
on the member's organization, since bases are sensitive), a month's payment (CHANGE) and an approved reduction or
exemption (CHANGE; the approving organization must stand above the member's). The checks live in `check_*` so the
form and the import refuse a bad value in the same words."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record, snapshot
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action
from dangjian.core.services import ensure_in_scope
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from .choices import DuesCategory, ReliefKind
from .ledger import Ledger, month_start
from .models import DuesBase, DuesPayment, DuesRelief, chain_bases
from .rules import FARMER_MAX_FEN, FARMER_MIN_FEN, RULES, yuan

BASE_UNAUDITED = ("recorded_at", "effective_until")  # effective_until is derived from the member's other bases


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def future_month_problem(month: datetime.date | None, what: str = "月份") -> str:
    """A month after the current one cannot be recorded yet."""
    if month is None:
        return f"请填写{what}。"
    today = timezone.localdate()
    if month_start(month) > month_start(today):
        return f"{what} {month:%Y-%m} 晚于本月（{today:%Y-%m}），不能登记尚未到来的月份。"
    if month.year < 2008:
        return f"{what} {month:%Y-%m} 早于现行党费规定（2008 年 4 月起施行）。"
    return ""


def check_base(category: str, base_fen: int | None, fixed_fen: int | None) -> dict[str, str]:
    """The values of a base record, by the category's table."""
    errors: dict[str, str] = {}
    if category not in RULES:
        errors["category"] = "请选择缴纳类别。"
        return errors
    rule = RULES[category]
    if rule.uses_base:
        if base_fen is None:
            what = "基本离退休费" if category == DuesCategory.RETIRED else "税后固定工资收入"
            errors["base"] = f"{rule.label}党员须填写月缴纳基数（{what}）。"
        elif base_fen < 0:
            errors["base"] = "党费基数不能为负数。"
    elif category == DuesCategory.FARMER and fixed_fen is not None:
        if not FARMER_MIN_FEN <= fixed_fen <= FARMER_MAX_FEN:
            errors["fixed"] = (
                f"农民党员每月缴纳 {yuan(FARMER_MIN_FEN)} 元至 {yuan(FARMER_MAX_FEN)} 元，不能为 {yuan(fixed_fen)} 元。"
            )
    return errors


@transaction.atomic
def set_base(
    member: Member,
    *,
    actor,
    category: str,
    effective_from: datetime.date,
    base_fen: int | None = None,
    fixed_fen: int | None = None,
    note: str = "",
) -> DuesBase:
    """The member's base and category from the month `effective_from` on (a later record takes over from its own
    month); the same month again corrects that month's record."""
    ensure_in_scope(actor, member.org.path, Action.MANAGE)
    errors = check_base(category, base_fen, fixed_fen)
    problem = future_month_problem(effective_from, "起算月份")
    if problem:
        errors["effective_from"] = problem
    if errors:
        raise ValidationError(errors)
    month = month_start(effective_from)
    uses_base = RULES[category].uses_base
    values = {
        "category": category,
        "base_fen": base_fen if uses_base else 0,
        "fixed_fen": fixed_fen if category == DuesCategory.FARMER else None,
        "note": (note or "").strip()[:200],
        "recorded_by": _user(actor),
    }
    existing = DuesBase.objects.select_for_update().filter(member=member, effective_from=month).first()
    before = snapshot(existing, exclude=BASE_UNAUDITED) if existing else None
    if existing is None:
        base = DuesBase.objects.create(member=member, effective_from=month, **values)
    else:
        for name, value in values.items():
            setattr(existing, name, value)
        existing.save(update_fields=[*values])
        base = existing
    chain_bases([member.pk])  # a base set between two others splits the earlier one's range
    base.refresh_from_db(fields=["effective_until"])
    record(
        AuditAction.UPDATE if before else AuditAction.CREATE,
        actor=actor,
        obj=base,
        org=member.org,
        before=before,
        after=snapshot(base, exclude=BASE_UNAUDITED),
        detail=f"党费基数：{member.name} {month:%Y-%m} 起",
    )
    return base


def due_of(member: Member, month: datetime.date) -> int | None:
    """The amount due for one month as the ledger derives it (None when no base is on record)."""
    today = timezone.localdate()
    return Ledger([member], month, month, max(today, month)).cell(member, month_start(month)).due_fen


@transaction.atomic
def record_payment(
    member: Member,
    *,
    actor,
    month: datetime.date,
    amount_fen: int | None = None,
    paid_on: datetime.date | None = None,
    note: str = "",
) -> DuesPayment:
    """What the member paid for `month` (the amount due when not given) on `paid_on` (today when not given). The
    same month again corrects the record."""
    ensure_in_scope(actor, member.org.path, Action.CHANGE)
    errors: dict[str, str] = {}
    today = timezone.localdate()
    problem = future_month_problem(month, "所属月份")
    if problem:
        errors["month"] = problem
    paid_on = paid_on or today
    if paid_on > today:
        errors["paid_on"] = f"缴纳日期 {paid_on} 晚于今天（{today}）。"
    if not errors and amount_fen is None:
        amount_fen = due_of(member, month)
        if amount_fen is None:
            errors["amount"] = f"{member.name} {month:%Y-%m} 尚未核定党费基数，请先登记基数或填写实缴金额。"
    if amount_fen is not None and amount_fen < 0:
        errors["amount"] = "实缴金额不能为负数。"
    if errors:
        raise ValidationError(errors)
    month = month_start(month)
    existing = DuesPayment.objects.select_for_update().filter(member=member, month=month).first()
    before = snapshot(existing, exclude=("recorded_at",)) if existing else None
    values = {"amount_fen": amount_fen, "paid_on": paid_on, "note": (note or "").strip()[:200]}
    if existing is None:
        payment = DuesPayment.objects.create(member=member, month=month, recorded_by=_user(actor), **values)
    else:
        for name, value in values.items():
            setattr(existing, name, value)
        existing.recorded_by = _user(actor)
        existing.save()
        payment = existing
    record(
        AuditAction.UPDATE if before else AuditAction.CREATE,
        actor=actor,
        obj=payment,
        org=member.org,
        before=before,
        after=snapshot(payment, exclude=("recorded_at",)),
        detail=f"党费缴纳：{member.name} {month:%Y-%m} {yuan(amount_fen)} 元",
    )
    return payment


@transaction.atomic
def cancel_payment(payment: DuesPayment, *, actor) -> None:
    """Remove a payment recorded by mistake; the audit record keeps what it said."""
    member = payment.member
    ensure_in_scope(actor, member.org.path, Action.CHANGE)
    record(
        AuditAction.DELETE,
        actor=actor,
        obj=payment,
        org=member.org,
        before=snapshot(payment, exclude=("recorded_at",)),
        detail=f"撤销党费缴纳：{member.name} {payment.month:%Y-%m}",
    )
    payment.delete()


@transaction.atomic
def record_relief(
    member: Member,
    *,
    actor,
    kind: str,
    start: datetime.date,
    end: datetime.date,
    reason: str,
    approved_by: Organization,
    approver: str,
    approved_on: datetime.date,
    monthly_fen: int = 0,
) -> DuesRelief:
    """A hardship reduction or exemption (第七条: 支部研究、上一级党委批准) for the months `start`..`end`."""
    ensure_in_scope(actor, member.org.path, Action.CHANGE)
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if kind not in ReliefKind.values:
        errors["kind"] = "请选择减缴或免缴。"
    if start is None or end is None:
        errors["start"] = "请填写起止月份。"
    elif month_start(end) < month_start(start):
        errors["end"] = "截止月份不能早于起始月份。"
    if not (reason or "").strip():
        errors["reason"] = "请填写减免原因。"
    org = member.org
    if approved_by is None or not (org.path.startswith(approved_by.path) and approved_by.path != org.path):
        errors["approved_by"] = f"党费减免须经上一级党组织批准：审批组织须是{org.name}的上级党组织。"
    if not (approver or "").strip():
        errors["approver"] = "请填写审批人。"
    if approved_on is None or approved_on > today:
        errors["approved_on"] = f"审批日期须填写且不能晚于今天（{today}）。"
    if kind == ReliefKind.REDUCE and not monthly_fen:
        errors["monthly"] = "减缴须填写减缴后的月缴纳额（全免请选“免缴”）。"
    if errors:
        raise ValidationError(errors)
    relief = DuesRelief.objects.create(
        member=member,
        kind=kind,
        start=month_start(start),
        end=month_start(end),
        monthly_fen=monthly_fen if kind == ReliefKind.REDUCE else 0,
        reason=reason.strip()[:200],
        approved_by=approved_by,
        approver=approver.strip()[:50],
        approved_on=approved_on,
        recorded_by=_user(actor),
    )
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=relief,
        org=org,
        after=snapshot(relief, exclude=("recorded_at",)),
        detail=f"党费减免：{member.name} {relief}",
    )
    return relief
