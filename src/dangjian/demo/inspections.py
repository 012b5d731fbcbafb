"""A year of random inspections in the demo county, made through the real services so each draw verifies:

- an inspector pool of eight (two county-level, one per town; `demo_inspector` logs in), the shipped checklists of
  each year;
- each month, the spot check of the open rectification cases (每月一抽查, 20%) and a draw of one village organization
  per town (by town), committed on the 1st, drawn on the 3rd at 09:00 with the audit head of that moment;
- for the months past, the teams' visits (each item of "十有" and the 20 items), findings sent to the organizations'
  rectification cases, most measures whose deadline has passed done. The current month's targets are still to be
  visited, so a drawn village's login sees nothing of it.

The secrets come from the demo's seeded random numbers (a real installation uses `secrets.token_bytes`); the draws
themselves also depend on the audit head, so they differ from one build to the next, and each still verifies.
"""

from __future__ import annotations

import datetime
import random

from django.contrib.auth.models import User
from django.utils import timezone

from dangjian.inspections import checklists, services
from dangjian.inspections.choices import DrawPurpose, ItemResult, PopulationKind, StratifyBy
from dangjian.orgs.models import Organization
from dangjian.rectify.models import Case, CaseStatus, Measure, MeasureStatus
from dangjian.rectify.services import complete_measure

from .region import MOHE_NAME

INSPECTOR_UNIT = "漠北县委办公室党支部"  # demo_inspector's unit (users.py grants it for reading)
INSPECTORS = (
    ("demo_inspector", "刘明", INSPECTOR_UNIT),
    ("insp_county2", "陈静", "漠北县人力资源和社会保障局党支部"),
    ("insp_songling", "赵峰", "漠北县松岭镇机关党支部"),
    ("insp_baihua", "孙丽", "漠北县白桦镇机关党支部"),
    ("insp_binghe", "周强", "漠北县冰河镇机关党支部"),
    ("insp_xingan", "吴敏", "漠北县兴安镇机关党支部"),
    ("insp_xueyuan", "郑涛", "漠北县雪原乡机关党支部"),
    ("insp_jinsha", "王芳", "漠北县金沙乡机关党支部"),
)
FLAWS = ("记录不全", "未按要求开展", "资料缺失", "未及时更新", "不够规范")
MONTHS = 12


def _month_starts(today: datetime.date) -> list[datetime.date]:
    first = today.replace(day=1)
    months = []
    for back in range(MONTHS - 1, -1, -1):
        month = first.month - back
        year = first.year + (month - 1) // 12
        months.append(datetime.date(year, (month - 1) % 12 + 1, 1))
    return months


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _month_end(start: datetime.date) -> datetime.date:
    following = datetime.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def _pool(county: Organization) -> None:
    for username, name, unit_name in INSPECTORS:
        unit = Organization.objects.filter(name=unit_name).first()
        if unit is None:
            continue
        user, _ = User.objects.get_or_create(username=username, defaults={"first_name": name})
        services.add_inspector(county, actor=None, user=user, unit=unit, name=name)


def _draw(county, rng, start, today, **options):
    """Set up on the 1st, commit, and draw on the 3rd at 09:00 if that moment has come."""
    setup = _at(start, 8)
    draw_at = _at(start.replace(day=3), 9)
    draw = services.setup_draw(
        county,
        actor=None,
        draw_at=draw_at,
        visit_until=_month_end(start),
        now=setup,
        **options,
    )
    draw = services.commit_draw(draw, actor=None, now=setup, token_bytes=rng.randbytes)
    if draw_at <= timezone.now():
        draw = services.make_draw(draw, actor=None, now=draw_at + datetime.timedelta(minutes=1))
    return draw


def _visit(target, rng, quality: float, day: datetime.date, today: datetime.date):
    items = services.applicable_items(target, day.year)
    miss = 0.005 + (1 - quality) * 0.12
    results = {}
    for item in items:
        if rng.random() < miss:
            results[item.pk] = (ItemResult.NO, f"{item.title}{rng.choice(FLAWS)}")
        else:
            results[item.pk] = (ItemResult.YES, "")
    leader = target.team.order_by("pk").first()
    secretary = target.org.posts.filter(post="secretary").values_list("holder_name", flat=True).first()
    return services.record_visit(
        target,
        actor=leader.user,
        visited_on=day,
        today=today,
        met=f"党组织书记{secretary}" if secretary else "党组织班子成员",
        summary="督导组不打招呼、直接到现场，对照检查清单逐项检查。",
        results=results,
    )


def build_demo_inspections(rng: random.Random, today: datetime.date) -> int:
    """The county's year of draws; returns how many were made."""
    county = Organization.objects.filter(name=MOHE_NAME).first()
    if county is None:
        return 0
    _pool(county)
    months = _month_starts(today)
    for year in sorted({m.year for m in months}):
        checklists.load_examples(county, actor=None, year=year)
    quality: dict[int, float] = {}
    made = 0
    for start in months:
        key = f"{start:%Y-%m}"
        draws = []
        if Case.objects.in_subtree(county).exclude(status=CaseStatus.CLOSED).exists():  # none in the first months
            draws.append(
                _draw(
                    county,
                    rng,
                    start,
                    today,
                    title=f"{key} 月度抽查（每月一抽查）",
                    population_kind=PopulationKind.CASES,
                    quota_default="20%",
                    exclude_months=0,
                    purpose=DrawPurpose.SPOT_CHECK,
                    period=key,
                )
            )
        draws.append(
            _draw(
                county,
                rng,
                start,
                today,
                title=f"{start.year}年{start.month}月村（社区）随机督导",
                population_kind=PopulationKind.VILLAGES,
                stratify_by=StratifyBy.TOWN,
                quota_default="1",
                exclude_months=3,
            )
        )
        made += len(draws)
        if start == today.replace(day=1):
            continue  # this month's teams are still on their way
        for draw in draws:
            for target in draw.targets.select_related("org").order_by("position"):
                day = start + datetime.timedelta(days=rng.randint(3, 24))
                grade = quality.setdefault(target.org_id, min(max(rng.gauss(0.85, 0.1), 0.4), 1.0))
                visit = _visit(target, rng, grade, day, today)
                if visit.findings.exists():
                    services.follow_up_findings(visit, actor=None, deadline=day + datetime.timedelta(days=30))
        _finish_measures(rng, start, today)
    return made


def _finish_measures(rng: random.Random, start: datetime.date, today: datetime.date) -> None:
    """Most measures of the inspections whose deadline has passed by the month's end are done by then."""
    end = min(_month_end(start), today)
    due = Measure.objects.filter(status=MeasureStatus.OPEN, deadline__lte=end, problem__startswith="督导发现")
    for measure in due.order_by("pk"):
        if rng.random() < 0.8:
            done = measure.deadline - datetime.timedelta(days=rng.randint(0, 20))
            complete_measure(measure, actor=None, date=min(done, today))
