"""Publishing an assessment: one transaction across three apps. The assessment freezes its results (`assess`), the
weak organizations' rectification cases open (`rectify`), and the accountability the rules set is proposed
(`accountability`; weak two years running → remove the secretary); people confirm the proposals. An explicit call
from here, rather than a signal the other apps listen to, so the whole of publishing reads in one place."""

from __future__ import annotations

from django.db import transaction

from dangjian.accountability.services import generate_proposals
from dangjian.assess.engine import RunResult
from dangjian.assess.models import Assessment
from dangjian.assess.services import freeze_results
from dangjian.rectify.services import open_cases_for


@transaction.atomic
def publish_assessment(assessment: Assessment, *, actor) -> RunResult:
    """Freeze the results, open the cases of the weak organizations and propose the accountability the rules set."""
    outcome = freeze_results(assessment, actor=actor)
    published = Assessment.objects.get(pk=assessment.pk)  # the caller's copy predates publishing
    open_cases_for(published, actor=actor)
    generate_proposals(assessment=published, actor=actor)
    return outcome
