"""The security administrator's user pages: only for that duty, only for users within reach, every form in Chinese."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dangjian.accounts import services
from dangjian.accounts.duties import Duty, duties_of
from dangjian.accounts.models import AccountSecurity, OrgGrant
from dangjian.core.models import AuditAction, AuditLog
from dangjian.core.scope import Role
from test_duties import lock_out, logs_in, state

from conftest import PASSWORD

NEW_PASSWORD = "Temp-Pass-2026"


def duty_account(username: str, duty: str, org=None) -> User:
    user = services.create_user(username, PASSWORD, actor=None)
    services.assign_duty(user, duty, actor=None)
    if org is not None:
        services.grant_org(user, org, Role.READ, actor=None)
    # Past the first login: these tests are about the pages, not the forced password change or the second factor.
    AccountSecurity.objects.filter(user=user).update(must_change_password=False, exempt=True)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def root_secadmin(region):
    return duty_account("root_secadmin", Duty.SECADMIN, region.city)


@pytest.fixture
def north_secadmin(region):
    return duty_account("north_secadmin", Duty.SECADMIN, region.north)


@pytest.fixture
def as_north(north_secadmin):
    client = Client()
    client.force_login(north_secadmin)
    return client


@pytest.fixture
def as_root(root_secadmin):
    client = Client()
    client.force_login(root_secadmin)
    return client


def body(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- only for the security administrator


ACTIONS = ["password", "active", "unlock", "grants/add", "grants/remove", "duties", "unmask"]


def test_the_pages_answer_404_to_everyone_but_the_security_administrator(region, county_user, town_user):
    auditor = duty_account("auditor", Duty.AUDITOR, region.city)
    sysadmin = duty_account("sysadmin", Duty.SYSADMIN)
    for user in (auditor, sysadmin, county_user):
        client = Client()
        client.force_login(user)
        before = state()
        for url in ("/users/", "/users/new/", f"/users/{town_user.pk}/"):
            assert client.get(url).status_code == 404, (user, url)
        assert client.post("/users/new/", {"username": "x", "password": NEW_PASSWORD}).status_code == 404
        for action in ACTIONS:
            url = f"/users/{town_user.pk}/{action}/"
            response = client.post(url, {"on": "0", "duty": Duty.SECADMIN, "op": "assign", "org": "T-NORTH"})
            assert response.status_code == 404, (user, url)
        assert state() == before
        assert "用户管理" not in body(client.get("/"))


def test_the_navigation_shows_user_management_to_the_security_administrator(as_north):
    assert '<a href="/users/">用户管理</a>' in body(as_north.get("/"))


def test_the_navigation_link_costs_no_query_once_the_session_knows_the_duties(as_north):
    with CaptureQueriesContext(connection) as first:
        assert "用户管理" in body(as_north.get("/members/"))
    with CaptureQueriesContext(connection) as later:
        assert "用户管理" in body(as_north.get("/members/"))
    assert [q for q in first.captured_queries if "auth_user_groups" in q["sql"]]
    assert not [q for q in later.captured_queries if "auth_user_groups" in q["sql"]]


def test_actions_take_only_post_and_pages_need_a_login(as_north, town_user):
    assert as_north.get(f"/users/{town_user.pk}/active/").status_code == 405
    response = Client().get("/users/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ---------------------------------------------------------------- the list


def test_the_list_shows_users_of_the_county_with_grants_duties_and_state(
    as_north, county_user, town_user, outsider, city_admin
):
    lock_out("town_user")
    response = as_north.get("/users/")
    assert response.status_code == 200
    page = body(response)
    for shown in ("county_user", "town_user", "漠北县委（管理）", "松岭镇党委（编辑）", "已锁定"):
        assert shown in page
    for hidden in ("outsider", "city_admin", "南岭", "root_secadmin"):
        assert hidden not in page


def test_the_list_searches_by_username_or_name_and_filters_by_duty_and_organization(
    as_root, county_user, town_user, branch_secretary, region
):
    User.objects.filter(pk=town_user.pk).update(first_name="林小松")
    services.assign_duty(county_user, Duty.SYSADMIN, actor=None)

    def listed(query):
        response = as_root.get("/users/" + query)
        assert response.status_code == 200
        return {u.username for u in response.context["page"]}

    assert listed("?q=小松") == {"town_user"}
    assert listed("?q=branch") == {"branch_secretary"}
    assert listed("?duty=系统管理员") == {"county_user"}
    assert listed("?duty=安全管理员") == {"root_secadmin"}
    assert listed("?org_code=T-TOWN") == {"town_user", "branch_secretary"}
    assert listed("?org_code=NOPE") == set()


# ---------------------------------------------------------------- another county


def test_a_county_security_administrator_can_neither_see_nor_change_a_user_of_another_county(
    as_north, outsider, region
):
    before = state()
    assert as_north.get(f"/users/{outsider.pk}/").status_code == 404
    posts = {
        "password": {"password": NEW_PASSWORD, "password2": NEW_PASSWORD},
        "active": {"on": "0"},
        "grants/add": {"org": "T-TOWN", "role": Role.MANAGE},
        "grants/remove": {"org": "T-SOUTH"},
        "unmask": {"on": "1"},
        "duties": {"duty": Duty.SYSADMIN, "op": "assign"},
        "unlock": {},
    }
    for action, data in posts.items():
        response = as_north.post(f"/users/{outsider.pk}/{action}/", data)
        assert response.status_code == 404, action
        assert "outsider" not in body(response)
    assert state() == before


def test_a_county_security_administrator_cannot_grant_an_organization_of_another_county(as_north, town_user):
    before = state()
    response = as_north.post(f"/users/{town_user.pk}/grants/add/", {"org": "T-SOUTH", "role": Role.READ})
    assert response.status_code == 400
    assert "组织编码“T-SOUTH”不存在，或不在您的数据范围内" in body(response)
    assert "南岭县委" not in body(response)
    assert state() == before


# ---------------------------------------------------------------- creating and changing users


def test_creating_a_user_grants_the_organization_and_forces_a_password_change(as_north, region):
    response = as_north.post(
        "/users/new/",
        {
            "username": "zhao_liu",
            "name": "赵六",
            "password": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "org": "T-TOWN",
            "role": Role.EDIT,
        },
    )
    user = User.objects.get(username="zhao_liu")
    assert response.status_code == 302 and response["Location"] == f"/users/{user.pk}/"
    assert user.first_name == "赵六" and user.check_password(NEW_PASSWORD)
    assert AccountSecurity.objects.get(user=user).must_change_password
    assert list(user.grants.values_list("org__code", "role")) == [("T-TOWN", Role.EDIT)]
    page = body(as_north.get(response["Location"]))
    assert "已新建用户“zhao_liu”，首次登录时须修改初始密码" in page and "松岭镇党委" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "zhao_liu", "password": "short", "password2": "short"}, "密码太短"),
        ({"username": "zhao_liu", "password": NEW_PASSWORD, "password2": "Other-2026x"}, "两次输入的密码不一致"),
        (
            {"username": "county_user", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
            "用户名“county_user”已被使用",
        ),
        (
            {"username": "zhao_liu", "password": NEW_PASSWORD, "password2": NEW_PASSWORD, "org": "T-SOUTH"},
            "不在您的数据范围内",
        ),
        ({"username": "bad name!", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}, "用户名"),
    ],
)
def test_bad_input_on_the_create_page_is_refused_in_chinese_and_creates_nothing(as_north, county_user, data, message):
    before = state()
    response = as_north.post("/users/new/", {"role": Role.READ, **data})
    assert response.status_code == 400
    assert message in body(response)
    assert state() == before


def test_the_detail_page_grants_revokes_resets_deactivates_and_unmasks(as_north, town_user, region):
    url = f"/users/{town_user.pk}/"
    page = body(as_north.get(url))
    assert "松岭镇党委" in page and "重置密码" in page

    as_north.post(url + "grants/add/", {"org": "T-BIRCH", "role": Role.MANAGE})
    assert OrgGrant.objects.filter(user=town_user, org=region.birch, role=Role.MANAGE).exists()
    as_north.post(url + "grants/remove/", {"org": "T-TOWN"})
    assert not OrgGrant.objects.filter(user=town_user, org=region.town).exists()

    response = as_north.post(url + "password/", {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    town_user.refresh_from_db()
    assert town_user.check_password(NEW_PASSWORD)
    assert AccountSecurity.objects.get(user=town_user).must_change_password

    as_north.post(url + "unmask/", {"on": "1"})
    assert User.objects.get(pk=town_user.pk).has_perm("members.unmask_member")
    as_north.post(url + "active/", {"on": "0"})
    assert not User.objects.get(pk=town_user.pk).is_active
    page = body(as_north.get(url))
    assert "已停用" in page and "收回敏感信息明文权限" in page and "启用账号" in page
    actions = set(AuditLog.objects.filter(username="north_secadmin").values_list("action", flat=True))
    assert {AuditAction.GRANT, AuditAction.REVOKE, AuditAction.PASSWORD_RESET, AuditAction.UPDATE} <= actions


def test_a_refused_action_answers_400_with_the_reason_and_writes_nothing(as_north, north_secadmin, town_user):
    before = state()
    response = as_north.post(f"/users/{town_user.pk}/password/", {"password": "abc", "password2": "abc"})
    assert response.status_code == 400 and "密码太短" in body(response)
    response = as_north.post(f"/users/{town_user.pk}/duties/", {"duty": Duty.SYSADMIN, "op": "assign"})
    assert response.status_code == 400 and "只有授权范围为根党组织的安全管理员可以分配管理职责" in body(response)
    response = as_north.post(f"/users/{town_user.pk}/unlock/")
    assert response.status_code == 400 and "该账号当前未被锁定" in body(response)
    assert state() == before


def test_the_root_security_administrator_assigns_duties_one_per_account_audited(as_root, county_user):
    url = f"/users/{county_user.pk}/duties/"
    response = as_root.post(url, {"duty": Duty.SECADMIN, "op": "assign"})
    assert response.status_code == 302
    assert duties_of(User.objects.get(pk=county_user.pk)) == {Duty.SECADMIN}
    entry = AuditLog.objects.get(action=AuditAction.DUTY, object_id=str(county_user.pk), object_type="user")
    assert entry.username == "root_secadmin" and entry.after == {"duties": ["安全管理员"]}

    response = as_root.post(url, {"duty": Duty.SYSADMIN, "op": "assign"})
    assert response.status_code == 400 and "一个账号只能承担一项管理职责" in body(response)
    # county_user manages data, so could not have been made auditor either.
    as_root.post(url, {"duty": Duty.SECADMIN, "op": "remove"})
    response = as_root.post(url, {"duty": Duty.AUDITOR, "op": "assign"})
    assert response.status_code == 400 and "审计管理员不能持有编辑或管理授权" in body(response)
    assert duties_of(User.objects.get(pk=county_user.pk)) == set()


def test_the_security_administrator_changes_nothing_of_their_own_on_the_pages(as_root, root_secadmin):
    before = state()
    page = body(as_root.get(f"/users/{root_secadmin.pk}/"))
    assert "这是您本人的账号" in page and "重置密码</button>" not in page
    response = as_root.post(f"/users/{root_secadmin.pk}/duties/", {"duty": Duty.SECADMIN, "op": "remove"})
    assert response.status_code == 400 and "不能修改自己的管理职责" in body(response)
    assert state() == before


def test_unlocking_on_the_page_after_a_real_lockout(as_north, town_user):
    lock_out("town_user")
    assert "解除登录锁定" in body(as_north.get(f"/users/{town_user.pk}/"))
    response = as_north.post(f"/users/{town_user.pk}/unlock/")
    assert response.status_code == 302
    assert logs_in("town_user")
