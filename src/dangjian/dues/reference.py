"""The roll-up and the metric computed member by member from `ledger.Ledger`, month by month in Python: the
specification that the set-based path (`sums`, used by `rollup.rollup` and `metrics.dues_on_time`) is held to by
`tests/test_dues_sums.py`, exactly, fen for fen. No page or job calls these: they read every member-month of the
subtree into Python, which a county bears and a province does not (docs/performance.md)."""

from __future__ import annotations

import datetime

from dangjian.members.models import Member
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization

from .ledger import Ledger, MemberLedger, Totals, add_months, month_start, year_months
from .rollup import ARREARS_WINDOW
from .sums import PATH_STEP


def rollup(org: Organization, members, year: int, today: datetime.date) -> dict:
    """What `rollup.rollup` answers, from one ledger over the members of the subtree."""
    members = list(members)
    window = add_months(month_start(today), -ARREARS_WINDOW + 1)
    first = min(datetime.date(year, 1, 1), window)
    last = max(datetime.date(year, 12, 1), month_start(today))
    ledger = Ledger(members, first, last, today, under=org.path)
    children = list(Organization.objects.filter(parent=org).exclude(kind=OrgKind.GROUP).order_by("path"))
    rows = {c.pk: {"org": c, "members": 0, "totals": Totals(), "arrears": 0} for c in children}
    own = {"org": None, "members": 0, "totals": Totals(), "arrears": 0}
    by_month = {m: Totals() for m in year_months(year)}
    total, arrears = Totals(), 0
    for book in ledger:
        path = book.member.org.path
        row = next((rows[c.pk] for c in children if path.startswith(c.path)), own)
        row["members"] += 1
        for cell in book.cells:
            if cell.month.year == year:
                by_month[cell.month].add(cell)
                row["totals"].add(cell)
                total.add(cell)
        recent = MemberLedger(book.member, [c for c in book.cells if c.month >= window])
        if recent.arrears() is not None:
            row["arrears"] += 1
            arrears += 1
    out = [rows[c.pk] for c in children]
    if own["members"]:
        out.insert(0, own)
    return {
        "months": list(by_month.items()),
        "total": total,
        "children": out,
        "members": len(members),
        "arrears": arrears,
    }


def books(prefix: str, cutoff: datetime.date, year: int) -> Ledger:
    """The year's ledger of the members under `prefix` ("" for every member), as of `cutoff`."""
    members = Member.objects.in_subtree(prefix) if prefix else Member.objects.all()
    members = members.select_related("org").only("id", "name", "join_date", "org__path").order_by("org__path", "id")
    return Ledger(members, datetime.date(year, 1, 1), datetime.date(year, 12, 1), cutoff, under=prefix)


def participant_totals(participants, prefix: str, cutoff: datetime.date, year: int) -> dict[int, Totals]:
    """The year's `Totals` of each participant's subtree, as `metrics.dues_on_time` sums them."""
    by_path: dict[str, list[int]] = {}
    for p in participants:
        by_path.setdefault(p.path, []).append(p.id)
    totals = {p.id: Totals() for p in participants}
    for book in books(prefix, cutoff, year):
        path = book.member.org.path
        mine = book.totals()
        for k in range(PATH_STEP, len(path) + 1, PATH_STEP):
            for pid in by_path.get(path[:k], ()):
                totals[pid].merge(mine)
    return totals


def short_members(participant, cutoff: datetime.date, year: int) -> tuple[Totals, list[tuple[str, list[int]]]]:
    """The participant's year `Totals` and its members (name, months) with months owed and not paid on time."""
    total, short = Totals(), []
    for book in books(participant.path, cutoff, year):
        total.merge(book.totals())
        missing = [c.month.month for c in book.cells if c.counted and not c.on_time]
        if missing:
            short.append((book.member.name, missing))
    return total, short
