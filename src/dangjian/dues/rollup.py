"""Due and paid summed per month and per organization below: the roll-up page of a branch, town or county. One
ledger over the members of the subtree (four queries), summed in Python by the members' organization paths."""

from __future__ import annotations

import datetime

from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization

from .ledger import Ledger, MemberLedger, Totals, add_months, month_start, year_months

ARREARS_WINDOW = 24


def rollup(org: Organization, members, year: int, today: datetime.date) -> dict:
    """`months`: (month, Totals) of the year for the whole subtree; `total`: the year's Totals; `children`: one
    row per organization directly below (党小组 count with their branch, as 本级) with its members, the year's
    Totals and the members in arrears now."""
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
