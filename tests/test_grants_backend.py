"""A signed-in user is read together with their grants (accounts/backends.py): one query where there were two, and
the scope it gives is exactly the one `core.scope.scope_paths` reads from the grants itself."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.accounts.backends import GrantsBackend
from dangjian.accounts.services import grant_org, revoke_org
from dangjian.core.scope import Action, Role, clear_scope_cache, scope_paths

from conftest import persona, settled


def fresh_scope(user_id: int) -> dict:
    user = User.objects.get(pk=user_id)
    clear_scope_cache(user)
    return {action: scope_paths(user, action) for action in Action.values}


def test_the_scope_read_with_the_user_is_the_one_read_from_the_grants(region):
    several = persona("several", region.town, Role.READ)
    grant_org(several, region.south_village, Role.EDIT)
    grant_org(several, region.village, Role.MANAGE)  # under the town: adds CHANGE there, nothing to VIEW
    single = persona("single", region.north, Role.MANAGE)
    for user in (several, single):
        read = GrantsBackend().get_user(user.pk)
        assert read == user
        assert read._scope_cache == fresh_scope(user.pk)
        assert {action: scope_paths(read, action) for action in Action.values} == fresh_scope(user.pk)
    assert scope_paths(GrantsBackend().get_user(several.pk), Action.VIEW) == sorted(
        [region.town.path, region.south_village.path]
    )


def test_a_user_without_grants_and_an_inactive_one_are_read_as_django_reads_them(region):
    root = settled(User.objects.create_superuser("root"))
    assert GrantsBackend().get_user(root.pk) == root
    assert scope_paths(GrantsBackend().get_user(root.pk)) is None  # a superuser sees everything
    nobody = settled(User.objects.create_user("nobody"))
    assert scope_paths(GrantsBackend().get_user(nobody.pk)) == []
    gone = persona("gone", region.north, Role.MANAGE)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    assert GrantsBackend().get_user(gone.pk) is None
    assert GrantsBackend().get_user(987654321) is None


@pytest.mark.django_db
def test_a_list_page_reads_the_user_and_grants_in_one_statement(region, county_user, login):
    client = login(county_user)
    client.get("/members/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/members/")
    assert page.status_code == 200
    assert "王春生" in page.content.decode() and "欧阳南风" not in page.content.decode()
    reads = [q["sql"] for q in queries if "auth_user" in q["sql"] or "accounts_orggrant" in q["sql"]]
    assert len(reads) == 1 and "accounts_orggrant" in reads[0] and "auth_user" in reads[0], reads


def test_a_revoked_grant_ends_the_users_sight_at_their_next_request(region, login):
    user = persona("revoked", region.north, Role.READ)
    client = login(user)
    assert "王春生" in client.get("/members/").content.decode()
    revoke_org(user, region.north, actor=None)  # the system (a command)
    assert "王春生" not in client.get("/members/").content.decode()
