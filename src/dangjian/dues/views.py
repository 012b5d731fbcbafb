"""Dues pages: a branch's month sheet (members × months, due and paid, marking months paid), one member's dues
history (bases, reliefs, payments), the arrears list, the roll-up per town or county, and the export. Every page is
scoped; bases are shown only where `visibility.may_see_bases` allows."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from dangjian.core.params import int_param
from dangjian.core.scope import ALL, Action, path_in_scope, scope_paths
from dangjian.core.services import OutOfScope
from dangjian.core.views import ScopedViewMixin, paged
from dangjian.members.models import Member
from dangjian.orgs.choices import BRANCH_KINDS
from dangjian.orgs.models import Organization
from dangjian.sheets.export import ExportTooLarge, export_response, max_rows

from . import services, sums
from .choices import DuesCategory, MonthStatus, ReliefKind
from .ledger import Ledger, add_months, month_start, months_between, year_months
from .models import DuesPayment
from .rollup import ARREARS_WINDOW, rollup
from .rules import ARREARS_MONTHS, ROUNDING_TEXT, RULES, AmountError, parse_yuan, yuan
from .sheet import export_columns, parse_month
from .visibility import HIDDEN, may_see_bases

NOT_IN_SCOPE = "该组织不存在或不在您的数据范围内。"
PAYABLE = (MonthStatus.UNPAID, MonthStatus.OPEN)


def scoped_org(view: ScopedViewMixin, code: str, action: str = Action.VIEW) -> Organization | None:
    code = (code or "").strip()
    return view.scoped(Organization, action).filter(code=code).first() if code else None


def home_org(view: ScopedViewMixin, action: str = Action.VIEW) -> Organization | None:
    """The organization a page starts from: the top of the user's scope (the first root for a superuser)."""
    # raw paths: the page starts from the first organization the user was granted, not from a filter of rows
    paths = scope_paths(view.request.user, action)
    if paths is ALL:
        return Organization.objects.filter(parent__isnull=True).order_by("path").first()
    return Organization.objects.filter(path=paths[0]).first() if paths else None


def ancestor_paths(path: str) -> list[str]:
    """The paths of the organizations above the one at `path` (materialized paths: each id and a dot)."""
    ids = [p for p in path.split(".") if p][:-1]
    return [".".join(ids[: i + 1]) + "." for i in range(len(ids))]


def page_org(view: ScopedViewMixin, request) -> Organization | None:
    code = request.GET.get("org_code", "")
    org = scoped_org(view, code) if code else home_org(view)
    if org is None and code:
        raise Http404(NOT_IN_SCOPE)
    return org


def page_year(request) -> int:
    today = timezone.localdate()
    year = int_param(request.GET, "year") or today.year
    return year if 2008 <= year <= today.year else today.year


def years() -> list[int]:
    today = timezone.localdate()
    return list(range(today.year, today.year - 5, -1))


class SheetView(ScopedViewMixin, View):
    """A branch's (or any organization's) dues month sheet for a year: each member a row, each month its amount due
    and whether it was paid; months due can be ticked and marked paid in one go."""

    model = Member

    def members(self, org):
        return self.get_queryset().in_subtree(org).select_related("org").order_by("org__path", "name", "id")

    def get(self, request):
        org, year = page_org(self, request), page_year(request)
        today = timezone.localdate()
        context = {"org": org, "year": year, "years": years(), "months": year_months(year)}
        if org is not None:
            context.update(paged(request, self.members(org)))
            page = list(context["page"].object_list)
            ledger = Ledger(page, datetime.date(year, 1, 1), datetime.date(year, 12, 1), today)
            user = request.user
            rows = []
            for member in page:
                book = ledger.of(member)
                latest = next((c for c in reversed(book.cells) if c.category), None)
                rows.append(
                    {
                        "member": member,
                        "cells": book.cells,
                        "latest": latest,
                        "base": (
                            ""
                            if latest is None or latest.base_fen is None
                            else yuan(latest.base_fen)
                            if may_see_bases(user, member.org.path)
                            else HIDDEN
                        ),
                        "totals": book.totals(),
                        "can_pay": path_in_scope(user, member.org.path, Action.CHANGE),
                    }
                )
            context["rows"] = rows
            context["can_pay"] = any(r["can_pay"] for r in rows)
        context["payable"] = PAYABLE
        return render(request, "dues/sheet.html", context)


class MarkPaidView(ScopedViewMixin, View):
    """Marks the ticked member-months paid today at the amount due, all or none."""

    model = Member
    scope_action = Action.CHANGE

    def post(self, request):
        picked = request.POST.getlist("pay")
        back = request.POST.get("next") or ""
        if not back.startswith("/dues/"):
            back = "/dues/"
        wanted: list[tuple[int, datetime.date]] = []
        for value in picked:
            pk, _, month = value.partition(":")
            try:
                wanted.append((int(pk), parse_month(month)))
            except ValueError:
                continue
        if not wanted:
            messages.error(request, "请先勾选要标记为已缴的月份。")
            return redirect(back)
        found = {m.pk: m for m in self.get_queryset().filter(pk__in={pk for pk, _ in wanted}).select_related("org")}
        if len(found) != len({pk for pk, _ in wanted}):
            raise Http404("未找到该记录，或它不在您的数据范围内。")
        try:
            with transaction.atomic():
                for pk, month in wanted:
                    services.record_payment(found[pk], actor=request.user, month=month)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages) + "（全部未登记）")
        else:
            messages.success(request, f"已登记 {len(wanted)} 个月的党费为已缴。")
        return redirect(back)


class MemberDuesView(ScopedViewMixin, View):
    """One member's dues: the bases and categories from the months they took effect (the base itself only for those
    who may see it), approved reliefs, and the months of a year with what was due and paid."""

    model = Member

    def context(self, request, member, errors=None):
        year = page_year(request)
        today = timezone.localdate()
        user = request.user
        see = may_see_bases(user, member.org.path)
        book = Ledger([member], datetime.date(year, 1, 1), datetime.date(year, 12, 1), today).of(member)
        bases = [
            {"row": b, "base": (yuan(b.base_fen) if see else HIDDEN) if RULES[b.category].uses_base else "",
             "fixed": yuan(b.fixed_fen) if b.fixed_fen is not None else ""}
            for b in member.dues_bases.select_related("recorded_by").order_by("-effective_from")
        ]  # fmt: skip
        parents = Organization.objects.filter(path__in=ancestor_paths(member.org.path)).order_by("-path")
        return {
            "member": member,
            "year": year,
            "years": years(),
            "cells": book.cells,
            "payments": dict(member.dues_payments.filter(month__year=year).values_list("month", "pk")),
            "totals": book.totals(),
            "arrears": Ledger([member], add_months(month_start(today), -ARREARS_WINDOW + 1), today, today)
            .of(member)
            .arrears(),
            "bases": bases,
            "reliefs": member.dues_reliefs.select_related("approved_by").order_by("-start"),
            "can_manage": see,
            "can_change": path_in_scope(user, member.org.path, Action.CHANGE),
            "categories": DuesCategory.choices,
            "relief_kinds": ReliefKind.choices,
            "parents": parents,
            "errors": errors or [],
            "form": request.POST if errors else {},
            "today": today,
            "payable": PAYABLE,
        }

    def get(self, request, pk):
        member = self.get_object_or_404(pk)
        return render(request, "dues/member.html", self.context(request, member))

    def post(self, request, pk):
        member = self.get_object_or_404(pk)
        action = request.POST.get("action", "")
        try:
            if action == "base":
                self.set_base(request, member)
                messages.success(request, "已登记党费基数。")
            elif action == "pay":
                self.pay(request, member)
                messages.success(request, "已登记党费缴纳。")
            elif action == "cancel":
                payment = DuesPayment.objects.filter(member=member, pk=int_param(request.POST, "payment") or 0).first()
                if payment is None:
                    raise Http404("未找到该记录。")
                services.cancel_payment(payment, actor=request.user)
                messages.success(request, "已撤销该月缴纳记录。")
            elif action == "relief":
                self.relief(request, member)
                messages.success(request, "已登记党费减免。")
            else:
                raise ValidationError("未知操作。")
        except ValidationError as exc:
            return render(request, "dues/member.html", self.context(request, member, exc.messages), status=400)
        except OutOfScope as exc:
            raise Http404("未找到该记录，或它不在您的数据范围内。") from exc
        return redirect(request.get_full_path())

    @staticmethod
    def _month(request, name: str, what: str) -> datetime.date:
        try:
            return parse_month(request.POST.get(name, ""))
        except ValueError as exc:
            raise ValidationError(f"{what}：{exc}") from None

    @staticmethod
    def _date(request, name: str, what: str) -> datetime.date | None:
        raw = (request.POST.get(name) or "").strip()
        if not raw:
            return None
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:
            raise ValidationError(f"{what}“{raw}”不是日期。") from None

    @staticmethod
    def _yuan(request, name: str, what: str) -> int | None:
        try:
            return parse_yuan(request.POST.get(name), what)
        except AmountError as exc:
            raise ValidationError(str(exc)) from None

    def set_base(self, request, member):
        if not may_see_bases(request.user, member.org.path):
            raise OutOfScope("无权登记党费基数。")
        category = request.POST.get("category", "")
        amount = self._yuan(request, "base", "党费基数")
        farmer = category == DuesCategory.FARMER
        services.set_base(
            member,
            actor=request.user,
            category=category,
            effective_from=self._month(request, "effective_from", "起算月份"),
            base_fen=None if farmer else amount,
            fixed_fen=amount if farmer else None,
            note=request.POST.get("note", ""),
        )

    def pay(self, request, member):
        services.record_payment(
            member,
            actor=request.user,
            month=self._month(request, "month", "所属月份"),
            amount_fen=self._yuan(request, "amount", "实缴金额"),
            paid_on=self._date(request, "paid_on", "缴纳日期"),
            note=request.POST.get("note", ""),
        )

    def relief(self, request, member):
        code = (request.POST.get("approved_by") or "").strip()
        approver_org = Organization.objects.filter(code=code).first() if code else None
        services.record_relief(
            member,
            actor=request.user,
            kind=request.POST.get("kind", ""),
            start=self._month(request, "start", "起始月份"),
            end=self._month(request, "end", "截止月份"),
            reason=request.POST.get("reason", ""),
            approved_by=approver_org,
            approver=request.POST.get("approver", ""),
            approved_on=self._date(request, "approved_on", "审批日期"),
            monthly_fen=self._yuan(request, "monthly", "减缴后月缴纳额") or 0,
        )


class ArrearsView(ScopedViewMixin, View):
    """Members with `ARREARS_MONTHS` or more consecutive months unpaid without an approved cause, in the last
    `ARREARS_WINDOW` months: a list for the branch to follow up, nothing done automatically."""

    model = Member

    def get(self, request):
        org = page_org(self, request)
        today = timezone.localdate()
        first = add_months(month_start(today), -ARREARS_WINDOW + 1)
        rows = []
        if org is not None:
            members = self.get_queryset().in_subtree(org)
            # The database finds who is in arrears; the ledger then reads only those members for the run's words.
            found = [pk for pk, _ in sums.in_arrears(members, months_between(first, month_start(today)), today)]
            flagged = members.filter(pk__in=found).select_related("org").order_by("org__path", "name", "id")
            for book in Ledger(flagged, first, today, today):
                arrears = book.arrears()
                if arrears is not None:
                    rows.append({"member": book.member, "arrears": arrears})
        context = {"org": org, "first": first, "today": today, "limit": ARREARS_MONTHS, **paged(request, rows)}
        return render(request, "dues/arrears.html", context)


class RollupView(ScopedViewMixin, View):
    """Due and paid per month of a year for an organization, and one row per organization directly below it."""

    model = Member

    def get(self, request):
        org, year = page_org(self, request), page_year(request)
        today = timezone.localdate()
        context = {"org": org, "year": year, "years": years(), "rules": RULES.values(), "rounding": ROUNDING_TEXT}
        if org is not None:
            members = self.get_queryset().in_subtree(org).select_related("org")
            result = rollup(org, members, year, today)
            context.update(result)
            context["is_branch"] = org.kind in BRANCH_KINDS
        return render(request, "dues/rollup.html", context)


class ExportView(SheetView):
    def get(self, request):
        org, year = page_org(self, request), page_year(request)
        if org is None:
            raise Http404(NOT_IN_SCOPE)
        today = timezone.localdate()
        members = list(self.members(org))
        if len(members) * 12 > max_rows():
            messages.error(request, str(ExportTooLarge(max_rows())))
            return redirect(f"/dues/?org_code={org.code}&year={year}")
        ledger = Ledger(members, datetime.date(year, 1, 1), datetime.date(year, 12, 1), today, under=org.path)
        rows = [(book.member, cell) for book in ledger for cell in book.cells]
        return export_response(
            request=request,
            title=f"党费收缴 {org.name} {year}年",
            columns=export_columns(request.user),
            rows=rows,
            filename=f"党费收缴-{year}.xlsx",
            filters=f"组织：{org.code}；年度：{year}",
            org=org,
        )
