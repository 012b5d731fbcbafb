"""The demo's responsibility lists "三层九岗" [000]: the default templates for the city and the county, the 党组 of
the tax system's city and county bureaus (none for 河西区's bureau, which has no 机关党委 either), a 纪委书记 of the
city bureau's committee, the duties assigned to every post holder of 漠北县 and of the city bureau, and a year of
tasks done unevenly — most on time, some late, a few branches far behind — so the metric, the review pages and the
"四层衔接、三级贯通" view show differences and breaks. Deterministic for a seed; the tasks' completion is written in
bulk (the demo's way), the rest through the services, which audit it.
"""

from __future__ import annotations

import datetime
import random

from dangjian.orgs.models import Organization
from dangjian.responsibility import services
from dangjian.responsibility.choices import DutyPost, TaskStatus
from dangjian.responsibility.models import DutyTask

from .region import CITY_NAME, MOHE_NAME

CITY_BUREAU = "示范市税务局机关党委"
COUNTY_BUREAU = "漠北县税务局机关党委"
NOTES = ["已按要求完成，记录见台账", "已召开会议研究部署", "已完成，材料已归档", "已落实并报上级党组织"]


def build_demo_duties(seed: int, today: datetime.date, year: int) -> int:
    """Write the demo's duty lists and the year's tasks; the number of tasks."""
    rng = random.Random(seed + 18)  # its own stream: the other builders' draws stay as they were
    city = Organization.objects.filter(name=CITY_NAME).first()
    county = Organization.objects.filter(name=MOHE_NAME).first()
    city_bureau = Organization.objects.filter(name=CITY_BUREAU).first()
    county_bureau = Organization.objects.filter(name=COUNTY_BUREAU).first()
    if None in (city, county, city_bureau, county_bureau):
        return 0
    services.seed_templates(city, actor=None)
    services.seed_templates(county, actor=None)
    group = services.create_group(actor=None, guides=city_bureau, name="示范市税务局党组")
    for post, name in ((DutyPost.GROUP_SECRETARY, "林国栋"), (DutyPost.GROUP_MEMBER, "何振华"),
                       (DutyPost.GROUP_MEMBER, "梁晓敏")):  # fmt: skip
        services.add_seat(actor=None, org=city_bureau, group=group, post=post, holder_name=name)
    services.add_seat(actor=None, org=city_bureau, post=DutyPost.DISCIPLINE_SECRETARY, holder_name="陈立新")
    group = services.create_group(actor=None, guides=county_bureau, name="漠北县税务局党组")
    services.add_seat(actor=None, org=county_bureau, group=group, post=DutyPost.GROUP_SECRETARY, holder_name="黄志远")
    for root in (county, city_bureau):
        services.assign_duties(root, actor=None)
        services.generate_tasks(year, actor=None, root=root, backfill=True)
    _complete(rng, today, year)
    return DutyTask.objects.filter(year=year).count()


def _complete(rng: random.Random, today: datetime.date, year: int) -> None:
    """Mark the tasks due by today done, each organization at its own pace (most 80–100 %, a few about half)."""
    pace: dict[int, float] = {}
    done = []
    tasks = DutyTask.objects.filter(year=year, due_on__lte=today + datetime.timedelta(days=20)).order_by("id")
    for task in tasks.only("id", "org_id", "period_start", "due_on").iterator(chunk_size=5000):
        if task.org_id not in pace:
            pace[task.org_id] = rng.choice((0.45, 0.6)) if rng.random() < 0.12 else rng.uniform(0.8, 1.0)
        if task.period_start > today or rng.random() > pace[task.org_id]:
            continue
        span = (min(task.due_on, today) - task.period_start).days
        day = task.period_start + datetime.timedelta(days=rng.randint(span // 2, span))
        if rng.random() < 0.1 and task.due_on < today:  # late, but done
            day = min(today, task.due_on + datetime.timedelta(days=rng.randint(1, 20)))
        task.status, task.done_on, task.note = TaskStatus.DONE, day, rng.choice(NOTES)
        done.append(task)
    DutyTask.objects.bulk_update(done, ["status", "done_on", "note"], batch_size=1000)
