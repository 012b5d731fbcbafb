"""The demo's working layer [003]: every station's people (its chief and the full-time and part-time staff its
counts say), and twelve past weeks of "两下两上" plus the current one — the towns' arrangements, the stations'
relays with items of their own, the villages' reports and the stations' reports to the towns, some late and some
missing, so the boards, the four forms and the on-time rate show real-looking figures the first time the demo starts.
Deterministic for a seed and a day; bulk writes."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from dangjian.orgs.models import Workstation
from dangjian.stations.choices import StaffPost, StaffSource
from dangjian.stations.models import StationStaff
from dangjian.weekly import weeks
from dangjian.weekly.choices import Level, LineStatus
from dangjian.weekly.models import (
    Arrangement,
    Item,
    ReportLine,
    StationReport,
    StationReportLine,
    VillageReport,
)
from dangjian.weekly.services import derived_status

from .names import person_name

PAST_WEEKS = 12
TOWN_TASKS = [
    ("召开支部委员会，传达镇党委会议精神", "会议记录当周整理归档"),
    ("组织党员大会，开展集中学习", "党员参会率不低于80%"),
    ("走访慰问困难党员和困难群众", "每村不少于3户，建立走访台账"),
    ("排查化解矛盾纠纷", "发现问题当周上报工作站"),
    ("更新党务村务公开栏", "公开内容真实完整"),
    ("组织党员志愿服务活动", "每名在家党员参加1次"),
    ("规范整理发展党员材料", "按程序归档，不缺项"),
    ("开展人居环境整治", "清理村内垃圾和杂物"),
    ("收集群众意见建议", "分类汇总后报工作站"),
    ("督促党费按月收缴", "收缴率100%"),
    ("开展防汛防火安全检查", "隐患清单报镇党委"),
    ("落实“主题党日”活动", "活动照片和记录留存"),
]
STATION_TASKS = [
    ("核对党员信息采集表", "与党员名册逐项一致"),
    ("整理“三会一课”记录", "本月记录齐全"),
    ("推进软弱涣散整顿措施", "对照一村一策清单推进"),
    ("摸排流动党员去向", "联系方式逐人核实"),
]
OWN_TASKS = ["站长列席村党员大会", "工作站随机督导1个村", "参加镇党委党建工作例会", "汇总本片区群众意见建议"]


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def make_station_staff(rng: random.Random) -> int:
    """A chief and staff for each station, as many full-time and part-time as its counts."""
    rows = []
    sources = [StaffSource.TOWN_CADRE, StaffSource.WORK_TEAM, StaffSource.GRADUATE]
    for station in Workstation.objects.order_by("pk"):
        rows.append(
            StationStaff(
                station=station,
                name=station.chief_name,
                post=StaffPost.CHIEF,
                full_time=True,
                source=StaffSource.TOWN_CADRE,
            )
        )
        for _ in range(max(station.fulltime_staff - 1, 0)):
            rows.append(
                StationStaff(
                    station=station,
                    name=person_name(rng, rng.random() < 0.5),
                    full_time=True,
                    source=rng.choice(sources),
                )
            )
        for _ in range(station.parttime_staff):
            rows.append(
                StationStaff(station=station, name=person_name(rng, rng.random() < 0.5), source=rng.choice(sources))
            )
    StationStaff.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _status(rng: random.Random) -> str:
    return rng.choices([LineStatus.DONE, LineStatus.PARTLY, LineStatus.NOT_DONE], weights=[75, 15, 10])[0]


def build_demo_weeks(rng: random.Random, today: datetime.date) -> int:
    """Twelve past weeks and the current one for every working station; returns the village reports written."""
    stations = list(Workstation.objects.active().prefetch_related("villages").select_related("town").order_by("pk"))
    towns = {s.town_id: s.town for s in stations}
    current = weeks.monday(today)
    written = 0
    for back in range(PAST_WEEKS, -1, -1):
        week = current - datetime.timedelta(days=7 * back)
        written += _week(rng, week, today, towns, stations)
    return written


def _week(rng, week, today, towns, stations) -> int:
    past = week < weeks.monday(today)
    due = weeks.report_deadline(week)
    town_rows = {}
    town_items = {}
    for town_id in sorted(towns):
        late = rng.random() < 0.05
        published = _at(week + datetime.timedelta(days=1 if late else 0), rng.randint(8, 10), rng.randint(0, 59))
        arrangement = Arrangement.objects.create(
            level=Level.TOWN, town_id=town_id, week=week, published_at=published, report_due=due
        )
        tasks = rng.sample(TOWN_TASKS, 3)
        town_items[town_id] = Item.objects.bulk_create(
            [
                Item(arrangement=arrangement, seq=n, title=title, target=target, due=week + datetime.timedelta(days=4))
                for n, (title, target) in enumerate(tasks, 1)
            ]
        )
        town_rows[town_id] = arrangement
    written = 0
    for station in stations:
        source = town_rows[station.town_id]
        late = rng.random() < 0.1
        relayed_at = source.published_at + datetime.timedelta(hours=24 if late else rng.randint(1, 5))
        relay = Arrangement.objects.create(
            level=Level.STATION,
            town_id=station.town_id,
            station=station,
            week=week,
            source=source,
            published_at=relayed_at,
            report_due=due,
        )
        friday = week + datetime.timedelta(days=4)
        items = [
            Item(arrangement=relay, seq=n, title=i.title, target=i.target, due=i.due, source=i)
            for n, i in enumerate(town_items[station.town_id], 1)
        ]
        title, target = rng.choice(STATION_TASKS)
        items.append(Item(arrangement=relay, seq=len(items) + 1, title=title, target=target, due=friday))
        if rng.random() < 0.6:
            items.append(
                Item(arrangement=relay, seq=len(items) + 1, title=rng.choice(OWN_TASKS), due=friday, by_station=True)
            )
        items = Item.objects.bulk_create(items)
        village_items = [i for i in items if not i.by_station]
        forwarded_at = _station_sent(rng, week, today, past)
        reports, lines, counted = [], [], []
        for village in sorted(station.villages.all(), key=lambda v: v.path):
            sent = _village_sent(rng, week, today, past)
            reports.append(VillageReport(arrangement=relay, village=village, submitted_at=sent))
            answers = {i.pk: _status(rng) for i in village_items} if sent else {}
            lines.append(answers)
            counted.append(answers if sent and (forwarded_at is None or sent <= forwarded_at) else {})
        reports = VillageReport.objects.bulk_create(reports)
        ReportLine.objects.bulk_create(
            [
                ReportLine(report=report, item_id=item_id, status=status)
                for report, answers in zip(reports, lines, strict=True)
                for item_id, status in answers.items()
            ]
        )
        written += len(reports)
        if forwarded_at is not None:
            _forward(rng, relay, items, counted, forwarded_at)
    return written


def _village_sent(rng, week, today, past) -> datetime.datetime | None:
    """78% on time (Wednesday to Friday), 10% late (the weekend or Monday), 12% never; this week: those already in."""
    draw = rng.random()
    if draw < 0.78:
        moment = _at(week + datetime.timedelta(days=rng.randint(2, 4)), rng.randint(9, 20), rng.randint(0, 59))
    elif draw < 0.88:
        moment = _at(week + datetime.timedelta(days=rng.randint(5, 7)), rng.randint(9, 20), rng.randint(0, 59))
    else:
        return None
    return moment if past or moment.date() < today else None


def _station_sent(rng, week, today, past) -> datetime.datetime | None:
    draw = rng.random()
    if draw < 0.85:
        moment = _at(week + datetime.timedelta(days=4), rng.randint(15, 21), rng.randint(0, 59))
    elif draw < 0.93:
        moment = _at(week + datetime.timedelta(days=rng.randint(5, 7)), rng.randint(9, 18), rng.randint(0, 59))
    else:
        return None
    return moment if past or moment.date() < today else None


def _forward(rng, relay, items, counted, at) -> None:
    """The station's report as `weekly.services.forward_station_report` assembles it, from the answers in by then."""
    report = StationReport.objects.create(arrangement=relay, submitted_at=at)
    rows = []
    for item in items:
        if item.by_station:
            rows.append(StationReportLine(report=report, item=item, status=_status(rng)))
            continue
        answers = [a.get(item.pk) for a in counted]
        done = sum(1 for a in answers if a == LineStatus.DONE)
        partly = sum(1 for a in answers if a == LineStatus.PARTLY)
        not_done = sum(1 for a in answers if a == LineStatus.NOT_DONE)
        missing = sum(1 for a in answers if a is None)
        status = derived_status(done, partly, len(answers))
        rows.append(
            StationReportLine(
                report=report,
                item=item,
                status=status,
                done=done,
                partly=partly,
                not_done=not_done,
                missing=missing,
            )
        )
    StationReportLine.objects.bulk_create(rows)
