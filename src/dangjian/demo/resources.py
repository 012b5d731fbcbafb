"""党建+ projects and resources for the demo county, with the gaps a county really has: villages without a service
centre, venues short of the "十有" items, funds outside the budget, first secretaries whose plans come late or whose
ledgers are missing. Written through the resources services (each audited), deterministic for a seed."""

from __future__ import annotations

import datetime
import random

from django.contrib.auth.models import User

from dangjian.accounts.services import grant_org
from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.core.scope import Role
from dangjian.members.models import Member
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.models import Organization
from dangjian.resources import rules
from dangjian.resources import services as res
from dangjian.resources.checklists import checklist_at
from dangjian.resources.choices import ProjectCategory
from dangjian.resources.models import MonthlyReport, ServicePeriod, Venue

from .region import MOHE_NAME

PLAN = "本月工作计划：走访农户、召开支委会、推进项目。"
LEDGER = "本月履职台账：走访、会议、办结事项。"
CENTRAL = ["党建+乡村振兴", "党建+产业发展", "党建+人居环境整治", "党建+基层治理"]
KEY = ["党建+防汛防火", "党建+信访化解", "党建+森林防火"]
DAILY = ["党建+为民服务代办", "党建+志愿服务"]
FEATURED = ["红色代办员", "北极光党员先锋岗", "“一村一品”党员示范田", "党员积分超市"]
SENDERS = ["县财政局", "县农业农村局", "县自然资源局", "县委宣传部", "县卫生健康局", "县交通运输局"]


def build_demo_resources(rng: random.Random, today: datetime.date) -> dict:
    """The county's projects, venues, centres and their services, trainings, funds, first secretaries with their
    monthly plans and ledgers; returns how many of each were made."""
    county = Organization.objects.filter(name=MOHE_NAME).first()
    if county is None:
        return {}
    year = today.year
    towns = list(Organization.objects.filter(parent=county, kind=OrgKind.TOWN_COMMITTEE).order_by("path"))
    villages = list(
        Organization.objects.in_subtree(county)
        .filter(level=Level.VILLAGE, domain=Domain.VILLAGE, kind__in=[OrgKind.BRANCH, OrgKind.GENERAL_BRANCH])
        .order_by("path")
    )
    made = dict.fromkeys(("projects", "venues", "trainings", "funds", "secretaries"), 0)
    periods: list[ServicePeriod] = []
    reports: list[MonthlyReport] = []
    months = [datetime.date(year, m, 1) for m in range(1, today.month + 1)]

    def roster(org, n):
        people = list(Member.objects.in_subtree(org).order_by("id")[:40])
        return rng.sample(people, min(n, len(people)))

    for town in towns:
        for title in rng.sample(CENTRAL, 2) + rng.sample(KEY, 1) + rng.sample(DAILY, 1):
            category = (
                ProjectCategory.CENTRAL
                if title in CENTRAL
                else ProjectCategory.KEY
                if title in KEY
                else ProjectCategory.DAILY
            )
            project = res.create_project(
                actor=None,
                org=town,
                year=year,
                title=f"{town.name[:-2]}{title}",
                category=category,
                goals="围绕中心工作，以党建引领推动任务落实。",
                leader_name="镇党委书记",
                members=roster(town, 4),
                budget_fen=rng.randrange(50_000, 500_000, 100) * 100,
                spent_fen=rng.randrange(0, 50_000, 100) * 100,
            )
            for i, step in enumerate(("制定方案", "组织实施", "总结评估")):
                due = datetime.date(year, min(12, 3 + 4 * i), 28)
                milestone = res.add_milestone(project, actor=None, title=step, due=due)
                if due < today and rng.random() < 0.7:  # some steps overdue: the gap a county follows up
                    res.complete_milestone(milestone, actor=None, done_on=due)
            made["projects"] += 1
        res.create_venue(
            actor=None,
            org=town,
            kind="liaison",
            name=f"{town.name[:-2]}党代表联络工作室",
            standard=list(rules.STANDARD_KEYS),
        )
        made["venues"] += 1
        for quarter in range(1, (today.month - 1) // 3 + 2):
            day = datetime.date(year, 3 * quarter - 1, 10)
            if day <= today:
                res.record_training(
                    actor=None,
                    org=town,
                    title=f"第{quarter}季度村干部业务培训",
                    date=day,
                    days=2,
                    hours=16,
                    members=roster(town, 12),
                    others=rng.randrange(0, 15),
                )
                made["trainings"] += 1
        res.record_fund(
            actor=None,
            org=town,
            year=year,
            source="budget",
            purpose="基层党组织活动经费",
            in_budget=True,
            budget_fen=rng.randrange(20, 80) * 1_000_000,
            spent_fen=rng.randrange(5, 20) * 1_000_000,
        )
        made["funds"] += 1

    for n, village in enumerate(villages):
        if n % 3 == 0:
            res.create_project(
                actor=None,
                org=village,
                year=year,
                title=rng.choice(FEATURED),
                category=ProjectCategory.FEATURED,
                members=roster(village, 3),
                budget_fen=rng.randrange(5, 50) * 100_000,
            )
            made["projects"] += 1
        # Most villages meet most of the ten items; one in five is short of several.
        short = rng.randrange(3, 7) if n % 5 == 0 else rng.randrange(0, 2)
        standard = sorted(rng.sample(rules.STANDARD_KEYS, len(rules.STANDARD_KEYS) - short))
        if n % 4 != 3:  # every fourth village has no service centre yet
            centre = res.create_venue(
                actor=None,
                org=village,
                kind="centre",
                name=f"{village.name[:-3]}党群服务中心",
                standard=standard,
                area_m2=rng.randrange(80, 400),
            )
            periods += [
                ServicePeriod(venue=centre, month=month, items=rng.randrange(5, 60), people=rng.randrange(10, 150))
                for month in months
            ]
        else:
            res.create_venue(
                actor=None, org=village, kind="activity", name=f"{village.name[:-3]}活动室", standard=standard
            )
        made["venues"] += 1
        if n % 6 == 0:
            res.create_venue(
                actor=None, org=village, kind="liaison", name=f"{village.name[:-3]}党代表联络工作室", standard=standard
            )
            made["venues"] += 1
        res.record_fund(
            actor=None,
            org=village,
            year=year,
            source=rng.choice(["budget", "dues", "own"]),
            purpose="阵地维护和党员活动",
            in_budget=n % 4 != 1,
            budget_fen=rng.randrange(5, 30) * 100_000,
            spent_fen=rng.randrange(0, 5) * 100_000,
        )
        made["funds"] += 1
        if n % 4 == 0:  # first secretaries in one village of four, work teams in some
            start = datetime.date(year - 1, 9, 1)
            secretary = res.add_secretary(
                actor=None,
                org=village,
                name=f"{village.name[:2]}第一书记",
                role="first_secretary",
                sent_by=rng.choice(SENDERS),
                start=start,
                team=f"县驻村第{n % 3 + 1}工作队",
            )
            made["secretaries"] += 1
            if n % 8 == 0:
                res.add_secretary(
                    actor=None,
                    org=village,
                    name=f"{village.name[:2]}工作队员",
                    role="team_member",
                    sent_by=secretary.sent_by,
                    start=start,
                    team=secretary.team,
                )
                made["secretaries"] += 1
            diligent = rng.random()
            for month in months:
                plan_day = month.replace(day=rng.choice([2, 3, 4, 5] if diligent > 0.3 else [3, 6, 9, 12]))
                if plan_day <= today:
                    reports.append(
                        MonthlyReport(
                            secretary=secretary, month=month, kind="plan", content=PLAN, submitted_on=plan_day
                        )
                    )
                ledger_due = rules.report_due(month, "ledger")
                if ledger_due < today and rng.random() < (0.9 if diligent > 0.3 else 0.5):
                    reports.append(
                        MonthlyReport(
                            secretary=secretary, month=month, kind="ledger", content=LEDGER, submitted_on=ledger_due
                        )
                    )
    # The monthly rows, many and valid by construction, are written in bulk under one audit record, as the demo's
    # meetings are (demo/records.py); the services write and audit everything else one by one.
    ServicePeriod.objects.bulk_create(periods, batch_size=1000)
    MonthlyReport.objects.bulk_create(reports, batch_size=1000)
    made["service_months"], made["reports"] = len(periods), len(reports)
    record(
        AuditAction.IMPORT,
        org=county,
        username="demo",
        detail="演示数据：党群服务中心月度服务、第一书记月度报送",
        after={"service_months": len(periods), "reports": len(reports)},
    )
    made["standard_adjusted"] = adjust_county_standard(county)
    return made


def adjust_county_standard(county: Organization) -> int:
    """漠北县's own "十有" list, adjusted by its organization department after the venues were recorded: the remote
    education equipment retired (the venues' answers to it kept and shown as retired), one item renamed, a volunteer
    service station added, so the villages' venues are judged against the county's list and several fall short of
    the new item. Through the service, by the county's demo login (the rulebook keeps who, when and why)."""
    author, _ = User.objects.get_or_create(username="demo_county")  # made a full demo login by `ensure_demo_users`
    if not author.grants.filter(org=county, role=Role.MANAGE).exists():
        grant_org(author, county, Role.MANAGE)
    res.adjust_venue_standard(
        county,
        actor=author,
        reason="县委组织部《关于规范村级党组织阵地建设的通知》：远程教育设备并入党员教育终端，增设志愿服务站",
        labels={"media": "有远程教育设备", "duty": "有专人值守、有经费保障"},
        retired=["media"],
        added=["有党员教育终端", "有志愿服务站"],
    )
    # The villages that had every item before have since set up the two new ones (most of them: some fall short).
    keys = set(checklist_at(county).keys)
    kept = keys & set(rules.STANDARD_KEYS)  # the built-in items still in force
    venues = Venue.objects.in_subtree(county).order_by("pk")
    complete = [venue for venue in venues if kept <= set(venue.standard)]
    for venue in complete[: len(complete) * 2 // 3]:
        res.update_venue(venue, actor=author, standard=sorted(keys))
    return 1
