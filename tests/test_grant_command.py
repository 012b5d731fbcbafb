"""`dangjian grant`: how an installation gets its users and their scopes."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from dangjian.accounts.models import OrgGrant


def test_it_creates_a_user_who_then_sees_only_the_granted_county(region, monkeypatch, capsys):
    monkeypatch.setenv("DANGJIAN_NEW_PASSWORD", "Beiji-2026")
    call_command("grant", "north_officer", "T-NORTH", "--role", "edit", "--create")
    assert "已授予 north_officer：漠北县委（编辑）" in capsys.readouterr().out
    client = Client()
    client.post("/accounts/login/", {"username": "north_officer", "password": "Beiji-2026"})
    assert client.get(f"/orgs/{region.town.pk}/")["Location"] == "/accounts/password/"  # must change it first
    new = {"old_password": "Beiji-2026", "new_password1": "Beiji-2027!", "new_password2": "Beiji-2027!"}
    assert client.post("/accounts/password/", new).status_code == 302
    assert client.get(f"/orgs/{region.town.pk}/").status_code == 200
    assert client.get(f"/orgs/{region.south.pk}/").status_code == 404


def test_a_weak_password_or_unknown_code_or_user_is_refused_and_nothing_is_written(region, monkeypatch):
    monkeypatch.setenv("DANGJIAN_NEW_PASSWORD", "short")
    with pytest.raises(CommandError, match="密码太短"):
        call_command("grant", "weak", "T-NORTH", "--create")
    with pytest.raises(CommandError, match="组织编码“NOPE”不存在"):
        call_command("grant", "weak", "NOPE", "--create")
    with pytest.raises(CommandError, match="不存在；要新建请加 --create"):
        call_command("grant", "nobody", "T-NORTH")
    assert not User.objects.filter(username__in=["weak", "nobody"]).exists()
    assert not OrgGrant.objects.exists()
