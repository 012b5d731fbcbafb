"""Assessment pages that reach past the assessment: publishing, which opens the rectification cases and proposes
the accountability (`publishing.publish_assessment`), and the participant's page, which says when last year's
rectification case is still open. Their routes keep their names in the `assess` namespace (flows/urls.py)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from dangjian.assess import entry_views
from dangjian.assess.access import can_manage
from dangjian.assess.models import Result
from dangjian.assess.views import ManageAction
from dangjian.core.jobs import JobAlreadyActive
from dangjian.rectify.models import Case, CaseStatus

from . import publish_jobs


class PublishConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label="我已核对考核结果，确认发布。发布后结果冻结、不可撤销，并为软弱涣散基层党组织开启整顿案件。",
        error_messages={"required": "请勾选确认后再发布：发布后结果冻结、不可撤销。"},
    )


class PublishView(ManageAction):
    """`assess:publish`: publishing cannot be undone and opens cases, so it is asked for twice: the assessment's
    button leads to this page, which says what will happen and publishes only with its box ticked. Publishing runs
    in the worker (`publish_jobs`); the job's page says when it is done and links to the results."""

    def confirm_page(self, assessment, form, status=200):
        results = Result.objects.filter(participant__assessment=assessment)
        context = {"assessment": assessment, "form": form, "results": results.count()}
        context["weak"] = results.filter(weak=True).count()
        return render(self.request, "assess/publish_confirm.html", context, status=status)

    def get(self, request, pk):
        assessment = self.get_object_or_404(pk)
        if not can_manage(request.user, assessment) or assessment.published:
            raise Http404
        return self.confirm_page(assessment, PublishConfirmForm())

    def post(self, request, pk):
        assessment = self.get_object_or_404(pk)
        if not can_manage(request.user, assessment):
            raise Http404
        form = PublishConfirmForm(request.POST)
        if not assessment.published and not form.is_valid():
            return self.confirm_page(assessment, form, status=400)
        try:
            job = publish_jobs.start_publish(assessment, actor=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages[:10]))
        except JobAlreadyActive as exc:
            messages.error(request, str(exc))
            if exc.job is not None:
                return redirect("job", exc.job.pk)
        else:
            return redirect("job", job.pk)
        return redirect("assess:detail", pk=assessment.pk)


def unclosed_case(org_id: int, year: int) -> bool:
    """Whether the organization's rectification case of `year` is still open: it rolls into this assessment."""
    return Case.objects.filter(org_id=org_id, year=year).exclude(status=CaseStatus.CLOSED).exists()


class ParticipantView(entry_views.ParticipantView):
    """`assess:participant`: the assessment's page of one organization, with last year's case when still open."""

    def context(self, p, errors, typed=None):
        context = super().context(p, errors, typed)
        context["open_case_last_year"] = p.org_id is not None and unclosed_case(p.org_id, p.assessment.year - 1)
        return context
