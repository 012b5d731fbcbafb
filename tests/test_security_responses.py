"""What a browser keeps, and what it is told when a form is refused: pages and API answers with personal data are
kept in no cache (static files are); a form without a valid CSRF token gets a Chinese page saying what to do."""

import pytest
from django.test import Client

from dangjian.members.models import Member


@pytest.mark.parametrize("url", ["/members/", "/api/members/", "/sheets/export/members/", "/accounts/login/"])
def test_pages_api_answers_and_exports_are_kept_in_no_cache(county_user, region, login, url):
    client = login(county_user) if url != "/accounts/login/" else Client()
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_static_files_keep_their_caching(db):
    response = Client().get("/static/dangjian/app.css")
    assert response.status_code == 200
    assert "max-age" in response["Cache-Control"]
    assert "no-store" not in response["Cache-Control"]


def refused_delete(user, referer: str) -> tuple[object, Member]:
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.5.0.1")
    client.force_login(user)
    member = Member.objects.get(name="赵冬梅")
    # A page left open too long: the form's token no longer matches the browser's cookie.
    client.cookies["csrftoken"] = "x" * 32
    form = {"confirm": "on", "csrfmiddlewaretoken": "y" * 32}
    return client.post(f"/members/{member.pk}/delete/", form, HTTP_REFERER=referer), member


def test_a_form_without_a_valid_token_gets_a_chinese_page_saying_what_to_do(town_user, region, caplog):
    response, member = refused_delete(town_user, "http://testserver/members/?q=赵")
    body = response.content.decode()
    assert response.status_code == 403
    assert "<h1>提交未被接受</h1>" in body
    assert "系统没有执行任何操作" in body
    assert '请<a href="http://testserver/members/?q=赵">重新加载页面</a>，再填写并提交一次' in body
    assert 'class="topbar"' in body and "数据仅限授权范围内使用" in body  # the house layout
    assert "CSRF verification failed" not in body and "Forbidden" not in body
    assert Member.objects.filter(pk=member.pk).exists()
    assert f"CSRF 校验失败，已拒绝：POST /members/{member.pk}/delete/，来源地址 10.5.0.1" in caplog.text


def test_the_reload_link_never_leads_to_another_site(town_user, region):
    response, member = refused_delete(town_user, "https://evil.example/members/")
    body = response.content.decode()
    assert response.status_code == 403
    assert "evil.example" not in body
    assert f'请<a href="/members/{member.pk}/delete/">重新加载页面</a>' in body
