"""What a new user tripped over (issue #19, point 5), seen in Chromium: the unread count readable on the red bar, a
phone keeping the tables' column labels, publishing confirmed on a page of its own, the snapshot date shown in the
date input, an auditor made by `dangjian setup-admins` reading the audit log without any organization granted.
Screenshots go to DANGJIAN_TEST_ARTIFACTS (or the temporary directory) to be looked at."""

import datetime
import os
import tempfile

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from dangjian.accounts.duties import Duty
from dangjian.accounts.security import mark_demo_account
from dangjian.assess import services
from dangjian.assess.models import Participant
from dangjian.cadence.notify import notify
from schemes import Y01, county_scheme, given

from .signin import signed_in
from .test_csp import watch
from conftest import PASSWORD, settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("DANGJIAN_TEST_ARTIFACTS") or tempfile.gettempdir()


def log_in(browser, live_server, username, **viewport):
    return signed_in(browser, live_server, username, PASSWORD, viewport=viewport or None)


def luminance(rgb: str) -> float:
    """Relative luminance (WCAG) of a CSS "rgb(r, g, b)" colour."""
    values = [int(v) / 255 for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    r, g, b = (v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture
def results(region, county_user, town_user):
    scheme = services.save_scheme(
        actor=county_user,
        owner=region.north,
        text=county_scheme(given(90), Y01, total="100", weak_floors="{农村: 15%}"),
    )
    assessment = services.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31)
    )
    for code, points, yes in (("T-VILLAGE", "85", "是"), ("T-BIRCH", "60", "否")):
        participant = Participant.objects.get(code=code)
        services.enter(participant, "G01", points, actor=town_user)
        services.enter(participant, "Y01", yes, actor=town_user)
    services.run_assessment(assessment, actor=county_user)
    return assessment


def badge_stands_out(page, badge):
    assert badge.is_visible()
    assert badge.inner_text() == "2"
    color = badge.evaluate("e => getComputedStyle(e).color")
    behind = badge.evaluate("e => getComputedStyle(e).backgroundColor")
    bar = page.locator("header").evaluate("e => getComputedStyle(e).backgroundColor")
    assert contrast(color, behind) >= 4.5  # the figure against its badge
    assert contrast(behind, bar) >= 3  # the badge against the red bar


def test_the_unread_count_stands_out_on_the_red_bar(browser, live_server, region, county_user):
    notify([county_user], title="本周工作提示", key="test:unread:1")
    notify([county_user], title="整改措施到期", key="test:unread:2")
    page = log_in(browser, live_server, "county_user")
    badge_stands_out(page, page.locator('header a .count[title="未读通知"]'))
    assert not page.locator("header .menu-toggle").is_visible()  # the phone's menu button stays folded away
    page.locator("header").screenshot(path=f"{SHOTS}/first-use-unread.png")
    page.context.close()

    # On a phone the links fold into the account menu; its button carries the count.
    page = log_in(browser, live_server, "county_user", width=390, height=844)
    badge_stands_out(page, page.locator("header .menu-toggle .count"))
    page.locator("header").screenshot(path=f"{SHOTS}/first-use-unread-phone.png")
    page.context.close()


def test_a_phone_keeps_the_column_labels_of_the_quota_table(browser, live_server, results):
    page = log_in(browser, live_server, "county_user", width=390, height=844)
    violations = watch(page)
    page.goto(f"{live_server.url}/assess/{results.pk}/results/")
    quota = page.locator(".quota table")
    for label in ("比例线", "D 等次", "列入"):
        assert quota.get_by_role("columnheader", name=label).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page does not scroll sideways
    page.screenshot(path=f"{SHOTS}/first-use-phone-results.png", full_page=True)
    assert violations == []
    page.context.close()


def test_publishing_is_confirmed_and_the_form_shows_its_snapshot_date(browser, live_server, results, settings):
    settings.JOBS_INLINE = True  # publishing's job runs in the request (test_background_job: the worker)
    page = log_in(browser, live_server, "county_user")
    page.goto(f"{live_server.url}/assess/new/")
    assert page.get_by_label("组织快照日期").input_value() == "2026-12-31"  # shown, not left empty

    page.goto(f"{live_server.url}/assess/{results.pk}/")
    page.get_by_role("link", name="发布并冻结结果").click()
    page.get_by_role("heading", name="发布并冻结考核结果").wait_for()
    page.get_by_role("button", name="确认发布").click()  # without ticking the box
    page.get_by_text("请勾选确认后再发布").wait_for()
    results.refresh_from_db()
    assert not results.published
    page.screenshot(path=f"{SHOTS}/first-use-publish-confirm.png", full_page=True)
    page.get_by_label("我已核对考核结果，确认发布", exact=False).check()
    page.get_by_role("button", name="确认发布").click()
    page.get_by_text("考核结果已发布并冻结").wait_for()
    results.refresh_from_db()
    assert results.published
    page.context.close()


def test_the_auditor_made_by_setup_admins_reads_the_log_without_a_grant(browser, live_server, region, monkeypatch):
    for duty in Duty.values:  # the migration's groups: a transactional test's flush takes them away
        Group.objects.get_or_create(name=duty)
    for name in ("SYSADMIN", "SECADMIN", "AUDITOR"):
        monkeypatch.setenv(f"DANGJIAN_{name}_PASSWORD", f"Initial-{name}-2026!")
    call_command("setup_admins", sysadmin="sys_admin", secadmin="sec_admin", auditor="auditor_one")
    auditor = settled(User.objects.get(username="auditor_one"))  # past the first login's password change
    mark_demo_account(auditor)  # and past the second factor a duty holder enrols at first login
    assert not auditor.grants.exists()
    page = log_in(browser, live_server, "auditor_one")
    page.get_by_role("link", name="审计日志").click()
    count = page.locator("#audit-count").inner_text()
    assert count != "共 0 条" and count.startswith("共 ")
    assert page.get_by_text("sec_admin").first.is_visible()  # the setup's own rows
    page.screenshot(path=f"{SHOTS}/first-use-auditor.png", full_page=True)
    page.context.close()
