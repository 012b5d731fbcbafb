"""A branch secretary records a meeting on a phone in Chromium: one tap for the kind, taps on the names of those
absent, a reason each, save; no horizontal scrolling at a phone's width and no Content-Security-Policy violation."""

import re

import pytest

from dangjian.partylife.models import Meeting

from .signin import sign_in
from .test_csp import watch
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_secretary_records_a_meeting_on_a_phone_by_tapping_names(browser, live_server, region, branch_secretary):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = watch(page)
    sign_in(page, live_server, "branch_secretary", PASSWORD)

    page.goto(f"{live_server.url}/partylife/meetings/new/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # fits the phone's width
    page.get_by_text("支委会", exact=True).tap()
    page.get_by_label("主题", exact=True).fill("研究本月工作")
    reason = page.get_by_label("赵冬梅缺席原因")
    assert not reason.is_visible()  # present by default: no reason asked
    page.get_by_text("赵冬梅", exact=True).tap()  # tapped off: absent
    assert reason.is_visible()
    reason.select_option("因病")
    page.get_by_role("button", name="保存").tap()
    page.wait_for_url(re.compile(r"/partylife/meetings/\d+/$"))

    meeting = Meeting.objects.get()
    assert (meeting.kind, meeting.topic, meeting.org.code) == ("committee", "研究本月工作", "T-VILLAGE")
    assert list(meeting.attendance.filter(present=False).values_list("name", "reason")) == [("赵冬梅", "illness")]
    assert page.get_by_text("赵冬梅（因病）").is_visible()
    assert violations == []
    context.close()
