"""Web hardening a browser or an attacker would notice: headers, no inline script, no traces, rate limits, limits."""

import re
from pathlib import Path

import pytest
from django.test import Client, override_settings

from dangjian.core.views import PingView
from dangjian.orgs.api.views import OrgViewSet

from conftest import PASSWORD

# Both engines' templates: Django's, and Jinja2's for the list rows (core/jinja.py).
SRC = Path("src/dangjian")
TEMPLATES = sorted([*SRC.glob("*/templates/**/*.html"), *SRC.glob("*/jinja2/**/*.html")])
STRICT_CSP = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
}


def csp_directives(response) -> set[str]:
    return {part.strip() for part in response["Content-Security-Policy"].split(";") if part.strip()}


@pytest.mark.parametrize("url", ["/accounts/login/", "/", "/members/", "/api/orgs/"])
def test_every_answer_carries_the_strict_headers(county_user, login, url):
    client = login(county_user) if url != "/accounts/login/" else Client()
    response = client.get(url)
    assert response.status_code == 200
    assert csp_directives(response) == STRICT_CSP
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response  # plain HTTP: no HSTS promise


def test_error_pages_carry_the_policy_too(county_user, login):
    response = login(county_user).get("/members/999999/")
    assert response.status_code == 404
    assert csp_directives(response) == STRICT_CSP


@override_settings(SECURE_HSTS_SECONDS=31536000, SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_over_https_the_browser_is_told_to_stay_on_https_and_cookies_are_secure(county_user):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "county_user", "password": PASSWORD}, secure=True, REMOTE_ADDR="10.1.0.1"
    )
    assert response.status_code == 302
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.cookies["sessionid"]["secure"] and response.cookies["sessionid"]["httponly"]


def test_no_template_has_inline_script_event_handlers_or_style_attributes():
    assert TEMPLATES, "no templates found: run from the project root"
    offenders = []
    for template in TEMPLATES:
        text = template.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\son[a-z]+\s*=", r"\sstyle\s*=", r"javascript:"):
            offenders += [f"{template}: {m.group(0)}" for m in re.finditer(pattern, text, re.IGNORECASE)]
    assert not offenders


def test_a_crash_shows_the_chinese_error_page_without_a_trace(monkeypatch, db):
    def explode(self, request):
        raise RuntimeError("secret-internal-detail in /srv/dangjian/settings.py")

    monkeypatch.setattr(PingView, "get", explode)
    response = Client(raise_request_exception=False).get("/ping/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "系统错误" in body
    for leak in ("Traceback", "RuntimeError", "secret-internal-detail", "settings.py"):
        assert leak not in body


def test_an_api_crash_answers_json_without_a_trace(monkeypatch, county_user, login):
    def explode(self, request, *args, **kwargs):
        raise ZeroDivisionError("secret-internal-detail")

    monkeypatch.setattr(OrgViewSet, "list", explode)
    client = login(county_user)
    client.raise_request_exception = False
    response = client.get("/api/orgs/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "服务器处理请求时出错" in response.json()["detail"]
    assert "ZeroDivisionError" not in response.content.decode()
    assert "secret-internal-detail" not in response.content.decode()


def test_debug_is_off_unless_asked_for():
    from django.conf import settings

    assert settings.DEBUG is False


def login_post(address, forwarded=""):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return Client().post(
        "/accounts/login/", {"username": "county_user", "password": PASSWORD}, REMOTE_ADDR=address, **extra
    )


@override_settings(LOGIN_RATE="3/minute")
def test_more_logins_than_the_rate_from_one_address_get_a_chinese_429(county_user):
    # Successful logins: this is the rate limit, not axes' lockout, which counts failures only.
    for _ in range(3):
        assert login_post("10.2.0.1").status_code == 302
    refused = login_post("10.2.0.1")
    assert refused.status_code == 429
    assert "请求过于频繁" in refused.content.decode() and int(refused["Retry-After"]) >= 1
    assert login_post("10.2.0.2").status_code == 302  # counted per address
    assert Client().get("/accounts/login/", REMOTE_ADDR="10.2.0.1").status_code == 200  # only attempts count


@override_settings(LOGIN_RATE="3/minute")
def test_a_forged_forwarded_for_header_does_not_reset_the_count(county_user):
    for i in range(3):
        login_post("10.3.0.1", forwarded=f"192.0.2.{i}")
    assert login_post("10.3.0.1", forwarded="192.0.2.99").status_code == 429


@override_settings(LOGIN_RATE="3/minute")
def test_more_token_requests_than_the_rate_get_a_chinese_json_429(county_user):
    client = Client()
    for _ in range(3):
        response = client.post("/api/token/", {"username": "county_user", "password": PASSWORD}, REMOTE_ADDR="10.4.0.1")
        assert response.status_code == 200
    refused = client.post("/api/token/", {"username": "county_user", "password": PASSWORD}, REMOTE_ADDR="10.4.0.1")
    assert refused.status_code == 429
    assert "请求过于频繁" in refused.json()["detail"]
    assert "token" not in refused.json()


def test_the_default_rate_is_twenty_a_minute():
    from django.conf import settings

    assert settings.LOGIN_RATE == "20/minute"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_an_oversized_form_post_is_refused_without_a_crash(town_user, login):
    client = login(town_user)
    client.raise_request_exception = False
    response = client.post("/members/new/", {"org": "T-BIRCH", "name": "长" * 5000, "gender": "male"})
    assert response.status_code == 400


def test_a_post_without_the_csrf_token_is_refused(town_user, region):
    from dangjian.members.models import Member

    client = Client(enforce_csrf_checks=True)
    client.force_login(town_user)
    member = Member.objects.get(name="赵冬梅")
    response = client.post(f"/members/{member.pk}/delete/", {"confirm": "on"})
    assert response.status_code == 403
    assert Member.objects.filter(pk=member.pk).exists()
