"""Secretaries' review pages: the list of an assessment's reviews, one organization's review, the report file.

A rating is seen by whoever may give it (the level above) and the organizing department; the organization itself
and others in scope see it once the assessment is published, like the results.
"""

from __future__ import annotations

from collections import Counter

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views import View

from dangjian.core.views import ScopedViewMixin, apply_validation_error, first_rows
from dangjian.responsibility.review import secretary_duties

from . import review
from .access import can_attach, can_manage, can_rate
from .models import Assessment, Participant, SecretaryRating, SecretaryReview


class ReviewForm(forms.Form):
    secretary = forms.CharField(label="书记姓名", max_length=50, error_messages={"required": "请填写书记姓名。"})
    rating = forms.ChoiceField(
        label="评议等次",
        choices=SecretaryRating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择评议等次。", "invalid_choice": "请选择评议等次：好、较好、一般或差。"},
    )
    comment = forms.CharField(
        label="点评意见", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class ReportForm(forms.Form):
    report = forms.FileField(
        label="述职报告（PDF 或 Word，不超过 20 MB）",
        error_messages={"required": "请选择述职报告文件。", "empty": "文件是空的，请选择述职报告文件。"},
    )


REVIEW_ROWS = 2000  # the tally counts the organizations listed; the page says when there are more


def rating_visible(user, participant: Participant) -> bool:
    assessment = participant.assessment
    return assessment.published or can_manage(user, assessment) or can_rate(user, participant)


class ReviewListView(ScopedViewMixin, View):
    """Every organization of the assessment the user sees, with its report and (where visible) its rating."""

    model = Assessment

    def get(self, request, pk):
        assessment = self.get_object_or_404(pk)
        shown = first_rows(self.scoped(Participant).filter(assessment=assessment).order_by("path"), REVIEW_ROWS)
        participants = shown.rows
        reviews = {r.participant_id: r for r in SecretaryReview.objects.filter(participant__in=participants)}
        rows, tally = [], Counter()
        for p in participants:
            p.assessment = assessment  # spare a query per row in rating_visible
            item = reviews.get(p.id)
            visible = rating_visible(request.user, p)
            if item and item.rating and visible:
                tally[item.rating] += 1
            rows.append(
                {
                    "p": p,
                    "review": item,
                    "rating": item.get_rating_display() if item and item.rating and visible else "",
                    "rate": can_rate(request.user, p),
                }
            )
        counts = [{"label": label, "count": tally.get(value, 0)} for value, label in SecretaryRating.choices]
        return render(
            request,
            "assess/review_list.html",
            {
                "assessment": assessment,
                "rows": rows,
                "shown": shown,
                "counts": counts,
                "unrated": sum(1 for row in rows if row["rate"] and not (row["review"] and row["review"].rating)),
                "weight": assessment.review_weight,
            },
        )


class ReviewView(ScopedViewMixin, View):
    """One organization's review: the report, and the rating form for the level above."""

    model = Participant

    def context(self, p, form=None, report_form=None):
        user = self.request.user
        item = SecretaryReview.objects.filter(participant=p).first()
        rate = can_rate(user, p) and not p.assessment.published
        attach = can_attach(user, p) and not p.assessment.published
        if rate and form is None:
            form = ReviewForm(
                initial={
                    "secretary": (item.secretary if item else "") or p.secretary,
                    "rating": item.rating if item else "",
                    "comment": item.comment if item else "",
                }
            )
        return {
            "p": p,
            "assessment": p.assessment,
            "review": item,
            "rating_visible": rating_visible(user, p),
            "form": form if rate else None,
            "report_form": (report_form or ReportForm()) if attach else None,
            # The secretary's duties of the year, done and not done, shown beside the report (三层九岗).
            "duties": secretary_duties(p.org, p.assessment.year) if p.org_id else None,
        }

    def get(self, request, pk):
        p = self.get_object_or_404(pk)
        return render(request, "assess/review_detail.html", self.context(p))

    def post(self, request, pk):
        p = self.get_object_or_404(pk)
        if not can_rate(request.user, p):
            raise Http404("未找到该记录，或它不在您的数据范围内。")
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                review.rate(p, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"已保存对“{p.name}”书记的述职评议。")
                return redirect("assess:review", pk=p.pk)
        return render(request, "assess/review_detail.html", self.context(p, form=form), status=400)


class ReviewUploadView(ScopedViewMixin, View):
    """The organization (or the level above for it) uploads the secretary's report."""

    model = Participant

    def post(self, request, pk):
        p = self.get_object_or_404(pk)
        if not can_attach(request.user, p):
            raise Http404("未找到该记录，或它不在您的数据范围内。")
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                review.upload_report(p, form.cleaned_data["report"], actor=request.user)
            except ValidationError as exc:
                form.add_error("report", exc.messages)
            else:
                messages.success(request, "述职报告已上传。")
                return redirect("assess:review", pk=p.pk)
        view = ReviewView()
        view.setup(request, pk=pk)
        return render(request, "assess/review_detail.html", view.context(p, report_form=form), status=400)


class ReviewReportView(ScopedViewMixin, View):
    """The report file, for anyone who sees the organization in this assessment."""

    model = Participant

    def get(self, request, pk):
        p = self.get_object_or_404(pk)
        item = SecretaryReview.objects.filter(participant=p).exclude(report="").first()
        if item is None:
            raise Http404("尚未上传述职报告。")
        name = item.report.name.rsplit("/", 1)[-1]
        return FileResponse(item.report.open("rb"), as_attachment=True, filename=name)
