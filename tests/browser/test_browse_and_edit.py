"""A branch secretary's and a county officer's day in a real browser: log in, browse, open, edit, see."""

import datetime

import pytest
from django.contrib.auth.models import User

from dangjian.accounts.models import Role
from dangjian.accounts.security import set_password
from dangjian.accounts.services import grant_org
from dangjian.members.models import Member
from dangjian.members.services import create_member
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.services import create_org

from .signin import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-test-2026"


@pytest.fixture
def region():
    city = create_org(
        actor=None, parent=None, name="示范市委", code="B-CITY", kind=OrgKind.CITY_COMMITTEE, level=Level.CITY
    )
    county = create_org(
        actor=None, parent=city, name="漠北县委", code="B-NORTH", kind=OrgKind.COUNTY_COMMITTEE, level=Level.COUNTY
    )
    other = create_org(
        actor=None, parent=city, name="南岭县委", code="B-SOUTH", kind=OrgKind.COUNTY_COMMITTEE, level=Level.COUNTY
    )
    town = create_org(
        actor=None, parent=county, name="兴安镇党委", code="B-TOWN", kind=OrgKind.TOWN_COMMITTEE, level=Level.TOWN
    )
    branch = create_org(
        actor=None,
        parent=town,
        name="北红村党支部",
        code="B-VILLAGE",
        kind=OrgKind.BRANCH,
        domain=Domain.VILLAGE,
        level=Level.VILLAGE,
    )
    create_org(
        actor=None, parent=other, name="南岭镇党委", code="B-STOWN", kind=OrgKind.TOWN_COMMITTEE, level=Level.TOWN
    )
    member = create_member(
        actor=None,
        org=branch,
        name="李春华",
        gender="female",
        birth_date=datetime.date(1980, 3, 1),
        join_date=datetime.date(2005, 7, 1),
    )
    county_user = User.objects.create_user("county_officer")
    set_password(county_user, PASSWORD, actor=county_user)  # past the first login's forced change
    grant_org(county_user, county, Role.MANAGE)
    return {"county": county, "other": other, "town": town, "branch": branch, "member": member}


def log_in(page, live_server, username):
    sign_in(page, live_server, username, PASSWORD)


def test_wrong_password_is_refused_in_chinese(page, live_server, region):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("county_officer")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_text("用户名或密码不正确").is_visible()


def test_browse_tree_open_org_edit_member_and_see_the_change(page, live_server, region):
    log_in(page, live_server, "county_officer")

    # The home page counts only what the county officer may see.
    assert page.get_by_role("heading", level=1).is_visible()
    page.goto(f"{live_server.url}/orgs/")
    tree = page.locator("#org-tree")
    assert tree.get_by_text("漠北县委").is_visible()
    assert "南岭" not in page.content()

    # Open the county, then the town, lazily; then the village branch.
    tree.locator(f'li[data-id="{region["county"].pk}"] > .toggle').click()
    tree.locator(f'li[data-id="{region["town"].pk}"] > .toggle').click()
    tree.get_by_role("link", name="北红村党支部").click()
    page.wait_for_url(f"{live_server.url}/orgs/{region['branch'].pk}/")
    assert page.get_by_role("heading", name="北红村党支部").is_visible()

    # Open the member and change her job and phone.
    page.get_by_role("link", name="李春华").click()
    page.get_by_role("link", name="编辑").click()
    page.get_by_label("工作岗位").fill("村党支部书记")
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_server.url}/members/{region['member'].pk}/")

    facts = page.locator("#member-facts")
    assert facts.get_by_text("村党支部书记").is_visible()
    assert facts.get_by_text("139****5678").is_visible()  # shown masked
    assert "13912345678" not in page.content()
    member = Member.objects.get(pk=region["member"].pk)
    assert (member.job, member.phone) == ("村党支部书记", "13912345678")


def test_invalid_member_input_shows_chinese_error_and_keeps_record(page, live_server, region):
    log_in(page, live_server, "county_officer")
    page.goto(f"{live_server.url}/members/{region['member'].pk}/edit/")
    page.get_by_label("公民身份号码").fill("12345")
    page.get_by_label("工作岗位").fill("不应保存")
    page.get_by_role("button", name="保存").click()
    assert page.get_by_text("公民身份号码应为18位").is_visible()
    assert Member.objects.get(pk=region["member"].pk).job == ""


def test_search_finds_in_scope_only(page, live_server, region):
    log_in(page, live_server, "county_officer")
    page.goto(f"{live_server.url}/orgs/")
    page.get_by_placeholder("按名称或编码查找").fill("镇党委")
    page.get_by_role("button", name="查找").click()
    assert page.get_by_role("link", name="兴安镇党委").is_visible()
    assert "南岭镇党委" not in page.content()


def test_out_of_scope_org_answers_like_missing(page, live_server, region):
    log_in(page, live_server, "county_officer")
    response = page.goto(f"{live_server.url}/orgs/{region['other'].pk}/")
    assert response.status == 404
    assert "南岭" not in page.content()


def test_phone_width_layout_has_no_horizontal_scroll(page, live_server, region):
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_server, "county_officer")
    page.goto(f"{live_server.url}/orgs/{region['branch'].pk}/")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
