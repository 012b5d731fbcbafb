"""The workbench and a dashboard in Chromium, on a desktop and on a phone: the waiting items are links, the charts
are drawn (SVG by the vendored ECharts) from the page's JSON without a Content-Security-Policy violation, nothing
scrolls sideways at a phone's width, and the charts are redrawn to the width they are given. Screenshots of each go
to DANGJIAN_TEST_ARTIFACTS (or the test's own folder)."""

import datetime
import os

import pytest
from django.utils import timezone

from dangjian.cadence.notify import notify
from dangjian.rectify import services as rectify
from dangjian.rectify.models import CaseSource

from .signin import sign_in
from .test_csp import watch
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def busy(region, city_admin, county_user, branch_secretary):
    """漠北县 after a published assessment (白桦村 weak, its case opened), with things waiting for the secretary."""
    from dangjian.assess import services as assess
    from dangjian.flows.publishing import publish_assessment
    from test_dashboards import SCHEME

    scheme = assess.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    assessment = assess.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2025, 12, 31)
    )
    assess.enter(assessment.participants.get(code="T-VILLAGE"), "G01", "80", actor=county_user)
    publish_assessment(assessment, actor=county_user)
    case = rectify.open_case(
        region.village, year=timezone.localdate().year, source=CaseSource.MANUAL, actor=city_admin, reasons=["测试"]
    )
    for days, action in ((-2, "建立三会一课台账"), (3, "开展谈心谈话")):
        rectify.add_measure(
            case,
            actor=county_user,
            problem="组织生活不规范",
            action=action,
            responsible="王春生",
            deadline=timezone.localdate() + datetime.timedelta(days=days),
            responsible_user=branch_secretary,
        )
    notify([branch_secretary], title="请及时报送本周完成情况", key="browser:1")
    from dangjian.problems.services import record_problem

    record_problem(
        region.birch,
        title="村级活动场所漏雨",
        category="infrastructure",
        level="town",
        owner_name="镇干部",
        deadline=timezone.localdate() + datetime.timedelta(days=10),
        actor=city_admin,
    )
    return region


def shots(tmp_path) -> str:
    folder = os.environ.get("DANGJIAN_TEST_ARTIFACTS") or str(tmp_path)
    os.makedirs(folder, exist_ok=True)
    return folder


def logged_in(browser, live_server, username, viewport, mobile=False):
    context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=mobile, has_touch=mobile)
    page = context.new_page()
    page.set_default_timeout(20_000)
    violations = watch(page)
    sign_in(page, live_server, username, PASSWORD)
    return context, page, violations


def center(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def charts_drawn(page) -> int:
    page.wait_for_selector("html.charts-ready")
    return page.locator(".echart svg").count()


@pytest.mark.parametrize("name, viewport, mobile", [("desktop", DESKTOP, False), ("phone", PHONE, True)])
def test_the_workbench_and_a_dashboard(browser, live_server, busy, branch_secretary, county_user, tmp_path, name,
                                       viewport, mobile):  # fmt: skip
    folder = shots(tmp_path)
    context, page, violations = logged_in(browser, live_server, "branch_secretary", viewport, mobile)
    assert page.get_by_role("heading", name="工作台").is_visible()
    overdue = page.locator('li[data-key="rectify.measures_overdue"]')
    assert overdue.is_visible() and "urgent" in overdue.get_attribute("class")
    assert page.locator('li[data-key="cadence.unread"] .todo-num').inner_text() == "1"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=os.path.join(folder, f"workbench-{name}.png"), full_page=True)
    page.locator('li[data-key="rectify.measures_due"] a').click()
    page.wait_for_url(f"**/rectify/{busy.village.cases.get().pk}/")
    context.close()

    context, page, more = logged_in(browser, live_server, "county_user", viewport, mobile)
    violations += more
    page.goto(f"{live_server.url}/dashboards/")
    assert charts_drawn(page) == 5  # grades ×2, rectification, problems, meetings (no weekly reports yet)
    assert page.get_by_text("没有应报送的村级完成情况表").is_visible()
    assert page.get_by_text("软弱涣散名单（1 个）").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    widths = page.evaluate("[...document.querySelectorAll('.echart svg')].map(s => s.getBoundingClientRect().width)")
    assert all(0 < w <= viewport["width"] for w in widths)
    chart = page.locator("#grades .echart").first
    chart.hover()  # the tooltip is drawn inside the chart: no inline style for the policy to refuse
    page.mouse.move(*center(chart))
    page.wait_for_timeout(300)
    page.screenshot(path=os.path.join(folder, f"dashboard-{name}.png"), full_page=True)
    page.get_by_role("link", name="松岭镇党委").first.click()
    page.wait_for_url(f"**/dashboards/{busy.town.pk}/")
    assert charts_drawn(page) >= 4
    page.screenshot(path=os.path.join(folder, f"dashboard-town-{name}.png"), full_page=True)
    if name == "desktop":
        page.emulate_media(media="print")
        assert not page.locator(".topbar").is_visible()  # printed without the navigation
        page.screenshot(path=os.path.join(folder, "dashboard-town-print.png"), full_page=True)
    assert violations == []
    context.close()


def test_the_root_dashboard_shows_meeting_completion_by_county_a_page_of_children_at_a_time(
    browser, live_server, busy, city_admin, tmp_path, monkeypatch
):
    from dangjian.flows import dashboards
    from dangjian.members.models import Member
    from dangjian.partylife.choices import MeetingKind
    from dangjian.partylife.services import Presence, record_meeting

    today = timezone.localdate()
    for back in (1, 40):
        record_meeting(
            actor=None,
            org=busy.village,
            kind=MeetingKind.THEME_DAY,
            date=max(today - datetime.timedelta(days=back), today.replace(month=1, day=1)),
            topic="主题党日",
            people=[Presence(m, True) for m in Member.objects.filter(org=busy.village)],
        )
    monkeypatch.setattr(dashboards, "CHILDREN_PER_PAGE", 1)  # 示范市 has two counties: one a page
    folder = shots(tmp_path)
    context, page, violations = logged_in(browser, live_server, "city_admin", DESKTOP)
    page.goto(f"{live_server.url}/dashboards/")
    charts_drawn(page)
    assert page.get_by_text("共 2 个，第 1–1 个").is_visible()
    meetings = page.locator("#meetings")
    assert "本范围 3 个党支部" in meetings.inner_text()
    assert meetings.locator("#meetings-children td").first.inner_text() == "漠北县委"
    assert meetings.locator(".echart svg").count() == 1
    page.screenshot(path=os.path.join(folder, "dashboard-root-desktop.png"), full_page=True)
    page.get_by_role("link", name="下一页").click()
    page.wait_for_url("**/dashboards/?page=2")
    assert page.locator("#meetings-children td").first.inner_text() == "南岭县委"
    assert violations == []
    context.close()
