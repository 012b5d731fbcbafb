"""Membership-development pages: the pipeline with counts by stage per organization below, a new application,
one person's steps with the next step's form (refused with the rule cited when out of order or too early), and the
step documents."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views import View

from dangjian.core.scope import Action, acts_anywhere
from dangjian.core.views import ScopedViewMixin, apply_validation_error, paged
from dangjian.members.choices import MemberStatus
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import PATH_STEP, Organization
from dangjian.rulebook.book import Book

from . import services
from .choices import PIPELINE, MeetingKind, Stage, StepKind
from .development import TimeRules, earliest, next_steps, recorded_breaches, talk_deadline
from .filtersets import ApplicantFilterSet
from .forms import ApplicantForm, StepForm
from .models import Applicant, DevelopmentStep, Meeting
from .views import NOT_IN_SCOPE, home_org, scoped_org


def stage_counts(org: Organization, queryset) -> list[dict]:
    """Counts by stage for each organization directly below `org`, over its subtree (one query)."""
    children = {c.path: c for c in Organization.objects.filter(parent=org).exclude(kind=OrgKind.GROUP)}
    counts: dict[str, Counter] = {path: Counter() for path in children}
    rows = (
        queryset.in_subtree(org)
        .order_by()
        .values("org__path", "stage")
        .annotate(n=Count("id"))
        .values_list("org__path", "stage", "n")
    )
    for path, stage, n in rows:
        key = path[: len(org.path) + PATH_STEP]
        if key in counts:
            counts[key][stage] += n
    return [
        {"org": children[path], "stages": [c[stage] for stage in PIPELINE], "total": sum(c.values())}
        for path, c in sorted(counts.items())
        if c
    ]


def warn_of(request, applicant, kind: str) -> None:
    """After saving a step, the time rules it broke where they are below 必须 (saved, not refused), as warnings."""
    for breach in recorded_breaches(applicant, TimeRules.at(Book.load(), applicant.org)):
        if breach.kind == kind and not breach.refuses:
            messages.warning(request, f"{breach.severity_label}：{breach.text}")


class ApplicantListView(ScopedViewMixin, View):
    model = Applicant
    filterset_class = ApplicantFilterSet

    def get(self, request):
        filterset = self.filter_list(
            self.get_queryset().select_related("org").order_by("org__path", "applied_on", "id")
        )
        code = request.GET.get("org_code", "")
        org = scoped_org(self, code) if code else home_org(self)
        totals = (
            Counter(dict(self.get_queryset().in_subtree(org).order_by().values_list("stage").annotate(n=Count("id"))))
            if org
            else Counter()
        )
        return render(
            request,
            "partylife/applicants.html",
            {
                "filter": filterset,
                **paged(request, filterset.qs),
                "org": org,
                "stages": [Stage(s).label for s in PIPELINE],
                "totals": [totals[s] for s in PIPELINE],
                "rollup": stage_counts(org, self.get_queryset()) if org else [],
                "can_record": acts_anywhere(request.user, Action.CHANGE),
            },
        )


class ApplicantCreateView(ScopedViewMixin, View):
    model = Applicant
    scope_action = Action.CHANGE

    def get(self, request):
        form = ApplicantForm(initial={"org_code": request.GET.get("org_code", "")})
        return render(request, "partylife/applicant_form.html", {"form": form})

    def post(self, request):
        form = ApplicantForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            org = scoped_org(self, data["org_code"], Action.CHANGE)
            if org is None:
                form.add_error("org_code", NOT_IN_SCOPE)
            else:
                try:
                    applicant = services.register_applicant(
                        actor=request.user,
                        org=org,
                        name=data["name"],
                        gender=data["gender"],
                        id_number=data["id_number"],
                        phone=data["phone"],
                        applied_on=data["applied_on"],
                        decision=data["decision"],
                        document=data["document"],
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"已登记入党申请：{applicant.name}。")
                    warn_of(request, applicant, StepKind.APPLY)
                    return redirect("partylife:applicant", pk=applicant.pk)
        return render(request, "partylife/applicant_form.html", {"form": form}, status=400)


class ApplicantDetailView(ScopedViewMixin, View):
    model = Applicant

    def step_form(self, applicant, data=None, files=None):
        org = applicant.org
        meetings = Meeting.objects.filter(org=org, kind__in=(MeetingKind.COMMITTEE, MeetingKind.ASSEMBLY)).order_by(
            "-date"
        )
        roster = services.roster(org).filter(status=MemberStatus.FULL)
        return StepForm(data, files, steps=next_steps(applicant), meetings=meetings, roster=roster)

    def get(self, request, pk, form=None, status=200):
        applicant = self.get_object_or_404(pk)
        can_change = self.scoped(Applicant, Action.CHANGE).filter(pk=applicant.pk).exists()
        steps = next_steps(applicant)
        rules = TimeRules.at(Book.load(), applicant.org)
        hints = [
            f"“{StepKind(s).label}”最早可于 {day:%Y-%m-%d} 登记。"
            for s in steps
            if (day := earliest(applicant, s, rules)) is not None
        ]
        deadline = talk_deadline(applicant.applied_on, rules) if StepKind.TALK in steps else None
        if deadline is not None:
            hints.insert(0, f"“{StepKind.TALK.label}”应于 {deadline:%Y-%m-%d} 前进行（{rules.talk.citation}）。")
        return render(
            request,
            "partylife/applicant.html",
            {
                "a": applicant,
                "steps": applicant.steps.select_related("meeting").order_by("date", "id"),
                "contacts": applicant.contacts.all(),
                "introducers": applicant.introducers.all(),
                "form": (form or self.step_form(applicant)) if can_change and steps else None,
                "hints": hints,
                "breaches": recorded_breaches(applicant, rules),
            },
            status=status,
        )

    def post(self, request, pk):
        applicant = self.get_object_or_404(pk, Action.CHANGE)
        form = self.step_form(applicant, request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                step = services.record_step(
                    applicant,
                    actor=request.user,
                    kind=data["kind"],
                    date=data["date"],
                    decision=data["decision"],
                    meeting=data["meeting"],
                    contacts=list(data["contacts"]),
                    introducers=list(data["introducers"]),
                    hours=data["hours"],
                    months=data["months"],
                    approved_on=data["approved_on"],
                    talker=data["talker"],
                    document=data["document"],
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"已登记：{step.get_kind_display()}（{step.date}）。")
                warn_of(request, step.applicant, step.kind)
                return redirect("partylife:applicant", pk=applicant.pk)
        return self.get(request, pk, form=form, status=400)


class DocumentView(ScopedViewMixin, View):
    model = DevelopmentStep

    def get(self, request, pk):
        step = self.get_object_or_404(pk)
        if not step.document:
            raise Http404("该环节没有材料。")
        try:
            handle = step.document.open("rb")
        except FileNotFoundError as exc:
            raise Http404("文件已不存在。") from exc
        return FileResponse(handle, as_attachment=True, filename=step.document_name)
