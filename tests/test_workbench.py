"""The workbench (工作台, the home page): each thing waiting shows for the person who must act on it, as a count and
a link, and goes away once it is done; nobody sees another county's."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.accountability import services as accountability
from dangjian.cadence.notify import notify
from dangjian.core import workbench
from dangjian.inspections.choices import FindingStatus
from dangjian.problems import services as problems
from dangjian.rectify import services as rectify
from dangjian.rectify.models import CaseSource


def waiting(client) -> dict[str, int]:
    """The items the home page shows: key → count."""
    response = client.get("/")
    assert response.status_code == 200
    return {item.key: item.count for item in response.context["work"]}


def submitted(org, title: str, level: str, actor):
    """A problem of `org` at `level`, reported solved by `actor`: it waits for its check."""
    problem = problems.record_problem(
        org,
        title=title,
        category="infrastructure",
        level=level,
        owner_name="经办人",
        deadline=timezone.localdate() + datetime.timedelta(days=10),
        actor=actor,
    )
    return problems.submit_problem(problem, result="已办结", actor=actor)


@pytest.fixture
def case(region, city_admin):
    return rectify.open_case(
        region.village, year=timezone.localdate().year, source=CaseSource.MANUAL, actor=city_admin, reasons=["测试"]
    )


def test_every_area_has_registered_its_provider():
    assert set(workbench.providers()) >= {
        "rectify",
        "problems",
        "weekly",
        "accountability",
        "assess",
        "inspections",
        "partylife",
        "cadence",
    }


def test_a_case_moves_from_the_secretary_to_the_town_to_the_county(
    region, case, login, branch_secretary, town_user, county_user, outsider
):
    today = timezone.localdate()
    measure = rectify.add_measure(
        case,
        actor=county_user,
        problem="班子不团结",
        action="开展谈心谈话",
        responsible="王春生",
        deadline=today + datetime.timedelta(days=3),
        responsible_user=branch_secretary,
    )
    secretary, town, county = login(branch_secretary), login(town_user), login(county_user)
    assert waiting(secretary).get("rectify.measures_due") == 1
    page = secretary.get("/").content.decode()
    assert "我负责的整改措施 7 天内到期" in page and f"/rectify/{case.pk}/" in page
    assert "rectify.town_check" not in waiting(town)

    rectify.complete_measure(measure, actor=branch_secretary, date=today)
    assert "rectify.measures_due" not in waiting(secretary)
    assert waiting(town).get("rectify.town_check") == 1
    assert "rectify.town_check" not in waiting(secretary)  # the check is the level above's
    assert "rectify.town_check" not in waiting(login(outsider))

    rectify.town_check(case, actor=town_user, opinion="已整改到位")
    assert "rectify.town_check" not in waiting(town)
    assert waiting(county).get("rectify.close") == 1
    assert "rectify.close" not in waiting(town)  # closing is the county's (DANGJIAN_CASE_CLOSING_LEVEL)

    rectify.close_case(case, actor=county_user, opinion="验收合格")
    assert "rectify.close" not in waiting(county)


def test_an_overdue_measure_is_urgent(region, case, login, branch_secretary, county_user):
    rectify.add_measure(
        case,
        actor=county_user,
        problem="制度不健全",
        action="建立制度",
        responsible="王春生",
        deadline=timezone.localdate() - datetime.timedelta(days=1),
        responsible_user=branch_secretary,
    )
    response = login(branch_secretary).get("/")
    item = next(i for i in response.context["work"] if i.key == "rectify.measures_overdue")
    assert item.count == 1 and item.urgent
    assert '<li data-key="rectify.measures_overdue" class="urgent">' in response.content.decode()


def test_a_problem_waits_for_its_owner_then_for_the_level_above(region, login, town_user, county_user, city_admin):
    problem = problems.record_problem(
        region.village,
        title="村级活动场所漏雨",
        category="infrastructure",
        level="town",
        owner_name="镇干部",
        owner_user=town_user,
        deadline=timezone.localdate() + datetime.timedelta(days=10),
        actor=city_admin,
    )
    town, county = login(town_user), login(county_user)
    assert waiting(town).get("problems.mine") == 1
    assert f"/problems/{problem.pk}/" in town.get("/").content.decode()
    assert "problems.verify" not in waiting(county)

    problems.submit_problem(problem, result="已维修", actor=town_user)
    assert "problems.mine" not in waiting(town)
    assert waiting(county).get("problems.verify") == 1
    assert "problems.verify" not in waiting(town)  # nobody verifies their own

    problems.close_problem(problem, opinion="核实无误", actor=county_user)
    assert "problems.verify" not in waiting(county)


def test_the_verifier_is_kept_at_submission_and_a_top_level_problem_waits_for_a_manager_of_its_own_level(
    region, login, town_user, county_user, city_admin
):
    """A problem at each level is verified by the next level up with the right to change; a city problem (no level
    above) by its own city with the right to manage. The workbench reads the verifier kept at submission."""
    from dangjian.core.scope import Role
    from dangjian.problems.models import Problem

    from conftest import persona

    city_editor = persona("city_editor", region.city, Role.EDIT)
    made = {}
    for level in ("station_village", "town", "county", "city"):
        made[level] = submitted(region.village, f"{level}的问题", level, city_admin)
    for problem in Problem.objects.filter(pk__in=[p.pk for p in made.values()]):
        above, action = problems.verifier(problem)
        assert (problem.verifier_org, problem.verifier_manages) == (above, action == "manage"), problem.title
    assert Problem.objects.get(pk=made["city"].pk).verifier_org == region.city
    assert Problem.objects.get(pk=made["city"].pk).verifier_manages

    # Whoever may change the verifier checks: the town's editor the village's problem; the county's manager that and
    # the town's; the city's editor those and the county's; only a manager of the city the city's own as well. The
    # submitter (city_admin) checks none of the four.
    assert waiting(login(town_user)).get("problems.verify") == 1
    assert waiting(login(county_user)).get("problems.verify") == 2
    assert waiting(login(city_editor)).get("problems.verify") == 3
    assert waiting(login(persona("city_manager", region.city, Role.MANAGE))).get("problems.verify") == 4
    assert "problems.verify" not in waiting(login(city_admin))


def test_a_proposal_waits_for_whoever_may_confirm_it(region, station, login, county_user, town_user, outsider):
    accountability.rate_chief(
        actor=county_user, workstation=station, year=timezone.localdate().year, chief_name="周站长", rating="basic"
    )
    county = login(county_user)
    assert waiting(county).get("accountability.proposals") == 1
    assert "accountability.proposals" not in waiting(login(town_user))  # EDIT only: no confirming
    assert "accountability.proposals" not in waiting(login(outsider))

    from dangjian.accountability.models import Proposal

    accountability.confirm_proposal(Proposal.objects.get(), actor=county_user, date=timezone.localdate())
    assert "accountability.proposals" not in waiting(county)


def test_unread_notices_are_counted_until_read(region, login, town_user):
    notify([town_user], title="请报送本周完成情况", key="test:1")
    client = login(town_user)
    assert waiting(client).get("cadence.unread") == 1
    client.post("/notifications/read-all/")
    assert "cadence.unread" not in waiting(client)


def test_meetings_missing_this_quarter_show_for_the_branch(region, login, branch_secretary, city_admin):
    """A branch holds a 党员大会 each quarter and a 支部党员大会… the completion rules count what is due by now; a
    branch that has held nothing is short for every period already over in this quarter (none on its first day)."""
    from dangjian.partylife.completion import branch_table

    today = timezone.localdate()
    quarter = (today.month - 1) // 3
    rows = branch_table(region.village, today.year, today)
    expected = sum(max(r.quarters[quarter].need - r.quarters[quarter].held, 0) for r in rows)
    got = waiting(login(branch_secretary)).get("partylife.missing", 0)
    assert got == expected
    assert "partylife.missing" not in waiting(login(city_admin))  # counted from a town's scope down


def test_inspection_findings_wait_until_rectified(region, case, login, town_user, county_user, outsider):
    """A spot check of the village's case finds a 不符合 item and sends it to rectification: the finding waits for
    those who may change the village's records until the measure it opened is done."""
    from dangjian.inspections import checklists
    from dangjian.inspections import services as inspections
    from dangjian.inspections.choices import DrawPurpose, ItemResult, PopulationKind
    from dangjian.inspections.models import Finding

    set_up = datetime.datetime(2026, 5, 1, 9, 0, tzinfo=datetime.UTC)
    draw_at = datetime.datetime(2026, 5, 3, 9, 0, tzinfo=datetime.UTC)
    visited = datetime.date(2026, 5, 5)
    checklists.create_checklist(
        region.village, actor=None, year=2026, code="C01", name="检查清单", items="阵地建设\n三会一课台账"
    )
    inspections.add_inspector(region.village, actor=None, user=county_user, unit=region.north, name="督导员")
    draw = inspections.setup_draw(
        region.village,
        actor=None,
        title="2026-05 月度抽查",
        population_kind=PopulationKind.CASES,
        quota_default="100%",
        exclude_months=0,
        team_size=1,
        draw_at=draw_at,
        visit_until=datetime.date(2026, 5, 31),
        purpose=DrawPurpose.SPOT_CHECK,
        period="2026-05",
        now=set_up,
    )
    draw = inspections.commit_draw(draw, actor=None, now=set_up)
    draw = inspections.make_draw(draw, actor=None, now=draw_at)
    target = draw.targets.get()
    first, second = inspections.applicable_items(target, 2026)
    results = {first.pk: (ItemResult.NO, "阵地不到位"), second.pk: (ItemResult.YES, "")}
    visit = inspections.record_visit(
        target, actor=None, visited_on=visited, met="支部书记", results=results, today=visited
    )
    inspections.follow_up_findings(visit, actor=None, deadline=timezone.localdate() + datetime.timedelta(days=20))

    town = login(town_user)
    assert waiting(town).get("inspections.findings") == 1
    assert "/inspections/findings/?status=open" in town.get("/").content.decode()
    assert "inspections.findings" not in waiting(login(outsider))

    finding = Finding.objects.get()
    assert finding.status == FindingStatus.OPEN
    rectify.complete_measure(finding.measure, actor=town_user, date=timezone.localdate())
    assert "inspections.findings" not in waiting(town)


def test_nothing_waiting_says_so(region, login, reader):
    page = login(reader).get("/").content.decode()
    assert "眼下没有等待您处理的事项" in page
    assert "工作台" in page


def test_weekly_reports_wait_until_sent_and_turn_late_after_friday(station, login, town_user, branch_secretary):
    from zoneinfo import ZoneInfo

    import time_machine

    from dangjian.weekly import services as weekly
    from dangjian.weekly.services import Answer, village_items
    from dangjian.weekly.weeks import this_week

    tz = ZoneInfo("Asia/Shanghai")
    monday = this_week(timezone.localdate())
    items = [{"title": "召开党员大会", "target": "传达学习会议精神", "due": monday + datetime.timedelta(days=4)}]

    def on(day, hour=9):
        return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=tz), tick=False)

    with on(monday):
        weekly.publish_town_arrangement(station.town, monday, items, actor=town_user)
        relay = weekly.relay_arrangement(station, monday, [], actor=town_user)
        secretary, town = login(branch_secretary), login(town_user)
        assert waiting(secretary).get("weekly.due") == 1  # 青松村's own report
        assert waiting(town).get("weekly.due") == 3  # the three villages of the station below the town
    with on(monday + datetime.timedelta(days=5)):  # Saturday: Friday's deadline has passed
        secretary, town = login(branch_secretary), login(town_user)  # a new day's sessions
        assert waiting(secretary).get("weekly.late") == 1
        assert "weekly.due" not in waiting(secretary)
        answers = {item.pk: Answer("done") for item in village_items(relay)}
        weekly.submit_village_report(relay, station.villages.get(code="T-VILLAGE"), answers, actor=branch_secretary)
        assert "weekly.late" not in waiting(secretary)
        with CaptureQueriesContext(connection) as read:
            assert waiting(town).get("weekly.late") == 2
        # counted from the weekly roll-ups, not by reading the villages' reports (a province has 100,000 villages)
        assert not any("weekly_villagereport" in q["sql"] for q in read.captured_queries)


def test_a_secretary_report_waits_for_the_level_above_until_rated(
    region, login, county_user, town_user, branch_secretary, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.assess import review
    from dangjian.assess import services as assess
    from dangjian.assess.models import Participant
    from schemes import county_scheme, given
    from upload_samples import PDF

    settings.MEDIA_ROOT = tmp_path
    scheme = assess.save_scheme(
        actor=county_user, owner=region.north, text=county_scheme(given(100), category="工作", total="100")
    )
    assessment = assess.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31), review_weight="0.30"
    )
    village = Participant.objects.get(assessment=assessment, code="T-VILLAGE")
    review.upload_report(village, SimpleUploadedFile("述职报告.pdf", PDF), actor=branch_secretary)
    town = login(town_user)
    assert waiting(town).get("assess.reviews") == 1
    assert f"/assess/{assessment.pk}/reviews/" in town.get("/").content.decode()
    assert "assess.reviews" not in waiting(login(branch_secretary))  # not one's own
    review.rate(village, rating="good", comment="抓党建有力", actor=town_user)
    assert "assess.reviews" not in waiting(town)


def test_the_upgrade_keeps_the_verifier_of_the_problems_already_waiting(region, county_user, town_user, city_admin):
    """Problems submitted before the verifier was kept get it from the migration, as `submit_problem` keeps it."""
    import importlib
    from types import SimpleNamespace

    from django.db.migrations.executor import MigrationExecutor

    from dangjian.problems.models import Problem

    migration = importlib.import_module("dangjian.problems.migrations.0003_verifier_kept")
    waiting_ones = []
    for level in ("town", "city"):
        waiting_ones.append(submitted(region.village, f"升级前的{level}问题", level, city_admin).pk)
    Problem.objects.update(verifier_org=None, verifier_manages=False)  # as the rows were before the upgrade
    state = MigrationExecutor(connection).loader.project_state(("problems", "0003_verifier_kept"))
    migration.keep_verifiers(state.apps, SimpleNamespace(connection=connection))

    kept = dict(Problem.objects.filter(pk__in=waiting_ones).values_list("title", "verifier_org"))
    assert kept == {"升级前的town问题": region.north.pk, "升级前的city问题": region.city.pk}
    assert Problem.objects.get(title="升级前的city问题").verifier_manages


def test_a_waiting_problem_follows_its_organization_to_its_new_level_above(region, login, town_user, city_admin):
    """A village moved to another town while its problem waits for the check: the new town sees it, the old not."""
    from dangjian.core.scope import Role
    from dangjian.orgs.choices import Level, OrgKind
    from dangjian.orgs.services import move_org

    from conftest import make_org, persona

    other_town = make_org(region.north, "红旗镇党委", "T-TOWN2", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    other_town_user = persona("other_town_user", other_town, Role.EDIT)
    submitted(region.village, "村部门窗损坏", "station_village", city_admin)
    assert waiting(login(town_user)).get("problems.verify") == 1
    move_org(region.village, other_town, actor=city_admin)
    assert "problems.verify" not in waiting(login(town_user))
    assert waiting(login(other_town_user)).get("problems.verify") == 1


def test_problems_waiting_by_the_hundred_are_counted_to_the_cap_and_shown_as_more(
    region, login, county_user, city_admin, monkeypatch
):
    """At a province's root thousands of problems wait to be assigned or checked: the workbench counts them no
    further than a cap and says "N+"; the list behind the link counts them all."""
    from dangjian.flows import workbench as flows_workbench

    monkeypatch.setattr(flows_workbench, "WIDE_CAP", 2)
    for n in range(3):
        submitted(region.village, f"待核实的问题{n}", "town", city_admin)
    client = login(county_user)
    page = client.get("/")
    item = next(i for i in page.context["work"] if i.key == "problems.verify")
    assert (item.count, item.more) == (2, True)
    assert '<span class="todo-num">2+</span>' in page.content.decode()
    assert item.url == "/problems/duties/?status=submitted"
    listing = client.get(item.url).content.decode()
    assert listing.count("待核实的问题") == 3

    monkeypatch.setattr(flows_workbench, "WIDE_CAP", 3)
    item = next(i for i in login(county_user).get("/").context["work"] if i.key == "problems.verify")
    assert (item.count, item.more) == (3, False)
