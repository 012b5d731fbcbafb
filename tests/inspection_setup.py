"""The inspection tests' county: the personas' region (conftest.py) with a second town, a county unit the inspectors
work in, four inspectors, the shipped checklists, and a clock that starts on Monday 2 March 2026.

示范市委 ─ 漠北县委 ─┬─ 松岭镇党委 ─┬─ 青松村党支部 (T-VILLAGE)
                     │              └─ 白桦村党支部 (T-BIRCH)
                     ├─ 冰河镇党委 ──┬─ 冰河一村党支部 (T-ICE1), 冰河二村党支部 (T-ICE2)
                     │               └─ 冰河社区党支部 (T-ICE3, community)
                     └─ 漠北县委组织部机关党支部 (T-DEPT, county level: its people conflict with no town)
inspectors: dept_a, dept_b (T-DEPT), song (松岭镇), icy (冰河镇)
"""

from __future__ import annotations

import datetime
import zoneinfo
from types import SimpleNamespace

from django.contrib.auth.models import User
from django.test import override_settings

from dangjian.inspections import checklists, services
from dangjian.inspections.choices import ItemResult, PopulationKind, StratifyBy
from dangjian.orgs.choices import Domain, Level, OrgKind

from conftest import make_org, settled

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=TZ)  # set up and committed
DRAW_AT = datetime.datetime(2026, 3, 3, 9, 0, tzinfo=TZ)  # the stated time
AFTER_DRAW = DRAW_AT + datetime.timedelta(minutes=30)
VISIT_DAY = datetime.date(2026, 3, 5)
VISIT_UNTIL = datetime.date(2026, 3, 31)
SECRET = bytes(range(32))  # a fixed secret for the fixed-vector tests (never in production: token_bytes is)


def inspection_county(region) -> SimpleNamespace:
    north = region.north
    ice = make_org(north, "冰河镇党委", "T-TOWN2", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    ice1 = make_org(ice, "冰河一村党支部", "T-ICE1", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    ice2 = make_org(ice, "冰河二村党支部", "T-ICE2", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    ice3 = make_org(ice, "冰河社区党支部", "T-ICE3", OrgKind.BRANCH, Level.VILLAGE, Domain.COMMUNITY)
    dept = make_org(north, "漠北县委组织部机关党支部", "T-DEPT", OrgKind.BRANCH, Level.COUNTY, Domain.AGENCY)
    people = {}
    for username, name, unit in (
        ("dept_a", "组织部甲", dept),
        ("dept_b", "组织部乙", dept),
        ("song", "松岭督导员", region.town),
        ("icy", "冰河督导员", ice),
    ):
        user = settled(User.objects.create_user(username, first_name=name))
        people[username] = user
        services.add_inspector(north, actor=None, user=user, unit=unit, name=name)
    checklists.load_examples(north, actor=None, year=2026)
    return SimpleNamespace(region=region, north=north, ice=ice, ice1=ice1, ice2=ice2, ice3=ice3, dept=dept, **people)


def set_up(county, *, when=T0, **changes):
    """A draft draw of 漠北县's villages, one per town, teams of two."""
    options = {
        "title": "2026年3月随机督导",
        "population_kind": PopulationKind.VILLAGES,
        "stratify_by": StratifyBy.TOWN,
        "quota_default": "1",
        "exclude_months": 3,
        "team_size": 2,
        "draw_at": DRAW_AT,
        "visit_until": VISIT_UNTIL,
        "now": when,
    } | changes
    return services.setup_draw(county.north, actor=None, **options)


def committed(county, *, secret=SECRET, **changes):
    draw = set_up(county, **changes)
    return services.commit_draw(draw, actor=None, now=T0, token_bytes=lambda n: secret[:n])


def all_yes(target, year=2026, no=()):
    """Every applicable item 符合, except the item numbers of the first checklist in `no`, 不符合 with a note."""
    items = services.applicable_items(target, year)
    first = items[0].checklist_id

    def result(item):
        if item.checklist_id == first and item.number in no:
            return ItemResult.NO, f"{item.title}不到位"
        return ItemResult.YES, ""

    return {i.pk: result(i) for i in items}


def generated_bulletin(client, query: dict) -> tuple[bytes, bytes]:
    """The inspection bulletin's .docx and .xlsx as the page's 生成 button has the worker write them (here, in the
    request: JOBS_INLINE), downloaded from the job's page."""
    with override_settings(JOBS_INLINE=True):
        started = client.post("/inspections/bulletin/generate/", query)
    assert started.status_code == 302 and started["Location"].startswith("/jobs/"), started
    job = started["Location"]
    docx, xlsx = (b"".join(client.get(f"{job}files/{n}/").streaming_content) for n in (0, 1))
    return docx, xlsx
