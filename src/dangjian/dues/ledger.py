"""Each member's dues month by month, derived from the records: the base in force, the rate, the amount due (after
an approved reduction or exemption), what was paid and when, and the arrears. One `Ledger` serves the month sheet,
the member's history, the arrears list, the roll-ups, the API, the export and the assessment's metric, in four
queries whatever the number of members (members, bases, payments, reliefs).

A month is *ended* once its last day is on or before the as-of date (today on pages, the cut-off in an assessment);
a month not ended is never overdue. A payment counts from its day: one dated after the as-of date does not exist yet,
so an assessment read later gives the same figures. A month without a base on record is "未核定": its amount is
unknown, so it is neither due nor in arrears (the sheet shows it, so the branch enters the base). Months before the
month a member joined are not due (第八条: a probationary member pays from admission).

Arrears (`arrears`): a run of at least `rules.ARREARS_MONTHS` consecutive ended months with an amount due and no
payment and no approved relief. It is a flag for the branch to handle (谈话、教育、按规定处理); nothing is done
automatically.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from dangjian.members.models import Member

from .choices import DuesCategory, MonthStatus, ReliefKind
from .models import DuesBase, DuesPayment, DuesRelief
from .rules import ARREARS_MONTHS, monthly_due

COUNTED = (MonthStatus.PAID, MonthStatus.LATE, MonthStatus.UNPAID)  # ended months with an amount due


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first days of the months from `first` to `last`, both included."""
    out, month = [], month_start(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def year_months(year: int) -> list[datetime.date]:
    return [datetime.date(year, m, 1) for m in range(1, 13)]


@dataclass
class Cell:
    """One member-month."""

    month: datetime.date
    status: str
    category: str = ""
    base_fen: int | None = None
    bp: int | None = None
    rate_text: str = ""
    due_fen: int | None = None  # after a reduction or exemption; None when unknown (no base) or not due
    paid_fen: int | None = None
    paid_on: datetime.date | None = None
    relief: str = ""  # ReliefKind of an approved relief covering the month
    ended: bool = False  # the month's last day is on or before the as-of date

    @property
    def status_label(self) -> str:
        return MonthStatus(self.status).label

    @property
    def category_label(self) -> str:
        return DuesCategory(self.category).label if self.category else ""

    @property
    def on_time(self) -> bool:
        return self.status == MonthStatus.PAID

    @property
    def counted(self) -> bool:
        return self.status in COUNTED


@dataclass
class Arrears:
    """A run of consecutive unpaid months."""

    first: datetime.date
    last: datetime.date
    months: int
    owed_fen: int

    @property
    def text(self) -> str:
        return f"{self.first:%Y-%m} 至 {self.last:%Y-%m} 连续 {self.months} 个月未缴"


@dataclass
class MemberLedger:
    member: Member
    cells: list[Cell] = field(default_factory=list)

    def totals(self) -> Totals:
        return Totals.of(self.cells)

    def arrears(self) -> Arrears | None:
        """The longest run of consecutive unpaid months when it reaches `ARREARS_MONTHS`, else None."""
        best: Arrears | None = None
        run: list[Cell] = []
        for cell in [*self.cells, None]:
            if cell is not None and cell.status == MonthStatus.UNPAID:
                run.append(cell)
                continue
            if len(run) >= ARREARS_MONTHS and (best is None or len(run) > best.months):
                best = Arrears(run[0].month, run[-1].month, len(run), sum(c.due_fen or 0 for c in run))
            run = []
        return best


@dataclass
class Totals:
    """Member-months and money of a set of cells: due (ended months with an amount due), paid, on time, unpaid."""

    due_months: int = 0
    paid_months: int = 0
    on_time_months: int = 0
    unpaid_months: int = 0
    due_fen: int = 0
    paid_fen: int = 0
    exempt_months: int = 0
    no_base_months: int = 0

    @classmethod
    def of(cls, cells: Iterable[Cell]) -> Totals:
        t = cls()
        for cell in cells:
            t.add(cell)
        return t

    def add(self, cell: Cell) -> None:
        if cell.counted:
            self.due_months += 1
            self.due_fen += cell.due_fen or 0
        if cell.paid_fen is not None:
            self.paid_fen += cell.paid_fen
        if cell.status in (MonthStatus.PAID, MonthStatus.LATE):
            self.paid_months += 1
        if cell.status == MonthStatus.PAID:
            self.on_time_months += 1
        if cell.status == MonthStatus.UNPAID:
            self.unpaid_months += 1
        if cell.status == MonthStatus.EXEMPT:
            self.exempt_months += 1
        if cell.status == MonthStatus.NO_BASE and cell.ended:
            self.no_base_months += 1

    def merge(self, other: Totals) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def on_time_share(self) -> float | None:
        return None if not self.due_months else self.on_time_months / self.due_months

    @property
    def on_time_percent(self) -> str:
        share = self.on_time_share
        return "—" if share is None else f"{share * 100:.1f}%"


class Ledger:
    """The dues of `members` (a queryset or list of Member) for the months `first`..`last`, as of `asof`.

    `under` (an organization path) reads the records of a whole subtree by its path rather than by a list of member
    ids: the roll-ups and the metric, whose members may be tens of thousands."""

    def __init__(
        self, members, first: datetime.date, last: datetime.date, asof: datetime.date, under: str | None = None
    ) -> None:
        self.members = list(members)
        self.first, self.last, self.asof = month_start(first), month_start(last), asof
        self.months = months_between(self.first, self.last)
        ids = [m.pk for m in self.members]
        self.bases: dict[int, list[DuesBase]] = {}
        self.payments: dict[tuple[int, datetime.date], DuesPayment] = {}
        self.reliefs: dict[int, list[DuesRelief]] = {}
        if not ids:
            return

        def rows(model):
            if under is None:
                return model.objects.filter(member_id__in=ids)
            return model.objects.in_subtree(under) if under else model.objects.all()  # "": members of two trees

        for base in rows(DuesBase).filter(effective_from__lte=self.last).order_by("member_id", "effective_from"):
            self.bases.setdefault(base.member_id, []).append(base)
        for pay in rows(DuesPayment).filter(month__gte=self.first, month__lte=self.last, paid_on__lte=asof):
            self.payments[(pay.member_id, pay.month)] = pay
        for relief in rows(DuesRelief).filter(start__lte=self.last, end__gte=self.first):
            self.reliefs.setdefault(relief.member_id, []).append(relief)

    def base_for(self, member_id: int, month: datetime.date) -> DuesBase | None:
        found = None
        for base in self.bases.get(member_id, ()):
            if base.effective_from <= month:
                found = base
            else:
                break
        return found

    def cell(self, member: Member, month: datetime.date) -> Cell:
        if month > month_start(self.asof):
            return Cell(month, MonthStatus.NOT_DUE)
        joined = getattr(member, "join_date", None)
        if joined is not None and month < month_start(joined):
            return Cell(month, MonthStatus.NOT_DUE)
        cell = Cell(month, MonthStatus.NO_BASE)
        base = self.base_for(member.pk, month)
        if base is not None:
            due = monthly_due(base.category, base.base_fen, base.fixed_fen)
            cell.category, cell.bp, cell.rate_text, cell.due_fen = base.category, due.bp, due.rate_text, due.fen
            cell.base_fen = base.base_fen if due.bp is not None else None
            for relief in self.reliefs.get(member.pk, ()):
                if relief.start <= month <= relief.end:
                    cell.relief = relief.kind
                    cell.due_fen = 0 if relief.kind == ReliefKind.EXEMPT else min(cell.due_fen, relief.monthly_fen)
        pay = self.payments.get((member.pk, month))
        ended = cell.ended = month_end(month) <= self.asof
        if pay is not None:
            cell.paid_fen, cell.paid_on = pay.amount_fen, pay.paid_on
            cell.status = MonthStatus.PAID if pay.paid_on <= month_end(month) else MonthStatus.LATE
        elif base is None:
            cell.status = MonthStatus.NO_BASE
        elif cell.due_fen == 0:
            cell.status = MonthStatus.EXEMPT
        elif not ended:
            cell.status = MonthStatus.OPEN
        else:
            cell.status = MonthStatus.UNPAID
        return cell

    def of(self, member: Member) -> MemberLedger:
        return MemberLedger(member, [self.cell(member, month) for month in self.months])

    def __iter__(self):
        for member in self.members:
            yield self.of(member)
