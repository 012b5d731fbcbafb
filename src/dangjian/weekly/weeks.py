"""The calendar of the weekly cycle [003]: 每周一自上而下下发一周工作安排表，每周五自下而上报送一周工作完成情况.

A week is named by its Monday. The arrangements are due by the end of Monday, the reports by the end of Friday;
reports are taken from the Monday until `DANGJIAN_WEEKLY_CLOSE_DAYS` days after the Friday (default 7: the next
Friday), late after the Friday, and refused after the close (the week is then settled: its on-time rate counts).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

ONE_DAY = datetime.timedelta(days=1)


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def this_week(today: datetime.date | None = None) -> datetime.date:
    return monday(today or timezone.localdate())


def close_days() -> int:
    return getattr(settings, "DANGJIAN_WEEKLY_CLOSE_DAYS", 7)


def friday(week: datetime.date) -> datetime.date:
    return week + 4 * ONE_DAY


def closes_on(week: datetime.date) -> datetime.date:
    """The last day a report of `week` is taken."""
    return friday(week) + close_days() * ONE_DAY


def _end_of(day: datetime.date) -> datetime.datetime:
    """The first moment after `day`, local time: a paper is on time when it is in before this."""
    return timezone.make_aware(datetime.datetime.combine(day + ONE_DAY, datetime.time.min))


def publish_deadline(week: datetime.date) -> datetime.datetime:
    return _end_of(week)


def report_deadline(week: datetime.date) -> datetime.datetime:
    return _end_of(friday(week))


def label(week: datetime.date) -> str:
    """How people name a week: 2026年第12周（3月16日—3月22日）."""
    year, number, _ = week.isocalendar()
    end = week + 6 * ONE_DAY
    return f"{year}年第{number}周（{week.month}月{week.day}日—{end.month}月{end.day}日）"


def short_label(week: datetime.date) -> str:
    year, number, _ = week.isocalendar()
    return f"{year}年第{number}周"
