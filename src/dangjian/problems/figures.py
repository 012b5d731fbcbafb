"""Figures of the problem lists for a period, in the shape of [003] ("全市已协调解决群众反映难点热点问题1.3159万个，其中
党建工作站（村）层面解决9150个，镇党委、政府层面解决3336个"): problems closed in the period, by the level that
solved each, by category, and how many were closed by their deadline. A few grouped queries for any size."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q

from .choices import LEVEL_ORDER, Category, ProblemLevel, ProblemStatus


@dataclass
class SolvedFigures:
    start: datetime.date
    end: datetime.date
    solved: int = 0
    on_time: int = 0
    by_level: list[tuple[str, int]] = field(default_factory=list)  # (label, count), lowest level first
    by_category: list[tuple[str, int]] = field(default_factory=list)  # (label, count), largest first
    recorded: int = 0  # problems put on the list in the period
    open_now: int = 0  # of those, not closed yet

    @property
    def late(self) -> int:
        return self.solved - self.on_time

    @property
    def on_time_rate(self) -> Decimal | None:
        """Closed on time, as a share of closed (None without closures), to one decimal place of a percent."""
        if not self.solved:
            return None
        return (Decimal(self.on_time) * 100 / self.solved).quantize(Decimal("0.1"))


def period(year: int, quarter: int | None = None) -> tuple[datetime.date, datetime.date]:
    """A year, or one of its quarters, as first and last day."""
    if quarter is None:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    first = datetime.date(year, 3 * quarter - 2, 1)
    last = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    return first, last - datetime.timedelta(days=1)


def solved_figures(problems, start: datetime.date, end: datetime.date) -> SolvedFigures:
    """The figures of `problems` (a scoped queryset) for the days `start`..`end`, both included."""
    figures = SolvedFigures(start, end)
    closed = problems.filter(status=ProblemStatus.CLOSED, closed_on__gte=start, closed_on__lte=end).order_by()
    by_level = dict(closed.values_list("solved_level").annotate(n=Count("id")))
    figures.by_level = [(ProblemLevel(level).label, by_level.get(level, 0)) for level in LEVEL_ORDER]
    figures.solved = sum(by_level.values())
    labels = dict(Category.choices)
    by_category = closed.values_list("category").annotate(n=Count("id")).order_by("-n", "category")
    figures.by_category = [(labels.get(category, category), n) for category, n in by_category]
    on_time = Q(deadline__isnull=True) | Q(closed_on__lte=F("deadline"))
    figures.on_time = closed.aggregate(n=Count("id", filter=on_time))["n"]
    recorded = problems.filter(recorded_on__gte=start, recorded_on__lte=end).order_by()
    counts = recorded.aggregate(total=Count("id"), open=Count("id", filter=~Q(status=ProblemStatus.CLOSED)))
    figures.recorded, figures.open_now = counts["total"], counts["open"]
    return figures
