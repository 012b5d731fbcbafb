"""The periods a duty falls due in: a year, its four quarters or its twelve months, each due on its last day."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from .choices import Frequency


@dataclass(frozen=True)
class Period:
    start: datetime.date
    due: datetime.date
    label: str


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def periods(frequency: str, year: int) -> list[Period]:
    """The periods of `year` for a duty of `frequency` (1, 4 or 12)."""
    if frequency == Frequency.YEARLY:
        return [Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), f"{year}年")]
    if frequency == Frequency.QUARTERLY:
        return [
            Period(datetime.date(year, 3 * q - 2, 1), _month_end(year, 3 * q), f"{year}年第{q}季度")
            for q in range(1, 5)
        ]
    if frequency == Frequency.MONTHLY:
        return [Period(datetime.date(year, m, 1), _month_end(year, m), f"{year}年{m}月") for m in range(1, 13)]
    raise ValueError(f"unknown frequency {frequency!r}")
