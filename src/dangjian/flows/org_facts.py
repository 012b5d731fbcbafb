"""Facts of an organization page computed in as few queries as possible: the member counts of its subtree for the
tree rules' warnings (`orgs.rules`), the breadcrumbs, a town's workstations and the stations' coverage above the
towns. The warnings read members, so the page's facts sit above both apps."""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.choices import LEADING_KINDS, Level, OrgKind
from dangjian.orgs.models import Organization, Workstation
from dangjian.orgs.rules import OrgFacts, station_warnings, warnings_for
from dangjian.rulebook.book import Book


def facts_for(org: Organization) -> OrgFacts | None:
    """Member counts of the subtree and posts held; skipped for leading bodies (县委, 乡镇党委...), whose
    thresholds are not rules and whose subtrees can hold millions of members."""
    if org.kind in LEADING_KINDS:
        return None
    counts = Member.objects.in_subtree(org).aggregate(
        total=Count("id"), full=Count("id", filter=Q(status=MemberStatus.FULL))
    )
    posts = tuple(org.posts.values_list("post", flat=True))
    return OrgFacts(members=counts["total"], full_members=counts["full"], posts=posts)


def org_warnings(org: Organization, book: Book | None = None):
    facts = facts_for(org)
    if facts is None:
        return []
    return warnings_for(org, facts, book=book)


def breadcrumbs(org: Organization, user) -> list[Organization]:
    """Ancestors the user may see, root first."""
    ids = org.ancestor_ids()
    found = {o.pk: o for o in Organization.objects.restrict(user).filter(pk__in=ids).only("id", "name")}
    return [found[i] for i in ids if i in found]


def town_stations(town: Organization) -> dict:
    """A town's workstations for its page: the working ones with their coverage, people counts and warnings, the
    retired ones, and the town's village organizations no working station covers."""
    stations = list(Workstation.objects.filter(town=town).prefetch_related("villages").order_by("code"))
    working = [s for s in stations if not s.retired_on]
    covered = {v.pk for s in working for v in s.villages.all()}
    villages = Organization.objects.filter(parent=town, level=Level.VILLAGE).order_by("code")
    book = Book.load() if working else None  # the rules of the stations' warnings, read once for the page
    return {
        "working": [(s, station_warnings(s, book, town)) for s in working],
        "retired": [s for s in stations if s.retired_on],
        "uncovered": [v for v in villages if v.pk not in covered],
        "fulltime": sum(s.fulltime_staff for s in working),
        "parttime": sum(s.parttime_staff for s in working),
    }


def station_coverage(org: Organization, user) -> dict | None:
    """Above the towns: one row per organization directly under `org` that has towns below it, in the user's scope
    (a county's page: each town; a city's: each county; a province's: each city), with its working stations, the
    village organizations directly under its towns, how many of them a station covers, and the full-time and
    part-time staff [003: 专职人员523名、兼职人员705名]; with the totals. None where no town lies below.

    Each figure is one grouped query per town over the subtree, read by path (the towns a subquery, never a list of
    ids: a province has thousands), and the towns are summed into their row in Python from their paths."""
    towns = (
        Organization.objects.restrict(user)
        .in_subtree(org)
        .filter(kind__in=(OrgKind.TOWN_COMMITTEE, OrgKind.STREET_COMMITTEE))
        .exclude(pk=org.pk)
    )
    town_paths = dict(towns.values_list("pk", "path"))
    if not town_paths:
        return None
    in_towns = towns.values("pk")
    stations = (
        Workstation.objects.active()
        .filter(town_id__in=in_towns)
        .values("town_id")
        .annotate(n=Count("id"), fulltime=Sum("fulltime_staff"), parttime=Sum("parttime_staff"))
    )
    villages = (
        Organization.objects.filter(parent_id__in=in_towns, level=Level.VILLAGE)
        .values("parent_id")
        .annotate(n=Count("id"))
        .values_list("parent_id", "n")
    )
    covered = (
        Workstation.villages.through.objects.filter(
            workstation__town_id__in=in_towns,
            workstation__retired_on__isnull=True,
            organization__parent_id__in=in_towns,
        )
        .values("workstation__town_id")
        .annotate(n=Count("organization_id", distinct=True))
        .values_list("workstation__town_id", "n")
    )
    # The row of a town: the organization directly under `org` on the town's path (the town itself on a county).
    row_of = {town: int(path.split(".")[org.depth + 1]) for town, path in town_paths.items()}
    keys = ("stations", "villages", "covered", "fulltime", "parttime")
    sums = {unit: dict.fromkeys(keys, 0) for unit in set(row_of.values())}
    for row in stations:
        unit = sums[row_of[row["town_id"]]]
        unit["stations"] += row["n"]
        unit["fulltime"] += row["fulltime"] or 0
        unit["parttime"] += row["parttime"] or 0
    for key, pairs in (("villages", villages), ("covered", covered)):
        for town, n in pairs:
            sums[row_of[town]][key] += n
    towns_under = {unit: 0 for unit in sums}
    for unit in row_of.values():
        towns_under[unit] += 1
    units = Organization.objects.filter(pk__in=sums).only("id", "name", "kind", "path").order_by("path")
    rows = [
        {"unit": unit, "is_town": unit.pk in town_paths, "towns": towns_under[unit.pk], **sums[unit.pk]}
        for unit in units
    ]
    totals = {key: sum(r[key] for r in rows) for key in (*keys, "towns")}
    return {"rows": rows, "totals": totals, "by_town": all(r["is_town"] for r in rows)}
