"""The what-if page in Chromium: the county's manager opens it from the assessment, halves one weight, raises
another, lowers the C line and raises the rural floor, and sees the ranks and the weak list move beside the real
ones; the stored results stay as they were and the page breaks no Content-Security-Policy rule."""

import os

import pytest

from dangjian.assess import services
from dangjian.assess.models import Result
from test_assess_whatif import open_four_villages

from .signin import sign_in
from .test_csp import watch
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("DANGJIAN_TEST_ARTIFACTS", "")


def test_a_manager_compares_a_changed_scheme_side_by_side(page, live_server, region, county_user, town_user):
    assessment = open_four_villages(region, county_user, town_user)
    services.run_assessment(assessment, actor=county_user)
    stored = list(Result.objects.order_by("pk").values_list("total", "rank", "grade", "weak"))
    violations = watch(page)
    sign_in(page, live_server, "county_user", PASSWORD)

    page.goto(f"{live_server.url}/assess/{assessment.pk}/")
    page.get_by_role("link", name="假设分析").click()
    page.get_by_label("G01 假设分值").fill("30")
    page.get_by_label("Y01 假设分值").fill("40")
    page.get_by_label("农村 C 等次线").fill("50")
    page.get_by_label("农村 假设比例").fill("50")
    page.get_by_role("button", name="对比").click()

    assert page.locator("#weak-changed").inner_text() == "2"
    assert "T-VILLAGE 青松村党支部：60.00 → 35.00 分，C → D" in page.locator("#weak-joined").inner_text()
    assert "T-BIRCH 白桦村党支部：58.00 → 68.00 分，D → C" in page.locator("#weak-left").inner_text()
    assert page.locator("#whatif-groups tbody td").nth(3).inner_text() == "0.400"
    first = page.locator("#whatif-rows tbody tr").first.locator("td")
    assert [first.nth(k).inner_text() for k in (1, 4, 7)] == ["T-V3", "1", "1"]
    assert page.get_by_label("G01 假设分值").input_value() == "30"  # the form keeps what was asked
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, "whatif.png"), full_page=True)
    assert list(Result.objects.order_by("pk").values_list("total", "rank", "grade", "weak")) == stored
    assert violations == []
