"""Figures of residents' opinions for a period, in the shape of [003] ("收集意见建议1.5157万条，并分门别类梳理汇总向
基层党委反馈，共有4009条意见建议被上级党委重视解决"): collected, by category, answered, turned into problems, and
taken up and solved by higher committees — opinions whose problem was closed (销号) at town level or above."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q

from dangjian.problems.choices import Category, ProblemLevel, ProblemStatus

HIGHER = (ProblemLevel.TOWN, ProblemLevel.COUNTY, ProblemLevel.CITY)


@dataclass
class OpinionFigures:
    start: datetime.date
    end: datetime.date
    collected: int = 0
    distinct: int = 0  # not counting the repeats grouped under a first opinion
    replied: int = 0
    to_problems: int = 0
    taken_up: int = 0  # solved by a higher committee (town or above)
    by_category: list[tuple[str, int]] = field(default_factory=list)


def opinion_figures(opinions, start: datetime.date, end: datetime.date) -> OpinionFigures:
    """The figures of `opinions` (a scoped queryset) dated `start`..`end`, both included: two grouped queries."""
    rows = opinions.filter(date__gte=start, date__lte=end).order_by()
    higher = Q(problem__status=ProblemStatus.CLOSED, problem__solved_level__in=HIGHER)
    counts = rows.aggregate(
        collected=Count("id"),
        distinct=Count("id", filter=Q(duplicate_of__isnull=True)),
        replied=Count("id", filter=~Q(reply="")),
        to_problems=Count("id", filter=Q(problem__isnull=False)),
        taken_up=Count("id", filter=higher),
    )
    labels = dict(Category.choices)
    by_category = rows.values_list("category").annotate(n=Count("id")).order_by("-n", "category")
    return OpinionFigures(start, end, **counts, by_category=[(labels.get(c, c), n) for c, n in by_category])
