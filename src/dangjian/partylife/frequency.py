"""How often each meeting is due, as data with its source, and the one function that counts held against required.

The table follows RULES-SOURCES §1 (《中国共产党支部工作条例（试行）》, 2018). Confidence marks are the rulebook's:
H = two or more copies of the official text agree, M = one copy or a paraphrase. A local default (地方惯例) is a
rule the 条例 does not set; it is marked as such on every page that shows it, and the 党课's period can be changed
per installation (`DANGJIAN_LECTURE_PERIOD`: month, quarter or year).

The rules bind 党支部 and 联合党支部 (the 条例's scope). A 支委会 is due only where the branch has a committee
(approved committee seats, i.e. seven or more full members); a 党小组会 is due once a month for each 党小组 of the
branch. A period is required once it has ended by the as-of date (a cut-off, or today); a period still running
counts only the meetings already held in it, so a branch is never short for a month not yet over; periods that
ended before the branch was established are not required.

Pure Python, no database: `completion.py` reads the records and hands them here; the pages, the roll-ups, the
metrics of the annual assessment and their explanations all count with `tally`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings

from .choices import MeetingKind

MONTH, QUARTER, YEAR = "month", "quarter", "year"
PERIOD_WORDS = {MONTH: "每月", QUARTER: "每季度", YEAR: "每年"}
QUARTER_NAMES = ("第一季度", "第二季度", "第三季度", "第四季度")
BRANCH, COMMITTEE, GROUPS = "branch", "committee", "groups"
APPLIES_WORDS = {BRANCH: "党支部", COMMITTEE: "设支委会的党支部", GROUPS: "每个党小组"}


@dataclass(frozen=True)
class Frequency:
    """One rule: a meeting kind is due once per period for the organizations it applies to."""

    kind: str
    period: str
    applies: str
    source: str
    confidence: str
    local_default: bool = False
    note: str = ""

    @property
    def label(self) -> str:
        return MeetingKind(self.kind).label

    @property
    def text(self) -> str:
        """ "每月 1 次（设支委会的党支部）"."""
        return f"{PERIOD_WORDS[self.period]}至少 1 次（{APPLIES_WORDS[self.applies]}）"

    @property
    def citation(self) -> str:
        local = "，地方惯例（默认值）" if self.local_default else ""
        return f"{self.source}（可信度 {self.confidence}{local}）"


CHARTER = "《中国共产党支部工作条例（试行）》"


def frequencies() -> tuple[Frequency, ...]:
    """The rules in force: the 条例's, and the local default for the 党课 with this installation's period."""
    lecture = getattr(settings, "PARTYLIFE_LECTURE_PERIOD", QUARTER)
    return (
        Frequency(MeetingKind.ASSEMBLY, QUARTER, BRANCH, f"{CHARTER}第十一条：党员大会一般每季度召开 1 次", "H"),
        Frequency(MeetingKind.COMMITTEE, MONTH, COMMITTEE, f"{CHARTER}第十二条：支部委员会会议一般每月召开 1 次", "H"),
        Frequency(MeetingKind.GROUP, MONTH, GROUPS, f"{CHARTER}第十三条：党小组会一般每月召开 1 次", "H"),
        Frequency(
            MeetingKind.LECTURE,
            lecture,
            BRANCH,
            "条例未规定支部党课频次；“党课每季度至少 1 次”为省市通行做法",
            "M",
            local_default=True,
            note="可用 DANGJIAN_LECTURE_PERIOD 按本地规定改为每月或每年",
        ),
        Frequency(MeetingKind.THEME_DAY, MONTH, BRANCH, f"{CHARTER}：每月相对固定 1 天开展主题党日", "H"),
        Frequency(MeetingKind.LIFE, YEAR, BRANCH, f"{CHARTER}第十七条：组织生活会一般每年召开 1 次，多在第四季度", "H"),
        Frequency(
            MeetingKind.REVIEW, YEAR, BRANCH, f"{CHARTER}：民主评议党员一般每年开展 1 次，可与组织生活会结合", "H"
        ),
    )


def rule_of(kind: str) -> Frequency:
    return next(rule for rule in frequencies() if rule.kind == kind)


@dataclass(frozen=True)
class Unit:
    """An organization the rules bind, with what decides which rules apply to it."""

    org_id: int
    path: str
    name: str
    committee: bool  # has a 支部委员会 (approved committee seats)
    groups: int  # its 党小组
    established: datetime.date | None = None

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


def periods(period: str, year: int) -> list[tuple[str, int, datetime.date, datetime.date, tuple[int, ...]]]:
    """(label, quarter, first day, last day, months) of each period of `year`."""
    if period == MONTH:
        return [
            (f"{m}月", (m - 1) // 3 + 1, datetime.date(year, m, 1), _month_end(year, m), (m,)) for m in range(1, 13)
        ]
    if period == QUARTER:
        return [
            (
                QUARTER_NAMES[q - 1],
                q,
                datetime.date(year, 3 * q - 2, 1),
                _month_end(year, 3 * q),
                (3 * q - 2, 3 * q - 1, 3 * q),
            )
            for q in range(1, 5)
        ]
    return [(f"{year}年", 0, datetime.date(year, 1, 1), datetime.date(year, 12, 31), tuple(range(1, 13)))]


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
