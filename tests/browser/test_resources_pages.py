"""A county user in Chromium: a venue's "十有" checklist, ticking the missing items on its edit page, a month of a
service centre's work, and the roll-up of the county with its towns; no Content-Security-Policy violation."""

import datetime
import os
import re
import tempfile

import pytest

from dangjian.resources import services as res
from dangjian.resources.models import Venue

from .signin import sign_in
from .test_csp import watch
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("DANGJIAN_TEST_ARTIFACTS") or tempfile.gettempdir()  # the screenshot, to look at


def test_a_county_user_completes_a_venues_checklist_and_reads_the_roll_up(page, live_server, region, county_user):
    venue = res.create_venue(actor=None, org=region.village, kind="centre", name="青松村党群服务中心",
                             standard=["sign", "flag", "site"])  # fmt: skip
    res.add_secretary(actor=None, org=region.birch, name="刘驻村", role="first_secretary", sent_by="县财政局",
                      start=datetime.date(2026, 1, 1))  # fmt: skip
    violations = watch(page)
    sign_in(page, live_server, "county_user", PASSWORD)

    page.goto(f"{live_server.url}/resources/venues/{venue.pk}/")
    assert page.get_by_role("heading", name="“十有”标准（达标 3 / 10）").is_visible()
    page.get_by_role("link", name="修改阵地和“十有”达标情况").click()
    for label in ("有制度上墙", "有党务村务公开栏", "有远程教育设备", "有党报党刊和书屋", "有便民服务窗口",
                  "有档案资料柜", "有人值守、有经费保障"):  # fmt: skip
        page.get_by_label(label).check()
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/resources/venues/{venue.pk}/$"))
    assert page.get_by_role("heading", name="“十有”标准（达标 10 / 10）").is_visible()
    assert Venue.objects.get().standard_complete

    page.get_by_label("月份").fill("2026-03")
    page.get_by_label("办理服务事项（项）").fill("120")
    page.get_by_label("服务群众（人次）").fill("300")
    page.get_by_role("button", name=re.compile("^登记")).click()
    page.wait_for_url(re.compile(rf"/resources/venues/{venue.pk}/$"))
    assert page.locator("#venue-services").get_by_text("2026-03").is_visible()

    page.goto(f"{live_server.url}/resources/?year=2026")
    total = page.locator("#rollup-total")
    assert total.get_by_text("个党群服务中心").is_visible()
    assert "办理服务事项 120 项，服务群众 300 人次" in total.inner_text()
    row = page.locator("#rollup-table tr", has_text="松岭镇党委")
    assert row.locator("td").nth(5).inner_text() == "1"  # one centre under 松岭镇
    page.screenshot(path=os.path.join(SHOTS, "resources_rollup.png"), full_page=True)
    assert violations == []


def test_a_county_adjusts_its_checklist_and_drills_down_the_roll_up(page, live_server, region, county_user):
    from dangjian.orgs.choices import Level, OrgKind

    from conftest import make_org

    east = make_org(region.north, "东岗镇党委", "T-EAST", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    full = ["site", "sign", "flag", "rules", "board", "media", "books", "service", "files", "duty"]
    centre = res.create_venue(actor=None, org=region.village, kind="centre", name="青松村党群服务中心", standard=full)
    res.create_venue(actor=None, org=region.birch, kind="activity", name="白桦村活动室", standard=full[:6])
    res.create_venue(actor=None, org=east, kind="centre", name="东岗镇党群服务中心", standard=full)
    res.record_services(centre, actor=None, month=datetime.date(2026, 3, 1), items=120, people=300)
    res.create_project(actor=None, org=region.village, year=2026, title="党建+乡村振兴", category="central")
    res.record_fund(actor=None, org=region.birch, year=2026, source="budget", purpose="活动经费", in_budget=True,
                    budget_fen=500_000, spent_fen=120_000)  # fmt: skip
    violations = watch(page)
    sign_in(page, live_server, "county_user", PASSWORD)

    # The county adds an item to its "十有" list: its centres no longer meet every item.
    page.goto(f"{live_server.url}/resources/standard/")
    page.get_by_label("新增项目 1").fill("有志愿服务站")
    page.get_by_label("调整理由").fill("县委组织部阵地建设通知")
    page.get_by_role("button", name="保存调整").click()
    page.wait_for_url(re.compile(r"/resources/standard/\?org_code=T-NORTH$"))
    assert page.locator("#standard-items").get_by_text("有志愿服务站").is_visible()
    assert "县委组织部阵地建设通知" in page.locator("#standard-trail").inner_text()

    page.goto(f"{live_server.url}/resources/?year=2026")
    town_row = page.locator("#rollup-table tr", has_text="松岭镇党委")
    assert town_row.locator("td").nth(3).inner_text() == "2"  # two venues under 松岭镇
    assert town_row.locator("td").nth(4).inner_text() == "0"  # none meets the county's eleven items
    assert page.locator("#rollup-levels").get_by_text("村（社区）").is_visible()
    page.get_by_role("link", name="松岭镇党委").click()  # one level down: the town's villages
    page.wait_for_url(re.compile(r"org_code=T-TOWN"))
    village_row = page.locator("#rollup-table tr", has_text="青松村党支部")
    assert village_row.locator("td").nth(6).inner_text() == "120"  # services of its centre
    assert page.locator("#rollup-crumbs").get_by_role("link", name="漠北县委").is_visible()
    page.screenshot(path=os.path.join(SHOTS, "resources_rollup_drilldown.png"), full_page=True)
    page.locator("#rollup-crumbs").get_by_role("link", name="漠北县委").click()  # and back up
    page.wait_for_url(re.compile(r"org_code=T-NORTH"))
    assert page.locator("#rollup-table tr", has_text="东岗镇党委").is_visible()
    assert violations == []
