"""The rules this app checks: the "十有" venue standard and the due dates of a first secretary's monthly plan and
ledger. Each says where it comes from.

"十有" [004]: Mohe county "规范了'十有'阵地建设标准", but neither the seeds nor RULES-SOURCES.md list the ten items.
The list below is the regional default the inspections' checklist uses too (marked as such on every page that
shows it). A county (or city) adjusts it for its area — adds an item, renames one, retires one — as a regional
override of the rulebook's rule `resources.venue_standard` (who, when, why kept by the rulebook); a venue is judged
against the `Checklist` in force at its organization (the nearest adjustment above wins, else these ten). Items are
never deleted, only retired, so a venue's answer to a retired item stays on record and is shown as such.

"月初报工作计划、月末报履职台账" [004]: the plan is due at the start of the month (by its `PLAN_DUE_DAY`th day, local
practice), the ledger by the month's last day. A report after its day is late; none by then is missing.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from dangjian.rulebook.catalog import BY_KEY

STANDARD_SOURCE = (
    "“十有”阵地建设标准（[004] 漠河县做法；原文未列出十项，此为地区默认清单，与督导检查清单 venue-10 相同，可由县调整）"
)

# (key, label): keys are stored on each venue, labels shown. The regional default is the rulebook catalog's value
# of `resources.venue_standard` (one place): the same ten titles, in the same order, as the inspections' example
# checklist `inspections/examples/venue_10.yaml` (which sits in a layer above this app), so a venue's own record and
# an inspector's check ask the same questions; tests/test_resources.py holds the two together.
STANDARD_ITEMS: tuple[tuple[str, str], ...] = tuple(
    (entry["key"], entry["label"]) for entry in BY_KEY["resources.venue_standard"].value
)
STANDARD_KEYS = tuple(key for key, _ in STANDARD_ITEMS)
STANDARD_LABEL = dict(STANDARD_ITEMS)

STANDARD_RULE = "resources.venue_standard"  # the rulebook's key (rulebook/catalog.py)


@dataclass(frozen=True)
class Item:
    """One item of a "十有" checklist: the key stored on venues, its label, and whether the area retired it."""

    key: str
    label: str
    retired: bool = False


@dataclass(frozen=True)
class Checklist:
    """The "十有" items in force for an area: every item it ever had (retired ones kept, so past answers keep their
    names) and the organization whose adjustment it is ("" for the regional default)."""

    items: tuple[Item, ...]
    adjusted_by: str = ""

    @property
    def active(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if not item.retired)

    @property
    def retired_labels(self) -> list[str]:
        return [item.label for item in self.items if item.retired]

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys of the items in force (what a venue is asked)."""
        return tuple(item.key for item in self.active)

    @property
    def size(self) -> int:
        return len(self.active)

    def label(self, key: str) -> str:
        return next((item.label for item in self.items if item.key == key), key)

    def met(self, keys) -> list[str]:
        """The items in force a venue meets, in the checklist's order (retired and unknown keys left out)."""
        have = set(keys or ())
        return [key for key in self.keys if key in have]

    def missing(self, keys) -> list[str]:
        have = set(keys or ())
        return [item.label for item in self.active if item.key not in have]

    def complete(self, keys) -> bool:
        return len(self.met(keys)) == self.size

    def retired_met(self, keys) -> list[str]:
        """The labels of retired items a venue had met: its past answers, kept and shown as such."""
        have = set(keys or ())
        return [item.label for item in self.items if item.retired and item.key in have]

    def unknown(self, keys, previous=()) -> list[str]:
        """Keys a venue cannot be given: not in force here, and not already on its record (a retired item it met)."""
        kept = set(previous or ())
        return [key for key in keys or () if key not in self.keys and key not in kept]

    def normalize(self, keys, previous=()) -> list[str]:
        """What a venue stores: the items in force it meets, in order, then its past answers to items the area has
        retired (or that a county above no longer lists), so changing the list never erases them."""
        chosen = self.met(keys)
        kept = [key for key in previous or () if key not in self.keys and key not in chosen]
        return chosen + list(dict.fromkeys(kept))

    def as_value(self) -> list[dict]:
        """The rulebook value: a list of {"key", "label", "retired"}."""
        return [{"key": i.key, "label": i.label, "retired": i.retired} for i in self.items]

    @property
    def source(self) -> str:
        return f"“十有”阵地建设标准（{self.adjusted_by}调整）" if self.adjusted_by else STANDARD_SOURCE


DEFAULT_CHECKLIST = Checklist(tuple(Item(key, label) for key, label in STANDARD_ITEMS))
DEFAULT_VALUE = DEFAULT_CHECKLIST.as_value()


def checklist_from(value, adjusted_by: str = "") -> Checklist:
    """A rule value read back as a checklist; anything not of the shape `as_value` writes (a value typed by hand on
    the rulebook's own page) reads as the regional default rather than breaking every venue page."""
    items = []
    try:
        for entry in value:
            key, label = str(entry["key"]).strip(), str(entry["label"]).strip()
            if not key or not label:
                raise ValueError
            items.append(Item(key, label, bool(entry.get("retired", False))))
    except (TypeError, KeyError, ValueError, AttributeError):
        return DEFAULT_CHECKLIST
    if not items or len({i.key for i in items}) != len(items) or not any(not i.retired for i in items):
        return DEFAULT_CHECKLIST
    return Checklist(tuple(items), adjusted_by)


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
