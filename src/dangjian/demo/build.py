"""Building the demo region in one transaction: plan in memory, then bulk writes and one audit record."""

from __future__ import annotations

import datetime
import random
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.members import rollups
from dangjian.members.models import Member, MemberTransfer
from dangjian.orgs.choices import GRASSROOTS_KINDS
from dangjian.orgs.models import CommitteePost, Organization, VerticalSystem, Workstation

from .assessment import build_demo_assessment, demo_year
from .dues import build_demo_dues
from .duties import build_demo_duties
from .inspections import build_demo_inspections
from .people import make_members, make_posts, make_transfers
from .problem_lists import build_demo_problem_lists
from .records import build_demo_records
from .region import CITY_NAME, HEXI_NAME, MOHE_NAME, RegionBuilder
from .resources import build_demo_resources
from .staffing import build_demo_staffing
from .working import build_demo_weeks, make_station_staff
from .writer import next_id, reset_sequences

DEFAULT_SEED = 20160701  # fixed, so every demo installation shows the same region


@dataclass
class Summary:
    """Counts read back from the database after a build."""

    orgs: int
    members: int
    posts: int
    workstations: int
    counties: list[tuple[str, int, int, int]]  # name, organizations, grassroots organizations, members
    seconds: float = 0.0

    def lines(self) -> list[str]:
        out = [
            f"党组织 {self.orgs} 个，党员 {self.members} 名，"
            f"班子成员 {self.posts} 人，党建工作站 {self.workstations} 个。"
        ]
        for name, orgs, grassroots, members in self.counties:
            out.append(f"  {name}：组织 {orgs} 个（其中基层党组织 {grassroots} 个），党员 {members} 名")
        if self.seconds:
            out.append(f"用时 {self.seconds:.1f} 秒。")
        return out


def summarize() -> Summary:
    counties = []
    for name in (MOHE_NAME, HEXI_NAME):
        county = Organization.objects.filter(name=name).first()
        if county is None:
            continue
        sub = Organization.objects.in_subtree(county)
        counties.append(
            (
                name,
                sub.count(),
                sub.filter(kind__in=GRASSROOTS_KINDS).count(),
                Member.objects.in_subtree(county).count(),
            )
        )
    return Summary(
        orgs=Organization.objects.count(),
        members=Member.objects.count(),
        posts=CommitteePost.objects.count(),
        workstations=Workstation.objects.count(),
        counties=counties,
    )


@transaction.atomic
def build_demo(seed: int = DEFAULT_SEED, today: datetime.date | None = None) -> Summary:
    """Write the demo region (示范市, 漠北县, 河西区); deterministic for a given seed and day."""
    started = time.monotonic()
    rng = random.Random(seed)
    today = today or timezone.localdate()
    builder = RegionBuilder(rng, today, next_id(Organization), next_id(VerticalSystem), next_id(Workstation))
    region = builder.build()
    members = make_members(region, rng, today, next_id(Member))
    posts = make_posts(region, members, rng, today)  # also sets committee_seats, so before the orgs are written
    transfers = make_transfers(region, members, rng, today)

    # Foreign keys are checked at commit, so the order only has to be sensible, not topological.
    Organization.objects.bulk_create(region.plan.orgs, batch_size=500)
    VerticalSystem.objects.bulk_create(region.systems)
    Workstation.objects.bulk_create([ws for ws, _ in region.workstations])
    through = Workstation.villages.through
    through.objects.bulk_create(
        [
            through(workstation_id=ws.pk, organization_id=org_id)
            for ws, org_ids in region.workstations
            for org_id in org_ids
        ]
    )
    Member.objects.bulk_create(members, batch_size=500)
    CommitteePost.objects.bulk_create(posts, batch_size=500)
    MemberTransfer.objects.bulk_create(transfers)
    reset_sequences(Organization, VerticalSystem, Workstation, Member, CommitteePost, MemberTransfer)
    rollups.rebuild()  # the roll-ups (orgs.tally) of the organizations and members written in bulk

    build_demo_records(rng, today, demo_year())
    rollups.rebuild()  # again: the meetings written in bulk count in the roll-ups too (partylife/rollups.py)
    build_demo_assessment(rng)
    staff = make_station_staff(rng)
    village_reports = build_demo_weeks(rng, today)
    build_demo_problem_lists(seed, today)
    build_demo_inspections(rng, today)
    build_demo_duties(seed, today, demo_year())  # 三层九岗 duty lists and a year of tasks (demo/duties.py)
    resources = build_demo_resources(rng, today)
    build_demo_staffing(rng, today)
    build_demo_dues(rng, today, demo_year())
    rollups.rebuild()  # and the weekly reports and problems written in bulk (weekly/rollups.py, problems/rollups.py)

    summary = summarize()
    summary.seconds = time.monotonic() - started
    record(
        AuditAction.IMPORT,
        org=Organization.objects.get(name=CITY_NAME),
        username="demo",
        detail=f"加载演示数据（种子 {seed}）：党组织 {len(region.plan.orgs)} 个，党员 {len(members)} 名",
        after={
            "seed": seed,
            "orgs": len(region.plan.orgs),
            "members": len(members),
            "posts": len(posts),
            "workstations": len(region.workstations),
            "transfers": len(transfers),
            "station_staff": staff,
            "village_reports": village_reports,
            "resources": resources,
        },
    )
    return summary
