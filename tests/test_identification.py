"""Identification: forced password change at first login and after a reset, expiry, the policy page, Argon2,
and demo accounts that open at once."""

import datetime

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.test import Client

from dangjian.accounts.duties import Duty
from dangjian.accounts.models import AccountSecurity, SecurityPolicy
from dangjian.accounts.security import password_expired, require_password_change, security_of, set_password
from dangjian.core.models import AuditAction, AuditLog

from conftest import PASSWORD, make_org, settled

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
FIRST = "Initial-2026"
NEW = {"old_password": FIRST, "new_password1": "Changed-2026!", "new_password2": "Changed-2026!"}


def logged_in(username, password):
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()
    return client


@pytest.fixture
def newcomer(region):
    """An account an administrator has just made (actor: the system), granted the county."""
    user = User.objects.create_user("newcomer")
    set_password(user, FIRST, actor=None, reason="新建账号的初始密码")
    from dangjian.accounts.services import grant_org

    grant_org(user, region.north, "edit")
    return user


def test_first_login_forces_the_change_and_every_page_redirects_until_it_is_done(newcomer, region):
    client = logged_in("newcomer", FIRST)
    for url in ("/", "/orgs/", f"/orgs/{region.town.pk}/", "/members/", "/accounts/otp/setup/", "/accounts/login/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/accounts/password/", url
    page = client.get("/accounts/password/")
    assert page.status_code == 200
    assert "首次登录或密码已被重置，请先修改密码。" in page.content.decode()
    api = client.get("/api/orgs/")
    assert api.status_code == 403 and api.json()["detail"] == "须先在网页上修改密码，才能使用接口。"

    response = client.post("/accounts/password/", NEW)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get(f"/orgs/{region.town.pk}/").status_code == 200
    row = security_of(User.objects.get(username="newcomer"))
    assert not row.must_change_password and row.password_changed_at is not None
    assert AuditLog.objects.filter(action=AuditAction.PASSWORD_CHANGE, username="newcomer", success=True).exists()
    assert logged_in("newcomer", "Changed-2026!").get("/").status_code == 200  # and at the next login too


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short1!", "密码太短，至少需要8个字符。"),
        ("alllowercase", "密码应至少包含大写字母、小写字母、数字、符号中的3类。"),
        (FIRST, "新密码不能与原密码相同。"),
    ],
)
def test_a_bad_new_password_is_refused_in_chinese_and_nothing_changes(newcomer, new, message):
    client = logged_in("newcomer", FIRST)
    response = client.post("/accounts/password/", {"old_password": FIRST, "new_password1": new, "new_password2": new})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert client.get("/")["Location"] == "/accounts/password/"
    assert User.objects.get(username="newcomer").check_password(FIRST)


def test_a_wrong_old_password_is_refused(newcomer):
    client = logged_in("newcomer", FIRST)
    response = client.post("/accounts/password/", NEW | {"old_password": "Nope-2026"})
    assert response.status_code == 400
    assert "旧密码不正确" in response.content.decode() or "原密码" in response.content.decode()


def test_an_account_without_a_security_row_counts_as_must_change(region):
    User.objects.create_user("legacy", password=FIRST)  # as createsuperuser or older code made it
    assert not AccountSecurity.objects.filter(user__username="legacy").exists()
    client = logged_in("legacy", FIRST)
    assert client.get("/")["Location"] == "/accounts/password/"


def test_an_administrator_reset_forces_the_change_again(county_user, city_admin):
    set_password(county_user, "Reset-2026x", actor=city_admin, reason="安全管理员重置密码")
    assert AuditLog.objects.filter(action=AuditAction.PASSWORD_RESET, object_id=str(county_user.pk)).exists()
    client = logged_in("county_user", "Reset-2026x")
    assert client.get("/")["Location"] == "/accounts/password/"
    client.post(
        "/accounts/password/",
        {"old_password": "Reset-2026x", "new_password1": "Mine-2026-ok", "new_password2": "Mine-2026-ok"},
    )
    assert client.get("/").status_code == 200


def test_requiring_a_change_without_a_new_password_applies_at_the_next_login(county_user, city_admin):
    require_password_change(county_user, actor=city_admin)
    require_password_change(county_user, actor=city_admin)  # recorded once: the state changed once
    assert AuditLog.objects.filter(action=AuditAction.PASSWORD_RESET, object_id=str(county_user.pk)).count() == 1
    assert logged_in("county_user", PASSWORD).get("/")["Location"] == "/accounts/password/"


def test_a_password_expires_after_90_days(region):
    with time_machine.travel(START, tick=False):
        user = settled(User.objects.create_user("ageing"))
    with time_machine.travel(START + datetime.timedelta(days=89), tick=False):
        assert not password_expired(user)
        assert logged_in("ageing", PASSWORD).get("/").status_code == 200
    with time_machine.travel(START + datetime.timedelta(days=91), tick=False):
        assert password_expired(user)
        client = logged_in("ageing", PASSWORD)
        response = client.get("/", follow=True)
        assert response.redirect_chain[-1][0] == "/accounts/password/"
        assert "密码已超过有效期，请修改密码。" in response.content.decode()
        new = {"old_password": PASSWORD, "new_password1": "Fresh-2026-x", "new_password2": "Fresh-2026-x"}
        client.post("/accounts/password/", new)
        assert client.get("/").status_code == 200


def test_the_demo_accounts_open_at_once_and_the_login_page_says_why(region, settings):
    from dangjian.demo.region import CITY_NAME
    from dangjian.demo.users import DEMO_PASSWORD, ensure_demo_users
    from dangjian.orgs.choices import Level, OrgKind

    settings.DANGJIAN_TOTP_ROLES = ["manage"]  # the real default: demo_city manages, and is still not asked
    settings.DEMO_MODE = True
    make_org(None, CITY_NAME, "D-CITY", OrgKind.CITY_COMMITTEE, Level.CITY)
    assert [row[0] for row in ensure_demo_users()] == ["demo_city", "demo_secadmin", "demo_auditor"]
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=400), tick=False):
        client = Client()
        response = client.post("/accounts/login/", {"username": "demo_city", "password": DEMO_PASSWORD})
        assert response["Location"] == "/"
        assert client.get("/").status_code == 200
    token = Client().post("/api/token/", {"username": "demo_city", "password": DEMO_PASSWORD})
    assert token.status_code == 200
    page = Client().get("/accounts/login/").content.decode()
    assert "演示账号免于首次登录强制修改密码、密码有效期和动态口令（第二因素）" in page
    assert "正式安装的账号都须遵守这些要求" in page


def test_accounts_made_by_the_grant_command_must_change_at_first_login(region, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DANGJIAN_NEW_PASSWORD", "Beiji-2026")
    call_command("grant", "cli_user", "T-NORTH", "--create")
    assert security_of(User.objects.get(username="cli_user")).must_change_password
    assert logged_in("cli_user", "Beiji-2026").get("/")["Location"] == "/accounts/password/"


def test_passwords_are_hashed_with_argon2_and_old_pbkdf2_hashes_are_upgraded_at_login(region, settings):
    from dangjian import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in project_settings.PASSWORD_HASHERS
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # the real ones, not the tests' fast one
    user = settled(User.objects.create_user("old_hash"))
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    logged_in("old_hash", PASSWORD)
    assert User.objects.get(pk=user.pk).password.startswith("argon2$")


# ---------------------------------------------------------------- the policy page


@pytest.fixture
def sysadmin(region):
    user = settled(User.objects.create_user("sysadmin"))
    user.groups.add(Group.objects.get(name=Duty.SYSADMIN))
    return user


def test_only_the_system_administrator_sees_the_policy_page(sysadmin, city_admin, login):
    secadmin = settled(User.objects.create_user("secadmin"))
    secadmin.groups.add(Group.objects.get(name=Duty.SECADMIN))
    for other in (city_admin, secadmin):
        assert login(other).get("/accounts/policy/").status_code == 404
        assert 'href="/accounts/policy/"' not in login(other).get("/").content.decode()
        assert login(other).post("/accounts/policy/", {"idle_minutes": 1}).status_code == 404
    assert 'href="/accounts/policy/">安全策略</a>' in login(sysadmin).get("/").content.decode()
    page = login(sysadmin).get("/accounts/policy/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "身份鉴别策略" in body and "密码有效期（天）" in body and "须启用动态口令的数据角色" in body


def test_the_system_administrator_changes_the_policy_and_it_is_audited(sysadmin, login):
    client = login(sysadmin)
    client.get("/accounts/policy/")
    form = {
        "password_max_age_days": 60,
        "idle_minutes": 15,
        "absolute_hours": 4,
        "totp_duties": [Duty.SYSADMIN, Duty.SECADMIN],
        "totp_roles": ["manage", "edit"],
    }
    response = client.post("/accounts/policy/", form)
    assert response.status_code == 302
    row = SecurityPolicy.objects.get()
    assert (row.password_max_age_days, row.idle_minutes, row.absolute_hours) == (60, 15, 4)
    assert row.totp_roles == ["manage", "edit"]
    entry = AuditLog.objects.get(action=AuditAction.UPDATE, object_type="securitypolicy")
    assert entry.before["idle_minutes"] == 30 and entry.after["idle_minutes"] == 15
    assert entry.username == "sysadmin"


def test_a_bad_policy_is_refused_in_chinese_and_nothing_is_written(sysadmin, login):
    client = login(sysadmin)
    client.get("/accounts/policy/")
    before = AuditLog.objects.count()
    response = client.post(
        "/accounts/policy/",
        {"password_max_age_days": 0, "idle_minutes": 30, "absolute_hours": 8, "totp_roles": ["root"]},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "确保该值大于或等于1。" in body
    assert "root 不在可用的选项中" in body
    assert SecurityPolicy.objects.get().password_max_age_days == 90
    assert AuditLog.objects.count() == before
