"""The production shape with Redis (REDIS_URL): two `dangjian serve --no-worker` processes sharing one Redis.

Lockouts, login rate limits and the data version are shared as with the database cache (tests/test_shared_state.py);
sessions are read from Redis and written through to the database (`cached_db`), so a logout through one server ends
the session on the other, and a restore, which deletes every session row, leaves no cached copy that still logs
somebody in. The Redis is DANGJIAN_TEST_REDIS_URL's (default: database 14 of the local server), as the suite's
PostgreSQL is the local server's.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from dangjian.accounts.security import set_password
from test_serve_proxy import PUBLIC_HOST, dangjian, new_installation
from test_shared_state import PASSWORD, SETUP, csrf_token, home_counts, signed_in, two_servers, visitor

REDIS_URL = os.environ.get("DANGJIAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
SESSIONS = "django.contrib.sessions.backends.cached_db"


def reachable_redis() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.fail(f"these tests need the Redis at {REDIS_URL} (DANGJIAN_TEST_REDIS_URL): {exc}")
    return REDIS_URL


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    yield from new_installation(tmp_path_factory, SETUP)


@pytest.fixture(scope="module")
def served(installation, tmp_path_factory):
    """Servers A and B (their ports) on one database and one Redis."""
    logs = tmp_path_factory.mktemp("redis")
    env = {**installation, "REDIS_URL": reachable_redis(), "DANGJIAN_TOTP_ROLES": "", "DANGJIAN_LOGIN_RATE": "4/minute"}
    for a, b in two_servers(env, logs):
        yield env, a, b


def post(browser, path: str, origin: str = f"http://{PUBLIC_HOST}"):
    token = csrf_token(browser, path if path != "/accounts/logout/" else "/")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin}
    return browser.send("POST", path, f"csrfmiddlewaretoken={token}", headers)


def test_the_session_engine_with_redis_is_the_cached_database_one(served):
    env, _, _ = served
    shown = dangjian(
        env, "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.SESSION_ENGINE)"
    )
    assert shown.strip() == SESSIONS


def test_five_failed_logins_through_one_server_lock_the_account_on_the_other(served):
    _, a, b = served
    for n in range(5):
        visitor(a, f"127.0.5.{n + 1}").login("target", "wrong-password")
    owner = visitor(b, "127.0.5.9").login("target", PASSWORD)
    assert owner.status == 429
    assert "登录失败次数过多" in owner.text


def test_the_login_rate_limit_counts_the_attempts_made_through_both_servers(served):
    _, a, b = served
    for port in (a, a, b, b):
        assert visitor(port, "127.0.6.1").login("sprayer", "wrong-password").status == 200
    refused = visitor(a, "127.0.6.1").login("sprayer", "wrong-password")
    assert refused.status == 429


def test_a_session_begun_on_one_server_is_ended_on_both_by_a_logout_through_the_other(served):
    _, a, b = served
    browser = signed_in(a, "127.0.7.1", "manager1")
    browser.port = b  # the same browser, its next request sent to the other server by the proxy
    assert browser.send("GET", "/members/").status == 200
    assert post(browser, "/accounts/logout/").status in (200, 302)
    browser.port = a
    after = browser.send("GET", "/members/")
    assert after.status == 302
    assert after.headers["Location"].startswith("/accounts/login/")


def test_a_write_through_one_server_renews_the_counts_the_other_shows(served):
    _, a, b = served
    reader = signed_in(b, "127.0.8.1", "manager2")
    orgs_before, _ = home_counts(reader)
    writer = signed_in(a, "127.0.8.2", "manager2")
    [spare] = json.loads(writer.send("GET", "/orgs/search/?q=S-SPARE2&format=json").text)["results"]
    assert post(writer, f"/orgs/{spare['id']}/delete/").status == 302
    assert home_counts(reader)[0] == orgs_before - 1


def test_a_restore_ends_every_session_though_redis_still_held_a_copy(served, tmp_path):
    env, a, b = served
    saved = tmp_path / "before.zip"
    dangjian(env, "backup", str(saved))
    browser = signed_in(a, "127.0.9.1", "manager1")
    assert browser.send("GET", "/members/").status == 200  # the session is in Redis now, and in the database
    cached = redis.Redis.from_url(REDIS_URL)
    assert any(cached.scan_iter("*django.contrib.sessions.cached_db*"))

    dangjian(env, "restore", str(saved), "--force")

    for port in (a, b):
        browser.port = port
        after = browser.send("GET", "/members/")
        assert after.status == 302, f"still signed in through {port} after the restore"
        assert after.headers["Location"].startswith("/accounts/login/")
    assert signed_in(b, "127.0.9.2", "manager1").send("GET", "/members/").status == 200  # logging in again works


@pytest.mark.django_db
def test_a_signed_in_page_reads_its_session_from_redis_not_the_database(client, django_user_model):
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": reachable_redis(),
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(CACHES=caches, SESSION_ENGINE=SESSIONS):
        user = django_user_model.objects.create_user("reader")
        set_password(user, PASSWORD, actor=user, reason="测试账号")  # no forced change of password
        client.force_login(user)
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
    assert not [q["sql"] for q in queries if "django_session" in q["sql"]]
    assert any("auth_user" in q["sql"] for q in queries)  # the user is still read: a deactivation acts at once
