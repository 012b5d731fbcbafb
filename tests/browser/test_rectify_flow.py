"""From the published assessment to closure in a real browser: the county publishes, the weak village's case opens,
the town plans a measure, writes the ledger with a photo, marks it done and checks it, the county closes it."""

import datetime

import pytest
from django.contrib.auth.models import User

from dangjian.accounts.models import Role
from dangjian.accounts.security import set_password
from dangjian.accounts.services import grant_org
from dangjian.assess import services as assess
from dangjian.orgs.choices import Domain, Level, OrgKind, Post
from dangjian.orgs.services import create_org, set_post
from dangjian.rectify.models import Case, CaseStatus

from .signin import signed_in

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
          - {code: T01, name: 书记在岗, points: 10, method: derived, metric: secretary_in_post, problem: secretary}
          - {code: G01, name: 工作成效, points: 90, method: given}
"""


def org(parent, name, code, kind, level, domain=""):
    return create_org(actor=None, parent=parent, name=name, code=code, kind=kind, level=level, domain=domain)


def user(username, organization, role):
    account = User.objects.create_user(username)
    set_password(account, PASSWORD, actor=account)  # past the first login's forced change
    grant_org(account, organization, role)
    return account


@pytest.fixture
def region():
    city = org(None, "示范市委", "R-CITY", OrgKind.CITY_COMMITTEE, Level.CITY)
    county = org(city, "兴安县委", "R-COUNTY", OrgKind.COUNTY_COMMITTEE, Level.COUNTY)
    town = org(county, "松岭镇党委", "R-TOWN", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    good = org(town, "青松村党支部", "R-GOOD", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    org(town, "白桦村党支部", "R-WEAK", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    set_post(good, actor=None, post=Post.SECRETARY, holder_name="王春生")
    scheme = assess.save_scheme(actor=None, owner=county, text=SCHEME)
    assessment = assess.open_assessment(actor=None, scheme=scheme, root=county, cutoff=datetime.date(2026, 12, 31))
    assess.enter(assessment.participants.get(code="R-GOOD"), "G01", "85", actor=None)
    assess.enter(assessment.participants.get(code="R-WEAK"), "G01", "55", actor=None)
    assess.run_assessment(assessment, actor=None)
    user("county_officer", county, Role.MANAGE)
    user("town_officer", town, Role.EDIT)
    return {"assessment": assessment}


def log_in(browser, live_server, username):
    return signed_in(browser, live_server, username, PASSWORD)


def test_a_weak_village_from_publication_to_closure(browser, live_server, region, settings):
    settings.JOBS_INLINE = True  # publishing's job runs in the request (test_background_job: the worker)
    assessment = region["assessment"]
    county = log_in(browser, live_server, "county_officer")

    # The county publishes; the weak village's case opens with the assessment's reasons.
    county.goto(f"{live_server.url}/assess/{assessment.pk}/")
    county.get_by_role("link", name="发布并冻结结果").click()  # a confirmation page first: publishing is final
    county.get_by_label("我已核对考核结果，确认发布", exact=False).check()
    county.get_by_role("button", name="确认发布").click()
    county.get_by_text("考核结果已发布并冻结").wait_for()
    county.goto(f"{live_server.url}/assess/{assessment.pk}/results/")
    county.get_by_role("link", name="整顿案件").click()
    county.get_by_role("heading", name="软弱涣散整顿").wait_for()
    table = county.locator("table.list")
    assert table.get_by_role("link", name="白桦村党支部").is_visible()
    assert table.get_by_text("青松村党支部").count() == 0
    case = Case.objects.get(org__code="R-WEAK")
    assert case.reasons and case.assessment_id == assessment.pk

    # The town plans a measure, writes the ledger with a photo, marks the measure done and checks the case.
    town = log_in(browser, live_server, "town_officer")
    town.get_by_role("link", name="整顿").click()
    town.get_by_role("link", name="白桦村党支部").click()
    town.get_by_role("link", name="新增整改措施").click()
    town.get_by_label("问题").fill("书记空缺")
    town.get_by_label("整改措施", exact=True).fill("选配村党组织书记")
    town.get_by_label("责任人", exact=True).fill("松岭镇组织委员")
    town.get_by_label("完成时限").fill((datetime.date.today() + datetime.timedelta(days=30)).isoformat())
    town.get_by_role("button", name="保存").click()
    town.get_by_text("整改措施已加入方案").wait_for()

    town.get_by_role("link", name="填写台账").click()
    town.get_by_label("进展情况").fill("召开党员大会，选举产生新书记")
    town.get_by_label("佐证文件或照片（可多选）").set_input_files(
        [{"name": "选举现场.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0 photo"}]
    )
    town.get_by_role("button", name="保存").click()
    town.get_by_text("台账已记录").wait_for()
    assert town.get_by_role("link", name="选举现场.jpg").is_visible()

    town.get_by_role("link", name="标记完成").click()
    town.get_by_role("button", name="保存").click()
    town.get_by_text("措施已标记完成").wait_for()
    assert town.get_by_role("link", name="验收销号").count() == 0  # the town does not close (closing level: county)
    town.get_by_role("link", name="乡镇初验").click()
    town.get_by_label("意见").fill("书记已选配到位，同意上报验收")
    town.get_by_role("button", name="保存").click()
    town.get_by_text("已初验，待销号单位验收").wait_for()

    # The county accepts and closes; the case shows closed with its whole history.
    county.goto(f"{live_server.url}/rectify/{case.pk}/")
    county.get_by_role("link", name="验收销号").click()
    county.get_by_label("意见").fill("验收合格，同意销号")
    county.get_by_role("button", name="保存").click()
    county.get_by_text("已验收销号").wait_for()
    assert county.locator("h1 .status").inner_text() == "已销号"
    history = county.locator("ol.history").inner_text()
    assert "立案" in history and "乡镇初验" in history and "销号" in history
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED

    county.goto(f"{live_server.url}/rectify/?status=closed")
    assert county.locator("table.list").get_by_role("link", name="白桦村党支部").is_visible()
    county.context.close()
    town.context.close()
