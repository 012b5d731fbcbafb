"""Residents' survey pages: the organizing department makes and prints links; residents answer at /s/<token>/.

The public page needs no account and is answered from a phone. It shows only the organization's name; a used,
unknown or closed link answers 404 with one message, so the page tells a guesser nothing about which tokens exist.
"""

from __future__ import annotations

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from dangjian.core.ratelimit import LoginRateThrottle, too_many_message
from dangjian.core.views import ScopedViewMixin

from . import survey
from .access import can_manage
from .models import Assessment, Participant, SurveyAnswer

INVALID_MESSAGE = "该测评链接无效或已使用"
SHEET_LIMIT = survey.MAX_LINKS_PER_CALL  # codes on one printed sheet: one call's worth
CHOICES = SurveyAnswer.choices  # 满意 / 基本满意 / 不满意, in that order on the page


class LinkCountForm(forms.Form):
    count = forms.IntegerField(
        label="生成数量",
        min_value=1,
        max_value=survey.MAX_LINKS_PER_CALL,
        initial=50,
        error_messages={
            "required": "请填写生成数量。",
            "invalid": "生成数量应为整数。",
            "min_value": "生成数量至少为 1。",
            "max_value": f"一次最多生成 {survey.MAX_LINKS_PER_CALL} 个。",
        },
    )


class SurveyMissThrottle(LoginRateThrottle):
    """Counts only unusable tokens per address, with the login limit's machinery: guessing is slowed, while a
    whole village meeting answering behind one address is never held up by its own valid links."""

    scope = "survey"

    def get_rate(self):
        return getattr(settings, "SURVEY_MISS_RATE", "20/minute")

    def blocked(self, request) -> bool:
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]
        return len(self.history) >= self.num_requests

    def miss(self) -> None:
        self.throttle_success()  # records this attempt under the key `blocked` computed


def _manager_only(user, assessment: Assessment) -> None:
    """Links are handed out by the organizing department only: for anyone else, the organization itself included,
    these pages do not exist."""
    if not can_manage(user, assessment):
        raise Http404("未找到该记录，或它不在您的数据范围内。")


def _form_problem(form) -> str:
    return "；".join(m for errors in form.errors.values() for m in errors)


class AssessmentSurveyView(ScopedViewMixin, View):
    """All surveyed organizations of an assessment with their counts; links for all of them at once."""

    model = Assessment

    def get(self, request, pk, form=None, status=200):
        assessment = self.get_object_or_404(pk)
        _manager_only(request.user, assessment)
        participants = survey.surveyed(assessment, assessment.participants.order_by("path"))
        by_id = survey.counts(participants)
        rows = [{"p": p, "c": by_id.get(p.id, survey.SurveyCounts())} for p in participants]
        totals = survey.SurveyCounts()
        for row in rows:
            for field in ("links", "answered", "satisfied", "fair", "dissatisfied"):
                setattr(totals, field, getattr(totals, field) + getattr(row["c"], field))
        return render(
            request,
            "assess/survey_assessment.html",
            {"assessment": assessment, "rows": rows, "totals": totals, "form": form or LinkCountForm()},
            status=status,
        )

    def post(self, request, pk):
        assessment = self.get_object_or_404(pk)
        _manager_only(request.user, assessment)
        form = LinkCountForm(request.POST)
        if form.is_valid():
            try:
                made = survey.create_links_for_all(assessment, form.cleaned_data["count"], actor=request.user)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, f"已生成测评链接 {made} 个；请到各组织的打印页打印二维码。")
                return redirect("assess:survey", pk=assessment.pk)
        messages.error(request, _form_problem(form))
        return self.get(request, pk, form=form, status=400)


class ParticipantSurveyView(ScopedViewMixin, View):
    """One organization's links: counts, and making more."""

    model = Participant

    def get(self, request, pk, form=None, status=200):
        p = self.get_object_or_404(pk)
        _manager_only(request.user, p.assessment)
        return render(
            request,
            "assess/survey_participant.html",
            {
                "p": p,
                "assessment": p.assessment,
                "c": survey.counts([p]).get(p.id, survey.SurveyCounts()),
                "surveyed": bool(survey.surveyed(p.assessment, [p])),
                "form": form or LinkCountForm(),
            },
            status=status,
        )

    def post(self, request, pk):
        p = self.get_object_or_404(pk)
        _manager_only(request.user, p.assessment)
        form = LinkCountForm(request.POST)
        if form.is_valid():
            try:
                links = survey.create_links(p, form.cleaned_data["count"], actor=request.user)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, f"已生成测评链接 {len(links)} 个。")
                return redirect("assess:survey_links", pk=p.pk)
        messages.error(request, _form_problem(form))
        return self.get(request, pk, form=form, status=400)


class SurveySheetView(ScopedViewMixin, View):
    """A printable sheet: one QR code per unused link, with the organization's name and the short address."""

    model = Participant

    def get(self, request, pk):
        p = self.get_object_or_404(pk)
        _manager_only(request.user, p.assessment)
        links = list(p.survey_links.filter(used_at__isnull=True).order_by("id")[:SHEET_LIMIT])
        cards = []
        for link in links:
            url = request.build_absolute_uri(reverse("survey_answer", args=[link.token]))
            svg = segno.make(url, error="m").svg_inline(scale=3, dark="#000", light="#fff", omitsize=True)
            cards.append({"url": url, "svg": svg})
        return render(
            request,
            "assess/survey_sheet.html",
            {"p": p, "assessment": p.assessment, "cards": cards, "limited": len(links) == SHEET_LIMIT},
        )


class SurveyAnswerView(View):
    """The public answer page: no login, no session needed, nothing about the respondent kept."""

    def dispatch(self, request, *args, **kwargs):
        throttle = SurveyMissThrottle()
        if throttle.blocked(request):
            response = render(request, "429.html", {"message": too_many_message(throttle.wait())}, status=429)
            response["Retry-After"] = str(max(1, int(throttle.wait() or 1)))
            return response
        self.throttle = throttle
        return super().dispatch(request, *args, **kwargs)

    def invalid(self, request):
        self.throttle.miss()
        return render(request, "assess/survey_invalid.html", {"message": INVALID_MESSAGE}, status=404)

    def get(self, request, token):
        try:
            link = survey.open_link(token)
        except survey.LinkUnusable:
            return self.invalid(request)
        return render(request, "assess/survey_answer.html", {"name": link.participant.name, "choices": CHOICES})

    def post(self, request, token):
        try:
            link = survey.open_link(token)
            survey.answer(token, request.POST.get("answer", ""))
        except survey.LinkUnusable:
            return self.invalid(request)
        except ValidationError as exc:
            return render(
                request,
                "assess/survey_answer.html",
                {"name": link.participant.name, "choices": CHOICES, "error": "；".join(exc.messages)},
                status=400,
            )
        return render(request, "assess/survey_thanks.html", {"name": link.participant.name})
