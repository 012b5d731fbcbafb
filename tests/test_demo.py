"""The demo region has the shape of the sources, and each demo login sees exactly its own part of it."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from dangjian.core.citizen_id import id_number_problem
from dangjian.members.models import Member
from dangjian.orgs.choices import GRASSROOTS_KINDS, SystemTier
from dangjian.orgs.models import Organization, Workstation
from dangjian.orgs.rules import check_parent

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def built_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo built once for this file inside a transaction that is rolled back after its last test. Each test
    runs in a savepoint of it (pytest-django's `db`), so what one test writes the next does not see; building the
    demo for each test took a fifth of the suite's time."""
    folder = tmp_path_factory.mktemp("demo")
    with (
        django_db_blocker.unblock(),
        override_settings(
            DATA_DIR=folder,
            STATIC_ROOT=folder / "static",
            AUDIT_CHANGESET_DIR=folder / "changesets",
            AUDIT_ANCHOR_FILE=folder / "anchor.json",
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],  # as every test's (conftest.py)
        ),
        transaction.atomic(),
    ):
        call_command("demo", no_serve=True, verbosity=0)
        yield folder
        transaction.set_rollback(True)


@pytest.fixture
def demo(built_demo, db):
    return built_demo


def org_named(name):
    return Organization.objects.get(name=name)


def api_for(username):
    client = Client()
    token = client.post("/api/token/", {"username": username, "password": "demo-2026"}).json()["token"]
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    return client


def test_the_mohe_shaped_county_has_228_grassroots_organizations_and_about_2750_members(demo):
    county = org_named("示范市漠北县委")
    subtree = Organization.objects.in_subtree(county)
    assert subtree.filter(kind__in=GRASSROOTS_KINDS).count() == 228
    assert set(subtree.exclude(domain="").values_list("domain", flat=True)) == {
        "village",
        "community",
        "agency",
        "institution",
        "state_enterprise",
        "non_public",
    }
    members = Member.objects.filter(org__path__startswith=county.path).count()
    assert 2600 <= members <= 2900
    assert Organization.objects.filter(kind="county_committee").count() >= 2


def test_every_demo_organization_obeys_the_tree_rules_and_ids_are_well_formed(demo):
    for org in Organization.objects.select_related("parent"):
        check_parent(org.kind, org.parent, org)
        assert org.path.endswith(f"{org.pk:08d}.")
    for number in Member.objects.values_list("id_number", flat=True)[:300]:
        assert id_number_problem(number) == ""


def test_towns_have_workstations_of_three_to_five_villages_and_the_tax_line_breaks(demo):
    stations = list(Workstation.objects.all())
    assert stations and all(3 <= s.villages.count() <= 5 for s in stations)
    sub_bureaus = Organization.objects.filter(system_tier=SystemTier.SUB_BUREAU)
    assert sum(o.system_chain_broken() for o in sub_bureaus) >= 2
    assert any(o.parent.kind == "town_committee" for o in sub_bureaus)


def test_some_elections_are_overdue_and_some_seats_vacant(demo):
    orgs = list(Organization.objects.filter(kind__in=GRASSROOTS_KINDS))
    assert any(o.election_overdue() for o in orgs)
    assert any(o.posts.count() < o.committee_seats for o in orgs[:200])


def test_rerunning_the_demo_keeps_the_data(demo):
    before = (Organization.objects.count(), Member.objects.count())
    member = Member.objects.first()
    Member.objects.filter(pk=member.pk).update(job="保留下来")
    call_command("demo", no_serve=True, verbosity=0)
    assert (Organization.objects.count(), Member.objects.count()) == before
    assert Member.objects.get(pk=member.pk).job == "保留下来"
    assert (demo / "demo-installation").exists()


@pytest.mark.parametrize(
    ("username", "root"),
    [
        ("demo_city", "示范市委"),
        ("demo_county", "示范市漠北县委"),
        ("demo_town", "漠北县松岭镇党委"),
        ("demo_branch", "漠北县松岭镇青松村党支部"),
    ],
)
def test_each_demo_login_sees_exactly_its_subtree_in_pages_and_api(demo, username, root):
    top = org_named(root)
    expected_orgs = Organization.objects.in_subtree(top).count()
    expected_members = Member.objects.filter(org__path__startswith=top.path).count()

    client = Client()
    client.post("/accounts/login/", {"username": username, "password": "demo-2026"})
    home = client.get("/")
    assert home.context["org_total"] == expected_orgs
    assert home.context["member_totals"]["total"] == expected_members

    api = api_for(username)
    assert api.get("/api/orgs/").json()["count"] == expected_orgs
    assert api.get("/api/members/").json()["count"] == expected_members
    outside = Organization.objects.exclude(path__startswith=top.path).first()
    if outside is not None:
        assert api.get(f"/api/orgs/{outside.pk}/").status_code == 404
        assert client.get(f"/orgs/{outside.pk}/").status_code == 404


def test_the_county_login_sees_nothing_of_the_other_district(demo):
    client = Client()
    client.post("/accounts/login/", {"username": "demo_county", "password": "demo-2026"})
    other = Organization.objects.filter(kind="county_committee").exclude(name="示范市漠北县委").first()
    body = client.get("/orgs/search/", {"q": other.name[3:5]}).content.decode()
    assert other.name not in body


def test_the_example_scheme_runs_on_the_demo_county_and_the_weak_list_meets_the_floors(demo):
    from dangjian.assess.models import Assessment, Result
    from dangjian.assess.result_views import quota_lines

    assessment = Assessment.objects.get(root__name="示范市漠北县委")
    results = list(Result.objects.filter(participant__assessment=assessment).select_related("participant"))
    assert len(results) == 228
    lines = {q.domain: q for q in quota_lines(assessment, results)}
    # 15% of the villages, 10% of the communities, 5% of each other domain, rounded up; grade D on top.
    for domain, line in lines.items():
        if line.organizations:
            assert line.weak == max(line.floor, line.grade_d), (domain, line.text, line.weak)
    assert lines["village"].text.startswith("农村 ") and "× 15% =" in lines["village"].text
    vetoed = [r for r in results if any("一票否决" in g for g in r.grade_reasons)]
    assert len(vetoed) == 1 and vetoed[0].grade == "D" and vetoed[0].weak
    assert not assessment.published  # left for demo_county to review and publish


def test_the_demo_stations_have_people_and_twelve_past_weeks_with_late_and_missing_reports(demo):
    from dangjian.stations.models import StationStaff
    from dangjian.weekly import weeks
    from dangjian.weekly.models import Arrangement, StationReport, VillageReport

    towns = Organization.objects.filter(kind="town_committee")
    assert all(Workstation.objects.filter(town=town).exists() for town in towns)  # every town has stations
    for station in Workstation.objects.all()[:20]:
        assert StationStaff.objects.filter(station=station, post="chief").count() == 1
        assert station.staff.filter(full_time=True).count() == station.fulltime_staff
    this_week = weeks.this_week()
    past = Arrangement.objects.filter(level="town", week__lt=this_week).values_list("week", flat=True).distinct()
    assert len(set(past)) == 12
    reports = VillageReport.objects.filter(arrangement__week__lt=this_week)
    sent = reports.exclude(submitted_at__isnull=True)
    missing = reports.filter(submitted_at__isnull=True).count()
    late = sum(1 for r in sent.select_related("arrangement") if r.submitted_at >= r.arrangement.report_due)
    assert 0.05 < missing / reports.count() < 0.2
    assert 0.05 < late / reports.count() < 0.2
    forwarded = StationReport.objects.filter(arrangement__week__lt=this_week).count()
    assert forwarded < Arrangement.objects.filter(level="station", week__lt=this_week).count()  # some never


def test_the_station_login_sees_exactly_its_stations_villages(demo):
    station = Workstation.objects.get(villages__name="漠北县松岭镇青松村党支部")
    villages = {v.pk for v in station.villages.all()}
    expected = Organization.objects.filter(
        pk__in=[
            o.pk for o in Organization.objects.all() if any(o.path.startswith(v.path) for v in station.villages.all())
        ]
    ).count()
    api = api_for("demo_station")
    assert api.get("/api/orgs/").json()["count"] == expected
    assert [s["id"] for s in api.get("/api/stations/").json()["results"]] == [station.pk]
    reports = api.get("/api/weekly/reports/").json()
    assert reports["count"] and {r["village_code"] for r in reports["results"]} <= set(
        Organization.objects.filter(pk__in=villages).values_list("code", flat=True)
    )


def test_the_problem_lists_and_opinions_are_full_and_solved_mostly_low_as_in_qinzhou(demo):
    from django.db.models import Count

    from dangjian.opinions.models import Opinion
    from dangjian.problems.models import Problem

    assert 250 <= Problem.objects.count() <= 600 and 250 <= Opinion.objects.count() <= 800
    assert set(Problem.objects.values_list("level", flat=True)) == {"station_village", "town", "county", "city"}
    assert set(Problem.objects.values_list("status", flat=True)) == {"assigning", "open", "submitted", "closed"}
    solved = dict(Problem.objects.filter(status="closed").values_list("solved_level").annotate(n=Count("id")))
    # [003]: 9,150 of 13,159 at station/village level, 3,336 at town level, the rest above.
    assert solved["station_village"] > solved["town"] > solved["county"] + solved["city"] > 0
    assert Opinion.objects.values("category").distinct().count() >= 8
    assert Opinion.objects.filter(duplicate_of__isnull=False).exists() and Opinion.objects.exclude(reply="").exists()
    assert (
        Problem.objects.filter(source="opinion").count()
        == Opinion.objects.filter(problem__isnull=False, duplicate_of__isnull=True).count()
    )
    # The problems and the weeks were written in bulk: the roll-ups the dashboard reads were rebuilt after them.
    from dangjian.members import rollups

    assert rollups.differences() == []
    # Written in bulk too: each problem waiting for its check knows who checks it, so the demo town's workbench lists
    # the village problems it is to verify.
    from dangjian.problems.services import verifier

    waiting = list(Problem.objects.filter(status="submitted").select_related("org", "responsible_org"))
    assert waiting and all(p.verifier_org == verifier(p)[0] for p in waiting)
    client = Client()
    client.post("/accounts/login/", {"username": "demo_town", "password": "demo-2026"})
    assert "problems.verify" in {item.key for item in client.get("/").context["work"]}


def test_demo_branch_sees_its_own_villages_opinions_and_problems_only(demo):
    branch = org_named("漠北县松岭镇青松村党支部")
    client = api_for("demo_branch")
    opinions = client.get("/api/opinions/").json()
    assert opinions["count"] >= 10 and {row["org_code"] for row in opinions["results"]} == {branch.code}
    problems = client.get("/api/problems/").json()
    assert problems["count"] >= 5 and {row["org_code"] for row in problems["results"]} == {branch.code}
    town = api_for("demo_town").get("/api/opinions/").json()
    assert town["count"] > opinions["count"]


def test_a_year_of_monthly_draws_each_verifiable_with_visits_findings_and_follow_up(demo):
    from dangjian.inspections.choices import DrawPurpose, DrawStatus
    from dangjian.inspections.models import Draw, Finding, Visit
    from dangjian.inspections.verify import verify_draw

    county = org_named("示范市漠北县委")
    village_draws = Draw.objects.filter(org=county, purpose=DrawPurpose.ADHOC)
    assert village_draws.count() == 12
    assert Draw.objects.filter(org=county, purpose=DrawPurpose.SPOT_CHECK).exists()
    for draw in Draw.objects.filter(status=DrawStatus.DRAWN):
        assert all(check.ok for check in verify_draw(draw)), draw
    assert Visit.objects.count() >= 60
    findings = list(Finding.objects.select_related("measure", "case"))
    assert findings and all(f.case_id for f in findings)
    assert {"fixed", "open"} <= {str(f.state) for f in findings}


def test_the_demo_branch_sees_no_pending_draw_and_the_demo_inspector_sees_their_tasks(demo):
    from dangjian.inspections.models import DrawTarget

    branch = Client()
    branch.post("/accounts/login/", {"username": "demo_branch", "password": "demo-2026"})
    own = DrawTarget.objects.filter(org__name="漠北县松岭镇青松村党支部", visit__isnull=True)
    for target in own:
        assert branch.get(f"/inspections/targets/{target.pk}/").status_code == 404
    inspector = api_for("demo_inspector")
    draws = inspector.get("/api/inspections/draws/").json()
    assert draws["count"] >= 1
    tasks = DrawTarget.objects.filter(team__user__username="demo_inspector")
    assert all(inspector.get(f"/api/inspections/draws/{t.draw_id}/").status_code == 200 for t in tasks[:5])


def test_the_demo_assessment_takes_meetings_and_development_from_the_records(demo):
    """L01–L03 and M01 are derived from a year of meetings and a development pipeline with realistic gaps: the
    branches' points differ, each equals its metric over the records, and the explanation names the records."""
    from decimal import ROUND_HALF_UP, Decimal

    from dangjian.assess.metrics import METRICS
    from dangjian.assess.models import Result
    from dangjian.partylife.models import Applicant, Meeting

    assert Meeting.objects.count() > 3000 and Applicant.objects.filter(stage="probationary").exists()
    results = list(Result.objects.select_related("participant__assessment__scheme").order_by("participant__path"))
    assessment = results[0].participant.assessment
    scheme = assessment.scheme.parsed()
    derived = {
        "L01": "meetings_three_one",
        "L02": "theme_day_held",
        "L03": "life_review_held",
        "M01": "development_activity",
    }
    seen = {code: set() for code in derived}
    branches = [r for r in results if r.participant.kind == "branch"][:40]
    for r in branches:
        group = scheme.group_for(r.participant.domain, r.participant.level)
        for j, ind in enumerate(group.indicators):
            if ind.code in derived:
                assert ind.metric == derived[ind.code]
                share = METRICS[ind.metric].compute([r.participant], assessment.cutoff, assessment.year)[
                    r.participant.id
                ]
                expected = int((Decimal(share) * ind.max_cents).to_integral_value(rounding=ROUND_HALF_UP))
                assert r.cents[j] == expected, (r.participant.name, ind.code)
                seen[ind.code].add(r.cents[j])
    assert all(len(points) > 1 for points in seen.values()), seen  # the branches differ on each

    client = Client()
    client.post("/accounts/login/", {"username": "demo_county", "password": "demo-2026"})
    short = next(r for r in branches if min(r.cents) < max(r.cents))
    body = client.get(f"/assess/orgs/{short.participant.pk}/result/").content.decode()
    assert "应开" in body and "召开日期" in body and "本年度培养入党积极分子" in body
    assert "查看组织生活记录" in body


def test_the_demo_county_has_projects_and_resources_with_gaps(demo):
    from dangjian.resources.models import MonthlyReport, Project, Secretary, Training, Venue
    from dangjian.resources.rollup import rollup

    county = org_named("示范市漠北县委")
    figures = rollup(county, demo_today().year, demo_today()).total
    assert figures.projects > 20 and figures.featured > 0 and figures.central > 0
    assert 0 < figures.centres < Venue.objects.filter(kind="activity").count() + figures.centres
    assert 0 < figures.venues_standard < figures.venues  # some venues are short of the "十有" items
    assert figures.services > 0 and figures.trainings > 0 and figures.liaison_village > 0
    assert figures.fund_in_budget_fen < figures.fund_budget_fen  # some funds outside the budget
    assert figures.secretaries > 0 and MonthlyReport.objects.exists()
    assert figures.reports_late + figures.reports_missing > 0  # some plans late, some ledgers missing
    assert Project.objects.filter(milestones__isnull=False).exists() and Training.objects.exists()
    assert Secretary.objects.exists()


def demo_today():
    from django.utils import timezone

    return timezone.localdate()
