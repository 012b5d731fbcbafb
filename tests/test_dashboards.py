"""Dashboards (统计图表): the figures of an organization's subtree for the charts, drill-down to child
organizations within the user's scope, and the charts' data handed to the page as JSON (no inline script)."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.utils import timezone

from dangjian.assess import services as assess
from dangjian.flows.publishing import publish_assessment
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


def test_meeting_completion_of_a_large_subtree_is_left_to_its_children(region, login, county_user, monkeypatch):
    from dangjian.flows import dashboards

    monkeypatch.setattr(dashboards, "MEETING_BRANCHES", 1)  # 漠北县 has two branches
    response = login(county_user).get("/dashboards/")
    assert chart_data(response)["meetings"] is None
    assert "本范围内党支部超过 1 个" in response.content.decode()
    town = login(county_user).get(f"/dashboards/{region.town.pk}/")
    assert chart_data(town)["meetings"] is None  # the town's two branches: still over the limit here
