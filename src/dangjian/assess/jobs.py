"""The assessment's cadence job, listed in `dangjian.flows.schedule.JOBS`: each day, the facts of every assessment
whose cut-off has just passed are taken as of it (`services.take_due_facts`), so records entered in the days after
the cut-off, before anyone runs the assessment, do not reach it either."""

from __future__ import annotations

from dangjian.cadence.jobs import Context

from . import services
from .models import Assessment, AssessmentStatus


def cutoff_facts(ctx: Context) -> None:
    due = Assessment.objects.filter(
        status=AssessmentStatus.COLLECTING, facts_taken_at__isnull=True, cutoff__lt=ctx.today
    ).order_by("pk")
    for assessment in due:
        if services.take_due_facts(assessment, today=ctx.today):
            ctx.count("assessments")
