"""The interface speaks Simplified Chinese to every browser, whatever language it asks for."""

import pytest
from django.test import Client


@pytest.mark.parametrize("asked", ["en-US,en;q=0.9", "fr", "zh-TW", ""])
def test_a_browser_asking_for_another_language_gets_chinese(db, asked):
    client = Client(HTTP_ACCEPT_LANGUAGE=asked)
    assert '<html lang="zh-CN">' in client.get("/accounts/login/").content.decode()
    answer = client.get("/api/orgs/")  # DRF's own message, translated by Django's catalogue
    assert answer.status_code in (401, 403)
    assert answer.json()["detail"] == "身份认证信息未提供。"
