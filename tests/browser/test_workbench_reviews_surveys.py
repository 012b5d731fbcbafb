"""The workbench's survey and review items in Chromium, on a desktop (1280 px) and a phone (375 px): the organizing
department sees the survey still to hand out and to collect, the branch its secretary's report to upload, each a link
to the page where it is done; on the phone the account links fold into a menu so the header keeps to two rows.
Screenshots go to DANGJIAN_TEST_ARTIFACTS (or the test's own folder)."""

import datetime
import os

import pytest
from django.test import Client

from dangjian.assess import services as assess
from dangjian.assess import survey
from dangjian.cadence.notify import notify

from .test_workbench_dashboards import logged_in, shots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def surveyed(region, county_user, branch_secretary):
    """漠北县's assessment with a residents' survey and the secretaries' review counted: 青松村 has three links, one
    answered; 白桦村 none yet; no report uploaded."""
    from test_workbench_reviews_surveys import SCHEME

    scheme = assess.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    assessment = assess.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31), review_weight="0.30"
    )
    village = assessment.participants.get(code="T-VILLAGE")
    tokens = [link.token for link in survey.create_links(village, 3, actor=county_user)]
    Client().post(f"/s/{tokens[0]}/", {"answer": "satisfied"})
    notify([county_user], title="请督促各村收回测评", key="browser:survey")
    return village


@pytest.mark.parametrize("name, viewport, mobile", [("desktop", DESKTOP, False), ("phone", PHONE, True)])
def test_surveys_and_reviews_on_the_workbench(browser, live_server, surveyed, tmp_path, name, viewport, mobile):
    folder = shots(tmp_path)
    context, page, violations = logged_in(browser, live_server, "county_user", viewport, mobile)
    short = page.locator('li[data-key="assess.survey_short"]')
    assert short.is_visible() and "已收 1 / 发出 3 份" in short.inner_text()
    assert page.locator('li[data-key="assess.survey_unlinked"]').is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    brand = page.locator(".topbar .brand").bounding_box()
    if name == "phone":
        assert not page.get_by_role("link", name="修改密码").is_visible()  # folded into the menu
        toggle = page.locator(".menu-toggle")
        box = toggle.bounding_box()
        assert abs(box["y"] - brand["y"]) < brand["height"]  # beside the name, not on a row of its own
        assert box["x"] + box["width"] <= viewport["width"]
        page.screenshot(path=os.path.join(folder, f"workbench-surveys-{name}.png"), full_page=True)
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        assert page.get_by_role("link", name="修改密码").is_visible()
        assert page.get_by_role("button", name="退出").is_visible()
        page.screenshot(path=os.path.join(folder, f"workbench-menu-{name}.png"))
        page.keyboard.press("Escape")
        assert not page.get_by_role("link", name="修改密码").is_visible()
    else:
        assert not page.locator(".menu-toggle").is_visible()
        assert page.get_by_role("link", name="修改密码").is_visible()  # in the bar, as before
        assert page.locator(".topbar").bounding_box()["height"] < 3 * brand["height"]
        page.screenshot(path=os.path.join(folder, f"workbench-surveys-{name}.png"), full_page=True)
    short.locator("a").click()
    page.wait_for_url(f"**/assess/orgs/{surveyed.pk}/survey/")
    assert page.get_by_role("link", name="打印未使用的测评二维码（2 个）").is_visible()
    context.close()

    context, page, more = logged_in(browser, live_server, "branch_secretary", viewport, mobile)
    violations += more
    report = page.locator('li[data-key="assess.report_upload"]')
    assert report.is_visible()
    page.screenshot(path=os.path.join(folder, f"workbench-report-{name}.png"), full_page=True)
    report.locator("a").click()
    page.wait_for_url(f"**/assess/orgs/{surveyed.pk}/review/")
    assert violations == []
    context.close()
