"""Sessions end after 30 minutes without a request and 8 hours after login however busy; audited, said in Chinese."""

import datetime

import pytest
import time_machine
from django.test import Client

from dangjian.accounts.security import update_policy
from dangjian.core.models import AuditAction, AuditLog

from conftest import PASSWORD

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)


def at(minutes):
    return time_machine.travel(START + datetime.timedelta(minutes=minutes), tick=False)


def log_in(username="county_user"):
    client = Client()
    assert client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_an_idle_session_ends_after_30_minutes_but_not_after_29(county_user):
    with at(0):
        client = log_in()
    with at(29):
        assert client.get("/").status_code == 200
    with at(29 + 29):
        assert client.get("/orgs/").status_code == 200  # activity keeps it open
    with at(29 + 29 + 31):
        response = client.get("/orgs/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/orgs/")
        page = client.get(response["Location"])
        assert "长时间未操作，已自动退出，请重新登录。" in page.content.decode()
        assert client.get("/").status_code == 302  # logged out for good
    entry = AuditLog.objects.get(action=AuditAction.LOGOUT, username="county_user")
    assert entry.detail == "无操作超过30分钟，自动退出"


def test_a_session_ends_eight_hours_after_login_despite_activity(county_user):
    with at(0):
        client = log_in()
    for minute in range(20, 8 * 60 + 1, 20):
        with at(minute):
            assert client.get("/").status_code == 200, minute
    with at(8 * 60 + 1):
        response = client.get("/", follow=True)
        assert response.redirect_chain[-1][0].startswith("/accounts/login/")
        assert "登录时间已超过上限，已自动退出，请重新登录。" in response.content.decode()
    assert AuditLog.objects.get(action=AuditAction.LOGOUT).detail == "登录超过8小时，自动退出"


def test_an_api_request_of_an_idle_session_is_refused(county_user):
    with at(0):
        client = log_in()
        assert client.get("/api/orgs/").status_code == 200
    with at(31):
        assert client.get("/api/orgs/").status_code == 401  # anonymous now
    assert AuditLog.objects.filter(action=AuditAction.LOGOUT, detail__startswith="无操作").exists()


def test_a_policy_change_applies_to_sessions_begun_after_it(county_user, city_admin):
    with at(0):
        before = log_in()
        update_policy({"idle_minutes": 10}, actor=city_admin)
        after = log_in()
    with at(11):
        assert before.get("/").status_code == 200
        assert after.get("/").status_code == 302


def test_an_ordinary_request_does_not_write_the_session(county_user, login):
    """The last-seen time is written at most once a minute, so pages keep their pinned query counts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with at(0):
        client = log_in()
        client.get("/orgs/")
        with CaptureQueriesContext(connection) as queries:
            client.get("/orgs/")
    assert not [q for q in queries.captured_queries if "UPDATE" in q["sql"] and "django_session" in q["sql"]]
