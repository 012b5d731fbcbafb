"""The quarterly bulletin's pages: choose an organization in scope, a year and a quarter, see the figures, have the
worker write its .docx and .xlsx (each download audited as an export); and the case list as .xlsx with its filters.

A bulletin covers the chosen organization's subtree within the user's scope: the organization must be in scope
(else 404, as for a missing one) and only cases the user may see are counted."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from dangjian.accounts.models import OrgGrant
from dangjian.core.jobs import JobAlreadyActive
from dangjian.core.views import ScopedViewMixin
from dangjian.orgs.choices import LEADING_KINDS
from dangjian.orgs.models import Organization
from dangjian.sheets.export import ExportTooLarge, describe_filters, export_response

from . import bulletin
from .api.filtersets import CaseFilterSet
from .api.views import with_progress
from .bulletin import bulletin_data, total_row
from .bulletin_jobs import start_bulletin
from .models import Case

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NOT_FOUND = "未找到该组织，或它不在您的数据范围内。"
SUGGESTIONS = 300  # organizations offered in the picker; any other code in scope can still be typed


class BulletinForm(forms.Form):
    org = forms.CharField(label="组织编码", max_length=40)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label="季度", coerce=int, choices=[(1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")]
    )


def current_quarter() -> tuple[int, int]:
    today = timezone.localdate()
    return today.year, (today.month - 1) // 3 + 1


class BulletinMixin(ScopedViewMixin):
    model = Organization

    def default_org(self) -> Organization | None:
        """The top of the user's scope: the first organization granted, or the first root for a superuser."""
        grant = OrgGrant.objects.filter(user=self.request.user).select_related("org").order_by("org__path").first()
        if grant is not None:
            return grant.org
        return self.get_queryset().filter(parent__isnull=True).first()

    def suggestions(self):
        granted = OrgGrant.objects.filter(user=self.request.user).values("org")
        qs = self.get_queryset().filter(Q(kind__in=LEADING_KINDS) | Q(pk__in=granted))
        return qs.only("name", "code").order_by("path")[:SUGGESTIONS]

    def bound_form(self, request) -> BulletinForm:
        year, quarter = current_quarter()
        if "org" in request.GET:
            return BulletinForm(request.GET)
        org = self.default_org()
        return BulletinForm({"org": org.code if org else "", "year": year, "quarter": quarter})

    def org_in_scope(self, code: str) -> Organization | None:
        return self.get_queryset().filter(code=code.strip()).first()


class BulletinView(BulletinMixin, View):
    def get(self, request):
        form = self.bound_form(request)
        data, status = None, 200
        if form.is_valid():
            org = self.org_in_scope(form.cleaned_data["org"])
            if org is None:
                form.add_error("org", NOT_FOUND)
                status = 400
            else:
                data = bulletin_data(org, form.cleaned_data["year"], form.cleaned_data["quarter"], user=request.user)
        elif form.is_bound and "org" in request.GET:
            status = 400
        context = {
            "form": form,
            "data": data,
            "total": total_row(data) if data else None,
            "suggestions": self.suggestions(),
        }
        return render(request, "rectify/bulletin.html", context, status=status)


class GenerateView(BulletinMixin, View):
    """POST: queue the bulletin's .docx and .xlsx for the worker (rectify/bulletin_jobs.py) and show the job's page,
    which offers both files once written. The same bulletin asked again while queued or running is refused."""

    def post(self, request):
        form = BulletinForm(request.POST)
        if not form.is_valid():
            if "org" in form.errors:
                raise Http404(NOT_FOUND)
            context = {"form": form, "data": None, "suggestions": self.suggestions()}
            return render(request, "rectify/bulletin.html", context, status=400)
        org = self.org_in_scope(form.cleaned_data["org"])
        if org is None:
            raise Http404(NOT_FOUND)
        year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
        try:
            job = start_bulletin(org, year, quarter, user=request.user, today=timezone.localdate())
        except JobAlreadyActive as exc:
            messages.error(request, str(exc))
            return redirect(reverse("job", args=[exc.job.pk]) if exc.job else bulletin.page_url(org, year, quarter))
        return redirect("job", job.pk)


def case_columns():
    return [
        ("年度", lambda c: c.year),
        ("组织编码", lambda c: c.org.code),
        ("整顿对象", lambda c: c.org.name),
        ("上级组织", lambda c: c.org.parent.name if c.org.parent_id else ""),
        ("来源", lambda c: c.get_source_display()),
        ("软弱类型", lambda c: c.get_kind_display()),
        ("列入原因", lambda c: "；".join(c.reasons)),
        ("问题类型", lambda c: "；".join(c.problems)),
        ("状态", lambda c: c.get_status_display()),
        ("整改期限", lambda c: c.deadline),
        ("整改措施", lambda c: c.measures_total),
        ("已完成", lambda c: c.measures_done),
        ("逾期未完成", lambda c: c.measures_overdue),
        ("专项资金（元）", lambda c: c.funds_total),
        ("立案时间", lambda c: c.opened_at),
        ("销号时间", lambda c: c.closed_at),
    ]


class CaseExportView(ScopedViewMixin, View):
    """Exactly the cases the case list shows for the same query string (year, status, kind, overdue, org_code)."""

    model = Case
    filterset_class = CaseFilterSet

    def get(self, request):
        qs = with_progress(self.get_queryset(), timezone.localdate()).select_related("org__parent")
        filterset = self.filter_list(qs.order_by("-year", "org__path"))
        org = None
        if filterset.is_valid() and filterset.form.cleaned_data.get("org_code"):
            org = self.scoped(Organization).filter(code=filterset.form.cleaned_data["org_code"].strip()).first()
        try:
            return export_response(
                request=request,
                title="软弱涣散基层党组织整顿案件",
                columns=case_columns(),
                rows=filterset.qs,
                filename=f"整顿案件_{timezone.localtime():%Y%m%d%H%M}",
                filters=describe_filters(filterset),
                org=org,
            )
        except ExportTooLarge as exc:
            messages.error(request, str(exc))
            return redirect(reverse("rectify:list") + (f"?{request.GET.urlencode()}" if request.GET else ""))
