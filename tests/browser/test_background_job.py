"""An assessment run in a real browser: 计算结果 answers at once with the job's page (queued), the worker runs the
job, and the page, polling its progress, turns by itself into the result with its link to the assessment."""

import datetime
import os

import pytest
from django.contrib.auth.models import User

from dangjian.accounts.models import Role
from dangjian.accounts.security import set_password
from dangjian.accounts.services import grant_org
from dangjian.assess import services as assess
from dangjian.assess.models import Result
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.services import create_org
from dangjian.server.worker import WorkerLoop

from .signin import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-test-2026"
SCHEME = """
year: 2026
name: 兴安县2026年度考核方案
total: 100
weak_floors: {农村: 15%}
groups:
  - domain: 农村
    categories:
      - name: 班子
        indicators:
          - {code: G01, name: 工作成效, points: 100, method: given}
"""


def org(parent, name, code, kind, level, domain=""):
    return create_org(actor=None, parent=parent, name=name, code=code, kind=kind, level=level, domain=domain)


@pytest.fixture
def assessment():
    city = org(None, "示范市委", "B-CITY", OrgKind.CITY_COMMITTEE, Level.CITY)
    county = org(city, "兴安县委", "B-COUNTY", OrgKind.COUNTY_COMMITTEE, Level.COUNTY)
    town = org(county, "松岭镇党委", "B-TOWN", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    for code, name in (("B-GOOD", "青松村党支部"), ("B-WEAK", "白桦村党支部")):
        org(town, name, code, OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    scheme = assess.save_scheme(actor=None, owner=county, text=SCHEME)
    opened = assess.open_assessment(actor=None, scheme=scheme, root=county, cutoff=datetime.date(2026, 12, 31))
    officer = User.objects.create_user("county_officer")
    set_password(officer, PASSWORD, actor=officer)
    grant_org(officer, county, Role.MANAGE)
    return opened


def test_the_run_is_queued_then_its_page_shows_the_result_once_the_worker_has_run_it(
    page, live_server, assessment, settings
):
    settings.JOBS_INLINE = False
    sign_in(page, live_server, "county_officer", PASSWORD)

    page.goto(f"{live_server.url}/assess/{assessment.pk}/")
    page.get_by_role("button", name="计算结果").click()
    page.wait_for_url(f"{live_server.url}/jobs/*/")
    assert page.locator("h1").inner_text() == "计算考核结果：" + assessment.title
    assert "排队中" in page.locator("#job-status").inner_text()
    if os.environ.get("DANGJIAN_TEST_ARTIFACTS"):
        page.screenshot(path=os.path.join(os.environ["DANGJIAN_TEST_ARTIFACTS"], "job-queued.png"), full_page=True)

    WorkerLoop(interval=0.1).run(once=True)  # the worker's round: it takes the task and runs it
    page.locator("#job-result").wait_for(timeout=20_000)  # the page polled, saw the end, and reloaded
    assert "已完成。已计算：2 个组织" in page.locator("#job-status").inner_text()
    assert Result.objects.filter(participant__assessment=assessment).count() == 2
    page.locator("#job-result").click()
    page.wait_for_url(f"{live_server.url}/assess/{assessment.pk}/")
