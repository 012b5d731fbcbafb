"""Meeting completion kept on write (`partylife/rollups.py` in `orgs.OrgTally`): after every kind of write it agrees
with the completion counted from the records (`partylife.completion`), it agrees with a recount, and `dangjian
rollups` checks and rebuilds it."""

import datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command

from dangjian.members import rollups as all_rollups
from dangjian.members.models import Member
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.models import Organization, OrgTally
from dangjian.orgs.services import delete_org, move_org, update_org
from dangjian.partylife.choices import MeetingKind
from dangjian.partylife.completion import branch_table
from dangjian.partylife.models import Meeting
from dangjian.partylife.rollups import completion_of
from dangjian.partylife.services import Presence, delete_meeting, record_meeting

from conftest import make_member, make_org

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 5, 20)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def meet(org, kind, day, **extra):
    people = [Presence(m, True) for m in Member.objects.filter(org=org)]
    return record_meeting(actor=None, org=org, kind=kind, date=day, topic="学习", people=people, **extra)


def counted(org, asof=TODAY):
    """Held and required by kind, counted from the records."""
    org.refresh_from_db()
    return {row.rule.kind: (row.year.held, row.year.need) for row in branch_table(org, asof.year, asof)}


def kept(org, asof=TODAY):
    """The same read from the roll-ups."""
    figures = completion_of([org.pk], asof.year, asof)[org.pk]
    return {kind: (c.held, c.need) for kind, c in figures.kinds.items()}


def agree(*orgs, asof=TODAY):
    for org in orgs:
        assert kept(org, asof) == counted(org, asof), org.name
    assert all_rollups.differences() == []


@pytest.fixture
def red(region):
    """A branch with a committee, established in March of this year, with two 党小组."""
    org = make_org(
        region.town,
        "红旗村党支部",
        "T-RED",
        OrgKind.BRANCH,
        Level.VILLAGE,
        Domain.VILLAGE,
        committee_seats=3,
        established=datetime.date(2026, 3, 12),
    )
    make_member(org, "钱红旗", 21)
    for n in (1, 2):
        make_org(org, f"第{n}党小组", f"T-RED-G{n}", OrgKind.GROUP, Level.VILLAGE, Domain.VILLAGE)
    return org


def test_it_agrees_with_the_records_after_meetings_are_created_and_deleted(region, red, clock):
    agree(region.city, region.north, region.town, red, region.village)
    for day in (datetime.date(2026, 1, 8), datetime.date(2026, 3, 5), datetime.date(2026, 4, 6)):
        meet(red, MeetingKind.COMMITTEE, day)  # January is before the branch existed: it counts for nothing
    meet(red, MeetingKind.COMMITTEE, datetime.date(2026, 4, 20))  # a second in April: still one month
    group = Organization.objects.get(code="T-RED-G1")
    meet(red, MeetingKind.GROUP, datetime.date(2026, 4, 2), group=group)
    meet(region.village, MeetingKind.THEME_DAY, datetime.date(2026, 2, 3))
    meet(region.village, MeetingKind.ASSEMBLY, datetime.date(2025, 11, 3))  # last year's
    meet(region.village, MeetingKind.THEME_DAY, datetime.date(2026, 5, 8))  # May is running: held is all it asks
    meet(region.village, MeetingKind.LIFE, datetime.date(2026, 1, 15))  # so is the year
    agree(region.city, region.north, region.town, red, region.village)
    assert kept(red)[MeetingKind.COMMITTEE] == (2, 2)  # March and April due (the branch began in March), both held
    assert kept(red)[MeetingKind.GROUP] == (1, 4)  # two groups × March and April, one group met once
    assert kept(region.village)[MeetingKind.THEME_DAY] == (2, 5)  # January to April due, and May's held one
    assert kept(region.village)[MeetingKind.LIFE] == (1, 1)
    delete_meeting(Meeting.objects.get(org=red, date=datetime.date(2026, 4, 6)), actor=None)
    agree(region.city, red)
    assert kept(red)[MeetingKind.COMMITTEE] == (2, 2)  # the other April meeting still holds the month
    delete_meeting(Meeting.objects.get(org=red, date=datetime.date(2026, 4, 20)), actor=None)
    agree(region.city, red)
    assert kept(red)[MeetingKind.COMMITTEE] == (1, 2)
    # Last year's figures, as of its end, from the same rows.
    assert kept(region.village, datetime.date(2025, 12, 31)) == counted(region.village, datetime.date(2025, 12, 31))


def test_it_agrees_after_the_branch_is_edited_moved_and_its_groups_change(region, red, clock):
    meet(red, MeetingKind.COMMITTEE, datetime.date(2026, 3, 5))
    meet(red, MeetingKind.GROUP, datetime.date(2026, 4, 2), group=Organization.objects.get(code="T-RED-G1"))
    meet(red, MeetingKind.GROUP, datetime.date(2026, 3, 9), group=Organization.objects.get(code="T-RED-G1"))
    update_org(red, actor=None, committee_seats=0)  # no committee: its 支委会 are neither due nor counted
    agree(region.north, red)
    assert kept(red)[MeetingKind.COMMITTEE] == (0, 0)
    update_org(red, actor=None, committee_seats=5, established=datetime.date(2025, 6, 1))  # January on is due
    agree(region.north, red)
    assert kept(red)[MeetingKind.COMMITTEE] == (1, 4)
    delete_org(Organization.objects.get(code="T-RED-G2"), actor=None)  # one group left: a month needs one meeting
    agree(region.north, red)
    third = make_org(red, "第三党小组", "T-RED-G3", OrgKind.GROUP, Level.VILLAGE, Domain.VILLAGE)
    agree(region.north, red)
    move_org(third, region.village, actor=None)  # a group moved to another branch
    agree(region.north, red, region.village)
    move_org(region.town, region.south, actor=None)  # the town and its branches change county
    region.north.refresh_from_db()
    region.south.refresh_from_db()
    agree(region.city, region.north, region.south, region.town, red)
    assert completion_of([region.north.pk], 2026, TODAY)[region.north.pk].units == 0
    assert completion_of([region.south.pk], 2026, TODAY)[region.south.pk].units == 4


def test_the_county_figure_is_the_hand_count(region, red, clock):
    """漠北县 on 20 May 2026: 青松村 and 白桦村 (no committee, no groups, founded long ago) and 红旗村 (committee, two
    groups, founded in March). Due: 党员大会 Q1 for the old two (2), nothing for 红旗村 in Q1? Q1 ends 31 March,
    after its founding, so 1 for it too: 3; 支委会 March–April of 红旗村: 2; 党小组会 2 groups × 2 months: 4; 党课 Q1:
    3; 主题党日 January–April for the old two (8) and March–April for 红旗村 (2): 10; no yearly meeting yet.
    Held: 青松村's 主题党日 in January and February and the 党员大会 in March (3), 红旗村's 支委会 in April (1)."""
    meet(region.village, MeetingKind.THEME_DAY, datetime.date(2026, 1, 9))
    meet(region.village, MeetingKind.THEME_DAY, datetime.date(2026, 2, 9))
    meet(region.village, MeetingKind.ASSEMBLY, datetime.date(2026, 3, 9))
    meet(red, MeetingKind.COMMITTEE, datetime.date(2026, 4, 9))
    county = completion_of([region.north.pk], 2026, TODAY)[region.north.pk]
    assert county.units == 3
    assert (county.total.held, county.total.need) == (4, 3 + 2 + 4 + 3 + 10)
    assert county.rate == round(100 * 4 / 22, 1)


def test_rollups_check_finds_a_meeting_written_around_the_services_and_rebuild_mends_it(region, red, clock, capsys):
    meet(red, MeetingKind.COMMITTEE, datetime.date(2026, 4, 9))
    call_command("rollups", "--check")
    OrgTally.objects.filter(org=region.north, key="meet:held:2026:committee:month:4").update(n=7)
    with pytest.raises(CommandError, match="组织汇总数有 1 项与实际不一致"):
        call_command("rollups", "--check")
    assert "meet:held:2026:committee:month:4：汇总 7，实际 1" in capsys.readouterr().out
    call_command("rollups", "--rebuild")
    call_command("rollups", "--check")
    assert kept(region.north) == counted(region.north)
