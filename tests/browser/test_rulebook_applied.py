"""On the demo: a county sets the 党课 to monthly in the rulebook, and its branch's completion page counts twelve
党课 and names the county's override; the county's assessment scheme warns that its village floor (15%) lies outside
the 5%–10% quota, naming the rule's source."""

import pytest

from dangjian.assess.models import SchemeRecord
from dangjian.demo.region import MOHE_NAME
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization

from .test_rulebook_pages import demo, log_in, shot  # noqa: F401 (the demo fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_county_override_changes_the_completion_page_and_a_scheme_warns_of_its_floors(browser, live_server, demo):  # noqa: F811
    county = Organization.objects.get(name=MOHE_NAME)
    branch = Organization.objects.in_subtree(county.path).filter(kind=OrgKind.BRANCH).order_by("path").first()
    page = log_in(browser, live_server, "demo_county")
    page.goto(f"{live_server.url}/rules/meeting.lecture/override/")
    page.get_by_label("适用党组织编码").fill(county.code)
    page.get_by_label("调整后取值").fill("month")
    page.get_by_label("调整理由").fill("县委决定：党课每月一次")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_server.url}/rules/meeting.lecture/")

    page.goto(f"{live_server.url}/partylife/completion/?org_code={branch.code}")
    rules = page.locator("#rules-table").inner_text()
    assert "每月至少 1 次（党支部）" in rules and f"{MOHE_NAME}调整" in rules, rules
    shot(page, "completion-override")

    scheme = SchemeRecord.objects.filter(owner=county).order_by("pk").first()
    page.goto(f"{live_server.url}/assess/schemes/{scheme.pk}/")
    warnings = page.locator("#floor-warnings").inner_text()
    assert "农村的软弱涣散比例线为15%，不在“软弱涣散党组织倒排比例”5%—10%的范围内" in warnings, warnings
    assert "（依据：中组部整顿软弱涣散基层党组织的要求（《人民日报》2017年9月12日报道））" in warnings
    shot(page, "scheme-floor-warning")
    page.context.close()
