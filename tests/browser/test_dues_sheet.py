"""A branch secretary ticks months on the dues sheet in Chromium and marks them paid; the base stays hidden from
them (an edit grant), and the page breaks no Content-Security-Policy rule."""

import datetime
import os

import pytest
from django.utils import timezone

from dangjian.dues.models import DuesPayment
from dangjian.dues.services import set_base
from dangjian.members.models import Member

from .signin import sign_in
from .test_csp import watch
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_secretary_marks_ticked_months_paid_on_the_sheet(browser, live_server, region, branch_secretary):
    today = timezone.localdate()
    li = Member.objects.select_related("org").get(name="李秋实")
    set_base(li, actor=None, category="employed", base_fen=456789, effective_from=datetime.date(today.year, 1, 1))
    page = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    violations = watch(page)
    sign_in(page, live_server, "branch_secretary", PASSWORD)

    page.goto(f"{live_server.url}/dues/?org_code=T-VILLAGE&year={today.year}")
    assert "4567.89" not in page.content() and "（无权查看）" in page.content()
    page.get_by_label(f"李秋实 {today:%Y-%m} 标记已缴").check()
    page.get_by_role("button", name="将勾选的月份登记为已缴（按应缴金额，今天缴纳）").click()
    page.get_by_text("已登记 1 个月的党费为已缴。").wait_for()
    payment = DuesPayment.objects.get(member=li)
    assert (payment.month, payment.amount_fen, payment.paid_on) == (today.replace(day=1), 4568, today)  # 1% of 4567.89
    if os.environ.get("DANGJIAN_TEST_ARTIFACTS"):  # to look at it: the sheet with the month just marked
        page.screenshot(path=os.path.join(os.environ["DANGJIAN_TEST_ARTIFACTS"], "dues_sheet.png"), full_page=True)
    assert violations == []
