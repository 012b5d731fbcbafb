"""Pages of 党建+ projects and party-building resources: lists (scoped, paged, filtered, exported), one record, its
creation and editing through the services, and the roll-up of the user's scope in the shape of [003]'s figures."""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from dangjian.core.params import int_param
from dangjian.core.scope import ALL, Action, acts_anywhere, scope_paths
from dangjian.core.views import ScopedDetailView, ScopedListView, ScopedViewMixin, apply_validation_error, paged
from dangjian.members.models import Member
from dangjian.orgs.models import Organization
from dangjian.rulebook.models import RuleOverride
from dangjian.sheets.export import ExportTooLarge, describe_filters, export_response

from . import rules, services
from .checklists import Checklists, checklist_at
from .filtersets import FundFilterSet, ProjectFilterSet, SecretaryFilterSet, TrainingFilterSet, VenueFilterSet
from .forms import (
    FilesForm,
    FundForm,
    MilestoneForm,
    ProjectForm,
    ReportForm,
    SecretaryForm,
    ServiceForm,
    StandardForm,
    TrainingForm,
    VenueForm,
)
from .models import Fund, Milestone, Project, ProjectEvidence, Secretary, Training, Venue, VenuePhoto
from .rollup import rollup, secretary_months
from .sheet import training_export_columns, venue_export_columns

NOT_IN_SCOPE = "该组织不存在或不在您的数据范围内。"


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


def _file_response(item):
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件已不存在。") from exc
    kind = mimetypes.guess_type(item.original_name)[0] or "application/octet-stream"
    return FileResponse(handle, content_type=kind, filename=item.original_name)


def _picked(view: ScopedViewMixin, form, field: str = "member"):
    """The members ticked on the roster, looked up within the user's scope (an id from elsewhere reads as missing
    and never shows a name of another county); None, with the form's error, when one is not found."""
    ids = {int(v) for v in view.request.POST.getlist(field) if v.isdigit()}
    found = list(view.scoped(Member).filter(pk__in=ids).select_related("org"))
    if len(found) != len(ids):
        form.add_error(None, "所选人员不在您的数据范围内的党员名册中。")
        return None
    return found


class ResourceListView(ScopedListView):
    """A list of this app: rows with their organization, and whether to offer the "new" button."""

    list_select_related = ("org",)

    def get_context_data(self, **context):
        return context | {"can_change": acts_anywhere(self.request.user, Action.CHANGE)}


# ---------------------------------------------------------------------------------------------------- roll-up


class RollupView(ScopedViewMixin, View):
    """The figures of the user's scope (or of an organization in it): its totals, by level, and one row per
    organization directly under it, each a link one level down; the organizations above it within the scope are
    links back up (county → town → village and back)."""

    model = Organization

    def get(self, request):
        today = timezone.localdate()
        year = int_param(request.GET, "year") or today.year
        if not 2000 <= year <= today.year + 1:
            year = today.year
        code = request.GET.get("org_code", "")
        org = scoped_org(self, code) if code else home_org(self)
        if org is None and code:
            raise Http404(NOT_IN_SCOPE)
        above = list(self.scoped(Organization).filter(pk__in=org.ancestor_ids()).order_by("depth")) if org else []
        checklists = Checklists()
        return render(
            request,
            "resources/rollup.html",
            {
                "org": org,
                "above": above,
                "year": year,
                "result": rollup(org, year, today, checklists) if org is not None else None,
                "years": list(range(today.year, today.year - 5, -1)),
                "checklist": checklists.at(org) if org is not None else rules.DEFAULT_CHECKLIST,
            },
        )


# ---------------------------------------------------------------------------------------------------- the "十有" list


class StandardView(ScopedViewMixin, View):
    """`resources:standard`: the "十有" checklist in force at an organization (the user's first by default), where
    it comes from, and the trail of the adjustments within the user's scope; for a county or city the user manages,
    the form that adjusts it (rename, retire, add), recorded by the rulebook with who, when and why."""

    model = Organization

    def context(self, org, form=None) -> dict:
        checklist = checklist_at(org) if org else rules.DEFAULT_CHECKLIST
        manages = (
            org is not None
            and org.level in services.OVERRIDE_LEVELS
            and self.scoped(Organization, Action.MANAGE).filter(pk=org.pk).exists()
        )
        if manages and form is None:
            form = StandardForm(checklist=checklist, initial={"org_code": org.code})
        trail = (
            self.scoped(RuleOverride)
            .filter(rule__key=rules.STANDARD_RULE)
            .select_related("org", "created_by", "withdrawn_by")
            .order_by("-created_at", "-id")
        )
        return {
            "org": org,
            "checklist": checklist,
            "form": form if manages else None,
            "default": rules.DEFAULT_CHECKLIST,
            **paged(self.request, trail, per_page=20),
        }

    def get(self, request):
        code = request.GET.get("org_code", "")
        org = scoped_org(self, code) if code else home_org(self)
        if org is None and code:
            raise Http404(NOT_IN_SCOPE)
        return render(request, "resources/standard.html", self.context(org))

    def post(self, request):
        org = scoped_org(self, request.POST.get("org_code"), Action.MANAGE)
        if org is None:
            raise Http404(NOT_IN_SCOPE)
        form = StandardForm(request.POST, checklist=checklist_at(org))
        if form.is_valid():
            try:
                services.adjust_venue_standard(org, actor=request.user, **form.changes())
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"已调整{org.name}的“十有”清单。")
                return redirect(f"{reverse('resources:standard')}?org_code={org.code}")
        return render(request, "resources/standard.html", self.context(org, form), status=400)


# ---------------------------------------------------------------------------------------------------- projects


class ProjectListView(ResourceListView):
    model = Project
    filterset_class = ProjectFilterSet
    template_name = "resources/projects.html"
    ordering = ("-year", "org__path", "id")


class ProjectFormView(ScopedViewMixin, View):
    """Creating (no pk) or editing a project; its people are ticked on the roster of its organization."""

    model = Project
    scope_action = Action.CHANGE

    def context(self, form, org, project=None, picked=None, error=""):
        people = list(services.roster(org).select_related("org")) if org else []
        picked = picked if picked is not None else {m.pk for m in project.members.all()} if project else set()
        return {
            "form": form,
            "org": org,
            "project": project,
            "error": error,
            "people": [(m, m.pk in picked) for m in people],
        }

    def get(self, request, pk=None):
        project = self.get_object_or_404(pk) if pk else None
        if project:
            org = project.org
            initial = {f: getattr(project, f) for f in services.PROJECT_FIELDS} | {
                "org_code": org.code,
                "budget": project.budget_fen / 100,
                "spent": project.spent_fen / 100,
            }
            form = ProjectForm(initial=initial)
            form.fields["org_code"].disabled = True
        else:
            org = scoped_org(self, request.GET.get("org_code"), Action.CHANGE)
            form = ProjectForm(initial={"org_code": org.code if org else ""})
        return render(request, "resources/project_form.html", self.context(form, org, project))

    def post(self, request, pk=None):
        project = self.get_object_or_404(pk) if pk else None
        form = ProjectForm(request.POST)
        if project:
            form.fields["org_code"].disabled = True
            form.initial["org_code"] = project.org.code
        org = project.org if project else scoped_org(self, request.POST.get("org_code"), Action.CHANGE)
        picked = {int(v) for v in request.POST.getlist("member") if v.isdigit()}
        if org is None:
            form.is_valid()
            form.add_error("org_code", NOT_IN_SCOPE)
        elif form.is_valid():
            members = _picked(self, form)
            if members is not None:
                data = form.cleaned_data
                values = {f: data[f] for f in services.PROJECT_FIELDS if f in data}
                values |= {"budget_fen": data["budget"], "spent_fen": data["spent"]}
                try:
                    if project:
                        project = services.update_project(project, actor=request.user, members=members, **values)
                    else:
                        project = services.create_project(actor=request.user, org=org, members=members, **values)
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"已保存：{project.title}。")
                    return redirect("resources:project", pk=project.pk)
        return render(request, "resources/project_form.html", self.context(form, org, project, picked), status=400)


class ProjectDetailView(ScopedDetailView):
    model = Project
    template_name = "resources/project.html"
    context_object_name = "project"

    def get_context_data(self, project, /, milestone_form=None, files_form=None, **context):
        today = timezone.localdate()
        milestones = list(project.milestones.all())
        can_change = context["can_change"]
        return context | {
            "members": project.members.order_by("name"),
            "milestones": [(m, m.overdue(today)) for m in milestones],
            "done": sum(1 for m in milestones if m.done_on),
            "evidence": project.evidence.all(),
            "milestone_form": (milestone_form or MilestoneForm()) if can_change else None,
            "files_form": (files_form or FilesForm()) if can_change else None,
        }


class MilestoneAddView(ScopedViewMixin, View):
    model = Project
    scope_action = Action.CHANGE

    def post(self, request, pk):
        project = self.get_object_or_404(pk)
        form = MilestoneForm(request.POST)
        if form.is_valid():
            try:
                services.add_milestone(project, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "已新增节点。")
                return redirect("resources:project", pk=project.pk)
        return ProjectDetailView(request=request).render_detail(request, pk, status=400, milestone_form=form)


class MilestoneDoneView(ScopedViewMixin, View):
    model = Milestone
    scope_action = Action.CHANGE

    def post(self, request, pk):
        milestone = self.get_object_or_404(pk)
        services.complete_milestone(milestone, actor=request.user)
        messages.success(request, f"节点“{milestone.title}”已完成。")
        return redirect("resources:project", pk=milestone.project_id)


class EvidenceAddView(ScopedViewMixin, View):
    model = Project
    scope_action = Action.CHANGE

    def post(self, request, pk):
        project = self.get_object_or_404(pk)
        form = FilesForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.add_evidence(project, form.cleaned_data["files"], actor=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "佐证材料已上传。")
                return redirect("resources:project", pk=project.pk)
        return ProjectDetailView(request=request).render_detail(request, pk, status=400, files_form=form)


class EvidenceView(ScopedViewMixin, View):
    model = ProjectEvidence

    def get(self, request, pk):
        return _file_response(self.get_object_or_404(pk))


# ---------------------------------------------------------------------------------------------------- venues


class VenueListView(ResourceListView):
    model = Venue
    filterset_class = VenueFilterSet
    template_name = "resources/venues.html"
    ordering = ("org__path", "kind", "id")

    def get_context_data(self, **context):
        page = context["page"]
        page.object_list = Checklists().attach(page.object_list)  # each row judged by its area's checklist
        return super().get_context_data(**context)


class VenueExportView(VenueListView):
    def get(self, request):
        filterset = self.filtered()
        try:
            return export_response(
                request=request,
                title="阵地",
                columns=venue_export_columns(),
                rows=filterset.qs,
                filename="阵地.xlsx",
                filters=describe_filters(filterset),
            )
        except ExportTooLarge as exc:
            messages.error(request, str(exc))
            return redirect("resources:venues")


class VenueFormView(ScopedViewMixin, View):
    """Creating (no pk) or editing a venue; its checklist is the one in force at its organization (the default
    ten until an organization is given)."""

    model = Venue
    scope_action = Action.CHANGE

    def get(self, request, pk=None):
        venue = self.get_object_or_404(pk) if pk else None
        if venue:
            initial = {f: getattr(venue, f) for f in services.VENUE_FIELDS} | {"org_code": venue.org.code}
            form = VenueForm(initial=initial, checklist=venue.checklist)
            form.fields["org_code"].disabled = True
        else:
            org = scoped_org(self, request.GET.get("org_code"), Action.CHANGE)
            checklist = checklist_at(org) if org else None
            form = VenueForm(initial={"org_code": request.GET.get("org_code", "")}, checklist=checklist)
        return render(request, "resources/venue_form.html", {"form": form, "venue": venue})

    def post(self, request, pk=None):
        venue = self.get_object_or_404(pk) if pk else None
        org = venue.org if venue else scoped_org(self, request.POST.get("org_code"), Action.CHANGE)
        form = VenueForm(request.POST, checklist=checklist_at(org) if org else None)
        if venue:
            form.fields["org_code"].disabled = True
            form.initial["org_code"] = venue.org.code
        if org is None:
            form.is_valid()
            form.add_error("org_code", NOT_IN_SCOPE)
        elif form.is_valid():
            values = {f: form.cleaned_data[f] for f in services.VENUE_FIELDS}
            try:
                if venue:
                    venue = services.update_venue(venue, actor=request.user, **values)
                else:
                    venue = services.create_venue(actor=request.user, org=org, **values)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"已保存：{venue.name}。")
                return redirect("resources:venue", pk=venue.pk)
        return render(request, "resources/venue_form.html", {"form": form, "venue": venue}, status=400)


class VenueDetailView(ScopedDetailView):
    model = Venue
    template_name = "resources/venue.html"
    context_object_name = "venue"

    def get_context_data(self, venue, /, files_form=None, service_form=None, **context):
        can_change = context["can_change"]
        checklist = venue.checklist
        met = set(venue.standard)
        is_centre = venue.kind == "centre"
        return context | {
            "items": [(item.label, item.key in met) for item in checklist.active],
            "retired": venue.standard_retired,
            "standard_source": checklist.source,
            "photos": venue.photos.all(),
            "services": venue.services.all()[:24],
            "services_total": venue.services.count(),
            "is_centre": is_centre,
            "files_form": (files_form or FilesForm()) if can_change else None,
            "service_form": (service_form or ServiceForm()) if can_change and is_centre else None,
        }


class VenuePhotoAddView(ScopedViewMixin, View):
    model = Venue
    scope_action = Action.CHANGE

    def post(self, request, pk):
        venue = self.get_object_or_404(pk)
        form = FilesForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.add_venue_photos(venue, form.cleaned_data["files"], actor=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "照片已上传。")
                return redirect("resources:venue", pk=venue.pk)
        return VenueDetailView(request=request).render_detail(request, pk, status=400, files_form=form)


class ServiceAddView(ScopedViewMixin, View):
    model = Venue
    scope_action = Action.CHANGE

    def post(self, request, pk):
        venue = self.get_object_or_404(pk)
        form = ServiceForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_services(
                    venue, actor=request.user, month=data["month"], items=data["items"], people=data["people"] or 0
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "服务办理情况已登记。")
                return redirect("resources:venue", pk=venue.pk)
        return VenueDetailView(request=request).render_detail(request, pk, status=400, service_form=form)


class VenuePhotoView(ScopedViewMixin, View):
    model = VenuePhoto

    def get(self, request, pk):
        return _file_response(self.get_object_or_404(pk))


# ---------------------------------------------------------------------------------------------------- trainings


class TrainingListView(ResourceListView):
    model = Training
    filterset_class = TrainingFilterSet
    template_name = "resources/trainings.html"
    ordering = ("-date", "-id")

    def list_rows(self):
        return super().list_rows().annotate(n_members=Count("members"))


class TrainingExportView(TrainingListView):
    def get(self, request):
        filterset = self.filtered()
        rows = filterset.qs.prefetch_related("members")
        try:
            return export_response(
                request=request,
                title="培训班次",
                columns=training_export_columns(),
                rows=rows,
                filename="培训班次.xlsx",
                filters=describe_filters(filterset),
            )
        except ExportTooLarge as exc:
            messages.error(request, str(exc))
            return redirect("resources:trainings")


class TrainingCreateView(ScopedViewMixin, View):
    """A session: the organization holding it (by code), its facts, and its roster as names to tick."""

    model = Training
    scope_action = Action.CHANGE

    def context(self, org, form, picked=None, error=""):
        people = list(services.roster(org)) if org else []
        picked = picked or set()
        return {
            "org": org,
            "form": form,
            "error": error,
            "people": [(m, m.pk in picked) for m in people],
            "org_code": org.code if org else self.request.GET.get("org_code", ""),
        }

    def get(self, request):
        code = request.GET.get("org_code", "")
        org = scoped_org(self, code, Action.CHANGE)
        error = NOT_IN_SCOPE if code and org is None else ""
        return render(request, "resources/training_form.html", self.context(org, TrainingForm(), error=error))

    def post(self, request):
        org = scoped_org(self, request.POST.get("org_code"), Action.CHANGE)
        form = TrainingForm(request.POST)
        picked = {int(v) for v in request.POST.getlist("member") if v.isdigit()}
        if org is None:
            return render(
                request, "resources/training_form.html", self.context(None, form, error=NOT_IN_SCOPE), status=400
            )
        if form.is_valid():
            members = _picked(self, form)
            if members is not None:
                data = form.cleaned_data
                try:
                    training = services.record_training(
                        actor=request.user,
                        org=org,
                        title=data["title"],
                        date=data["date"],
                        members=members,
                        days=data["days"],
                        hours=data["hours"],
                        others=data["others"] or 0,
                        content=data["content"],
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"已登记：{training}。")
                    return redirect("resources:training", pk=training.pk)
        return render(request, "resources/training_form.html", self.context(org, form, picked), status=400)


class TrainingDetailView(ScopedDetailView):
    model = Training
    template_name = "resources/training.html"
    context_object_name = "training"
    offers_changes = False

    def get_context_data(self, training, /, **context):
        members = list(training.members.order_by("name"))
        return context | {"members": members, "attendances": len(members) + training.others}


# ---------------------------------------------------------------------------------------------------- funds


class FundListView(ResourceListView):
    model = Fund
    filterset_class = FundFilterSet
    template_name = "resources/funds.html"
    ordering = ("-year", "org__path", "id")

    def get_context_data(self, **context):
        totals = context["filter"].qs.aggregate(budget=Sum("budget_fen"), spent=Sum("spent_fen"))
        return super().get_context_data(**context) | {"totals": totals}


class FundCreateView(ScopedViewMixin, View):
    model = Fund
    scope_action = Action.CHANGE

    def get(self, request):
        return render(request, "resources/fund_form.html", {"form": FundForm()})

    def post(self, request):
        form = FundForm(request.POST)
        org = scoped_org(self, request.POST.get("org_code"), Action.CHANGE)
        if org is None:
            form.is_valid()
            form.add_error("org_code", NOT_IN_SCOPE)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services.record_fund(
                    actor=request.user,
                    org=org,
                    year=data["year"],
                    source=data["source"],
                    purpose=data["purpose"],
                    in_budget=data["in_budget"],
                    budget_fen=data["budget"],
                    spent_fen=data["spent"],
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "经费已登记。")
                return redirect("resources:funds")
        return render(request, "resources/fund_form.html", {"form": form}, status=400)


# ---------------------------------------------------------------------------------------------------- first secretaries


class SecretaryListView(ResourceListView):
    model = Secretary
    filterset_class = SecretaryFilterSet
    template_name = "resources/secretaries.html"
    ordering = ("org__path", "role", "name", "id")

    def get_context_data(self, **context):
        return super().get_context_data(**context) | {"report_source": rules.REPORT_SOURCE}


class SecretaryCreateView(ScopedViewMixin, View):
    model = Secretary
    scope_action = Action.CHANGE

    def get(self, request):
        return render(request, "resources/secretary_form.html", {"form": SecretaryForm()})

    def post(self, request):
        form = SecretaryForm(request.POST)
        org = scoped_org(self, request.POST.get("org_code"), Action.CHANGE)
        if org is None:
            form.is_valid()
            form.add_error("org_code", NOT_IN_SCOPE)
        elif form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "org_code"}
            try:
                secretary = services.add_secretary(actor=request.user, org=org, **data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"已登记：{secretary}。")
                return redirect("resources:secretary", pk=secretary.pk)
        return render(request, "resources/secretary_form.html", {"form": form}, status=400)


class SecretaryDetailView(ScopedDetailView):
    """The secretary's months: each plan due at the month's start and ledger due at its end, on time, late or
    missing ([004] "月初报工作计划、月末报履职台账")."""

    model = Secretary
    template_name = "resources/secretary.html"
    context_object_name = "secretary"

    def get_context_data(self, secretary, /, form=None, **context):
        today = timezone.localdate()
        year = int_param(self.request.GET, "year") or today.year
        if not 2000 <= year <= today.year:
            year = today.year
        return context | {
            "year": year,
            "months": secretary_months(secretary, year, today),
            "report_source": rules.REPORT_SOURCE,
            "plan_due_day": rules.PLAN_DUE_DAY,
            "form": (form or ReportForm(initial={"month": today.replace(day=1)})) if context["can_change"] else None,
        }


class ReportAddView(ScopedViewMixin, View):
    model = Secretary
    scope_action = Action.CHANGE

    def post(self, request, pk):
        secretary = self.get_object_or_404(pk)
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                report = services.submit_report(secretary, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                late = "（迟报）" if report.late else ""
                messages.success(request, f"已报送：{report}{late}。")
                return redirect("resources:secretary", pk=secretary.pk)
        return SecretaryDetailView(request=request).render_detail(request, pk, status=400, form=form)
