"""Problem pages: the three lists (问题清单, 责任清单, 销号清单) with their exports, the figures, recording a problem,
one problem with its history, and the steps of its handling (assign, progress, report solved, verify and close or
return, escalate). Rights are the services'; the pages show only the steps the user may take."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from dangjian.core.params import int_param
from dangjian.core.scope import Action, acts_anywhere
from dangjian.core.views import ScopedViewMixin, apply_validation_error, paged
from dangjian.orgs.models import Organization
from dangjian.sheets.export import ExportTooLarge, describe_filters, export_response

from . import services
from .choices import LEVEL_ORDER, ProblemStatus
from .figures import period, solved_figures
from .filtersets import ProblemFilterSet
from .forms import AssignForm, EscalateForm, ProblemForm, ProgressForm, SubmitForm, VerifyForm
from .models import Problem

NOT_IN_SCOPE = "该组织不存在或不在您的数据范围内。"


def changes_anything(user) -> bool:
    return acts_anywhere(user, Action.CHANGE)


def _date(value) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


# The three lists: which problems each holds and the columns of its page and its export.
LISTS = {
    "problems": {
        "title": "问题清单",
        "filter": Q(),
        "columns": [
            ("登记日期", lambda p: p.recorded_on),
            ("问题", lambda p: p.title),
            ("具体情况", lambda p: p.detail),
            ("类别", lambda p: p.get_category_display()),
            ("涉及组织", lambda p: p.org.name),
            ("组织编码", lambda p: p.org.code),
            ("来源", lambda p: p.get_source_display()),
            ("来源说明", lambda p: p.source_ref),
            ("办理层级", lambda p: p.get_level_display()),
            ("状态", lambda p: p.get_status_display()),
        ],
    },
    "duties": {
        "title": "责任清单",
        "filter": ~Q(status=ProblemStatus.CLOSED),
        "columns": [
            ("问题", lambda p: p.title),
            ("类别", lambda p: p.get_category_display()),
            ("涉及组织", lambda p: p.org.name),
            ("办理层级", lambda p: p.get_level_display()),
            ("责任单位", lambda p: p.responsible_org.name),
            ("责任人", lambda p: p.owner_name or "（待指派）"),
            ("办结时限", lambda p: p.deadline),
            ("状态", lambda p: p.get_status_display()),
            ("逾期", lambda p: "是" if p.is_overdue(timezone.localdate()) else "否"),
            ("逾期已上报层数", lambda p: p.escalation_level),
        ],
    },
    "closed": {
        "title": "销号清单",
        "filter": Q(status=ProblemStatus.CLOSED),
        "columns": [
            ("问题", lambda p: p.title),
            ("类别", lambda p: p.get_category_display()),
            ("涉及组织", lambda p: p.org.name),
            ("解决层级", lambda p: p.get_solved_level_display()),
            ("责任单位", lambda p: p.responsible_org.name),
            ("责任人", lambda p: p.owner_name),
            ("办结时限", lambda p: p.deadline),
            ("销号日期", lambda p: p.closed_on),
            ("按期办结", lambda p: "是" if p.closed_on_time else "否"),
            ("办理结果", lambda p: p.result),
            ("核实意见", lambda p: p.closing_opinion),
        ],
    },
}


# What the three lists' rows show (problems/jinja2/problems/rows.html), not a problem's 27 columns and its two
# organizations' 25 each.
ROW_FIELDS = (
    *("title", "category", "level", "status", "source", "recorded_on", "deadline", "escalation_level", "owner_name"),
    *("closed_on", "solved_level", "closing_opinion", "org__name", "responsible_org__name"),
)


class ProblemListView(ScopedViewMixin, View):
    """One of the three lists, filtered by the list's filters (`ProblemFilterSet`, as the API and the export)."""

    model = Problem
    filterset_class = ProblemFilterSet
    which = "problems"

    def filtered(self) -> ProblemFilterSet:
        qs = self.get_queryset().filter(LISTS[self.which]["filter"]).select_related("org", "responsible_org")
        order = ["-closed_on", "-id"] if self.which == "closed" else ["-recorded_on", "-id"]
        if self.which == "duties":
            order = ["deadline", "id"]
        return self.filter_list(qs.order_by(*order))

    def get(self, request):
        filterset = self.filtered()
        context = paged(request, filterset.qs.only(*ROW_FIELDS))
        today = timezone.localdate()
        for problem in context["page"].object_list:
            problem.overdue = problem.is_overdue(today)
        return render(
            request,
            "problems/list.html",
            {
                "which": self.which,
                "title": LISTS[self.which]["title"],
                "filter": filterset,
                **context,
                "can_create": acts_anywhere(request.user, Action.CHANGE),
            },
        )


class DutyListView(ProblemListView):
    which = "duties"


class ClosedListView(ProblemListView):
    which = "closed"


class ProblemExportView(ProblemListView):
    def get(self, request):
        filterset = self.filtered()
        spec = LISTS[self.which]
        try:
            return export_response(
                request=request,
                title=spec["title"],
                columns=spec["columns"],
                rows=filterset.qs,
                filename=f"{spec['title']}.xlsx",
                filters=describe_filters(filterset),
            )
        except ExportTooLarge as exc:
            messages.error(request, str(exc))
            return redirect(f"problems:{self.which}")


class DutyExportView(ProblemExportView):
    which = "duties"


class ClosedExportView(ProblemExportView):
    which = "closed"


class FiguresView(ScopedViewMixin, View):
    """Problems solved in a year or quarter: by the level that solved them, by category, on time."""

    model = Problem

    def get(self, request):
        today = timezone.localdate()
        year = int_param(request.GET, "year", today.year, minimum=2000, maximum=2100)
        quarter = int_param(request.GET, "quarter", None, minimum=1, maximum=4)
        org = None
        code = (request.GET.get("org_code") or "").strip()
        problems = self.get_queryset()
        if code:
            org = self.scoped(Organization).filter(code=code).first()
            problems = problems.in_subtree(org) if org else problems.none()
        start, end = period(year, quarter)
        return render(
            request,
            "problems/figures.html",
            {
                "figures": solved_figures(problems, start, end),
                "year": year,
                "quarter": quarter,
                "org": org,
                "org_code": code,
                "quarters": [1, 2, 3, 4],
            },
        )


class ProblemCreateView(ScopedViewMixin, View):
    """A problem recorded by hand (or from an inspection noted on paper), already assigned."""

    model = Problem
    scope_action = Action.CHANGE

    def render_form(self, request, form, status=200):
        return render(request, "problems/form.html", {"form": form, "title": "登记问题"}, status=status)

    def get(self, request):
        if not acts_anywhere(request.user, Action.CHANGE):
            raise Http404
        initial = {"org_code": request.GET.get("org_code", "")}
        return self.render_form(request, ProblemForm(initial=initial))

    def post(self, request):
        if not acts_anywhere(request.user, Action.CHANGE):
            raise Http404
        form = ProblemForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            org = self.scoped(Organization, Action.CHANGE).filter(code=data["org_code"].strip()).first()
            if org is None:
                form.add_error("org_code", NOT_IN_SCOPE)
            else:
                try:
                    problem = services.record_problem(
                        org,
                        title=data["title"],
                        detail=data["detail"],
                        category=data["category"],
                        level=data["level"],
                        owner_name=data["owner_name"],
                        owner_user=services.account_named(data["owner_username"]),
                        deadline=data["deadline"],
                        actor=request.user,
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"已登记问题，交由{problem.responsible_org.name}办理。")
                    return redirect("problems:detail", pk=problem.pk)
        return self.render_form(request, form, status=400)


class ProblemDetailView(ScopedViewMixin, View):
    model = Problem

    def get(self, request, pk):
        problem = self.get_object_or_404(pk)
        user = request.user
        above, _ = services.verifier(problem)
        handle = services.can_handle(user, problem)
        verify = services.can_verify(user, problem)
        status = problem.status
        return render(
            request,
            "problems/detail.html",
            {
                "problem": problem,
                "events": problem.events.select_related("actor"),
                "verifier": above,
                "overdue": problem.is_overdue(timezone.localdate()),
                "levels": LEVEL_ORDER,
                "can_assign": handle and status in (ProblemStatus.ASSIGNING, ProblemStatus.OPEN),
                "can_progress": handle and status == ProblemStatus.OPEN,
                "can_escalate": handle and status in (ProblemStatus.ASSIGNING, ProblemStatus.OPEN),
                "can_verify": verify and status == ProblemStatus.SUBMITTED,
            },
        )


class ProblemActionView(ScopedViewMixin, View):
    """A form that takes one step of a problem through its service; the service's Chinese message on refusal."""

    model = Problem
    form_class = None
    title = ""
    done = ""

    def render_form(self, request, problem, form, status=200):
        context = {"form": form, "title": f"{self.title} · {problem.title[:30]}", "problem": problem}
        return render(request, "problems/form.html", context, status=status)

    def get(self, request, pk):
        problem = self.get_object_or_404(pk)
        return self.render_form(request, problem, self.form_class())

    def post(self, request, pk):
        problem = self.get_object_or_404(pk)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.act(problem, form.cleaned_data, request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, self.done)
                return redirect("problems:detail", pk=problem.pk)
        return self.render_form(request, problem, form, status=400)

    def act(self, problem, data, user):
        raise NotImplementedError


class AssignView(ProblemActionView):
    form_class, title, done = AssignForm, "指派责任人", "已指派责任人。"

    def act(self, problem, data, user):
        services.assign_problem(
            problem,
            owner_name=data["owner_name"],
            owner_user=services.account_named(data["owner_username"]),
            deadline=data["deadline"],
            actor=user,
        )


class ProgressView(ProblemActionView):
    form_class, title, done = ProgressForm, "记录办理进展", "已记录办理进展。"

    def act(self, problem, data, user):
        services.add_progress(problem, note=data["note"], actor=user)


class SubmitView(ProblemActionView):
    form_class, title, done = SubmitForm, "申报办结", "已申报办结，等待上一级核实销号。"

    def act(self, problem, data, user):
        services.submit_problem(problem, result=data["result"], actor=user)


class CloseView(ProblemActionView):
    form_class, title, done = VerifyForm, "核实销号", "已核实销号。"

    def act(self, problem, data, user):
        services.close_problem(problem, opinion=data["opinion"], actor=user)


class ReturnView(ProblemActionView):
    form_class, title, done = VerifyForm, "核实未通过，退回重办", "已退回责任单位重办。"

    def act(self, problem, data, user):
        services.return_problem(problem, opinion=data["opinion"], actor=user)


class EscalateView(ProblemActionView):
    form_class, title, done = EscalateForm, "本级无法解决，上报上一级", "已上报上一级，等待指派责任人。"

    def act(self, problem, data, user):
        services.escalate_problem(problem, reason=data["reason"], actor=user)
