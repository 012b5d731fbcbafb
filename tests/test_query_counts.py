"""List pages ask the database a fixed number of questions, however many rows they show (no N+1).

Every list route is pinned in PINNED: a route named `…list`, a page built on `core.views.ScopedListView` or an API
route whose GET lists fails `test_every_list_route_is_pinned` until it has its line here.
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from dangjian.accountability import services as accountability
from dangjian.accountability.choices import ChiefGrade, CommendationKind, RecordKind
from dangjian.accounts.duties import Duty
from dangjian.accounts.models import Role
from dangjian.accounts.services import assign_duty, create_user, grant_org
from dangjian.accounts.tokens import issue_token
from dangjian.assess import services as assess
from dangjian.assess.models import SchemeRecord
from dangjian.cadence.models import Notification
from dangjian.core.paging import LIST_CAP
from dangjian.core.views import ScopedListView
from dangjian.dues.services import record_payment, set_base
from dangjian.inspections import checklists
from dangjian.inspections import services as inspections
from dangjian.inspections.choices import DrawPurpose, ItemResult, PopulationKind
from dangjian.inspections.models import Checklist
from dangjian.opinions.services import create_code, make_problem, record_opinion
from dangjian.orgs.choices import Domain, Level, OrgKind, Post
from dangjian.orgs.models import VerticalSystem
from dangjian.orgs.services import set_post
from dangjian.partylife.services import Presence, record_meeting, register_applicant
from dangjian.problems.services import close_problem, record_problem, submit_problem
from dangjian.rectify.models import CaseSource
from dangjian.rectify.services import open_case
from dangjian.responsibility import services as duties
from dangjian.stations.services import add_staff, create_station
from dangjian.weekly import services as weekly
from dangjian.weekly import weeks
from dangjian.weekly.choices import Level as Paper
from dangjian.weekly.models import Arrangement
from dangjian.weekly.services import Answer
from schemes import COUNTY_SCHEME

from conftest import PASSWORD, id_number, make_member, make_org, persona

CUTOFF = datetime.date(2026, 12, 31)
TODAY_LIST = timezone.localdate()
DEADLINE = TODAY_LIST + datetime.timedelta(days=30)
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
SET_UP = datetime.datetime(2026, 5, 1, 9, 0, tzinfo=TZ)  # each branch's spot check set up and committed
DRAW_AT = datetime.datetime(2026, 5, 3, 9, 0, tzinfo=TZ)
VISITED = datetime.date(2026, 5, 5)

# Route name → the URLs of that route measured, each with its pinned count and who asks (county_user unless named).
# Raise a pin only with a reason; a page whose count grows with its rows is a defect.
PINNED: dict[str, list[tuple]] = {
    # The workbench (core.workbench): each area's waiting items take a query or two (flows/workbench.py), the
    # figures one read of the roll-ups (orgs.tally). +2: the survey's collecting assessments and the secretary's
    # report to upload (flows/workbench.py: survey_items, report_items), each one query when nothing waits.
    "home": [("/", 22)],
    "orgs:tree": [("/orgs/", 4)],
    "orgs:children": [("/orgs/{town}/children/", 5)],
    # +2: the town's station warnings read the rulebook (its rules and active overrides) once for the page.
    "orgs:detail": [("/orgs/{town}/", 17)],
    # Code prefix and name asked apart, each from its own index (orgs/search.py): one more than the OR was.
    "orgs:search": [("/orgs/search/?q=村", 5), ("/orgs/search/?q=村&format=json", 5)],
    "orgs:systems": [("/orgs/systems/", 4)],
    "members:list": [("/members/", 5), ("/members/?org_code=T-TOWN", 6)],
    "users:list": [("/users/", 10, "secadmin")],
    "api_tokens": [("/accounts/tokens/", 5)],
    "audit:list": [("/audit/", 8, "auditor")],
    "assess:list": [("/assess/", 6)],
    "assess:reviews": [("/assess/{assessment}/reviews/", 7)],
    "assess:results": [("/assess/{assessment}/results/", 7)],
    "accountability:list": [("/accountability/", 5), ("/accountability/?org_code=T-TOWN", 6)],
    "accountability:export": [("/accountability/records.xlsx", 9)],
    "accountability:person": [("/accountability/person/?q=书记", 5)],
    "accountability:proposals": [("/accountability/proposals/", 6)],
    "accountability:ratings": [("/accountability/ratings/", 5)],
    "accountability:commendations": [("/accountability/commendations/", 5)],
    "rectify:list": [("/rectify/", 5), ("/rectify/?org_code=T-TOWN&year=2026", 6)],
    "rectify:ledger": [("/rectify/ledger/", 10)],
    "rectify:ledger_org": [("/rectify/ledger/{town}/", 10)],
    "cadence:list": [("/notifications/", 5)],
    "inspections:list": [("/inspections/", 5)],
    "inspections:spot_checks": [("/inspections/spot-checks/", 7)],
    "inspections:findings": [("/inspections/findings/", 5), ("/inspections/findings/?org_code=T-TOWN&status=open", 6)],
    "inspections:checklists": [("/inspections/checklists/", 4)],
    "inspections:checklist": [("/inspections/checklists/{checklist}/", 6)],
    "inspections:inspectors": [("/inspections/inspectors/", 4)],
    "org-list": [("/api/orgs/", 5)],
    "member-list": [("/api/members/", 5)],
    "assessment-list": [("/api/assessments/", 5)],
    "scheme-list": [("/api/schemes/", 5)],
    "assessment-results": [("/api/assessments/{assessment}/results/", 6)],
    "case-list": [("/api/cases/", 5)],
    "accountability-record-list": [("/api/accountability/records/", 5)],
    "accountability-proposal-list": [("/api/accountability/proposals/", 5)],
    "stations:list": [("/stations/", 7)],
    "station-list": [("/api/stations/", 7)],
    "weekly:board": [("/weekly/", 11)],
    "weekly-arrangement-list": [("/api/weekly/arrangements/", 6)],
    "weekly-report-list": [("/api/weekly/reports/", 7)],
    "weekly-station-report-list": [("/api/weekly/station-reports/", 6)],
    "problems:problems": [("/problems/", 5), ("/problems/?org_code=T-TOWN&year=2026", 6)],
    "problems:duties": [("/problems/duties/", 5)],
    "problems:closed": [("/problems/closed/", 5)],
    "problem-list": [("/api/problems/", 5)],
    "opinions:list": [("/opinions/", 5), ("/opinions/?org_code=T-TOWN", 6)],
    "opinions:codes": [("/opinions/codes/", 5)],
    "opinion-list": [("/api/opinions/", 5)],
    "partylife:meetings": [("/partylife/", 5), ("/partylife/?org_code=T-TOWN", 6)],
    "partylife:applicants": [("/partylife/development/", 9), ("/partylife/development/?org_code=T-TOWN", 10)],
    "partylife:completion": [("/partylife/completion/?org_code=T-TOWN", 11)],
    "meeting-list": [("/api/meetings/", 7)],
    "applicant-list": [("/api/development/", 6)],
    "inspection-draw-list": [("/api/inspections/draws/", 5)],
    "inspection-visit-list": [("/api/inspections/visits/", 6)],
    "inspection-finding-list": [("/api/inspections/findings/", 5)],
    # The what-if page: two runs of the engine over one read of the inputs, its comparison paged.
    "assess:whatif": [("/assess/{assessment}/whatif/?go=1&w-G01=70&f-village=20", 13)],
    "responsibility:tasks": [("/duties/", 5), ("/duties/?org_code=T-TOWN&year=2026&overdue=true", 6)],
    "responsibility:items": [("/duties/items/", 5), ("/duties/items/?org_code=T-TOWN", 6)],
    "responsibility:items_export": [("/duties/items.xlsx", 9)],
    "responsibility:templates": [("/duties/templates/", 5)],
    "responsibility:groups": [("/duties/groups/", 5)],
    "duty-item-list": [("/api/duties/items/", 5)],
    "duty-task-list": [("/api/duties/tasks/", 5)],
    "resources:rollup": [("/resources/?org_code=T-TOWN", 16)],  # by child and by level; crumbs; the 十有 lists
    "resources:projects": [("/resources/projects/", 5), ("/resources/projects/?org_code=T-TOWN&year=2026", 6)],
    "resources:venues": [("/resources/venues/", 6)],  # with the areas' 十有 lists, once
    "resources:venues_export": [("/resources/venues.xlsx", 10)],
    "resources:trainings": [("/resources/trainings/", 5)],
    "resources:trainings_export": [("/resources/trainings.xlsx", 10)],
    "resources:funds": [("/resources/funds/", 6)],
    "resources:secretaries": [("/resources/secretaries/", 5)],
    "project-list": [("/api/projects/", 8)],
    "venue-list": [("/api/venues/", 6)],
    "training-list": [("/api/trainings/", 6)],
    "fund-list": [("/api/funds/", 5)],
    # One query per figure (flows/dashboards.py), the totals from the roll-ups; the meetings figure too, as the
    # roll-ups count each branch by its own rules (no rulebook read, whatever a region adjusted).
    "dashboards:index": [("/dashboards/", 14)],
    "dashboards:org": [("/dashboards/{town}/", 14)],
    # The rulebook (rules, overrides in scope) and party staffing; their growth with overrides and units is measured
    # in tests/test_rulebook.py and tests/test_staffing.py.
    "rulebook:list": [("/rules/", 9), ("/rules/?domain=agency", 9)],
    "rulebook:detail": [("/rules/org.secretary/", 9)],
    "staffing:index": [("/staffing/", 9)],
    "dues:sheet": [("/dues/?org_code=T-TOWN", 9)],
    "dues:arrears": [("/dues/arrears/?org_code=T-TOWN", 8)],
    "dues:rollup": [("/dues/rollup/?org_code=T-TOWN", 8)],
    "dues-list": [("/api/dues/", 11)],
}


def routes(resolver=None, namespace=""):
    """(name, view callback) of every URL pattern."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.callback


def is_list(name: str, callback) -> bool:
    view_class = getattr(callback, "view_class", None)
    actions = getattr(callback, "actions", None) or {}
    return (
        name.endswith("list")
        or (view_class is not None and issubclass(view_class, ScopedListView))
        or actions.get("get") == "list"
    )


def test_every_list_route_is_pinned():
    unpinned = sorted({name for name, callback in routes() if is_list(name, callback)} - set(PINNED))
    assert unpinned == [], f"list routes without a query-count pin: {unpinned}"


def weekly_cycle(town, station, village):
    """This week's papers of one station: the town's arrangement (published once), the station's relay with an
    item of its own, the village's report and the station's report to the town."""
    week = weeks.this_week()
    if not Arrangement.objects.filter(town=town, level=Paper.TOWN, week=week).exists():
        items = [{"title": "召开党员大会", "target": "传达会议精神", "due": week + 6 * weeks.ONE_DAY}]
        weekly.publish_town_arrangement(town, week, items, actor=None)
    own = [{"title": "整理台账", "target": "", "due": week + 6 * weeks.ONE_DAY, "by_station": True}]
    relay = weekly.relay_arrangement(station, week, own, actor=None)
    answers = {item.pk: Answer("done") for item in weekly.village_items(relay)}
    weekly.submit_village_report(relay, village, answers, actor=None)
    by_station = {item.pk: Answer("partly") for item in relay.items.filter(by_station=True)}
    weekly.forward_station_report(relay, own=by_station, actor=None)


def grow(region, n, *, people, start=0):
    """Add n of everything the lists show: branches with a member, a secretary, an accountability record, a
    recommendation, a rectification case and its spot check, a meeting with its attendance and a photo, an
    applicant for membership, a resident's opinion (every other one made a
    problem) and a problem; workstations covering the branch, with their people, a rating, a proposal and this
    week's arrangement and reports; schemes, vertical systems, notifications, API tokens, users and (through the
    services) audit rows; and the branch's own inspection (`inspected`)."""
    county_user = people["county_user"]
    for i in range(start, start + n):
        branch = make_org(
            region.town, f"新村{i:02d}党支部", f"T-N{i:02d}", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE
        )
        member = make_member(branch, f"新党员{i:02d}", 200 + i)
        set_base(member, actor=None, category="employed", base_fen=400000, effective_from=TODAY_LIST.replace(day=1))
        record_payment(member, actor=None, month=TODAY_LIST.replace(day=1))
        record_meeting(
            actor=None,
            org=branch,
            kind="assembly",
            date=TODAY_LIST,
            topic=f"党员大会{i:02d}",
            people=[Presence(member, True)],
            photos=[SimpleUploadedFile("会场.jpg", b"\xff\xd8\xff" + bytes([i]))],
        )
        register_applicant(
            actor=None,
            org=branch,
            name=f"申请人{i:02d}",
            gender="male",
            id_number=id_number(400 + i, datetime.date(2000, 1, 1)),
            applied_on=TODAY_LIST,
        )
        set_post(branch, actor=None, post=Post.SECRETARY, holder_name=f"书记{i:02d}")
        accountability.record_accountability(
            actor=None,
            org=branch,
            person_name="书记",
            person_post="书记",
            kind=RecordKind.TALK,
            date=datetime.date(2026, 5, 8),
            reason="三会一课长期不落实",
        )
        accountability.commend(
            actor=None, org=branch, person_name=f"书记{i:02d}", year=2026, kind=CommendationKind.HONOUR, reason="突出"
        )
        open_case(branch, year=2026, source=CaseSource.MANUAL, actor=None, reasons=["班子软弱"])
        station = create_station(
            actor=None, town=region.town, name=f"松岭第{i:02d}工作站", code=f"T-WS{i:02d}", villages=[branch]
        )
        add_staff(station, actor=None, name=f"站长{i:02d}", post="chief", full_time=True)
        add_staff(station, actor=None, name=f"干事{i:02d}")
        weekly_cycle(region.town, station, branch)
        opinion = record_opinion(branch, text=f"村口路灯坏了{i:02d}盏", date=TODAY_LIST, actor=None)
        if i % 2:
            make_problem(opinion, level="station_village", owner_name=f"书记{i:02d}", deadline=DEADLINE, actor=None)
        problem = record_problem(
            branch,
            title=f"活动室漏雨{i:02d}",
            category="infrastructure",
            level="station_village",
            owner_name="书记",
            deadline=DEADLINE,
            actor=None,
        )
        if i % 2 == 0:  # the closed list has rows too
            submit_problem(problem, result="已修好", actor=None)
            close_problem(problem, opinion="核实无误", actor=None)
        create_code(org=branch, actor=None)
        accountability.rate_chief(
            actor=None, workstation=station, year=2026, chief_name=f"站长{i:02d}", rating=ChiefGrade.BASIC
        )
        assess.save_scheme(actor=None, owner=region.north, text=COUNTY_SCHEME.replace("考核方案", f"考核方案{i:02d}"))
        VerticalSystem.objects.create(name=f"漠北第{i:02d}系统", owner=region.north)
        user = create_user(f"new_user_{i:02d}", PASSWORD, actor=None)
        grant_org(user, branch, Role.READ, actor=None)
        issue_token(county_user, actor=county_user, label=f"脚本{i:02d}")
        inspected(branch, user, i, county=region.north)
        duty_rows(region, branch, i)
        resourced(branch, member, i)
    accountability.generate_proposals(year=2026, actor=county_user)
    Notification.objects.bulk_create(
        Notification(user=county_user, title=f"通知{i}", key=f"grow-{i}") for i in range(start, start + n)
    )


def duty_rows(region, branch, i):
    """The branch's responsibility list (its secretary's and members' duties, the year's tasks, one done) and an
    agency committee with its 党组."""
    if i == 0:  # two duties: the secretary's each month, the members' each year
        duties.save_template(
            actor=None, owner=region.north, post="branch_secretary", frequency="monthly", title="主题党日"
        )
        duties.save_template(actor=None, owner=region.north, post="member", frequency="yearly", title="民主评议")
    duties.save_template(
        actor=None, owner=region.north, post="committee_member", frequency="yearly", title=f"事项{i:02d}"
    )
    committee = make_org(
        region.north, f"新机关{i:02d}党委", f"T-C{i:02d}", OrgKind.COMMITTEE, Level.COUNTY, Domain.AGENCY
    )
    duties.create_group(actor=None, guides=committee, name=f"新机关{i:02d}党组")
    duties.assign_duties(branch, actor=None)
    duties.generate_tasks(2026, actor=None, root=branch, backfill=True)
    task = branch.duty_tasks.order_by("due_on").first()
    duties.complete_task(task, actor=None, note="已完成", done_on=datetime.date(2026, 1, 20))


def resourced(branch, member, i):
    """The branch's 党建+ project (a milestone, evidence), its centre (a photo, a month of services), a training, a
    fund and a first secretary with a plan."""
    from dangjian.resources import services as res

    project = res.create_project(actor=None, org=branch, year=2026, title=f"党建+项目{i:02d}", category="featured",
                                 members=[member])  # fmt: skip
    res.add_milestone(project, actor=None, title="节点", due=TODAY_LIST)
    res.add_evidence(project, [SimpleUploadedFile("成效.pdf", b"%PDF-1.4 " + bytes([i]))], actor=None)
    photo = SimpleUploadedFile("中心.jpg", b"\xff\xd8\xff" + bytes([i]))
    venue = res.create_venue(actor=None, org=branch, kind="centre", name=f"服务中心{i:02d}", standard=["sign"],
                             photos=[photo])  # fmt: skip
    res.record_services(venue, actor=None, month=TODAY_LIST, items=5, people=9)
    res.record_training(actor=None, org=branch, title=f"培训{i:02d}", date=TODAY_LIST, members=[member])
    res.record_fund(actor=None, org=branch, year=2026, source="budget", purpose="活动", in_budget=True, budget_fen=100)
    secretary = res.add_secretary(actor=None, org=branch, name=f"第一书记{i:02d}", role="first_secretary",
                                  sent_by="县直单位", start=datetime.date(2026, 1, 1))  # fmt: skip
    res.submit_report(secretary, actor=None, month=TODAY_LIST, kind="plan", content="计划", submitted_on=TODAY_LIST)


def inspected(branch, inspector, i, *, county):
    """The branch's checklist and inspector, and the branch's own spot check of its case: one more draw of the month
    (many draws on the spot-check page), drawn, visited, its 不符合 item sent to rectification as a measure."""
    checklists.create_checklist(
        branch, actor=None, year=2026, code=f"C{i:02d}", name=f"检查清单{i:02d}", items="阵地建设\n三会一课台账"
    )
    inspections.add_inspector(branch, actor=None, user=inspector, unit=county, name=f"督导员{i:02d}")
    draw = inspections.setup_draw(
        branch,
        actor=None,
        title=f"2026-05 月度抽查{i:02d}",
        population_kind=PopulationKind.CASES,
        quota_default="100%",
        exclude_months=0,
        team_size=1,
        draw_at=DRAW_AT,
        visit_until=datetime.date(2026, 5, 31),
        purpose=DrawPurpose.SPOT_CHECK,
        period="2026-05",
        now=SET_UP,
    )
    draw = inspections.commit_draw(draw, actor=None, now=SET_UP)
    draw = inspections.make_draw(draw, actor=None, now=DRAW_AT)
    target = draw.targets.get()
    first, second = inspections.applicable_items(target, 2026)
    results = {first.pk: (ItemResult.NO, "阵地不到位"), second.pk: (ItemResult.YES, "")}
    visit = inspections.record_visit(
        target, actor=None, visited_on=VISITED, met="支部书记", results=results, today=VISITED
    )
    inspections.follow_up_findings(visit, actor=None, deadline=datetime.date(2026, 6, 30))


def opened(region, county_user):
    """An assessment of 漠北县 opened on the tree as it stands, and run, so its results are listed."""
    name = f"考核方案-{SchemeRecord.objects.count()}"
    scheme = assess.save_scheme(actor=county_user, owner=region.north, text=COUNTY_SCHEME.replace("考核方案", name))
    assessment = assess.open_assessment(actor=county_user, scheme=scheme, root=region.north, cutoff=CUTOFF)
    assess.run_assessment(assessment, actor=county_user)
    return assessment


@pytest.fixture
def people(region, county_user):
    auditor = persona("north_auditor", region.north, Role.READ)
    assign_duty(auditor, Duty.AUDITOR, actor=None)
    secadmin = persona("north_secadmin", region.north, Role.READ)
    assign_duty(secadmin, Duty.SECADMIN, actor=None)
    return {"county_user": county_user, "auditor": auditor, "secadmin": secadmin}


# Transaction control and planner settings are not reads of data: a statement run in a transaction of its own with
# a setting local to it (dues/sums.py, PostgreSQL's JIT) adds them on one database and not the other.
NOT_DATA = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "SET LOCAL")


def data_queries(client, url) -> list[str]:
    cache.clear()  # measure the page computing its counts, not reading them back
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].lstrip().upper().startswith(NOT_DATA)]


def count_queries(client, url):
    return len(data_queries(client, url))


def is_page_count(sql: str) -> bool:
    """The pager's capped count (core.paging), which a list that fits on its first page does without."""
    return sql.startswith("SELECT COUNT(*) FROM (") and sql.endswith(f"LIMIT {LIST_CAP + 1}) subquery")


PAGES = [(template, pinned, *who) for entries in PINNED.values() for template, pinned, *who in entries]


def address(template, region, people, assessment=None):
    """The URL; a page of one assessment gets one opened on the tree as it is now (its participants are a snapshot),
    unless it is given one."""
    if assessment is None and "{assessment}" in template:
        assessment = opened(region, people["county_user"]).pk
    checklist = Checklist.objects.order_by("-pk").values_list("pk", flat=True).first()
    return template.format(town=region.town.pk, assessment=assessment, checklist=checklist)


CASES = [(template, pinned, (who or ["county_user"])[0]) for template, pinned, *who in PAGES]


def test_list_pages_do_not_grow_with_rows(region, people, login):
    """Every pinned page asked with a few rows of everything, then again with many. One test for all the pages: the
    rows are grown once for all of them (growing them for each page took most of the suite's minutes on this file);
    every page that grows or passes its pin is named in the failure."""
    grow(region, 2, people=people)  # a few rows of every kind: an empty list skips the query of its rows
    clients = {who: login(people[who]) for who in {who for _template, _pinned, who in CASES}}
    few = {}
    assessment = opened(region, people["county_user"]).pk  # the pages of one assessment: opened on these rows
    for template, _pinned, who in CASES:
        url = address(template, region, people, assessment)
        clients[who].get(url)  # warm the session and the per-user scope cache like any later request
        few[template, who] = data_queries(clients[who], url)
    grow(region, 25, people=people, start=2)
    wrong = []
    assessment = opened(region, people["county_user"]).pk
    for template, pinned, who in CASES:
        url = address(template, region, people, assessment)
        clients[who].get(url)
        many = data_queries(clients[who], url)
        # A list that fits on its first page is counted from its rows; past a page the pager counts: one query.
        few_rows, many_rows = (
            [sql for sql in queries if not is_page_count(sql)] for queries in (few[template, who], many)
        )
        if len(many_rows) != len(few_rows):
            wrong.append(f"{url} ({who}): {len(few_rows)} queries for few rows, {len(many_rows)} for many")
        if len(many) > pinned:
            wrong.append(f"{url} ({who}): {len(many)} queries, pinned at {pinned}")
    assert not wrong, "\n".join(wrong)


def test_api_lists_do_not_grow_with_rows_under_a_token(region, people):
    client = Client()
    token = client.post("/api/token/", {"username": "county_user", "password": PASSWORD}).json()["token"]
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    few = count_queries(client, "/api/members/")
    grow(region, 10, people=people)
    assert count_queries(client, "/api/members/") == few


@pytest.mark.django_db(transaction=True)  # the data version is renewed when a write commits
def test_home_counts_are_kept_until_the_next_write(region, county_user, login):
    client = login(county_user)
    cache.clear()
    assert client.get("/").context["member_totals"]["total"] == 4
    with CaptureQueriesContext(connection) as again:
        assert client.get("/").context["member_totals"]["total"] == 4
    assert len(again.captured_queries) < PINNED["home"][0][1]
    make_member(region.birch, "新来的", 99)
    assert client.get("/").context["member_totals"]["total"] == 5


def test_the_root_dashboard_does_not_grow_with_its_children(region, people, login):
    """The dashboard of a root of 120 counties reads one page of them: as many questions for 32 counties as for 2."""
    grow(region, 2, people=people)
    root = persona("root_reader", region.city, Role.READ)
    client = login(root)
    client.get("/dashboards/")
    few = count_queries(client, "/dashboards/")
    for n in range(30):
        county = make_org(region.city, f"新设{n}县委", f"T-NEW-{n}", OrgKind.COUNTY_COMMITTEE, Level.COUNTY)
        make_org(county, f"新设{n}村党支部", f"T-NEWV-{n}", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    many = count_queries(client, "/dashboards/")
    assert many == few, f"/dashboards/: {few} queries for 2 counties, {many} for 32"
    assert many <= PINNED["dashboards:index"][0][1]
