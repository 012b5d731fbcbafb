"""Facts of an organization page computed in as few queries as possible: the member counts of its subtree for the
tree rules' warnings (`orgs.rules`), the breadcrumbs, a town's workstations and the stations' coverage above the
towns. The warnings read members, so the page's facts sit above both apps."""

from __future__ import annotations

from django.db.models import Count, Q

from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.choices import LEADING_KINDS, Level
from dangjian.orgs.models import Organization, Workstation
from dangjian.orgs.rules import OrgFacts, station_warnings, warnings_for
from dangjian.rulebook.book import Book
from dangjian.stations import rollups as station_rollups


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
    """Above the towns: one row per organization directly under `org` that has towns below it (a county's page: each
    town; a city's: each county; a province's: each city), with its working stations, the village organizations
    directly under its towns, how many of them a station covers, and the full-time and part-time staff [003:
    专职人员523名、兼职人员705名]; with the totals. None where no town lies below.

    A read of the children's roll-up rows (stations/rollups.py), the same at a province's root as at a county. The
    page is shown only to a user whose scope holds `org`, and a scope holds whole subtrees, so every row is theirs."""
    children = list(
        Organization.objects.restrict(user).filter(parent=org).only("id", "name", "kind", "path").order_by("path")
    )
    counts = station_rollups.coverage_of([child.pk for child in children])
    rows = []
    for child in children:
        counted = counts[child.pk]
        if not counted["towns"]:
            continue
        is_town = child.kind in station_rollups.TOWN_KINDS
        rows.append(
            {
                "unit": child,
                "is_town": is_town,
                "towns": counted["towns"],
                "stations": counted[station_rollups.STATIONS],
                "villages": counted[station_rollups.VILLAGES],
                "covered": counted[station_rollups.COVERED],
                "fulltime": counted[station_rollups.FULLTIME],
                "parttime": counted[station_rollups.PARTTIME],
            }
        )
    if not rows:
        return None
    keys = ("towns", "stations", "villages", "covered", "fulltime", "parttime")
    totals = {key: sum(r[key] for r in rows) for key in keys}
    return {"rows": rows, "totals": totals, "by_town": all(r["is_town"] for r in rows)}
