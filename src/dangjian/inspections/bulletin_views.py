"""The inspection bulletin (page; its .docx and .xlsx written by the worker, each download audited as an export)
and the monthly spot-check lists (每月一抽查), which moved here from the notification centre when the spot-check
became a provable draw."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from dangjian.accounts.models import OrgGrant
from dangjian.core.jobs import JobAlreadyActive
from dangjian.core.views import ScopedViewMixin
from dangjian.orgs.models import Organization

from .bulletin_jobs import start_bulletin
from .choices import DrawPurpose
from .documents import TOWN_HEADERS, bulletin_data, summary_lines
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
        context = {
            "form": form,
            "data": data,
            "summary": summary_lines(data) if data else [],
            "town_headers": TOWN_HEADERS,
        }
        return render(request, "inspections/bulletin.html", context, status=status)


class GenerateView(BulletinMixin, View):
    """POST: queue the bulletin's .docx and .xlsx for the worker (inspections/bulletin_jobs.py) and show the job's
    page, which offers both files once written. The same bulletin asked again while queued or running is refused."""

    def post(self, request):
        form = BulletinForm(request.POST)
        org = self.get_queryset().filter(code=form.cleaned_data["org"].strip()).first() if form.is_valid() else None
        if org is None:
            raise Http404("未找到该组织，或它不在您的数据范围内。")
        year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
        try:
            job = start_bulletin(org, year, quarter, user=request.user)
        except JobAlreadyActive as exc:
            messages.error(request, str(exc))
            if exc.job is None:
                return redirect(f"{reverse('inspections:bulletin')}?org={org.code}&year={year}&quarter={quarter or ''}")
            job = exc.job
        return redirect("job", job.pk)


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
