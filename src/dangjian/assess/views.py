"""Assessment pages: the list, opening one, its overview with entry progress, running it. Publishing is
`dangjian.flows.assess_pages.PublishView` (it opens cases and proposes accountability too)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from dangjian.core.jobs import JobAlreadyActive
from dangjian.core.scope import Action, acts_anywhere
from dangjian.core.views import ScopedListView, ScopedViewMixin, apply_validation_error, paged
from dangjian.orgs.models import Organization

from . import run_jobs, services
from .access import can_manage, rateable, results_visible
from .forms import AssessmentForm
from .models import Assessment, Participant, SchemeRecord
from .progress import progress
from .scheme import METHOD_LABELS

PARTICIPANTS_PAGE = 200  # participants' progress rows on the assessment's page


def org_by_code(view: ScopedViewMixin, code: str, action: str) -> Organization | None:
    return view.scoped(Organization, action).filter(code=code.strip()).first()


class AssessmentListView(ScopedListView):
    """The assessments and, below them, the schemes: each paged on its own (`page`, `schemes_page`)."""

    model = Assessment
    template_name = "assess/list.html"

    def list_rows(self):
        return self.get_queryset().select_related("root", "scheme")

    def get_context_data(self, **context):
        schemes = self.scoped(SchemeRecord).select_related("owner")
        schemes_page = paged(self.request, schemes, self.paginate_by, param="schemes_page")
        return context | {
            "schemes": schemes_page["page"],
            "schemes_query": schemes_page["query"],
            "can_open": acts_anywhere(self.request.user, Action.MANAGE),
        }


class AssessmentCreateView(ScopedViewMixin, View):
    model = Assessment
    scope_action = Action.MANAGE

    def schemes(self):
        return self.scoped(SchemeRecord, Action.VIEW)

    def get(self, request):
        form = AssessmentForm(schemes=self.schemes())
        return render(request, "assess/open.html", {"form": form})

    def post(self, request):
        form = AssessmentForm(request.POST, schemes=self.schemes())
        if form.is_valid():
            root = org_by_code(self, form.cleaned_data["root_code"], Action.MANAGE)
            if root is None:
                form.add_error("root_code", "该组织不存在或不在您的管理范围内。")
            else:
                try:
                    assessment = services.open_assessment(
                        actor=request.user,
                        scheme=form.cleaned_data["scheme"],
                        root=root,
                        cutoff=form.cleaned_data["cutoff"],
                        title=form.cleaned_data["title"],
                        review_weight=form.cleaned_data["review_weight"],
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"已开启考核，参评组织 {assessment.participants.count()} 个。")
                    return redirect("assess:detail", pk=assessment.pk)
        return render(request, "assess/open.html", {"form": form}, status=400)


class AssessmentDetailView(ScopedViewMixin, View):
    model = Assessment

    def get(self, request, pk):
        assessment = self.get_object_or_404(pk)
        scheme = assessment.scheme.parsed()
        visible = list(self.scoped(Participant).filter(assessment=assessment).order_by("path"))
        per_org, per_parent = progress(scheme, visible)
        participants = paged(request, per_org, PARTICIPANTS_PAGE)
        indicators = []
        seen = set()
        for group in scheme.groups:
            for ind in group.indicators:
                if ind.code not in seen and ind.method.value not in ("derived", "survey"):
                    seen.add(ind.code)
                    indicators.append((ind, METHOD_LABELS[ind.method]))
        return render(
            request,
            "assess/detail.html",
            {
                "assessment": assessment,
                "scheme": scheme,
                "manage": can_manage(request.user, assessment),
                "rate_count": rateable(request.user, assessment).count(),
                "indicators": indicators,
                "per_org": participants["page"],
                "query": participants["query"],
                "per_parent": per_parent,
                "results_visible": results_visible(request.user, assessment),
            },
        )


class ManageAction(ScopedViewMixin, View):
    """A button of the assessment's managers: `act` on the assessment, say how it went on its page."""

    model = Assessment
    scope_action = Action.MANAGE

    def act(self, assessment):
        raise NotImplementedError

    def post(self, request, pk):
        assessment = self.get_object_or_404(pk)
        if not can_manage(request.user, assessment):
            raise Http404
        try:
            message = self.act(assessment)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages[:10]))
        else:
            messages.success(request, message)
        return redirect("assess:detail", pk=assessment.pk)


class RunView(ManageAction):
    """Queue the run for the worker and show its job's page; a second start while one is queued or running is
    refused (the assessment's page says so)."""

    def post(self, request, pk):
        assessment = self.get_object_or_404(pk)
        if not can_manage(request.user, assessment):
            raise Http404
        try:
            job = run_jobs.start_run(assessment, actor=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages[:10]))
        except JobAlreadyActive as exc:
            messages.error(request, str(exc))
            if exc.job is not None:
                return redirect("job", exc.job.pk)
        else:
            return redirect("job", job.pk)
        return redirect("assess:detail", pk=assessment.pk)


class TakeFactsView(ManageAction):
    """Read the records as of the cut-off again (late records dated up to it then count; audited)."""

    def act(self, assessment):
        assessment = services.take_facts(assessment, actor=self.request.user)
        return f"已按截止日 {assessment.cutoff:%Y-%m-%d} 重新取数；请重新计算结果。"
