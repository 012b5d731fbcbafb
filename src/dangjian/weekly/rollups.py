"""The weekly reports kept on write: per organization and week, the villages' reports due, sent and sent on time
in the organizations' roll-ups (`orgs.OrgTally`, subtree totals along the ancestor path), so the dashboard's on-time
rate of a county or of the root is a read of a few rows, however many villages lie below.

What a village report adds, to its village and each ancestor, under the week of its station's arrangement:
`week:YYYYMMDD:due` 1 (it exists: the station relayed the week to the village), `week:YYYYMMDD:sent` 1 once sent,
`week:YYYYMMDD:ontime` 1 when sent before the arrangement's `report_due` (the same comparison as the records'
count in `weekly.metrics`). None of it moves with the day: a report is due from the relay on, sent once, and
`report_due` is fixed when the arrangement is made.

Who keeps it: `services.relay_arrangement` (the reports made for the covered villages) and
`services.submit_village_report` (a report sent, or made and sent for a village covered after the relay), in their
transaction after the audit record, from the report's keys before and after the write (its row locked). Nothing
unsends a report or withdraws an arrangement; a village cannot be deleted while it has reports (PROTECT); a subtree
moved takes its totals along (`orgs.tally.moved`). `dangjian rollups --check|--rebuild` recounts them with the rest
(`own_all`); rows written in bulk (the demo, bench/activity_for_gen.sql) are followed by a rebuild.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable

from django.db.models import Count, F, Q

from dangjian.orgs import tally as org_tally
from dangjian.orgs.models import OrgTally

from .models import VillageReport

WEEK = "week:"
DUE, SENT, ON_TIME = "due", "sent", "ontime"


def week_key(week: datetime.date, what: str) -> str:
    return f"{WEEK}{week:%Y%m%d}:{what}"


def week_keys(week: datetime.date, due: int, sent: int, on_time: int) -> Counter:
    out = Counter({week_key(week, DUE): due, week_key(week, SENT): sent, week_key(week, ON_TIME): on_time})
    return Counter({key: n for key, n in out.items() if n})


def keys_of(report: VillageReport) -> Counter:
    """What one report adds (its arrangement read: the week and the deadline)."""
    arrangement = report.arrangement
    sent = report.submitted_at is not None
    on_time = sent and report.submitted_at < arrangement.report_due
    return week_keys(arrangement.week, 1, int(sent), int(on_time))


def counted(reports) -> dict[int, Counter]:
    """Village → what its reports add, from a queryset of reports (one grouped query)."""
    rows = (
        reports.order_by()
        .values_list("village_id", "arrangement__week")
        .annotate(
            due=Count("id"),
            sent=Count("id", filter=Q(submitted_at__isnull=False)),
            on_time=Count("id", filter=Q(submitted_at__lt=F("arrangement__report_due"))),
        )
    )
    out: dict[int, Counter] = {}
    for village_id, week, due, sent, on_time in rows.iterator(chunk_size=20000):
        out.setdefault(village_id, Counter()).update(week_keys(week, due, sent, on_time))
    return out


def own(org_ids: list[int]) -> dict[int, Counter]:
    """The villages among `org_ids` and what their reports add."""
    return counted(VillageReport.objects.filter(village_id__in=org_ids))


def own_all() -> dict[int, Counter]:
    return counted(VillageReport.objects.all())


def register() -> None:
    """Hand the organizations' roll-ups these counts (from `WeeklyConfig.ready()`)."""
    org_tally.register(org_tally.Provider("weekly", own, own_all))


def reports_made(reports: Iterable[VillageReport]) -> None:
    """New, unsent reports (a relay): each counts as due to its village and the ancestors."""
    org_tally.apply_many([(report.village.path, keys_of(report)) for report in reports])


def report_changed(report: VillageReport, before: Counter) -> None:
    """After a report was written: the change of its keys (`before`: as they stood, empty for a new report)."""
    org_tally.apply(report.village.path, org_tally.difference(keys_of(report), before))


# ------------------------------------------------------------------------------------------------------ reading


def figures_of(org_id: int, weeks: list[datetime.date]) -> dict[datetime.date, tuple[int, int, int]]:
    """Due, sent and sent on time by week, of the organization's subtree (one query of its roll-up rows)."""
    keys = {week_key(week, what): (week, what) for week in weeks for what in (DUE, SENT, ON_TIME)}
    found = Counter()
    for key, n in OrgTally.objects.filter(org_id=org_id, key__in=list(keys)).values_list("key", "n"):
        found[keys[key]] += n
    return {week: (found[(week, DUE)], found[(week, SENT)], found[(week, ON_TIME)]) for week in weeks}


def unsent_by_week(paths: list[str], since: datetime.date) -> dict[datetime.date, int]:
    """Reports made and not yet sent, by week from `since` on, in the subtrees at `paths` (a scope's roots, disjoint):
    one read of their roll-up rows, for the workbench's "late" and "due" however many villages lie below."""
    rows = OrgTally.objects.filter(org__path__in=paths, key__startswith=WEEK, key__gte=week_key(since, ""))
    unsent: Counter = Counter()
    for key, n in rows.values_list("key", "n"):
        day, what = key[len(WEEK) :].split(":")
        if what in (DUE, SENT):
            unsent[datetime.datetime.strptime(day, "%Y%m%d").date()] += n if what == DUE else -n
    return {week: n for week, n in unsent.items() if n}
