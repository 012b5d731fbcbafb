"""The "this week" boards [003, 004]: the level above sees at once who has sent and who is late.

- `station_board`: a station's week — its arrangement and each village's report;
- `town_board`: a town's week — its arrangement, and for each working station its relay, its villages' reports and
  its report to the town;
- `overview`: the towns in the user's scope, one line each, for the county.

Each paper's place against its deadline is `timeliness` (按时, 迟报, 未报 before the deadline, 逾期未报 after).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization, Workstation

from . import weeks
from .choices import Level, Timeliness
from .models import Arrangement, StationReport, VillageReport


def timeliness(sent_at: datetime.datetime | None, deadline: datetime.datetime, now: datetime.datetime | None = None):
    now = now or timezone.now()
    if sent_at is not None:
        return Timeliness.ON_TIME if sent_at < deadline else Timeliness.LATE
    return Timeliness.PENDING if now < deadline else Timeliness.OVERDUE


@dataclass
class VillageRow:
    village: Organization
    report: VillageReport | None
    state: str

    @property
    def state_label(self) -> str:
        return Timeliness(self.state).label


@dataclass
class StationRow:
    station: Workstation
    arrangement: Arrangement | None
    relay_state: str
    villages: list[VillageRow] = field(default_factory=list)
    report: StationReport | None = None
    report_state: str = Timeliness.PENDING

    @property
    def sent(self) -> int:
        return sum(1 for v in self.villages if v.report is not None and v.report.submitted_at)

    @property
    def late(self) -> int:
        return sum(1 for v in self.villages if v.state in (Timeliness.LATE, Timeliness.OVERDUE))

    @property
    def relay_label(self) -> str:
        return Timeliness(self.relay_state).label

    @property
    def report_label(self) -> str:
        return Timeliness(self.report_state).label


def station_board(station: Workstation, week: datetime.date, now=None) -> StationRow:
    arrangement = Arrangement.objects.filter(station=station, week=week).first()
    row = StationRow(
        station=station,
        arrangement=arrangement,
        relay_state=timeliness(arrangement.published_at if arrangement else None, weeks.publish_deadline(week), now),
    )
    due = weeks.report_deadline(week)
    reports = {}
    if arrangement is not None:
        reports = {
            r.village_id: r for r in VillageReport.objects.filter(arrangement=arrangement).select_related("village")
        }
        row.report = StationReport.objects.filter(arrangement=arrangement).first()
    villages = {v.pk: v for v in station.villages.all()} if not station.retired_on else {}
    villages |= {pk: r.village for pk, r in reports.items()}  # those it was sent to, covered or not since
    for pk, village in sorted(villages.items(), key=lambda kv: kv[1].path):
        report = reports.get(pk)
        row.villages.append(VillageRow(village, report, timeliness(report.submitted_at if report else None, due, now)))
    row.report_state = timeliness(row.report.submitted_at if row.report else None, due, now)
    return row


@dataclass
class TownBoard:
    town: Organization
    week: datetime.date
    arrangement: Arrangement | None
    publish_state: str
    stations: list[StationRow]

    @property
    def publish_label(self) -> str:
        return Timeliness(self.publish_state).label


def town_board(town: Organization, week: datetime.date, now=None) -> TownBoard:
    arrangement = Arrangement.objects.filter(town=town, level=Level.TOWN, week=week).first()
    stations = Workstation.objects.active().filter(town=town).prefetch_related("villages").order_by("code")
    return TownBoard(
        town=town,
        week=week,
        arrangement=arrangement,
        publish_state=timeliness(arrangement.published_at if arrangement else None, weeks.publish_deadline(week), now),
        stations=[station_board(s, week, now) for s in stations],
    )


@dataclass
class OverviewRow:
    town: Organization
    published: bool
    stations: int
    relayed: int
    forwarded: int
    villages_due: int
    villages_sent: int
    villages_late: int


def overview(towns, week: datetime.date) -> list[OverviewRow]:
    """One line per town: a few queries for any number of towns."""
    towns = list(towns)
    if not towns:
        return []  # a station's or a village's account: no town in its scope, nothing to ask
    ids = [t.pk for t in towns]
    stations = dict(
        Workstation.objects.active()
        .filter(town_id__in=ids)
        .values("town_id")
        .annotate(n=Count("id"))
        .values_list("town_id", "n")
    )
    # The town's own arrangement (published) and its stations' (relayed; forwarded once the station reported back),
    # counted in one pass over the week's arrangements of these towns.
    papers = {
        row["town_id"]: row
        for row in Arrangement.objects.filter(town_id__in=ids, week=week)
        .values("town_id")
        .annotate(
            published=Count("id", filter=Q(level=Level.TOWN)),
            relayed=Count("id", filter=Q(level=Level.STATION)),
            forwarded=Count("id", filter=Q(level=Level.STATION, station_report__isnull=False)),
        )
    }
    relays = Arrangement.objects.filter(town_id__in=ids, level=Level.STATION, week=week)
    due = weeks.report_deadline(week)
    counts = {
        row["arrangement__town_id"]: row
        for row in VillageReport.objects.filter(arrangement__in=relays)
        .values("arrangement__town_id")
        .annotate(
            due=Count("id"),
            sent=Count("id", filter=Q(submitted_at__isnull=False)),
            late=Count("id", filter=Q(submitted_at__gte=due)),
        )
    }
    now = timezone.now()
    rows = []
    for town in towns:
        c = counts.get(town.pk, {"due": 0, "sent": 0, "late": 0})
        paper = papers.get(town.pk, {"published": 0, "relayed": 0, "forwarded": 0})
        late = c["late"] + ((c["due"] - c["sent"]) if now >= due else 0)
        rows.append(
            OverviewRow(
                town=town,
                published=paper["published"] > 0,
                stations=stations.get(town.pk, 0),
                relayed=paper["relayed"],
                forwarded=paper["forwarded"],
                villages_due=c["due"],
                villages_sent=c["sent"],
                villages_late=late,
            )
        )
    return rows


TOWN_KINDS = (OrgKind.TOWN_COMMITTEE, OrgKind.STREET_COMMITTEE)
