"""The second factor: time-based one-time codes (RFC 6238), required by policy, once per code, ±30 s of drift."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.test import Client

from dangjian.accounts import otp
from dangjian.accounts.duties import Duty
from dangjian.accounts.models import AccountSecurity
from dangjian.accounts.security import require_password_change, update_policy
from dangjian.core.models import AuditAction, AuditLog

from conftest import PASSWORD, settled

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)


def at(seconds):
    return time_machine.travel(START + datetime.timedelta(seconds=seconds), tick=False)


def code(user, seconds):
    """The code the user's phone shows at START + seconds."""
    secret = AccountSecurity.objects.get(user=user).totp_secret
    return otp.code_at(secret, (START + datetime.timedelta(seconds=seconds)).timestamp())


@pytest.fixture
def manage_requires_totp(settings):
    settings.DANGJIAN_TOTP_ROLES = ["manage"]  # the installation's default; the personas' tests switch it off


@pytest.fixture
def enrolled(county_user):
    """county_user with the second factor enabled at START."""
    with at(0):
        secret = otp.begin_enrolment(county_user)
        assert otp.confirm_enrolment(county_user, otp.code_at(secret, START.timestamp()))
    return county_user


def password_step(client, username="county_user"):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def test_the_policy_forces_enrolment_right_after_the_password(county_user, manage_requires_totp):
    client = Client()
    with at(0):
        response = password_step(client)
        assert response["Location"] == "/accounts/otp/setup/"
        assert "_auth_user_id" not in client.session  # not logged in before the second factor
        assert client.get("/")["Location"].startswith("/accounts/login/")
        page = client.get("/accounts/otp/setup/")
        body = page.content.decode()
        assert "按本单位安全策略，您的账号须启用动态口令后才能登录。" in body
        qr = body[body.index("<svg") : body.index("</svg>")]
        assert "<script" not in qr and "style=" not in qr and "style=" not in body  # strict CSP: nothing inline
        secret = AccountSecurity.objects.get(user=county_user).totp_secret
        assert secret.replace(" ", "")[:4] in body.replace(" ", "")
        assert AccountSecurity.objects.get(user=county_user).totp_confirmed_at is None  # not until a code confirms it

        wrong = client.post("/accounts/otp/setup/", {"code": "000000"})
        assert wrong.status_code == 400
        assert "动态口令不正确或已使用过" in wrong.content.decode()
        assert "_auth_user_id" not in client.session

        done = client.post("/accounts/otp/setup/", {"code": otp.code_at(secret, START.timestamp())})
        assert done["Location"] == "/"
        assert client.session["_auth_user_id"] == str(county_user.pk)
        assert client.get("/").status_code == 200
    assert AccountSecurity.objects.get(user=county_user).totp_confirmed_at is not None
    assert AuditLog.objects.filter(action=AuditAction.OTP, success=True, detail="启用动态口令").exists()


def test_login_asks_for_the_code_and_takes_the_right_one(enrolled):
    client = Client()
    with at(60):
        assert password_step(client)["Location"] == "/accounts/otp/"
        assert "_auth_user_id" not in client.session
        assert "输入动态口令" in client.get("/accounts/otp/").content.decode()
        response = client.post("/accounts/otp/", {"code": code(enrolled, 60)})
        assert response["Location"] == "/"
        assert client.session["_auth_user_id"] == str(enrolled.pk)
    assert AuditLog.objects.filter(action=AuditAction.LOGIN, username="county_user").exists()


def test_a_wrong_code_is_refused_in_chinese_and_audited(enrolled):
    client = Client()
    with at(60):
        password_step(client)
        response = client.post("/accounts/otp/", {"code": "123456"})
        assert response.status_code == 400
        assert "动态口令不正确或已使用过，请等待下一个口令后重试。" in response.content.decode()
        assert "_auth_user_id" not in client.session
        empty = client.post("/accounts/otp/", {"code": ""})
        assert "请输入动态口令。" in empty.content.decode()
    failure = AuditLog.objects.get(action=AuditAction.OTP, success=False)
    assert failure.username == "county_user"
    assert not AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED).exists()  # one record per failure


def test_a_code_cannot_be_used_twice(enrolled):
    first, second = Client(), Client()
    with at(60):
        used = code(enrolled, 60)
        password_step(first)
        assert first.post("/accounts/otp/", {"code": used})["Location"] == "/"
        password_step(second)
        assert second.post("/accounts/otp/", {"code": used}).status_code == 400
    with at(61):
        assert second.post("/accounts/otp/", {"code": code(enrolled, 30)}).status_code == 400  # an older one neither
    with at(90):
        assert second.post("/accounts/otp/", {"code": code(enrolled, 90)})["Location"] == "/"


@pytest.mark.parametrize(("drift", "accepted"), [(-30, True), (30, True), (-60, False), (60, False)])
def test_a_phone_clock_thirty_seconds_off_is_accepted_but_not_sixty(enrolled, drift, accepted):
    client = Client()
    with at(300):
        password_step(client)
        response = client.post("/accounts/otp/", {"code": code(enrolled, 300 + drift)})
        assert (response.status_code == 302) is accepted


def test_five_wrong_codes_lock_the_account_like_wrong_passwords(enrolled):
    client = Client()
    with at(60):
        password_step(client)
        for _ in range(4):
            assert client.post("/accounts/otp/", {"code": "000000"}).status_code == 400
        locked = client.post("/accounts/otp/", {"code": "000000"})
        assert locked.status_code == 429
        assert "登录失败次数过多" in locked.content.decode()
        again = Client()
        assert password_step(again).status_code == 429  # the account itself is locked
    assert AuditLog.objects.filter(action=AuditAction.OTP, success=False).count() == 5
    assert AuditLog.objects.filter(action=AuditAction.LOCKOUT, username="county_user").exists()


def test_the_code_step_expires_five_minutes_after_the_password(enrolled):
    client = Client()
    with at(60):
        password_step(client)
    with at(60 + 301):
        response = client.post("/accounts/otp/", {"code": code(enrolled, 361)})
        assert response["Location"] == "/accounts/login/"
        assert "_auth_user_id" not in client.session


def test_the_three_duties_need_a_second_factor_by_default(region):
    for duty in Duty.values:
        user = settled(User.objects.create_user(f"duty-{len(duty)}-{Duty.values.index(duty)}"))
        user.groups.add(Group.objects.get(name=duty))
        assert password_step(Client(), user.username)["Location"] == "/accounts/otp/setup/", duty


def test_users_outside_the_policy_log_in_with_a_password_only(town_user, manage_requires_totp):
    assert password_step(Client(), "town_user")["Location"] == "/"  # edit role: not required by default


def test_a_user_may_enable_the_factor_themself(town_user, login):
    client = login(town_user)
    with at(0):
        page = client.get("/accounts/otp/setup/")
        assert page.status_code == 200 and "<svg" in page.content.decode()
        secret = AccountSecurity.objects.get(user=town_user).totp_secret
        response = client.post("/accounts/otp/setup/", {"code": otp.code_at(secret, START.timestamp())})
        assert response["Location"] == "/accounts/otp/setup/"
        assert "已于" in client.get("/accounts/otp/setup/").content.decode()
    with at(60):
        assert password_step(Client(), "town_user")["Location"] == "/accounts/otp/"


def test_the_provisioning_address_names_the_system_and_the_account(county_user):
    secret = otp.begin_enrolment(county_user)
    uri = otp.provisioning_uri(secret, "county_user")
    assert uri.startswith("otpauth://totp/")
    assert f"secret={secret}" in uri and "county_user" in uri
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)


# ---------------------------------------------------------------- API tokens


def token(username="county_user", **extra):
    return Client().post("/api/token/", {"username": username, "password": PASSWORD, **extra})


def test_a_token_needs_the_code_when_the_factor_is_enabled(enrolled):
    with at(60):
        missing = token()
        assert missing.status_code == 400
        assert missing.json()["otp"] == ["该账号已启用动态口令，请在 otp 字段中提供当前的6位动态口令。"]
        wrong = token(otp="000000")
        assert wrong.status_code == 400 and wrong.json()["otp"] == ["动态口令不正确或已使用过。"]
        good = token(otp=code(enrolled, 60))
        assert good.status_code == 200
        api = Client(HTTP_AUTHORIZATION=f"Token {good.json()['token']}")
        assert api.get("/api/orgs/").status_code == 200
        assert token(otp=code(enrolled, 60)).status_code == 400  # the same code again
    assert AuditLog.objects.filter(action=AuditAction.OTP, success=False).count() == 2


def test_a_token_is_refused_while_a_required_factor_is_not_set_up(county_user, manage_requires_totp):
    response = token()
    assert response.status_code == 403
    assert response.json()["detail"] == "按安全策略须启用动态口令：请先在网页上登录并启用，才能使用接口。"


def test_a_token_is_refused_while_the_password_must_be_changed_and_an_old_one_stops_working(county_user, city_admin):
    key = token().json()["token"]
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/orgs/").status_code == 200
    require_password_change(county_user, actor=city_admin)
    refused = api.get("/api/orgs/")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "须先在网页上登录并修改密码，才能使用接口。"
    assert token().status_code == 403


def test_a_policy_change_makes_old_tokens_of_unenrolled_users_stop(county_user, city_admin):
    key = token().json()["token"]
    update_policy({"totp_roles": ["manage"]}, actor=city_admin)
    response = Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/members/")
    assert response.status_code == 403
    assert "须启用动态口令" in response.json()["detail"]


def test_an_administrator_resets_a_lost_factor_and_the_next_login_enrols_again(enrolled, city_admin, settings):
    settings.DANGJIAN_TOTP_ROLES = ["manage"]
    otp.reset_second_factor(enrolled, actor=city_admin)
    assert AuditLog.objects.filter(action=AuditAction.OTP, detail="重置动态口令", username="city_admin").exists()
    with at(120):
        assert password_step(Client())["Location"] == "/accounts/otp/setup/"
