"""Proposals the rules make (list, generate, confirm, dismiss) and workstation chiefs' annual ratings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views import View

from dangjian.assess.models import Assessment, AssessmentStatus
from dangjian.core.scope import Action, acts_anywhere
from dangjian.core.views import ScopedListView, ScopedViewMixin, apply_validation_error
from dangjian.orgs.models import Workstation

from . import services
from .filtersets import ProposalFilterSet
from .forms import ChiefRatingForm, ConfirmForm, DismissForm, GenerateForm
from .models import ChiefRating, Proposal


def published_assessments(view: ScopedViewMixin):
    return view.scoped(Assessment, Action.MANAGE).filter(status=AssessmentStatus.PUBLISHED).order_by("-year", "-id")


class ProposalListView(ScopedListView):
    model = Proposal
    template_name = "accountability/proposals.html"
    filterset_class = ProposalFilterSet

    def list_rows(self):
        return self.get_queryset().select_related("org", "workstation").order_by("-year", "status", "-id")

    def get_context_data(self, **context):
        if context.get("form") is None and acts_anywhere(self.request.user, Action.MANAGE):
            context["form"] = GenerateForm(assessments=published_assessments(self))
        return context

    def get(self, request, form=None, status=200):
        return self.render_list(request, status=status, form=form)


class GenerateView(ScopedViewMixin, View):
    model = Proposal
    scope_action = Action.MANAGE
    http_method_names = ["post"]

    def post(self, request):
        form = GenerateForm(request.POST, assessments=published_assessments(self))
        if form.is_valid():
            try:
                created = services.generate_proposals(
                    form.cleaned_data["assessment"], form.cleaned_data["year"], actor=request.user
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"已生成问责建议 {len(created)} 条（已有的不重复生成）。")
                return redirect("accountability:proposals")
        return self._invalid(request, form)

    def _invalid(self, request, form):
        view = ProposalListView()
        view.setup(request)
        return view.get(request, form=form, status=400)


class ProposalDetailView(ScopedViewMixin, View):
    model = Proposal

    def get(self, request, pk, confirm_form=None, dismiss_form=None, status=200):
        proposal = self.get_object_or_404(pk)
        decide = proposal.pending and services.can_decide(request.user, proposal.org, proposal.workstation)
        return render(
            request,
            "accountability/proposal.html",
            {
                "proposal": proposal,
                "can_decide": decide,
                "confirm_form": confirm_form or ConfirmForm(),
                "dismiss_form": dismiss_form or DismissForm(),
            },
            status=status,
        )


class _Decide(ProposalDetailView):
    http_method_names = ["post"]
    form_class = ConfirmForm

    def decide(self, proposal, data):
        raise NotImplementedError

    def post(self, request, pk):
        proposal = self.get_object_or_404(pk)
        form = self.form_class(request.POST)
        if not services.can_decide(request.user, proposal.org, proposal.workstation):
            messages.error(request, "您无权处理该建议：须由其上级党组织具有管理权限的用户确认。")
            return redirect("accountability:proposal", pk=pk)
        if form.is_valid():
            try:
                message = self.decide(proposal, form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, message)
                return redirect("accountability:proposal", pk=pk)
        key = "confirm_form" if self.form_class is ConfirmForm else "dismiss_form"
        return self.get(request, pk, status=400, **{key: form})


class ConfirmView(_Decide):
    form_class = ConfirmForm

    def decide(self, proposal, data):
        rec = services.confirm_proposal(
            proposal, actor=self.request.user, date=data["date"], person_name=data["person_name"], note=data["note"]
        )
        return f"已确认，问责记录已生成：{rec}。"


class DismissView(_Decide):
    form_class = DismissForm

    def decide(self, proposal, data):
        services.dismiss_proposal(proposal, actor=self.request.user, reason=data["reason"])
        return "已不予采纳，理由已记录。"


class RatingListView(ScopedListView):
    model = ChiefRating
    template_name = "accountability/ratings.html"

    def list_rows(self):
        return (
            self.get_queryset()
            .select_related("workstation", "workstation__town")
            .order_by("-year", "workstation__code")
        )

    def get_context_data(self, **context):
        return context | {"can_rate": acts_anywhere(self.request.user, Action.MANAGE)}


class RatingCreateView(ScopedViewMixin, View):
    """Enter or correct a chief's rating (MANAGE on the workstation's town or above); the chief rules apply at once."""

    model = ChiefRating
    scope_action = Action.MANAGE

    def get(self, request):
        form = ChiefRatingForm(initial={"workstation_code": request.GET.get("workstation", "")})
        return render(request, "accountability/rating_form.html", {"form": form})

    def post(self, request):
        form = ChiefRatingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            station = (
                self.scoped(Workstation, Action.MANAGE)
                .select_related("town")
                .filter(code=data["workstation_code"].strip())
                .first()
            )
            if station is None:
                form.add_error("workstation_code", "该工作站不存在或不在您的管理范围内。")
            else:
                try:
                    rating = services.rate_chief(
                        actor=request.user,
                        workstation=station,
                        year=data["year"],
                        chief_name=data["chief_name"] or station.chief_name,
                        rating=data["rating"],
                        note=data["note"],
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"已保存：{rating}。")
                    return redirect("accountability:ratings")
        return render(request, "accountability/rating_form.html", {"form": form}, status=400)
