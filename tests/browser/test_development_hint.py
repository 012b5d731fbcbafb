"""On the demo: a county lowers the activist year (development.activist_year) to 提示 in the rulebook; one of its
activists, named less than a year ago, is made a 发展对象 today: the step is saved, and the page shows the warning
naming the rule, its source and the county's override (who, when, why), after saving and on the person's page —
at a desktop width and a phone's."""

import datetime

import pytest
from django.utils import timezone

from dangjian.demo.region import MOHE_NAME
from dangjian.orgs.models import Organization
from dangjian.partylife.choices import Stage
from dangjian.partylife.models import Applicant

from .test_rulebook_pages import demo, log_in, shot  # noqa: F401 (the demo fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_step_under_a_hint_is_saved_and_the_page_warns_naming_the_override(browser, live_server, demo):  # noqa: F811
    county = Organization.objects.get(name=MOHE_NAME)
    today = timezone.localdate()
    person = (
        Applicant.objects.in_subtree(county)
        .filter(stage=Stage.ACTIVIST, activist_on__gt=today - datetime.timedelta(days=300))
        .order_by("activist_on", "id")
        .first()
    )
    assert person is not None, "the demo has an activist named within the year"
    page = log_in(browser, live_server, "demo_county")
    page.goto(f"{live_server.url}/rules/development.activist_year/override/")
    page.get_by_label("适用党组织编码").fill(county.code)
    page.get_by_label("调整后严重程度").select_option("hint")
    page.get_by_label("调整理由").fill("县委组织部议定：培养期不足一年的先行登记、逐人说明")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_server.url}/rules/development.activist_year/")

    page.goto(f"{live_server.url}/partylife/development/{person.pk}/")
    page.locator("#id_kind").select_option("candidate")
    page.locator("#id_date").fill(f"{today:%Y-%m-%d}")
    page.locator("#id_decision").fill("支委会研究同意")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_server.url}/partylife/development/{person.pk}/")
    messages = page.locator(".messages").inner_text()
    assert f"已登记：确定为发展对象（{today:%Y-%m-%d}）。" in messages, messages
    assert "提示：确定为发展对象须经过一年以上的培养教育和考察" in messages, messages
    assert f"（依据：《中国共产党发展党员工作细则》第十三条；{MOHE_NAME}调整）" in messages, messages
    assert f"本地区调整：{MOHE_NAME}将严重程度调为“提示”（调整人：" in messages, messages
    assert "理由：县委组织部议定：培养期不足一年的先行登记、逐人说明）" in messages, messages
    breaches = page.locator("#rule-breaches").inner_text()
    assert "提示：确定为发展对象须经过一年以上的培养教育和考察" in breaches and "查看规则" in breaches, breaches
    assert "确定为发展对象" in page.locator("#step-table").inner_text()
    shot(page, "development-hint-saved")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    breaches = page.locator("#rule-breaches")
    assert breaches.is_visible() and f"{MOHE_NAME}调整" in breaches.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # nothing runs off a phone's screen
    shot(page, "development-hint-phone")
    page.context.close()
    assert Applicant.objects.get(pk=person.pk).stage == Stage.CANDIDATE
