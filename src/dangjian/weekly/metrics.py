"""The weekly cycle's metric for the annual assessment: `weekly_on_time`, registered in `assess.metrics`.

Per organization and year, the share of the week's reports it owed that were sent by the Friday deadline [003]:
- a village (村、社区) owes a 完成情况表 for each week its station relayed to it;
- a town owes, through its stations, a 站→镇 完成情况表 for each week each station relayed.
A report counts once its deadline has passed by the assessment's cut-off; not sent counts as not on time. An
organization that owed none scores 0: use the indicator for the domains in the weekly cycle.
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

from django.db.models import Count, F, Q
from django.utils import timezone

from .choices import Level
from .models import Arrangement, VillageReport


def _cutoff_end(cutoff: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(cutoff + datetime.timedelta(days=1), datetime.time.min))


def on_time_counts(org_ids, year: int, cutoff: datetime.date) -> tuple[Counter, Counter]:
    """(owed, on time) per organization id, in two queries."""
    end = _cutoff_end(cutoff)
    owed: Counter = Counter()
    on_time: Counter = Counter()
    villages = (
        VillageReport.objects.filter(
            village_id__in=org_ids, arrangement__week__year=year, arrangement__report_due__lte=end
        )
        .order_by()
        .values("village_id")
        .annotate(owed=Count("id"), on_time=Count("id", filter=Q(submitted_at__lt=F("arrangement__report_due"))))
    )
    for row in villages:
        owed[row["village_id"]] += row["owed"]
        on_time[row["village_id"]] += row["on_time"]
    towns = (
        Arrangement.objects.filter(town_id__in=org_ids, level=Level.STATION, week__year=year, report_due__lte=end)
        .order_by()
        .values("town_id")
        .annotate(owed=Count("id"), on_time=Count("id", filter=Q(station_report__submitted_at__lt=F("report_due"))))
    )
    for row in towns:
        owed[row["town_id"]] += row["owed"]
        on_time[row["town_id"]] += row["on_time"]
    return owed, on_time


def weekly_on_time(participants, cutoff: datetime.date, year: int, org_ids=None) -> dict[int, Decimal]:
    """The on-time share 0..1 for each participant. `org_ids` may be a subquery of the participants'
    organizations (assess passes one for a large run)."""
    ids = org_ids if org_ids is not None else [p.org_id for p in participants if p.org_id]
    owed, on_time = on_time_counts(ids, year, cutoff)
    return {p.id: (Decimal(on_time[p.org_id]) / owed[p.org_id] if owed[p.org_id] else Decimal(0)) for p in participants}
