"""The dashboard's weekly reports and problem list kept on write (`weekly/rollups.py`, `problems/rollups.py` in
`orgs.OrgTally`): after every kind of write the dashboard's figures equal a hand count from the records, they agree
with a recount (`dangjian rollups --check`), `--rebuild` restores them, and the dashboard reads neither table, so its
questions do not grow with the villages and problems below."""

import datetime
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q
from django.test.utils import CaptureQueriesContext

from dangjian.flows.dashboards import WEEKS, problem_figures, weekly_figures
from dangjian.members import rollups as all_rollups
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.models import Organization, OrgTally
from dangjian.orgs.services import move_org
from dangjian.problems import services as problems
from dangjian.problems.choices import LEVEL_ORDER, ProblemStatus
from dangjian.problems.models import Problem
from dangjian.stations.services import update_station
from dangjian.weekly import services as weekly
from dangjian.weekly import weeks
from dangjian.weekly.models import VillageReport
from dangjian.weekly.services import Answer
from test_dashboards import chart_data

from conftest import make_org

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime.date(2026, 3, 16)  # 2026年第12周
NEXT = MONDAY + datetime.timedelta(weeks=1)
TODAY = NEXT + datetime.timedelta(days=3)  # the dashboard's weeks end with NEXT's


def at(day: datetime.date, hour: int = 9):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False)


# ---------------------------------------------------------------------------------------------- the hand counts


def weekly_from_records(org: Organization, today: datetime.date) -> list[tuple[int, int, int]]:
    """(due, sent, on time) for each week the dashboard shows, counted from the village reports of the subtree."""
    first = weeks.this_week(today) - datetime.timedelta(weeks=WEEKS - 1)
    rows = (
        VillageReport.objects.in_subtree(org)
        .filter(arrangement__week__gte=first)
        .order_by()
        .values_list("arrangement__week")
        .annotate(
            n=Count("id"),
            sent=Count("id", filter=Q(submitted_at__isnull=False)),
            on_time=Count("id", filter=Q(submitted_at__lt=F("arrangement__report_due"))),
        )
    )
    found = {week: (n, sent, on_time) for week, n, sent, on_time in rows}
    return [found.get(first + datetime.timedelta(weeks=k), (0, 0, 0)) for k in range(WEEKS)]


def weekly_shown(org: Organization, today: datetime.date) -> list[tuple[int, int, int]]:
    return [(row["due"], row["sent"], row["on_time"]) for row in weekly_figures(org, today)["rows"]]


def problems_from_records(org: Organization) -> dict[str, list[int]]:
    """Status label → problems of the subtree at each level (站（村）, 镇, 县, 市), counted from the problem list."""
    counts = Counter(
        {
            (level, status): n
            for level, status, n in Problem.objects.in_subtree(org)
            .order_by()
            .values_list("level", "status")
            .annotate(n=Count("id"))
        }
    )
    return {label: [counts[(lv, status)] for lv in LEVEL_ORDER] for status, label in ProblemStatus.choices}


def problems_shown(org: Organization) -> dict[str, list[int]]:
    return {series["name"]: series["data"] for series in problem_figures(org)["series"]}


def agree(region, today=TODAY):
    """Every organization of the region: the dashboard's figures are the hand count; and the recount agrees."""
    for org in Organization.objects.order_by("path"):
        assert weekly_shown(org, today) == weekly_from_records(org, today), org.name
        assert problems_shown(org) == problems_from_records(org), org.name
    assert all_rollups.differences() == []


# ---------------------------------------------------------------------------------------------- the weekly reports


def relay(station, town_user, station_user, monday):
    with at(monday):
        items = [{"title": "开展入户走访", "target": "走访困难党员", "due": monday + datetime.timedelta(days=4)}]
        weekly.publish_town_arrangement(station.town, monday, items, actor=town_user)
        return weekly.relay_arrangement(station, monday, (), actor=station_user)


def send(arrangement, village, actor, day, hour=9):
    with at(day, hour):
        answers = {item.pk: Answer("done") for item in weekly.village_items(arrangement)}
        return weekly.submit_village_report(arrangement, village, answers, actor=actor)


def test_the_weekly_figures_follow_each_report_written(region, station, town_user, station_user):
    first = relay(station, town_user, station_user, MONDAY)
    agree(region)
    assert weekly_shown(region.city, TODAY)[-2] == (3, 0, 0)  # the relay: three villages owe the week's report
    send(first, region.village, station_user, MONDAY + datetime.timedelta(days=2))  # on time
    send(first, region.birch, station_user, MONDAY + datetime.timedelta(days=5))  # Saturday: late
    agree(region)
    assert weekly_shown(region.north, TODAY)[-2] == (3, 2, 1)
    second = relay(station, town_user, station_user, NEXT)
    send(second, region.village, station_user, NEXT + datetime.timedelta(days=4), hour=23)  # Friday night: on time
    agree(region)
    assert weekly_shown(region.town, TODAY)[-2:] == [(3, 2, 1), (3, 1, 1)]
    assert weekly_shown(region.village, TODAY)[-2:] == [(1, 1, 1), (1, 1, 1)]
    assert weekly_shown(region.south, TODAY)[-2:] == [(0, 0, 0), (0, 0, 0)]


def test_a_village_covered_after_the_relay_is_counted_when_it_reports(region, station, town_user, station_user):
    """Its report is made when it is sent (the relay did not know it): due and sent together."""
    second = relay(station, town_user, station_user, NEXT)
    pine = make_org(region.town, "青松二村党支部", "T-PINE", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    with at(NEXT):
        update_station(
            station, actor=None, name=station.name, code=station.code, villages=[*station.villages.all(), pine]
        )
    send(second, pine, None, NEXT + datetime.timedelta(days=1))
    agree(region)
    assert weekly_shown(region.town, TODAY)[-1] == (4, 1, 1)


def test_a_refused_report_changes_no_figure(region, station, town_user, station_user):
    first = relay(station, town_user, station_user, MONDAY)
    send(first, region.village, station_user, MONDAY + datetime.timedelta(days=1))
    before = weekly_shown(region.city, TODAY)
    with pytest.raises(Exception, match="不能重复报送"):
        send(first, region.village, station_user, MONDAY + datetime.timedelta(days=2))
    assert weekly_shown(region.city, TODAY) == before
    agree(region)


# ---------------------------------------------------------------------------------------------- the problem list


def record(org, level="station_village"):
    return problems.record_problem(
        org,
        title="道路破损",
        category="infrastructure",
        level=level,
        owner_name="村干部",
        deadline=TODAY + datetime.timedelta(days=10),
        actor=None,
    )


def test_the_problem_figures_follow_each_step_of_a_problem(region):
    with at(TODAY):
        first = record(region.village)
        record(region.birch, level="town")
        record(region.south_village)
        agree(region)
        assert problems_shown(region.north)["办理中"] == [1, 1, 0, 0]
        problems.submit_problem(first, result="已修好", actor=None)
        agree(region)
        problems.return_problem(first, opinion="还没修好", actor=None)
        agree(region)
        problems.escalate_problem(first, reason="村里没有经费", actor=None)  # 站（村）→ 镇, waiting for its owner
        agree(region)
        assert problems_shown(region.city)["待指派"] == [0, 1, 0, 0]
        problems.assign_problem(first, owner_name="镇干部", deadline=TODAY + datetime.timedelta(days=5), actor=None)
        problems.submit_problem(first, result="镇里修好了", actor=None)
        problems.close_problem(first, opinion="核实已修好", actor=None)
        agree(region)
        assert problems_shown(region.town) == {"待指派": [0, 0, 0, 0], "办理中": [0, 1, 0, 0], "待核实销号": [0] * 4,
                                               "已销号": [0, 1, 0, 0]}  # fmt: skip
        assert problem_figures(region.city)["total"] == 3


def test_a_subtree_moved_takes_its_reports_and_problems_along(region, station, town_user, station_user):
    first = relay(station, town_user, station_user, MONDAY)
    send(first, region.village, station_user, MONDAY + datetime.timedelta(days=1))
    with at(TODAY):
        record(region.village)
    move_org(region.town, region.south, actor=None)
    region.town.refresh_from_db()
    agree(region)
    assert weekly_shown(region.north, TODAY)[-2] == (0, 0, 0)
    assert weekly_shown(region.south, TODAY)[-2] == (3, 1, 1)
    assert problems_shown(region.south)["办理中"] == [1, 0, 0, 0] and problems_shown(region.north)["办理中"] == [0] * 4


# ---------------------------------------------------------------------------------------------- check and rebuild


def test_the_check_command_finds_drifted_weekly_and_problem_counts_and_rebuild_mends_them(
    region, station, town_user, station_user, capsys
):
    first = relay(station, town_user, station_user, MONDAY)
    send(first, region.village, station_user, MONDAY + datetime.timedelta(days=1))
    with at(TODAY):
        record(region.village)
    call_command("rollups", "--check")
    assert "一致" in capsys.readouterr().out
    OrgTally.objects.filter(org=region.north, key="week:20260316:sent").update(n=7)
    OrgTally.objects.filter(org=region.city, key="problem:station_village:open").delete()
    with pytest.raises(CommandError) as refused:
        call_command("rollups", "--check")
    assert "2 项与实际不一致" in str(refused.value)
    out = capsys.readouterr().out
    assert "漠北县委" in out and "week:20260316:sent：汇总 7，实际 1" in out
    assert "problem:station_village:open：汇总 0，实际 1" in out
    call_command("rollups", "--rebuild")
    agree(region)


# ---------------------------------------------------------------------------------------------- the dashboard's cost

RECORD_TABLES = (VillageReport._meta.db_table, Problem._meta.db_table)


def dashboard_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in ctx.captured_queries]


def test_the_dashboard_reads_the_roll_ups_not_the_records(region, station, town_user, station_user, login, city_admin):
    """As many questions with three villages as with twenty-three; none of them reads the reports or the problems,
    and what it shows is the hand count."""
    first = relay(station, town_user, station_user, MONDAY)
    send(first, region.village, station_user, MONDAY + datetime.timedelta(days=1))
    client = login(city_admin)
    with at(TODAY):
        record(region.village)
        client.get("/dashboards/")
        few = dashboard_queries(client, "/dashboards/")
        villages = [
            make_org(region.town, f"新村{n}党支部", f"T-NEWV-{n}", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
            for n in range(20)
        ]
        for village in villages:
            record(village)
    with at(NEXT):
        update_station(station, actor=None, name=station.name, code=station.code, villages=villages[:5])
    second = relay(station, town_user, town_user, NEXT)  # the town relays for the station it covers
    send(second, villages[0], town_user, NEXT + datetime.timedelta(days=1))
    with at(TODAY):
        many = dashboard_queries(client, "/dashboards/")
        page = client.get("/dashboards/")
    assert len(many) == len(few), f"{len(few)} queries for 3 villages, {len(many)} for 23"
    assert not [sql for sql in many if any(f'"{table}"' in sql for table in RECORD_TABLES)]
    data = chart_data(page)
    on_time = [(row["due"], row["sent"], row["on_time"]) for row in data["weekly"]["rows"]]
    assert on_time == weekly_from_records(region.city, TODAY)
    assert on_time[-2:] == [(3, 1, 1), (5, 1, 1)]
    assert {s["name"]: s["data"] for s in data["problems"]["series"]} == problems_from_records(region.city)
    assert problems_from_records(region.city)["办理中"] == [21, 0, 0, 0]
