"""Periods of scheduled jobs: a day, an ISO week (starting Monday), a month, a quarter.

Each period has a key people read ("2026-W48", "2026-11", "2026-Q4", "2026-11-25") and a first day that orders
the periods of a job, so the scheduler can list every period between the last run and today.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

EVERY = ("day", "week", "month", "quarter")


@dataclass(frozen=True)
class Period:
    every: str
    start: datetime.date  # the first day
    end: datetime.date  # the day after the last

    @property
    def key(self) -> str:
        if self.every == "day":
            return self.start.isoformat()
        if self.every == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.every == "month":
            return f"{self.start:%Y-%m}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    def next(self) -> Period:
        return period_of(self.every, self.end)

    def previous(self) -> Period:
        return period_of(self.every, self.start - datetime.timedelta(days=1))

    def __str__(self) -> str:
        return self.key


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_of(every: str, day: datetime.date) -> Period:
    """The period of kind `every` that contains `day`."""
    if every == "day":
        return Period(every, day, day + datetime.timedelta(days=1))
    if every == "week":
        start = day - datetime.timedelta(days=day.weekday())
        return Period(every, start, start + datetime.timedelta(days=7))
    if every == "month":
        start = day.replace(day=1)
        return Period(every, start, _add_months(start, 1))
    if every == "quarter":
        start = datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(every, start, _add_months(start, 3))
    raise ValueError(f"unknown period kind {every!r}; one of {', '.join(EVERY)}")


def periods_between(every: str, after: datetime.date | None, today: datetime.date, limit: int) -> list[Period]:
    """The periods after the one containing `after` up to the one containing `today`, oldest first, at most the
    newest `limit` of them. Without `after` (a job that never ran) only today's period: a new installation does
    not run a job for every period since the calendar began."""
    current = period_of(every, today)
    if after is None:
        return [current]
    periods: list[Period] = []
    period = period_of(every, after).next()
    while period.start <= current.start:
        periods.append(period)
        period = period.next()
    return periods[-limit:] if limit else periods
