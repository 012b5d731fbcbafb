"""Assessment pages that reach past the assessment: publishing, which opens the rectification cases and proposes
the accountability (`publishing.publish_assessment`), and the participant's page, which says when last year's
rectification case is still open. Their routes keep their names in the `assess` namespace (flows/urls.py)."""

from __future__ import annotations

from dangjian.assess import entry_views
from dangjian.assess.views import ManageAction
from dangjian.rectify.models import Case, CaseStatus

from .publishing import publish_assessment


class PublishView(ManageAction):
    """`assess:publish`."""

    def act(self, assessment):
        outcome = publish_assessment(assessment, actor=self.request.user)
        return f"考核结果已发布并冻结（摘要值 {outcome.digest[:12]}…）；各组织可查看本组织结果。"


def unclosed_case(org_id: int, year: int) -> bool:
    """Whether the organization's rectification case of `year` is still open: it rolls into this assessment."""
    return Case.objects.filter(org_id=org_id, year=year).exclude(status=CaseStatus.CLOSED).exists()


class ParticipantView(entry_views.ParticipantView):
    """`assess:participant`: the assessment's page of one organization, with last year's case when still open."""

    def context(self, p, errors, typed=None):
        context = super().context(p, errors, typed)
        context["open_case_last_year"] = p.org_id is not None and unclosed_case(p.org_id, p.assessment.year - 1)
        return context
