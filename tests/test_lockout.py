"""Five failed logins lock the account, and the address, for ten minutes; pages and API alike; all audited."""

import datetime

import time_machine
from django.test import Client

from dangjian.core.models import AuditAction, AuditLog

from conftest import PASSWORD

START = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)


def fail(client, username, address):
    return client.post("/accounts/login/", {"username": username, "password": "wrong"}, REMOTE_ADDR=address)


def test_five_failures_lock_the_account_even_with_the_right_password_until_ten_minutes_pass(county_user):
    client = Client()
    with time_machine.travel(START, tick=False):
        for i in range(5):
            fail(client, "county_user", f"10.0.0.{i + 1}")  # from five addresses: the account itself is locked
        locked = client.post(
            "/accounts/login/", {"username": "county_user", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
        )
        assert "登录失败次数过多" in locked.content.decode()
        assert "_auth_user_id" not in client.session
        assert AuditLog.objects.filter(action=AuditAction.LOCKOUT, username="county_user", success=False).exists()

    with time_machine.travel(START + datetime.timedelta(minutes=11), tick=False):
        response = client.post(
            "/accounts/login/", {"username": "county_user", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
        )
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(county_user.pk)


def test_five_failures_from_one_address_lock_that_address_for_other_accounts(county_user, town_user):
    client = Client()
    with time_machine.travel(START, tick=False):
        for name in ("a", "b", "c", "d", "e"):
            fail(client, f"guess_{name}", "10.9.9.9")
        blocked = client.post(
            "/accounts/login/", {"username": "town_user", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
        )
        assert "登录失败次数过多" in blocked.content.decode()
        elsewhere = Client().post(
            "/accounts/login/", {"username": "town_user", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1"
        )
        assert elsewhere.status_code == 302


def test_the_token_endpoint_is_locked_too_with_a_chinese_message(county_user):
    client = Client()
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            client.post("/api/token/", {"username": "county_user", "password": "wrong"}, REMOTE_ADDR="10.2.2.2")
        response = client.post("/api/token/", {"username": "county_user", "password": PASSWORD}, REMOTE_ADDR="10.2.2.2")
        assert response.status_code == 429
        assert response.json()["detail"] == "登录失败次数过多，已暂时锁定，请10分钟后再试。"


def test_a_success_clears_earlier_failures(county_user):
    client = Client()
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            fail(client, "county_user", "10.3.3.3")
        assert (
            client.post(
                "/accounts/login/", {"username": "county_user", "password": PASSWORD}, REMOTE_ADDR="10.3.3.3"
            ).status_code
            == 302
        )
        client.post("/accounts/logout/")
        for _ in range(4):
            fail(client, "county_user", "10.3.3.3")
        assert (
            client.post(
                "/accounts/login/", {"username": "county_user", "password": PASSWORD}, REMOTE_ADDR="10.3.3.3"
            ).status_code
            == 302
        )
