"""The inspection bulletin (page, .docx, .xlsx; each download audited as an export) and the monthly spot-check lists
(每月一抽查), which moved here from the notification centre when the spot-check became a provable draw."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from dangjian.accounts.models import OrgGrant
from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.core.views import ScopedViewMixin
from dangjian.orgs.models import Organization
from dangjian.rectify.bulletin_views import DOCX_TYPE
from dangjian.sheets.export import XLSX_TYPE, private

from .choices import DrawPurpose
from .documents import TOWN_HEADERS, bulletin_data, summary_lines, write_bulletin_docx, write_bulletin_xlsx
from .forms import BulletinForm
from .models import Draw
from .views import visible_targets_of

SPOT_MONTHS = 24


class BulletinMixin(ScopedViewMixin):
    model = Organization

    def form(self, request) -> BulletinForm:
        if "org" in request.GET:
            return BulletinForm(request.GET)
        grant = OrgGrant.objects.filter(user=request.user).select_related("org").order_by("org__path").first()
        org = grant.org if grant else self.get_queryset().filter(parent__isnull=True).first()
        return BulletinForm({"org": org.code if org else "", "year": timezone.localdate().year, "quarter": ""})

    def data(self, form):
        org = self.get_queryset().filter(code=form.cleaned_data["org"].strip()).first()
        if org is None:
            return None
        return bulletin_data(org, form.cleaned_data["year"], form.cleaned_data["quarter"], user=self.request.user)


class BulletinView(BulletinMixin, View):
    def get(self, request):
        form = self.form(request)
        data, status = None, 200
        if form.is_valid():
            data = self.data(form)
            if data is None:
                form.add_error("org", "未找到该组织，或它不在您的数据范围内。")
                status = 400
        elif form.is_bound and "org" in request.GET:
            status = 400
        query = urlencode({"org": data.org.code, "year": data.year, "quarter": data.quarter or ""}) if data else ""
        context = {
            "form": form,
            "data": data,
            "summary": summary_lines(data) if data else [],
            "town_headers": TOWN_HEADERS,
            "query": query,
        }
        return render(request, "inspections/bulletin.html", context, status=status)


class _Download(BulletinMixin, View):
    suffix, content_type = "", ""

    def write(self, data, out) -> None:
        raise NotImplementedError

    def get(self, request):
        form = BulletinForm(request.GET)
        data = self.data(form) if form.is_valid() else None
        if data is None:
            raise Http404("未找到该组织，或它不在您的数据范围内。")
        out = io.BytesIO()
        self.write(data, out)
        out.seek(0)
        record(
            AuditAction.EXPORT,
            actor=request.user,
            org=data.org,
            detail=f"{data.title}（{data.org.name}，{self.suffix}）；督导检查 {len(data.visits)} 次",
        )
        name = f"{data.org.name}{data.period_name}随机督导情况通报{self.suffix}"
        return private(FileResponse(out, as_attachment=True, filename=name, content_type=self.content_type))


class BulletinDocxView(_Download):
    suffix, content_type = ".docx", DOCX_TYPE

    def write(self, data, out):
        write_bulletin_docx(data, out)


class BulletinXlsxView(_Download):
    suffix, content_type = ".xlsx", XLSX_TYPE

    def write(self, data, out):
        write_bulletin_xlsx(data, out)


class SpotCheckListView(ScopedViewMixin, View):
    """Each month's spot-check draws the user may see, newest month first, with the targets the rule shows them."""

    model = Draw

    def get(self, request):
        draws = self.get_queryset().filter(purpose=DrawPurpose.SPOT_CHECK).select_related("org")
        periods = list(draws.order_by("-period").values_list("period", flat=True).distinct()[:SPOT_MONTHS])
        period = request.GET.get("period") or (periods[0] if periods else "")
        shown = draws.filter(period=period).order_by("org__path") if period else draws.none()
        shown = list(shown)
        targets = visible_targets_of(request.user, shown)
        groups = [(draw, targets[draw.pk]) for draw in shown]
        return render(request, "inspections/spot_checks.html", {"periods": periods, "period": period, "groups": groups})
