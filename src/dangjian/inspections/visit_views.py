"""Target and visit pages: a drawn target with its team and visit, the team's visit form, the organizers' dispatch
of findings, the feedback report (.docx), photos, and the findings list with its export.

Every object is fetched through the visibility rule (`SeenByTeamQuerySet.restrict`): a drawn organization's own
users get 404 on all of them until the team has been there."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views import View

from dangjian.core.audit import record
from dangjian.core.evidence_views import EvidenceFileView
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action, path_in_scope
from dangjian.core.views import ScopedViewMixin, apply_validation_error, paged
from dangjian.rectify.bulletin_views import DOCX_TYPE
from dangjian.sheets.export import ExportTooLarge, describe_filters, export_response, private

from . import services
from .documents import write_visit_report
from .filtersets import FindingFilterSet
from .forms import FollowUpForm, VisitForm
from .models import DrawTarget, Finding, Visit, VisitPhoto

PAGE = 50


class TargetDetailView(ScopedViewMixin, View):
    model = DrawTarget

    def get(self, request, pk):
        target = self.get_object_or_404(pk)
        visit = Visit.objects.filter(target=target).first()
        user = request.user
        on_team = target.team.filter(user=user).exists()
        organizer = path_in_scope(user, target.draw.org.path, Action.MANAGE)
        items = list(visit.items.prefetch_related("photos").order_by("id")) if visit else []
        findings = list(visit.findings.select_related("measure", "case").order_by("id")) if visit else []
        pending = [f for f in findings if f.status == "pending"]
        return render(
            request,
            "inspections/target.html",
            {
                "target": target,
                "draw": target.draw,
                "team": target.team.select_related("unit"),
                "visit": visit,
                "items": items,
                "findings": findings,
                "can_record": visit is None and on_team,
                "can_dispatch": organizer and bool(pending),
                "follow_form": FollowUpForm(),
            },
        )


class VisitRecordView(ScopedViewMixin, View):
    """The team's form: the date, whom they met, each item of the applicable checklists, photos."""

    model = DrawTarget

    def items(self, target, request):
        year = request.POST.get("visited_on", "")[:4]
        year = int(year) if year.isdigit() else target.draw.visit_until.year
        return services.applicable_items(target, year)

    def render_form(self, request, target, form, status=200):
        return render(request, "inspections/visit_form.html", {"target": target, "form": form}, status=status)

    def get(self, request, pk):
        target = self.get_object_or_404(pk)
        return self.render_form(request, target, VisitForm(items=self.items(target, request)))

    def post(self, request, pk):
        target = self.get_object_or_404(pk)
        form = VisitForm(request.POST, request.FILES, items=self.items(target, request))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_visit(
                    target,
                    actor=request.user,
                    visited_on=data["visited_on"],
                    met=data["met"],
                    summary=data["summary"],
                    results=form.results(),
                    photos=form.photos(),
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "已录入督导记录。")
                return redirect("inspections:target", target.pk)
        return self.render_form(request, target, form, status=400)


class FollowUpView(ScopedViewMixin, View):
    """The organizers send a visit's findings to be followed until fixed, with a deadline."""

    model = Visit
    scope_action = Action.MANAGE

    def post(self, request, pk):
        visit = self.get_object_or_404(pk)
        form = FollowUpForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
        else:
            try:
                done = services.follow_up_findings(
                    visit, actor=request.user, deadline=form.cleaned_data["deadline"], route=form.cleaned_data["route"]
                )
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, f"已交办 {len(done)} 项发现问题。")
        return redirect("inspections:target", visit.target_id)


class VisitReportView(ScopedViewMixin, View):
    model = Visit

    def get(self, request, pk):
        visit = self.get_object_or_404(pk)
        out = io.BytesIO()
        write_visit_report(visit, out)
        out.seek(0)
        record(
            AuditAction.EXPORT,
            actor=request.user,
            obj=visit,
            org=visit.target.org,
            detail=f"督导检查反馈单：{visit.target.label}",
        )
        name = f"督导检查反馈单_{visit.target.label}_{visit.visited_on:%Y%m%d}.docx"
        return private(FileResponse(out, as_attachment=True, filename=name, content_type=DOCX_TYPE))


class PhotoView(EvidenceFileView):
    """An on-the-spot photo, opened in the browser through the data scope."""

    model = VisitPhoto
    as_attachment = False


class FindingListView(ScopedViewMixin, View):
    model = Finding
    filterset_class = FindingFilterSet

    def get(self, request):
        findings = self.filter_list(self.get_queryset().select_related("org", "visit__target", "measure", "case")).qs
        context = paged(request, findings.order_by("-year", "org__path", "id"), PAGE)
        return render(request, "inspections/findings.html", {**context, "findings": context["page"].object_list})


def finding_columns():
    return [
        ("年度", lambda f: f.year),
        ("组织编码", lambda f: f.org.code),
        ("被督导组织", lambda f: f.org.name),
        ("督导对象", lambda f: f.visit.target.label),
        ("督导日期", lambda f: f.visit.visited_on),
        ("问题", lambda f: f.title),
        ("情况说明", lambda f: f.note),
        ("状态", lambda f: f.get_state_display()),
        ("跟踪方式", lambda f: f.get_follow_up_display()),
        ("整改时限", lambda f: f.deadline),
    ]


class FindingExportView(ScopedViewMixin, View):
    """Exactly the findings the list shows for the same query string."""

    model = Finding
    filterset_class = FindingFilterSet

    def get(self, request):
        qs = self.get_queryset().select_related("org", "visit__target", "measure", "case")
        filterset = self.filter_list(qs.order_by("-year", "org__path", "id"))
        try:
            return export_response(
                request=request,
                title="督导发现问题",
                columns=finding_columns(),
                rows=filterset.qs,
                filename="督导发现问题",
                filters=describe_filters(filterset),
            )
        except ExportTooLarge as exc:
            messages.error(request, str(exc))
            return redirect("inspections:findings")
