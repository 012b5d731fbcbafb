"""The problem lists' metric for assessment schemes (registered in `assess.metrics` as `problem_closure_rate`)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Q

from .choices import ProblemStatus
from .models import Problem


def problem_closure_rate(participants, cutoff: datetime.date, year: int, org_ids=None) -> dict[int, Decimal]:
    """Of the problems concerning each participant's organization recorded in `year` up to the cut-off, the share
    closed (销号, after verification by the level above) by the cut-off. An organization with none scores 1:
    nothing of its list is left open. One grouped query for all participants; `org_ids` may be a subquery of their
    organizations (the assessment's own, for a province-sized run)."""
    if org_ids is None:
        org_ids = [p.org_id for p in participants if p.org_id]
    rows = (
        Problem.objects.filter(org_id__in=org_ids, recorded_on__year=year, recorded_on__lte=cutoff)
        .order_by()
        .values("org_id")
        .annotate(
            total=Count("id"),
            closed=Count("id", filter=Q(status=ProblemStatus.CLOSED, closed_on__lte=cutoff)),
        )
    )
    shares = {row["org_id"]: Decimal(row["closed"]) / row["total"] for row in rows}
    return {p.id: shares.get(p.org_id, Decimal(1)) for p in participants}
