"""The rules this app checks: the "十有" venue standard and the due dates of a first secretary's monthly plan and
ledger. Each says where it comes from.

"十有" [004]: Mohe county "规范了'十有'阵地建设标准", but neither the seeds nor RULES-SOURCES.md list the ten items.
The list below is the regional default the inspections' checklist uses too (marked as such on every page that
shows it); a county that has its own list replaces it here.

"月初报工作计划、月末报履职台账" [004]: the plan is due at the start of the month (by its `PLAN_DUE_DAY`th day, local
practice), the ledger by the month's last day. A report after its day is late; none by then is missing.
"""

from __future__ import annotations

import calendar
import datetime

STANDARD_SOURCE = (
    "“十有”阵地建设标准（[004] 漠河县做法；原文未列出十项，此为地区默认清单，与督导检查清单 venue-10 相同，可由县调整）"
)

# (key, label): keys are stored on each venue, labels shown. The same ten titles, in the same order, as the
# inspections' example checklist `inspections/examples/venue_10.yaml` (which sits in a layer above this app), so a
# venue's own record and an inspector's check ask the same questions; tests/test_resources.py holds the two together.
STANDARD_ITEMS: tuple[tuple[str, str], ...] = (
    ("site", "有固定活动场所"),
    ("sign", "有醒目标识"),
    ("flag", "有党旗和入党誓词"),
    ("rules", "有制度上墙"),
    ("board", "有党务村务公开栏"),
    ("media", "有远程教育设备"),
    ("books", "有党报党刊和书屋"),
    ("service", "有便民服务窗口"),
    ("files", "有档案资料柜"),
    ("duty", "有人值守、有经费保障"),
)
STANDARD_KEYS = tuple(key for key, _ in STANDARD_ITEMS)
STANDARD_LABEL = dict(STANDARD_ITEMS)

PLAN_DUE_DAY = 5
REPORT_SOURCE = "“月初报工作计划、月末报履职台账”（[004] 漠河县整顿软弱涣散党组织做法）"


def standard_met(keys) -> list[str]:
    """The standard's items a venue meets, in the standard's order (unknown keys dropped)."""
    have = set(keys or ())
    return [key for key in STANDARD_KEYS if key in have]


def standard_missing(keys) -> list[str]:
    have = set(keys or ())
    return [label for key, label in STANDARD_ITEMS if key not in have]


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def report_due(month: datetime.date, kind: str) -> datetime.date:
    """The day a plan (`plan`) or ledger (`ledger`) of `month` is due."""
    if kind == "plan":
        return month.replace(day=PLAN_DUE_DAY)
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def report_state(month: datetime.date, kind: str, submitted_on: datetime.date | None, today: datetime.date) -> str:
    """ "on_time", "late" (submitted after its day), "missing" (its day has passed, nothing in) or "open" (not due
    yet, nothing in)."""
    due = report_due(month, kind)
    if submitted_on is not None:
        return "late" if submitted_on > due else "on_time"
    return "missing" if today > due else "open"


STATE_LABEL = {"on_time": "按时", "late": "迟报", "missing": "未报", "open": "未到期"}
