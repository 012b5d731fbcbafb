"""Rectification pages: the case list, one case with its plan, supporters, funds, ledger and history, opening a case
by hand, opening the cases of a published assessment, the roll-over, the ledger rolled up per level, evidence files.

The forms that change a case are in `plan_views.py`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View

from dangjian.assess.models import Assessment
from dangjian.core.evidence_views import EvidenceFileView, EvidenceThumbnailView
from dangjian.core.scope import ALL, Action, acts_anywhere, scope_paths
from dangjian.core.views import ScopedListView, ScopedViewMixin, apply_validation_error, first_rows
from dangjian.orgs.models import Organization
from dangjian.rulebook.book import Book

from . import services
from .api.filtersets import CaseFilterSet
from .forms import CaseFilterForm, CaseOpenForm, RollOverForm
from .models import Case, CaseStatus, LedgerFile, MeasureStatus
from .pairing import AGENCY_KIND_LABELS, suggest_agencies

LEDGER_CASES = 200  # open cases listed under the ledger; the case list pages through all of them


class CaseListView(ScopedListView):
    """Cases within the user's scope, filtered by year, status, kind, overdue measures, organization, assessment:
    the filters of the API and of the case export (`CaseFilterSet`, applied by `render_list`); the form only shows
    them."""

    model = Case
    template_name = "rectify/list.html"
    filterset_class = CaseFilterSet

    @cached_property
    def filter_form(self) -> CaseFilterForm:
        return CaseFilterForm(self.request.GET or None)

    def list_rows(self):
        today = timezone.localdate()
        # Only what the rows show (rectify/jinja2/rectify/rows.html); the counts group by these columns.
        cases = (
            self.get_queryset().select_related("org").only("year", "source", "kind", "status", "org__name", "org__code")
        )
        return cases.annotate(
            measures_total=Count("measures", distinct=True),
            measures_open=Count("measures", filter=Q(measures__status=MeasureStatus.OPEN), distinct=True),
            measures_overdue=Count(
                "measures",
                filter=Q(measures__status=MeasureStatus.OPEN, measures__deadline__lt=today),
                distinct=True,
            ),
        ).order_by("-year", "org__path", "id")  # Meta.ordering does not reach an aggregating query

    def get_context_data(self, **context):
        return context | {
            "form": self.filter_form,
            "can_open": acts_anywhere(self.request.user, Action.MANAGE),
            "rollover_form": RollOverForm(initial={"year": timezone.localdate().year - 1}),
        }


class CaseDetailView(ScopedViewMixin, View):
    model = Case

    def get(self, request, pk):
        case = self.get_object_or_404(pk)
        user = request.user
        today = timezone.localdate()
        measures = list(case.measures.select_related("responsible_user").prefetch_related("entries__files"))
        for m in measures:
            m.overdue = m.status == MeasureStatus.OPEN and m.deadline < today
        supporters = {s.role: s for s in case.supporters.select_related("user")}
        book = Book.load()
        town_check = services.town_check_rule(case, book)
        closing_path, _ = services.closing_path(case)
        closer = Organization.objects.filter(path=closing_path).only("name").first()
        return render(
            request,
            "rectify/detail.html",
            {
                "case": case,
                "measures": measures,
                "supporters": [(label, supporters.get(role)) for role, label in services.supporter_roles(case, book)],
                "funds": case.funds.all(),
                "progress": services.case_progress(case, today, book),
                "town_check": town_check,
                "events": case.events.select_related("actor"),
                "can_plan": services.can_plan(user, case) and case.status != CaseStatus.CLOSED,
                "can_support": services.can_support(user, case) and case.status != CaseStatus.CLOSED,
                "can_check": services.can_support(user, case) and case.status == CaseStatus.OPEN and town_check,
                "can_close": services.can_close(user, case)
                and (case.status == CaseStatus.TOWN_CHECKED or (not town_check and case.status == CaseStatus.OPEN)),
                "can_reopen": services.can_close(user, case) and case.status == CaseStatus.CLOSED,
                "closer": closer.name if closer else "",
                "agency_kind": AGENCY_KIND_LABELS.get(case.kind, ""),
                "agencies": suggest_agencies(case, user),
                "rolled_into": case.rolled_into.restrict(user, Action.VIEW).first(),
            },
        )


class CaseCreateView(ScopedViewMixin, View):
    """A case opened by hand (上级指定) or from an inspection finding (督查发现)."""

    model = Case
    scope_action = Action.MANAGE

    def render_form(self, request, form, status=200):
        return render(request, "rectify/form.html", {"form": form, "title": "新增整顿对象"}, status=status)

    def get(self, request):
        if not acts_anywhere(request.user, Action.MANAGE):
            raise Http404
        return self.render_form(request, CaseOpenForm())

    def post(self, request):
        if not acts_anywhere(request.user, Action.MANAGE):
            raise Http404
        form = CaseOpenForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            org = self.scoped(Organization, Action.VIEW).filter(code=data["org_code"].strip()).first()
            if org is None or not services.can_open_for(request.user, org):
                form.add_error("org_code", "该组织不存在，或您不是它的上级管理单位。")
            else:
                try:
                    case = services.open_case(
                        org,
                        year=data["year"],
                        source=data["source"],
                        actor=request.user,
                        note=data["note"],
                        kind=data["kind"],
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"已将{org.name}列为 {case.year} 年度整顿对象。")
                    return redirect("rectify:detail", pk=case.pk)
        return self.render_form(request, form, status=400)


class AssessmentCasesView(ScopedViewMixin, View):
    """Opening the cases of a published assessment (publishing does it; this catches up older ones)."""

    model = Assessment
    scope_action = Action.MANAGE

    def post(self, request, pk):
        assessment = self.get_object_or_404(pk)
        try:
            opened = services.open_cases_for(assessment, actor=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("assess:detail", pk=assessment.pk)
        messages.success(request, f"新立整顿案件 {len(opened)} 个。")
        return redirect(f"{_list_url()}?assessment={assessment.pk}")


def _list_url() -> str:
    from django.urls import reverse

    return reverse("rectify:list")


class RollOverView(ScopedViewMixin, View):
    """Cases of a year not closed roll into the next year (结转)."""

    model = Case
    scope_action = Action.MANAGE

    def post(self, request):
        if not acts_anywhere(request.user, Action.MANAGE):
            raise Http404
        form = RollOverForm(request.POST)
        if not form.is_valid():
            messages.error(request, "请填写正确的年度。")
            return redirect("rectify:list")
        year = form.cleaned_data["year"]
        rolled = services.roll_over(year, actor=request.user)
        messages.success(request, f"{year} 年度未销号案件已结转 {len(rolled)} 个至 {year + 1} 年度。")
        return redirect(f"{_list_url()}?year={year + 1}")


class LedgerView(ScopedViewMixin, View):
    """The ledger rolled up per level: the county sees its towns, a town its villages; one row links one level down."""

    model = Organization

    def get(self, request, pk=None):
        if pk is None:
            # raw paths: the ledger opens on the first granted organization itself.
            paths = scope_paths(request.user, Action.VIEW)
            if paths is ALL:
                org = Organization.objects.filter(parent__isnull=True).order_by("code").first()
            elif paths:
                org = Organization.objects.filter(path=paths[0]).first()
            else:
                org = None
            if org is None:
                raise Http404("没有可查看的组织。")
        else:
            org = self.get_object_or_404(pk)
        form = CaseFilterForm(request.GET or None)
        year = form.cleaned_data["year"] if form.is_valid() else None
        today = timezone.localdate()
        rows = services.rollup(org, request.user, year=year, today=today)
        totals = {
            key: sum(r[key] for r in rows)
            for key in ("cases_open", "cases_closed", "measures_open", "measures_overdue", "funds")
        }
        parent = None
        if org.parent_id:
            parent = self.scoped(Organization).filter(pk=org.parent_id).first()
        cases = (
            Case.objects.restrict(request.user, Action.VIEW).in_subtree(org).select_related("org").order_by("org__path")
        )
        if year:
            cases = cases.filter(year=year)
        cases_filter = {"org_code": org.code} | ({"year": year} if year else {})
        return render(
            request,
            "rectify/ledger.html",
            {
                "org": org,
                "parent": parent,
                "rows": rows,
                "totals": totals,
                "year": year or "",
                "form": form,
                "cases": first_rows(cases.exclude(status=CaseStatus.CLOSED), LEDGER_CASES),
                "cases_url": f"{_list_url()}?{urlencode(cases_filter)}",
            },
        )


class LedgerFileView(EvidenceFileView):
    """Evidence is downloaded only through the data scope, never from a public address."""

    model = LedgerFile


class LedgerThumbnailView(EvidenceThumbnailView):
    model = LedgerFile
