"""On the demo: the rulebook page lists the rules with their sources, an organization page's warning names its
source and links to its rule, and the tax system's staffing page shows the half-detached 河西 bureau."""

import os

import pytest
from django.core.management import call_command

from dangjian.orgs.models import Organization, VerticalSystem

from .signin import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("DANGJIAN_TEST_ARTIFACTS", "")


@pytest.fixture
def demo(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "static"
    settings.MEDIA_ROOT = tmp_path / "files"
    call_command("demo", no_serve=True, verbosity=0)


def log_in(browser, live_server, username):
    return signed_in(browser, live_server, username, "demo-2026", timeout=20_000)


def shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_the_rulebook_and_a_cited_warning_and_the_half_detached_bureau(browser, live_server, demo):
    city = log_in(browser, live_server, "demo_city")
    city.get_by_role("link", name="规则库").click()
    city.get_by_role("heading", name="规则库").wait_for()
    city.get_by_label("党建类型").select_option("agency")
    city.get_by_role("button", name="筛选").click()
    table = city.locator("#rule-table")
    assert "专职党务工作人员比例" in table.inner_text()
    assert "整顿专项资金标准" not in table.inner_text()
    shot(city, "rulebook-list")
    city.get_by_role("link", name="专职党务工作人员比例").click()
    assert "《中国共产党党和国家机关基层组织工作条例》第三十条" in city.locator("#rule-facts").inner_text()

    police = Organization.objects.get(name="漠北县公安局党委")  # 260 staff, one full-time party worker (demo)
    city.goto(f"{live_server.url}/orgs/{police.pk}/")
    warnings = city.locator("#warnings")
    text = warnings.inner_text()
    assert (
        "专职党务工作人员1人，占在编人数0.38%，低于1%–2%的一般要求（依据：《中国共产党党和国家机关基层组织工作条例》第三十条）"
        in text
    ), text
    shot(city, "org-warning")
    warnings.locator('a[href="/rules/agency.staff_ratio/"]').click()
    city.locator("#rule-facts").wait_for()
    assert city.url.endswith("/rules/agency.staff_ratio/")

    system = VerticalSystem.objects.get(name="示范市税务系统")
    city.goto(f"{live_server.url}/staffing/systems/{system.pk}/")
    detached = city.locator("#half-detached").inner_text()
    assert "河西区税务局党支部" in detached and "转隶“河西区直属机关工委”" in detached
    shot(city, "staffing-system")
    city.context.close()
