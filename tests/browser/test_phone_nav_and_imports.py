"""Seen in Chromium: on a phone the main links fold behind a menu button (the red bar stays at most two rows),
open with the mouse or the keyboard, close with Escape, and stay in the bar without JavaScript; on a desktop the bar
is as before. And a list other than members imported through the web page, its result on the job page.
Screenshots go to DANGJIAN_TEST_ARTIFACTS (or the temporary directory) to be looked at."""

import os
import tempfile

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from dangjian.resources.models import Venue
from dangjian.sheets.columns import COLUMNS

from .signin import signed_in
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("DANGJIAN_TEST_ARTIFACTS") or tempfile.gettempdir()
PHONE = {"width": 390, "height": 844}
MAIN_LINKS = 19  # what a county manager has in the main navigation (no administrator's duties)


def log_in(browser, live_server, username, viewport, **context):
    return signed_in(browser, live_server, username, PASSWORD, viewport=viewport, **context)


def row_height(page) -> float:
    """One row of the red bar: the brand's line box."""
    return page.locator("header .brand").evaluate("e => e.getBoundingClientRect().height")


def test_on_a_phone_the_main_links_fold_into_a_menu(browser, live_server, county_user):
    page = log_in(browser, live_server, "county_user", PHONE)
    header, toggle = page.locator("header"), page.locator("header .nav-toggle")
    links = page.locator("#mainnav a")
    assert links.count() == MAIN_LINKS
    closed = header.bounding_box()["height"]
    page.screenshot(path=os.path.join(SHOTS, "phone-nav-closed.png"))
    assert closed <= 2 * row_height(page) + 40, closed  # two rows and the bar's padding, not five
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == "mainnav"
    assert not links.first.is_visible()

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    for index in range(MAIN_LINKS):  # every link shown, within the phone's width
        box = links.nth(index).bounding_box()
        assert links.nth(index).is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.screenshot(path=os.path.join(SHOTS, "phone-nav-open.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    links.filter(has_text="党员").first.click()
    page.wait_for_url(f"{live_server.url}/members/")

    # The keyboard: Enter opens, Tab reaches the links, Escape closes and hands the focus back to the button.
    page.locator("header .nav-toggle").focus()
    page.keyboard.press("Enter")
    expect(page.locator("header .nav-toggle")).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#mainnav') !== null")
    page.keyboard.press("Escape")
    expect(page.locator("header .nav-toggle")).to_have_attribute("aria-expanded", "false")
    assert not page.locator("#mainnav a").first.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('nav-toggle')")
    # A click elsewhere closes it too.
    page.locator("header .nav-toggle").click()
    page.locator("main h1").click()
    expect(page.locator("header .nav-toggle")).to_have_attribute("aria-expanded", "false")


def test_without_javascript_the_phone_shows_the_links_as_before(browser, live_server, county_user):
    page = log_in(browser, live_server, "county_user", PHONE, java_script_enabled=False)
    assert not page.locator("header .nav-toggle").is_visible()
    links = page.locator("#mainnav a")
    assert all(links.nth(index).is_visible() for index in range(links.count()))


def test_a_desktop_keeps_the_bar_of_links(browser, live_server, county_user):
    page = log_in(browser, live_server, "county_user", {"width": 1280, "height": 900})
    assert not page.locator("header .nav-toggle").is_visible()
    links = page.locator("#mainnav a")
    assert all(links.nth(index).is_visible() for index in range(links.count()))
    assert page.locator("header").bounding_box()["height"] <= 2 * row_height(page) + 40
    page.screenshot(path=os.path.join(SHOTS, "desktop-nav.png"))


def test_venues_are_imported_through_the_web_page(browser, live_server, county_user, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.IMPORT_JOBS_INLINE = True
    headers = [column.header for column in COLUMNS["venues"]]
    rows = [
        {"组织编码": "T-VILLAGE", "类别": "党群服务中心", "名称": "青松村党群服务中心", "面积（平方米）": 120},
        {"组织编码": "T-BIRCH", "类别": "党组织活动场所", "名称": "白桦村党员活动室", "面积（平方米）": 60},
    ]
    book = Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append([row.get(header, "") for header in headers])
    path = tmp_path / "阵地.xlsx"
    book.save(path)

    page = log_in(browser, live_server, "county_user", {"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/sheets/import/")
    page.get_by_role("link", name="导入阵地").click()
    expect(page.locator("h1")).to_have_text("导入阵地")
    with page.expect_download() as download:
        page.locator("#template-link").click()
    assert download.value.suggested_filename == "阵地导入模板.xlsx"
    page.set_input_files("input[type=file]", str(path))
    page.get_by_label("正式导入").check()
    page.screenshot(path=os.path.join(SHOTS, "import-venues-form.png"), full_page=True)
    page.get_by_role("button", name="上传并开始").click()
    expect(page.locator("#job-status")).to_contain_text("导入完成，共 2 行")
    expect(page.locator("h1")).to_have_text("阵地导入：阵地.xlsx")
    page.screenshot(path=os.path.join(SHOTS, "import-venues-done.png"), full_page=True)
    assert set(Venue.objects.values_list("name", flat=True)) >= {"青松村党群服务中心", "白桦村党员活动室"}
