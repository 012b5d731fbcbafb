"""The scheduled side of random inspections (listed in `dangjian.flows.schedule.JOBS`):

- `spot_check` (monthly, 每月一抽查 [004]): at the start of each month, each county with open rectification cases gets
  the month's draw of its open cases (a share of them, `DANGJIAN_SPOT_CHECK_SHARE` percent, at least one), set up and
  committed at once: its population frozen, the commitment published, the draw announced for the stated day
  (`DANGJIAN_SPOT_CHECK_DRAW_DAY`, 09:00) and the visits due by the month's end.
- `inspection_draws` (daily): every committed draw whose stated time has come is drawn, with the audit chain's head of
  that moment, and revealed; a draw waiting for its second person's beacon waits.

The month key no longer decides anything: nobody can compute a month's list before its draw is made.
"""

from __future__ import annotations

import datetime
from collections import OrderedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dangjian.cadence.jobs import Context
from dangjian.cadence.notify import notify
from dangjian.cadence.recipients import county_of, managers
from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.orgs.models import Organization
from dangjian.rectify.models import Case, CaseStatus

from . import services
from .choices import DrawPurpose, DrawStatus, PopulationKind, StratifyBy
from .models import Draw

DRAW_HOUR = 9


def spot_check_share() -> int:
    """Percentage of each county's open cases drawn every month (`DANGJIAN_SPOT_CHECK_SHARE`, default 20)."""
    return getattr(settings, "DANGJIAN_SPOT_CHECK_SHARE", 20)


def spot_check_team() -> int:
    return getattr(settings, "DANGJIAN_SPOT_CHECK_TEAM", 2)


def spot_check_day() -> int:
    """Day of the month the draw is announced for (`DANGJIAN_SPOT_CHECK_DRAW_DAY`, default 3)."""
    return getattr(settings, "DANGJIAN_SPOT_CHECK_DRAW_DAY", 3)


def counties_with_open_cases() -> list[Organization]:
    """The county above each open case (the tree's root where there is none), in tree order."""
    counties: OrderedDict[int, Organization] = OrderedDict()
    for case in Case.objects.exclude(status=CaseStatus.CLOSED).select_related("org").order_by("org__path"):
        county = county_of(case.org)
        counties.setdefault(county.pk, county)
    return sorted(counties.values(), key=lambda c: c.path)


def _month_end(start: datetime.date) -> datetime.date:
    following = datetime.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


@transaction.atomic
def _set_up_and_commit(county, key, start, draw_at, now) -> Draw:
    """Both steps or neither: a month whose draw cannot be committed leaves no draft behind."""
    draw = services.setup_draw(
        county,
        actor=None,
        title=f"{key} 月度抽查（每月一抽查）",
        population_kind=PopulationKind.CASES,
        stratify_by=StratifyBy.NONE,
        quota_default=f"{spot_check_share()}%",
        exclude_months=0,
        team_size=spot_check_team(),
        draw_at=draw_at,
        visit_until=_month_end(start),
        purpose=DrawPurpose.SPOT_CHECK,
        period=key,
        now=now,
    )
    return services.commit_draw(draw, actor=None, now=now)


def spot_check(ctx: Context) -> None:
    """Set up and commit the month's draw of each county's open cases."""
    key, start = ctx.period.key, ctx.period.start
    stated = timezone.make_aware(
        datetime.datetime.combine(start.replace(day=spot_check_day()), datetime.time(DRAW_HOUR))
    )
    draw_at = max(stated, ctx.now + datetime.timedelta(minutes=5))  # a month caught up late draws at the next run
    for county in counties_with_open_cases():
        if Draw.objects.filter(org=county, purpose=DrawPurpose.SPOT_CHECK, period=key).exists():
            continue
        try:
            draw = _set_up_and_commit(county, key, start, draw_at, ctx.now)
        except ValidationError as exc:
            message = "；".join(exc.messages)
            ctx.notes.append(f"{county.name}：{message}")
            ctx.count("未能设立")
            # The attempt's own records were rolled back with it: one record says why this month has no draw.
            record(AuditAction.CREATE, org=county, success=False, detail=f"{key} 每月一抽查未能设立：{message}"[:500])
            continue
        ctx.count("已承诺")
        ctx.count(
            "通知",
            notify(
                managers(county),
                title=f"每月一抽查：{key} 已承诺，将于 {timezone.localtime(draw.draw_at):%m月%d日 %H:%M} 抽取",
                body=(
                    f"{county.name}在整顿的 {len(draw.eligible())} 个组织中抽取 {sum(draw.quotas.values())} 个。"
                    f"总体摘要值 {draw.population_digest}，承诺值 {draw.commitment}。"
                ),
                url=reverse("inspections:detail", args=[draw.pk]),
                key=f"spot_check:{key}:{county.pk}",
            ),
        )


def inspection_draws(ctx: Context) -> None:
    """Make every committed draw whose stated time has passed."""
    due = Draw.objects.filter(status=DrawStatus.COMMITTED, draw_at__lte=ctx.now).order_by("draw_at", "pk")
    for draw in due:
        if draw.beacon_required and not draw.beacon:
            ctx.notes.append(f"{draw.title}：等待第二人录入公开随机数")
            continue
        try:
            services.make_draw(draw, actor=None, now=ctx.now)
        except ValidationError as exc:
            ctx.notes.append(f"{draw.title}：{'；'.join(exc.messages)}")
            ctx.count("未能抽取")
            continue
        ctx.count("已抽取")
