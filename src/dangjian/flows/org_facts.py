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
    """Above the towns (a county, a city): per town in the user's scope, its working stations, the village
    organizations directly under it and how many of them a station covers, and the full-time and part-time staff
    [003: 专职人员523名、兼职人员705名]; with the totals. None where no town lies below."""
    towns = list(
        Organization.objects.restrict(user)
        .in_subtree(org)
        .filter(kind__in=(OrgKind.TOWN_COMMITTEE, OrgKind.STREET_COMMITTEE))
        .exclude(pk=org.pk)
        .order_by("path")
    )
    if not towns:
        return None
    ids = [t.pk for t in towns]
    stations = (
        Workstation.objects.active()
        .filter(town_id__in=ids)
        .values("town_id")
        .annotate(n=Count("id"), fulltime=Sum("fulltime_staff"), parttime=Sum("parttime_staff"))
    )
    by_town = {row["town_id"]: row for row in stations}
    villages = dict(
        Organization.objects.filter(parent_id__in=ids, level=Level.VILLAGE)
        .values("parent_id")
        .annotate(n=Count("id"))
        .values_list("parent_id", "n")
    )
    covered = dict(
        Workstation.villages.through.objects.filter(
            workstation__town_id__in=ids, workstation__retired_on__isnull=True, organization__parent_id__in=ids
        )
        .values("workstation__town_id")
        .annotate(n=Count("organization_id", distinct=True))
        .values_list("workstation__town_id", "n")
    )
    rows = []
    for town in towns:
        row = by_town.get(town.pk, {})
        rows.append(
            {
                "town": town,
                "stations": row.get("n", 0),
                "villages": villages.get(town.pk, 0),
                "covered": covered.get(town.pk, 0),
                "fulltime": row.get("fulltime") or 0,
                "parttime": row.get("parttime") or 0,
            }
        )
    totals = {key: sum(r[key] for r in rows) for key in ("stations", "villages", "covered", "fulltime", "parttime")}
    return {"rows": rows, "totals": totals}
