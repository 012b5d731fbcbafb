"""Dashboards (统计图表): the figures of an organization's subtree for the charts, drill-down to child
organizations within the user's scope, and the charts' data handed to the page as JSON (no inline script)."""

from __future__ import annotations

import datetime
import json
import re

import pytest
import time_machine
from django.utils import timezone

from dangjian.assess import services as assess
from dangjian.flows import dashboards
from dangjian.flows.publishing import publish_assessment
from dangjian.members.models import Member
from dangjian.partylife.choices import MeetingKind
from dangjian.partylife.services import Presence, record_meeting
from dangjian.problems import services as problems
from schemes import R01, T01, county_scheme, given

pytestmark = pytest.mark.django_db

SCHEME = county_scheme(T01, given(80), R01, year=2025, total="100")


def chart_data(response) -> dict:
    html = response.content.decode()
    found = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the charts' data is in the page"
    return json.loads(found.group(1))


@pytest.fixture
def published(region, county_user, town_user):
    """2025's assessment of 漠北县 published: 青松村 scored, 白桦村 got nothing and is weak."""
    scheme = assess.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    assessment = assess.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2025, 12, 31)
    )
    assess.enter(assessment.participants.get(code="T-VILLAGE"), "G01", "80", actor=town_user)
    publish_assessment(assessment, actor=county_user)
    return assessment


def test_the_county_dashboard_shows_grades_weak_list_and_children(region, published, login, county_user):
    response = login(county_user).get("/dashboards/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "漠北县委 · 统计图表" in page
    data = chart_data(response)
    assert data["grades_domain"]["categories"] == ["农村"]
    grades = {s["name"][0]: s["data"][0] for s in data["grades_domain"]["series"]}
    assert sum(grades.values()) == 2 and grades["D"] >= 1
    assert data["grades_child"]["categories"] == ["松岭镇党委"]
    assert "软弱涣散名单（1 个）" in page and "白桦村党支部" in page
    assert "整顿" in page  # the weak one's rectification state, opened on publishing
    # drill-down: a link per child organization that has organizations below it
    assert f'href="/dashboards/{region.town.pk}/"' in page
    assert 'src="/static/dangjian/vendor/echarts/echarts.min.js"' in page or "echarts.min" in page
    assert "<script>" not in page  # CSP 'self': data as JSON, drawing in a file


def test_drilling_down_to_the_town_and_the_village(region, published, login, county_user):
    client = login(county_user)
    town = client.get(f"/dashboards/{region.town.pk}/")
    assert town.status_code == 200
    data = chart_data(town)
    assert data["grades_child"]["categories"] == ["青松村党支部", "白桦村党支部"]  # in the tree's order
    assert "漠北县委</a> ›" in town.content.decode()  # the way back up
    village = client.get(f"/dashboards/{region.village.pk}/")
    assert village.status_code == 200
    assert "本组织为基层党组织" in village.content.decode()


def test_a_dashboard_outside_the_scope_is_not_found(region, login, county_user, branch_secretary):
    assert login(county_user).get(f"/dashboards/{region.south.pk}/").status_code == 404
    assert login(branch_secretary).get(f"/dashboards/{region.town.pk}/").status_code == 404
    assert login(branch_secretary).get(f"/dashboards/{region.village.pk}/").status_code == 200


def test_totals_come_from_the_roll_ups_and_follow_each_write(region, login, county_user):
    from conftest import make_member

    client = login(county_user)
    page = client.get("/dashboards/").content.decode()
    assert re.search(r'<div class="num">4</div><div>党员</div>', page)
    make_member(region.birch, "新党员", 42)
    page = client.get("/dashboards/").content.decode()
    assert re.search(r'<div class="num">5</div><div>党员</div>', page)


def test_problems_by_level_and_meetings_by_child(region, login, county_user, city_admin):
    problems.record_problem(
        region.village,
        title="道路破损",
        category="infrastructure",
        level="town",
        owner_name="镇干部",
        deadline=timezone.localdate() + datetime.timedelta(days=5),
        actor=city_admin,
    )
    data = chart_data(login(county_user).get("/dashboards/"))
    levels = data["problems"]["categories"]
    open_series = next(s for s in data["problems"]["series"] if s["name"] == "办理中")
    assert open_series["data"][levels.index("镇")] == 1
    assert data["meetings"]["categories"] == ["松岭镇党委"]
    assert len(data["weekly"]["categories"]) == 8


def test_a_user_without_organizations_is_told_so(region, login):
    from django.contrib.auth.models import User

    from conftest import settled

    nobody = settled(User.objects.create_user("nobody"))
    page = login(nobody).get("/dashboards/").content.decode()
    assert "尚未被授权任何组织" in page


def hold_three_meetings(branch) -> None:
    """The 主题党日 on 9 January and 9 February and the 党员大会 on 9 March 2026, everyone present."""
    for day, kind in ((9, MeetingKind.THEME_DAY), (40, MeetingKind.THEME_DAY), (68, MeetingKind.ASSEMBLY)):
        record_meeting(
            actor=None,
            org=branch,
            kind=kind,
            date=datetime.date(2026, 1, 1) + datetime.timedelta(days=day - 1),
            topic="学习",
            people=[Presence(m, True) for m in Member.objects.filter(org=branch)],
        )


def test_meeting_completion_is_shown_at_the_root_and_the_county_with_the_hand_count(region, login, city_admin):
    """On 20 May 2026, 漠北县's two branches (no committee, no 党小组, founded long ago) owe a 党员大会 and a 党课 for
    the first quarter and a 主题党日 for each of January to April: 2 × 6 = 12; 青松村 held the 主题党日 in January and
    February and the 党员大会 in March: 3. 南岭县's one branch owes 6 and held nothing."""
    with time_machine.travel(datetime.datetime(2026, 5, 20, 10, 0, tzinfo=datetime.UTC), tick=False):
        hold_three_meetings(region.village)
        response = login(city_admin).get("/dashboards/")
        data = chart_data(response)["meetings"]
        assert data["categories"] == ["漠北县委", "南岭县委"]
        assert [(r["units"], r["text"], r["rate"]) for r in data["rows"]] == [(2, "3/12", 25.0), (1, "0/6", 0.0)]
        assert (data["units"], data["text"]) == (3, "3/18")
        assert "已开/应开 <strong>3/18</strong>" in response.content.decode()
        county = chart_data(login(city_admin).get(f"/dashboards/{region.north.pk}/"))["meetings"]
        assert (county["text"], county["rows"][0]["name"]) == ("3/12", "松岭镇党委")
        theme_day = next(k for k in county["kinds"] if k["name"] == "主题党日")
        assert (theme_day["text"], theme_day["rate"]) == ("2/8", 25.0)


def test_the_children_are_listed_a_page_at_a_time(region, login, city_admin, monkeypatch):
    monkeypatch.setattr(dashboards, "CHILDREN_PER_PAGE", 1)
    client = login(city_admin)
    first = client.get("/dashboards/").content.decode()
    assert "共 2 个，第 1–1 个" in first and "漠北县委" in first and 'href="?page=2">下一页' in first
    second = client.get("/dashboards/?page=2")
    page = second.content.decode()
    assert "第 2–2 个" in page and 'href="?page=1">上一页' in page
    assert chart_data(second)["meetings"]["categories"] == ["南岭县委"]
    for bad in ("abc", "-3", "99"):  # a page that is not there shows the nearest one
        assert client.get(f"/dashboards/?page={bad}").status_code == 200
    assert "第 2–2 个" in client.get("/dashboards/?page=99").content.decode()


def test_a_county_that_adjusted_its_meeting_rules_is_counted_by_them(region, login, city_admin):
    """漠北县 holds its 党课 monthly (a rulebook override): by 20 May its two branches owe a 党员大会, four 党课 and
    four 主题党日 each: 18, of which 青松村 held 3; 南岭县 owes 6 as before. The roll-ups count each branch by the rules
    in force for it, so the dashboard reads them as for any county, with no note of its own."""
    from dangjian.rulebook import services as rules
    from dangjian.rulebook.models import Rule

    with time_machine.travel(datetime.datetime(2026, 5, 20, 10, 0, tzinfo=datetime.UTC), tick=False):
        rules.set_override(
            Rule.objects.get(key="meeting.lecture"), region.north, actor=city_admin, reason="县委决定", value="month"
        )
        hold_three_meetings(region.village)
        response = login(city_admin).get("/dashboards/")
        data = chart_data(response)["meetings"]
        assert [(r["units"], r["text"]) for r in data["rows"]] == [(2, "3/18"), (1, "0/6")]
        assert (data["units"], data["text"]) == (3, "3/24")
        assert "本地区按规则库调整" not in response.content.decode()
        county = chart_data(login(city_admin).get(f"/dashboards/{region.north.pk}/"))["meetings"]
        lecture = next(k for k in county["kinds"] if k["name"] == "党课")
        assert (county["text"], lecture["text"]) == ("3/18", "0/8")
        south = login(city_admin).get(f"/dashboards/{region.south.pk}/")
        assert chart_data(south)["meetings"]["text"] == "0/6"
        assert "本地区按规则库调整" not in south.content.decode()
