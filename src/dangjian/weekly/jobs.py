"""每周一提示 of the weekly cycle [003, 004]: every Monday, the papers of the week before that are still not in reach
the people who owe them — each village's editors for its report, each station's accounts for its report to the town
(and the list of its villages still missing). Listed in `dangjian.flows.schedule.JOBS`: one run per week, a
caught-up week reminds as of its own Monday, and the keys name the week and the paper, so nobody is told twice.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.urls import reverse

from dangjian.cadence.jobs import Context
from dangjian.cadence.notify import notify
from dangjian.cadence.recipients import holders
from dangjian.stations.models import StationAccount

from . import weeks
from .choices import Level
from .models import Arrangement, VillageReport


def _station_users(station_ids) -> dict[int, list]:
    users: dict[int, list] = defaultdict(list)
    for account in StationAccount.objects.filter(station_id__in=station_ids).select_related("user"):
        users[account.station_id].append(account.user)
    return users


def weekly_cycle_reminder(ctx: Context) -> None:
    week = ctx.today - datetime.timedelta(days=7)
    label = weeks.label(week)
    missing = list(
        VillageReport.objects.filter(arrangement__week=week, submitted_at__isnull=True)
        .select_related("village", "arrangement__station")
        .order_by("village__path")
    )
    relays = list(
        Arrangement.objects.filter(level=Level.STATION, week=week, station_report__isnull=True).select_related(
            "station"
        )
    )
    accounts = _station_users({r.station_id for r in relays} | {r.arrangement.station_id for r in missing})
    late_villages: dict[int, list[str]] = defaultdict(list)
    for report in missing:
        late_villages[report.arrangement.station_id].append(report.village.name)
        ctx.count("未报送的村（社区）")
        ctx.count(
            "通知",
            notify(
                holders(report.village),
                title=f"每周一提示：{report.village.name}{label}的工作完成情况尚未报送",
                body=f"请尽快向{report.arrangement.station.name}报送{label}的工作完成情况表。",
                url=reverse("weekly:report", args=[report.pk]),
                key=f"weekly_cycle:{week:%G-W%V}:village:{report.pk}",
            ),
        )
    for relay in relays:
        station = relay.station
        ctx.count("未报送的工作站")
        waiting = late_villages.get(station.pk, [])
        body = f"请尽快向乡镇党委报送{label}的工作完成情况表。"
        if waiting:
            body += f"尚未报送的村（社区）：{'、'.join(waiting)}。"
        ctx.count(
            "通知",
            notify(
                accounts.get(station.pk, []),
                title=f"每周一提示：{station.name}{label}的完成情况尚未报送镇党委",
                body=body,
                url=reverse("weekly:arrangement", args=[relay.pk]),
                key=f"weekly_cycle:{week:%G-W%V}:station:{relay.pk}",
            ),
        )
