"""The workstations' coverage kept on write: per town, its working stations, their full-time and part-time staff,
the village organizations directly under it and how many of them a station covers [003: 专职人员523名、兼职人员705名],
in the organizations' roll-ups (`orgs.OrgTally`, subtree totals along the ancestor path). A county's, a city's or a
province's coverage table is then a read of its children's rows: the province's root page asked 41,000 stations,
160,000 links and 200,000 villages on every view (1.4 s).

A town adds its own counts (`own`). Who keeps them: the station services (create, update, retire, staff: the
town's counts before and after, in the write's transaction after the audit record, the town's row locked), and the
organization services through `orgs.tally`'s providers (a village made, moved or deleted under a town, a town's kind
changed: its parent's own counts before and after). Stations written in bulk (the demo, bench/activity_for_gen.sql)
are followed by `dangjian rollups --rebuild`, which recounts these with the rest (`own_all`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Count, F, Q, Sum

from dangjian.orgs import tally as org_tally
from dangjian.orgs.choices import Level, OrgKind
from dangjian.orgs.models import Organization, OrgTally, Workstation

TOWN_KINDS = (OrgKind.TOWN_COMMITTEE, OrgKind.STREET_COMMITTEE)
STATIONS, FULLTIME, PARTTIME = "station:n", "station:fulltime", "station:parttime"
VILLAGES, COVERED = "station:villages", "station:covered"
KEYS = (STATIONS, FULLTIME, PARTTIME, VILLAGES, COVERED)


def _counted(towns: Q) -> dict[int, Counter]:
    """Town → its own coverage counts, for the towns `towns` selects (three grouped queries)."""
    out: dict[int, Counter] = {}
    selected = Organization.objects.filter(towns, kind__in=TOWN_KINDS)
    stations = (
        Workstation.objects.active()
        .filter(town__in=selected)
        .values("town_id")
        .annotate(n=Count("id"), full=Sum("fulltime_staff"), part=Sum("parttime_staff"))
        .order_by()
    )
    for row in stations:
        counts = out.setdefault(row["town_id"], Counter())
        counts[STATIONS] += row["n"]
        counts[FULLTIME] += row["full"] or 0
        counts[PARTTIME] += row["part"] or 0
    villages = (
        Organization.objects.filter(level=Level.VILLAGE, parent__in=selected)
        .values("parent_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in villages:
        out.setdefault(row["parent_id"], Counter())[VILLAGES] += row["n"]
    # A village is covered by one working station at most (stations.rules), and only one of its own town counts.
    covered = (
        Workstation.villages.through.objects.filter(
            workstation__retired_on__isnull=True,
            workstation__town__in=selected,
            organization__level=Level.VILLAGE,
            organization__parent_id=F("workstation__town_id"),
        )
        .values("workstation__town_id")
        .annotate(n=Count("organization_id", distinct=True))
        .order_by()
    )
    for row in covered:
        out.setdefault(row["workstation__town_id"], Counter())[COVERED] += row["n"]
    return {pk: Counter({k: n for k, n in counts.items() if n}) for pk, counts in out.items()}


def own(org_ids: list[int]) -> dict[int, Counter]:
    return _counted(Q(pk__in=org_ids))


def own_all() -> dict[int, Counter]:
    return _counted(Q())


def register() -> None:
    """Hand the organizations' roll-ups these counts (from `StationsConfig.ready()`)."""
    org_tally.register(org_tally.Provider("stations", own, own_all))


@contextmanager
def town_kept(town: Organization) -> Iterator[None]:
    """Around a station write inside its transaction: the town's counts before and after, the difference added to
    the town and its ancestors. The town's row is locked first, so two writes to its stations count in turn."""
    Organization.objects.select_for_update().filter(pk=town.pk).values_list("pk").first()
    before = own([town.pk]).get(town.pk, Counter())
    yield
    after = own([town.pk]).get(town.pk, Counter())
    org_tally.apply(town.path, org_tally.difference(after, before))


def coverage_of(org_ids: list[int]) -> dict[int, Counter]:
    """Organization → its subtree's coverage counts and towns (one read of their roll-up rows)."""
    keys = (*KEYS, *(f"kind:{kind}" for kind in TOWN_KINDS))
    out: dict[int, Counter] = {pk: Counter() for pk in org_ids}
    for org_id, key, n in OrgTally.objects.filter(org_id__in=org_ids, key__in=keys).values_list("org_id", "key", "n"):
        out[org_id]["towns" if key.startswith("kind:") else key] += n
    return out
