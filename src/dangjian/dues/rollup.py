"""Due and paid summed per month and per organization below: the roll-up page of a branch, town or county. The sums
are grouped queries over the subtree (`sums`: per organization path and month, and the members in arrears), put
together here per child organization by path; `reference.rollup` is the same page computed member by member."""

from __future__ import annotations

import datetime

from django.db.models import Count

from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization

from . import sums
from .ledger import Totals, add_months, month_start, months_between, year_months

ARREARS_WINDOW = 24


def rollup(org: Organization, members, year: int, today: datetime.date) -> dict:
    """`months`: (month, Totals) of the year for the whole subtree; `total`: the year's Totals; `children`: one
    row per organization directly below (党小组 count with their branch, as 本级) with its members, the year's
    Totals and the members in arrears now. `members`: a queryset of the subtree's members (the user's scope)."""
    children = list(Organization.objects.filter(parent=org).exclude(kind=OrgKind.GROUP).order_by("path"))
    rows = {c.path: {"org": c, "members": 0, "totals": Totals(), "arrears": 0} for c in children}
    own = {"org": None, "members": 0, "totals": Totals(), "arrears": 0}
    depth = len(org.path) + sums.PATH_STEP

    def row_of(path: str) -> dict:
        return rows.get(path[:depth], own) if len(path) >= depth else own

    months = year_months(year)
    by_month = {m.year * 100 + m.month: Totals() for m in months}
    total = Totals()
    for (path, month_no), t in sums.totals(members, months, today, by=("org", "month")).items():
        row_of(path)["totals"].merge(t)
        by_month[month_no].merge(t)
        total.merge(t)
    count = 0
    for path, n in members.order_by().values_list("org__path").annotate(n=Count("pk")):
        row_of(path)["members"] += n
        count += n
    window = months_between(add_months(month_start(today), -ARREARS_WINDOW + 1), month_start(today))
    arrears = sums.in_arrears(members, window, today)
    for _pk, path in arrears:
        row_of(path)["arrears"] += 1
    out = [rows[c.path] for c in children]
    if own["members"]:
        out.insert(0, own)
    return {
        "months": [(m, by_month[m.year * 100 + m.month]) for m in months],
        "total": total,
        "children": out,
        "members": count,
        "arrears": len(arrears),
    }
