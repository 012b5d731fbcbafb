"""Meeting completion kept on write by each branch's own rules: when a county adjusts a meeting rule in the rulebook
(or a city, or withdraws it), the roll-ups of its subtree are recounted in the override's transaction, so the
dashboards of the county and its towns count by the new rule, agree with the records and with `rollups --check`, and
a neighbouring county is untouched."""

import datetime
import json
import re

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.accounts.models import Role
from dangjian.core.services import OutOfScope
from dangjian.members import rollups as all_rollups
from dangjian.members.models import Member
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.partylife.choices import MeetingKind
from dangjian.partylife.completion import branch_table
from dangjian.partylife.models import Meeting
from dangjian.partylife.rollups import completion_of
from dangjian.partylife.services import Presence, delete_meeting, record_meeting
from dangjian.rulebook import services as rules
from dangjian.rulebook.models import Rule, RuleOverride

from conftest import make_member, make_org, persona

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 5, 20)
LECTURE = MeetingKind.LECTURE
NOT_DATA = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "SET LOCAL")  # as tests/test_query_counts.py


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def meet(org, kind, day):
    people = [Presence(m, True) for m in Member.objects.filter(org=org)]
    return record_meeting(actor=None, org=org, kind=kind, date=day, topic="学习", people=people)


@pytest.fixture
def lectures(region, clock):
    """青松村 held a 党课 in January, February and April 2026 and one in November 2025; 南岭村 one in March 2026."""
    for day in (datetime.date(2026, 1, 10), datetime.date(2026, 2, 10), datetime.date(2026, 4, 10)):
        meet(region.village, LECTURE, day)
    meet(region.village, LECTURE, datetime.date(2025, 11, 5))
    meet(region.south_village, LECTURE, datetime.date(2026, 3, 3))
    return region


def nonzero(kinds: dict) -> dict:
    return {kind: count for kind, count in kinds.items() if count != (0, 0)}


def kept(org, asof=TODAY) -> dict:
    figures = completion_of([org.pk], asof.year, asof)[org.pk]
    return nonzero({kind: (c.held, c.need) for kind, c in figures.kinds.items()})


def counted(org, asof=TODAY) -> dict:
    """The reference: counted from the meeting records, each branch by the rules in force for it."""
    org.refresh_from_db()
    return nonzero({row.rule.kind: (row.year.held, row.year.need) for row in branch_table(org, asof.year, asof)})


def lecture_months(branch, year=2026, asof=TODAY) -> set[int]:
    """By hand: the months of `year` up to `asof` in which the branch held a 党课."""
    days = Meeting.objects.filter(org=branch, kind=LECTURE, date__year=year, date__lte=asof)
    return {day.month for day in days.values_list("date", flat=True)}


def agree(region, asof=TODAY):
    for org in (region.city, region.north, region.town, region.village, region.birch, region.south):
        assert kept(org, asof) == counted(org, asof), org.name
    assert all_rollups.differences() == []
    call_command("rollups", "--check")  # says they agree; raises otherwise


def dashboard_meetings(client, org) -> dict:
    html = client.get(f"/dashboards/{org.pk}/").content.decode()
    assert "本地区按规则库调整" not in html  # no fallback note any more
    found = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))["meetings"]


def lecture_text(meetings: dict) -> str:
    return next(k["text"] for k in meetings["kinds"] if k["name"] == "党课")


def lecture_rule() -> Rule:
    return Rule.objects.get(key="meeting.lecture")


def test_a_county_that_holds_its_lecture_monthly_is_counted_so_until_it_withdraws(
    lectures, county_user, city_admin, login
):
    region = lectures
    client = login(city_admin)
    agree(region)
    # The catalog's quarterly 党课: Q1 due and held by 青松村, Q2 running with April's held; 白桦村 owes Q1.
    assert kept(region.north)[LECTURE] == (2, 3)
    south_before = dashboard_meetings(client, region.south)
    north_before = dashboard_meetings(client, region.north)
    town_before = dashboard_meetings(client, region.town)
    assert lecture_text(north_before) == "2/3"

    monthly = rules.set_override(lecture_rule(), region.north, actor=county_user, reason="每月一课", value="month")
    agree(region)
    # By hand: January to April are due of each of the two branches; 青松村 held three of those months.
    held = len(lecture_months(region.village) - {5}) + len(lecture_months(region.birch) - {5})
    assert (held, 2 * 4) == (3, 8)
    assert kept(region.north)[LECTURE] == kept(region.town)[LECTURE] == (3, 8)
    assert lecture_text(dashboard_meetings(client, region.north)) == "3/8"
    assert lecture_text(dashboard_meetings(client, region.town)) == "3/8"
    assert dashboard_meetings(client, region.south) == south_before  # the neighbour is unchanged
    # A 党课 recorded now counts by the county's rule: May is running, so it asks what it has held.
    meet(region.birch, LECTURE, datetime.date(2026, 5, 6))
    agree(region)
    assert kept(region.north)[LECTURE] == (4, 9)
    # Last year's figures follow the new rule too: 青松村's November 党课 is one month of twelve.
    assert kept(region.village, datetime.date(2025, 12, 31))[LECTURE] == (1, 12)
    agree(region, datetime.date(2025, 12, 31))

    # Changed to once a year: the year is running, so each branch owes what it has held.
    yearly = rules.set_override(lecture_rule(), region.north, actor=county_user, reason="改为每年一次", value="year")
    assert RuleOverride.objects.get(pk=monthly.pk).withdrawn_at is not None
    agree(region)
    assert kept(region.north)[LECTURE] == (2, 2)

    rules.withdraw_override(yearly, actor=county_user, reason="恢复默认")
    agree(region)
    assert kept(region.north)[LECTURE] == (3, 4)  # quarterly again, with 白桦村's May 党课 in the running quarter
    delete_meeting(Meeting.objects.get(org=region.birch, kind=LECTURE), actor=None)
    assert dashboard_meetings(client, region.north) == north_before  # the figures from before the override
    assert dashboard_meetings(client, region.town) == town_before
    assert dashboard_meetings(client, region.south) == south_before
    agree(region)


def test_a_city_rule_reaches_the_counties_without_their_own(lectures, city_admin, county_user):
    """The nearest override decides: 漠北县 holds its 党课 monthly, the city sets once a year for the region; 南岭县
    follows the city, 漠北县 keeps its own, and turning the 党课 off in 南岭县 leaves it out of its figures."""
    region = lectures
    rules.set_override(lecture_rule(), region.north, actor=county_user, reason="县委决定", value="month")
    city = rules.set_override(lecture_rule(), region.city, actor=city_admin, reason="市委决定", value="year")
    agree(region)
    assert kept(region.north)[LECTURE] == (3, 8)
    assert kept(region.south)[LECTURE] == (1, 1)
    off = rules.set_override(lecture_rule(), region.south, actor=city_admin, reason="暂停", disabled=True)
    agree(region)
    assert LECTURE not in kept(region.south)
    assert kept(region.city)[LECTURE] == (3, 8)
    rules.withdraw_override(off, actor=city_admin, reason="恢复")
    rules.withdraw_override(city, actor=city_admin, reason="恢复")
    agree(region)
    assert kept(region.south)[LECTURE] == (1, 1)  # quarterly: Q1 due and held
    assert kept(region.north)[LECTURE] == (3, 8)


def test_an_override_refused_leaves_the_rollups_as_they_were(lectures, county_user):
    region = lectures
    before = kept(region.north)
    with pytest.raises(ValidationError, match="请填写调整理由"):
        rules.set_override(lecture_rule(), region.north, actor=county_user, reason=" ", value="month")
    with pytest.raises(ValidationError, match="取值应为"):
        rules.parse_value(lecture_rule(), "week")
    assert kept(region.north) == before
    agree(region)


def test_a_rollup_left_behind_by_hand_is_found_by_check(lectures, county_user):
    region = lectures
    rules.set_override(lecture_rule(), region.north, actor=county_user, reason="县委决定", value="month")
    RuleOverride.objects.filter(org=region.north).update(value="year")  # around the service: the rows did not follow
    with pytest.raises(CommandError, match="与实际不一致"):
        call_command("rollups", "--check")
    call_command("rollups", "--rebuild")
    agree(region)


def test_the_dashboard_of_an_adjusted_county_does_not_grow_with_its_branches(lectures, county_user, login):
    region = lectures
    rules.set_override(lecture_rule(), region.north, actor=county_user, reason="县委决定", value="month")
    client = login(county_user)
    url = f"/dashboards/{region.north.pk}/"
    client.get(url)

    def queries() -> int:
        cache.clear()  # the page computing its figures, not reading them back
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return sum(1 for query in ctx.captured_queries if not query["sql"].lstrip().upper().startswith(NOT_DATA))

    few = queries()
    for n in range(120):  # more than the old fallback's hundred branches
        branch = make_org(region.town, f"新设{n}村党支部", f"T-MORE-{n}", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
        if n % 10 == 0:
            make_member(branch, f"党员{n}", 100 + n)
            meet(branch, LECTURE, datetime.date(2026, 2, 2))
    meetings = dashboard_meetings(client, region.north)
    assert meetings["units"] == 122
    assert lecture_text(meetings) == f"{3 + 12}/{122 * 4}"
    assert queries() == few
    assert completion_of([region.north.pk], 2026, TODAY)[region.north.pk].units == 122
    assert kept(region.north) == counted(region.north)


def test_a_reader_cannot_adjust_the_rules_and_nothing_is_recounted(lectures):
    region = lectures
    reader = persona("south_reader", region.south, Role.READ)
    before = kept(region.south)
    with pytest.raises(OutOfScope, match="不在您的数据范围内"):
        rules.set_override(lecture_rule(), region.south, actor=reader, reason="越权", value="month")
    assert kept(region.south) == before
