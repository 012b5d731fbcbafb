"""API tokens live like web sessions: a new one each time, only a digest kept, ended by the idle and absolute limits,
revoked on password change, logout, lockout and deactivation; listed on the user's page, where they can be revoked."""

import datetime

import pytest
import time_machine
from django.test import Client

from dangjian.accounts import services
from dangjian.accounts.duties import Duty
from dangjian.accounts.models import ApiToken
from dangjian.accounts.security import update_policy
from dangjian.core.models import AuditAction, AuditLog
from test_duties import lock_out
from test_user_admin import duty_account

from conftest import PASSWORD

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)  # 17:00 in Asia/Shanghai, as pages show it
EXPIRED = "令牌已过期，请重新获取。"
INVALID = "令牌无效或已被撤销，请重新获取。"
NEW_PASSWORD = "New-Pass-2026"


def at(minutes):
    return time_machine.travel(START + datetime.timedelta(minutes=minutes), tick=False)


def fetch(username="county_user", password=PASSWORD, address="127.0.0.1", **extra) -> str:
    response = Client().post("/api/token/", {"username": username, "password": password, **extra}, REMOTE_ADDR=address)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def api(key: str, path: str = "/api/orgs/"):
    return Client().get(path, HTTP_AUTHORIZATION=f"Token {key}")


def refused(key: str, message: str) -> None:
    response = api(key)
    assert response.status_code == 401, response.status_code
    assert response.json()["detail"] == message


def revocations():
    return list(AuditLog.objects.filter(action=AuditAction.TOKEN_REVOKE).values_list("username", "detail"))


# ---------------------------------------------------------------- issue


def test_each_request_gives_a_new_token_with_the_session_limits_and_only_its_digest_is_kept(county_user):
    with at(0):
        response = Client().post("/api/token/", {"username": "county_user", "password": PASSWORD, "label": "夜间同步"})
        first = response.json()["token"]
        second = fetch()
    assert first != second
    assert response.json()["idle_minutes"] == 30
    assert datetime.datetime.fromisoformat(response.json()["expires_at"]) == START + datetime.timedelta(hours=8)
    with at(1):
        assert api(first).status_code == 200 and api(second).status_code == 200
    stored = repr(list(ApiToken.objects.values()))
    assert first not in stored and second not in stored
    assert sorted(ApiToken.objects.of(county_user).values_list("label", flat=True)) == ["", "夜间同步"]
    assert AuditLog.objects.filter(action=AuditAction.TOKEN, user=county_user, success=True).count() == 2


# ---------------------------------------------------------------- lifetime


def test_a_token_unused_for_30_minutes_answers_401_in_chinese_and_is_gone(county_user):
    with at(0):
        key = fetch(label="报表脚本")
    with at(29):
        assert api(key).status_code == 200
    with at(29 + 29):
        assert api(key).status_code == 200  # use keeps it open
    with at(29 + 29 + 31):
        refused(key, EXPIRED)
    assert not ApiToken.objects.exists()
    entry = AuditLog.objects.get(action=AuditAction.TOKEN_EXPIRE)
    assert (entry.username, entry.detail) == ("county_user", "接口令牌无操作超过30分钟，已失效（报表脚本）")
    with at(29 + 29 + 32):
        refused(key, INVALID)  # deleted: the second try finds nothing, and no second expiry record
    assert AuditLog.objects.filter(action=AuditAction.TOKEN_EXPIRE).count() == 1


def test_with_a_one_minute_idle_limit_a_busy_token_lives_and_an_idle_one_ends(county_user, city_admin):
    update_policy({"idle_minutes": 1}, actor=city_admin)
    with at(0):
        key = fetch()
    for seconds in (45, 90, 135, 180):  # a request every 45 seconds, under the limit: the last use is kept up to date
        with at(seconds / 60):
            assert api(key).status_code == 200, seconds
    with at((180 + 61) / 60):
        refused(key, EXPIRED)


def test_a_token_ends_eight_hours_after_it_was_issued_however_busy(county_user):
    with at(0):
        key = fetch()
    for minute in range(20, 8 * 60 + 1, 20):
        with at(minute):
            assert api(key).status_code == 200, minute
    with at(8 * 60 + 1):
        refused(key, EXPIRED)
    assert AuditLog.objects.get(action=AuditAction.TOKEN_EXPIRE).detail == "接口令牌签发超过8小时，已失效（未命名）"


# ---------------------------------------------------------------- revoked


def test_changing_the_password_revokes_the_tokens_and_the_new_password_gets_a_new_one(county_user, login):
    key = fetch()
    web = login(county_user)
    response = web.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    refused(key, INVALID)
    assert revocations() == [("county_user", "密码已修改：撤销接口令牌 1 个")]
    assert api(fetch(password=NEW_PASSWORD)).status_code == 200


def test_a_reset_by_the_security_administrator_revokes_the_tokens(region, county_user):
    secadmin = duty_account("root_secadmin", Duty.SECADMIN, region.city)
    key = fetch()
    services.reset_password(county_user, NEW_PASSWORD, actor=secadmin)
    refused(key, INVALID)  # gone, not merely refused until the password is changed
    assert revocations() == [("root_secadmin", "密码已修改：撤销接口令牌 1 个")]


def test_a_timed_out_web_session_leaves_the_tokens_but_logging_out_revokes_every_one(county_user, town_user):
    with at(0):
        mine, also_mine, theirs = fetch(), fetch(), fetch("town_user")
        web = Client()
        web.post("/accounts/login/", {"username": "county_user", "password": PASSWORD})
    with at(20):
        assert all(api(key).status_code == 200 for key in (mine, also_mine, theirs))
    with at(31):
        assert web.get("/")["Location"].startswith("/accounts/login/")  # the idle session ended by itself
        assert api(mine).status_code == 200  # the token keeps its own clock
        assert revocations() == []
        web.post("/accounts/login/", {"username": "county_user", "password": PASSWORD})
        assert web.post("/accounts/logout/").status_code == 302  # the user says they are done
        refused(mine, INVALID)
        refused(also_mine, INVALID)
        assert api(theirs).status_code == 200
    assert revocations() == [("county_user", "本人退出登录：撤销接口令牌 2 个")]


def test_a_lockout_revokes_the_tokens(county_user):
    key = fetch()
    lock_out("county_user")
    refused(key, INVALID)
    assert revocations() == [("", "账号因连续登录失败被锁定：撤销接口令牌 1 个")]
    assert AuditLog.objects.get(action=AuditAction.TOKEN_REVOKE).object_repr == "county_user"


def test_a_deactivated_account_keeps_no_token_even_when_activated_again(region, county_user):
    secadmin = duty_account("root_secadmin", Duty.SECADMIN, region.city)
    key = fetch()
    services.set_active(county_user, False, actor=secadmin)
    refused(key, INVALID)
    services.set_active(county_user, True, actor=secadmin)
    refused(key, INVALID)
    assert revocations() == [("root_secadmin", "账号已停用：撤销接口令牌 1 个")]


def test_a_script_revokes_its_own_token_through_the_api(county_user):
    key, other = fetch(label="旧脚本"), fetch()
    response = Client().post("/api/token/revoke/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 204
    refused(key, INVALID)
    assert api(other).status_code == 200
    assert revocations() == [("county_user", "本人通过接口撤销")]
    assert Client().post("/api/token/revoke/").status_code == 401


# ---------------------------------------------------------------- the token page


def test_the_token_page_lists_the_own_tokens_and_revokes_one(county_user, outsider, login):
    with at(0):
        nightly = fetch(label="夜间同步", address="10.3.3.3")
        report = fetch(label="报表脚本")
        fetch("outsider", label="南岭脚本")
    with at(5):
        assert api(nightly).status_code == 200
        web = login(county_user)
        page = web.get("/accounts/tokens/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "夜间同步" in body and "报表脚本" in body and "10.3.3.3" in body
    assert "2026-11-25 17:05" in body  # last used at 17:05, so it ends at 17:35 unless used again
    assert "2026-11-25 17:35" in body
    assert "南岭脚本" not in body and nightly not in body and report not in body
    pk = ApiToken.objects.get(label="夜间同步").pk
    with at(6):
        response = web.post(f"/accounts/tokens/{pk}/revoke/", follow=True)
        assert "已撤销接口令牌“夜间同步”，使用它的程序须重新获取令牌。" in response.content.decode()
        refused(nightly, INVALID)
        assert api(report).status_code == 200
    assert revocations() == [("county_user", "本人在令牌页面撤销")]


def test_another_users_token_cannot_be_revoked_from_the_page(county_user, outsider, login):
    theirs = fetch("outsider")
    pk = ApiToken.objects.get(user=outsider).pk
    web = login(county_user)
    assert web.get(f"/accounts/tokens/{pk}/revoke/").status_code == 405
    assert web.post(f"/accounts/tokens/{pk}/revoke/").status_code == 404
    assert web.post("/accounts/tokens/999999/revoke/").status_code == 404
    assert api(theirs).status_code == 200
    assert revocations() == []


def test_the_revoke_button_takes_only_a_post_with_the_csrf_token(county_user):
    key = fetch()
    web = Client(enforce_csrf_checks=True)
    web.force_login(county_user)
    assert web.post(f"/accounts/tokens/{ApiToken.objects.get().pk}/revoke/").status_code == 403
    assert api(key).status_code == 200


def test_the_security_administrator_sees_the_count_and_revokes_all(region, county_user, outsider, login):
    root = duty_account("root_secadmin", Duty.SECADMIN, region.city)
    north = duty_account("north_secadmin", Duty.SECADMIN, region.north)
    first, second = fetch(), fetch()
    theirs = fetch("outsider")
    web = login(root)
    assert "有效 2 个" in web.get(f"/users/{county_user.pk}/").content.decode()
    assert login(north).post(f"/users/{outsider.pk}/tokens/revoke/").status_code == 404  # out of their reach
    assert api(theirs).status_code == 200
    response = web.post(f"/users/{county_user.pk}/tokens/revoke/", follow=True)
    assert "已撤销“county_user”的接口令牌 2 个。" in response.content.decode()
    refused(first, INVALID)
    refused(second, INVALID)
    assert revocations() == [("root_secadmin", "安全管理员撤销：撤销接口令牌 2 个")]
    again = web.post(f"/users/{county_user.pk}/tokens/revoke/")
    assert again.status_code == 400 and "该用户没有有效的接口令牌。" in again.content.decode()
