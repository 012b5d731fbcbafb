"""How often each meeting is due, read from the rulebook, and the one function that counts held against required.

The periods are the rules `meeting.*` of the rulebook (`rulebook/catalog.py`: 《中国共产党支部工作条例（试行）》,
2018, RULES-SOURCES §1) as they stand for each branch: the nearest override above the branch (a county that holds
the 党课 monthly, or turns a rule off) decides, so `frequencies(book, org)` answers for one organization. The 党课's
period is a local default (地方惯例) the 条例 does not set: `DANGJIAN_LECTURE_PERIOD` (month, quarter or year) is the
installation's default for it, and a region's override of `meeting.lecture` stands over that.

The rules bind 党支部 and 联合党支部 (the 条例's scope). A 支委会 is due only where the branch has a committee
(approved committee seats, i.e. seven or more full members); a 党小组会 is due once a month for each 党小组 of the
branch. A period is required once it has ended by the as-of date (a cut-off, or today); a period still running
counts only the meetings already held in it, so a branch is never short for a month not yet over; periods that
ended before the branch was established are not required.

No database here: the caller loads the `Book` once (two queries) and hands it in; `completion.py` reads the records;
the pages, the roll-ups, the metrics of the annual assessment and their explanations all count with `tally`.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.conf import settings

from dangjian.rulebook.book import Book, Effective, catalog_book

from .choices import MeetingKind

MONTH, QUARTER, YEAR = "month", "quarter", "year"
PERIOD_WORDS = {MONTH: "每月", QUARTER: "每季度", YEAR: "每年"}
QUARTER_NAMES = ("第一季度", "第二季度", "第三季度", "第四季度")
BRANCH, COMMITTEE, GROUPS = "branch", "committee", "groups"
APPLIES_WORDS = {BRANCH: "党支部", COMMITTEE: "设支委会的党支部", GROUPS: "每个党小组"}

# Each kind of meeting, the rulebook's rule for it, and which organizations the rule binds — in the pages' order.
RULES: tuple[tuple[str, str, str], ...] = (
    (MeetingKind.ASSEMBLY, "meeting.assembly", BRANCH),
    (MeetingKind.COMMITTEE, "meeting.committee", COMMITTEE),
    (MeetingKind.GROUP, "meeting.group", GROUPS),
    (MeetingKind.LECTURE, "meeting.lecture", BRANCH),
    (MeetingKind.THEME_DAY, "meeting.theme_day", BRANCH),
    (MeetingKind.LIFE, "meeting.life", BRANCH),
    (MeetingKind.REVIEW, "meeting.review", BRANCH),
)
LECTURE_RULE = "meeting.lecture"
LECTURE_NOTE = "可用 DANGJIAN_LECTURE_PERIOD 设定本地默认频次，或在规则库中按地区调整"


@dataclass(frozen=True)
class Frequency:
    """One rule as it stands for an organization: a meeting kind is due once per period where it applies."""

    kind: str
    period: str
    applies: str
    source: str  # 《文件》第X条：the rule's text
    confidence: str
    local_default: bool = False
    note: str = ""
    rule: Effective | None = None  # the rulebook's rule in force, which every message cites

    @property
    def label(self) -> str:
        return MeetingKind(self.kind).label

    @property
    def key(self) -> str:
        return self.rule.key if self.rule is not None else ""

    @property
    def text(self) -> str:
        """ "每月至少 1 次（设支委会的党支部）"."""
        return f"{PERIOD_WORDS[self.period]}至少 1 次（{APPLIES_WORDS[self.applies]}）"

    @property
    def citation(self) -> str:
        local = "，地方惯例（默认值）" if self.local_default else ""
        adjusted = f"；{self.rule.override_org}调整" if self.rule is not None and self.rule.override_org else ""
        return f"{self.source}（可信度 {self.confidence}{local}{adjusted}）"

    def cite(self, message: str) -> str:
        """The message with the rule in force, as users see it: "…（依据：《…》第十一条；某县委调整）"."""
        return self.rule.cite(message) if self.rule is not None else message


def _period(book: Book, effective: Effective) -> str:
    """The rule's period: the override's, else (for the 党课) the installation's default, else the rule's own; a
    value that is not a period (a rule row edited by hand) reads as the catalog's."""
    if effective.key == LECTURE_RULE and not effective.value_overridden:
        value = getattr(settings, "PARTYLIFE_LECTURE_PERIOD", QUARTER)
    else:
        value = effective.value
    return value if value in PERIOD_WORDS else catalog_book().rule(effective.key).value


def frequencies(book: Book | None = None, org=None) -> tuple[Frequency, ...]:
    """The meeting rules in force at `org` (anything with `pk`, `ancestor_ids()` and `domain`: an Organization or a
    `Unit`), as `book` has them; a rule turned off there, or not binding its 党建类型, is left out. Without a book,
    the catalog's rules (no overrides, no database)."""
    book = book or catalog_book()
    out = []
    for kind, key, applies in RULES:
        effective = book.rule(key, org)
        if not effective.binds(getattr(org, "domain", "") if org is not None else None):
            continue
        rule = book.rules[key]
        out.append(
            Frequency(
                kind,
                _period(book, effective),
                applies,
                f"{effective.source}：{rule.text}",
                rule.confidence,
                local_default=key == LECTURE_RULE and not effective.value_overridden,
                note="可用 DANGJIAN_LECTURE_PERIOD 设定本地默认频次，或在规则库中按地区调整"
                if key == LECTURE_RULE
                else "",
                rule=effective,
            )
        )
    return tuple(out)


def rule_of(kind: str, book: Book | None = None, org=None) -> Frequency | None:
    """The rule of one kind of meeting in force at `org`; None where it is turned off."""
    return next((rule for rule in frequencies(book, org) if rule.kind == kind), None)


class RulesAt:
    """The meeting rules of one Book for many organizations: worked out once per distinct set of overrides above
    them and 党建类型, so a county's thousands of branches cost a set lookup each, not a pass over the rules."""

    def __init__(self, book: Book | None = None):
        self.book = book or catalog_book()
        ids = {self.book.rules[key].pk for _, key, _ in RULES}
        self.override_orgs = {o.org_id for rid in ids if rid is not None for o in self.book.overrides.get(rid, ())}
        self._memo: dict[tuple, dict[str, Frequency]] = {}

    def at(self, org) -> dict[str, Frequency]:
        """Kind → the rule in force at `org` (kinds turned off there are absent)."""
        chain = (*org.ancestor_ids(), org.pk) if self.override_orgs else ()
        key = (tuple(i for i in chain if i in self.override_orgs), getattr(org, "domain", ""))
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = {rule.kind: rule for rule in frequencies(self.book, org)}
        return found


@dataclass(frozen=True)
class Unit:
    """An organization the rules bind, with what decides which rules apply to it."""

    org_id: int
    path: str
    name: str
    committee: bool  # has a 支部委员会 (approved committee seats)
    groups: int  # its 党小组
    established: datetime.date | None = None
    domain: str = ""  # its 党建类型, for rules that bind some types only

    @property
    def pk(self) -> int:
        return self.org_id

    def ancestor_ids(self) -> list[int]:
        """The organizations above it, read from its path (what the rulebook's overrides are looked up by)."""
        return [int(seg) for seg in self.path.split(".") if seg][:-1]

    def size(self, rule: Frequency) -> int:
        """How many meetings of the rule's kind are due per period: 0 where the rule does not apply."""
        if rule.applies == COMMITTEE:
            return 1 if self.committee else 0
        if rule.applies == GROUPS:
            return self.groups
        return 1


@dataclass(frozen=True)
class Slot:
    """One period of one rule for one unit: its name, its quarter (0 for a whole year), required and held."""

    label: str
    quarter: int
    need: int
    held: int
    ended: bool

    @property
    def missing(self) -> bool:
        return self.ended and self.held < self.need


@functools.lru_cache(maxsize=64)
def periods(period: str, year: int) -> tuple[tuple[str, int, datetime.date, datetime.date, tuple[int, ...]], ...]:
    """(label, quarter, first day, last day, months) of each period of `year` (kept once worked out: a recount asks
    for the same few thousands of times)."""
    if period == MONTH:
        return tuple(
            (f"{m}月", (m - 1) // 3 + 1, datetime.date(year, m, 1), _month_end(year, m), (m,)) for m in range(1, 13)
        )
    if period == QUARTER:
        return tuple(
            (
                QUARTER_NAMES[q - 1],
                q,
                datetime.date(year, 3 * q - 2, 1),
                _month_end(year, 3 * q),
                (3 * q - 2, 3 * q - 1, 3 * q),
            )
            for q in range(1, 5)
        )
    return ((f"{year}年", 0, datetime.date(year, 1, 1), datetime.date(year, 12, 31), tuple(range(1, 13))),)


def _month_end(year: int, month: int) -> datetime.date:
    first_of_next = datetime.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - datetime.timedelta(days=1)


def tally(unit: Unit, rule: Frequency, held: dict[int, int], year: int, asof: datetime.date) -> list[Slot]:
    """The rule's periods of `year` for `unit`, as of `asof`. `held[month]` is how many of the rule's meetings the
    unit held that month, counted once per meeting unit (a branch, or each 党小组 for the 党小组会), and only those
    dated on or before `asof`. Nothing for a rule that does not apply to the unit."""
    size = unit.size(rule)
    if not size:
        return []
    slots = []
    for label, quarter, start, end, months in periods(rule.period, year):
        got = min(size, sum(held.get(m, 0) for m in months))
        if start > asof or (unit.established is not None and end < unit.established):
            continue  # not yet begun, or before the branch existed: nothing due
        ended = end <= asof
        slots.append(Slot(label, quarter, size if ended else got, got, ended))
    return slots


@dataclass
class Count:
    """Required and held meetings, summed over slots (and units)."""

    need: int = 0
    held: int = 0

    def add(self, slots) -> Count:
        for slot in slots:
            self.need += slot.need
            self.held += slot.held
        return self

    @property
    def complete(self) -> bool:
        return self.held >= self.need

    @property
    def text(self) -> str:
        return f"{self.held}/{self.need}" if self.need else "—"
