"""Every URL pattern and API route (the table of test_outsider_walk), walked by each persona and anonymously:
never a server error, anonymous never gets data, the other county gets 404, nobody changes what they may not."""

import hashlib

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dangjian.core.models import AuditLog
from dangjian.members.models import Member
from dangjian.orgs.models import CommitteePost, Organization, VerticalSystem
from dangjian.sheets.models import ImportJob
from test_outsider_walk import ANONYMOUS_URLS, FORMS, OPEN_ROUTES, POST_ONLY, ROUTES

from conftest import settled

PERSONAS = ["city_admin", "county_user", "town_user", "branch_secretary", "reader", "outsider"]
OPEN_URLS = {"login": "/accounts/login/", "ping": "/ping/", "api-root": "/api/", "api-schema": "/api/schema/"}
OPEN_URLS["healthz"] = "/healthz"  # public: the machinery's health, no data
DUTY_PREFIXES = (
    "users:",
    "audit:",
)  # the security administrator's and the auditor's pages: no persona here holds a duty
VIEW_PAGES = {"orgs:detail", "orgs:children", "members:detail", "org-detail", "member-detail"}  # every persona in scope
NAMES_OF_THE_NORTH = ["王春生", "青松村党支部", "松岭镇党委"]


@pytest.fixture
def ids(region, county_user):
    """One object of every kind the route table takes, all inside 漠北县's 青松村党支部."""
    clerk = settled(User.objects.create_user("north_clerk"))
    job = ImportJob.objects.create(user=county_user, kind="members", original_name="青松村.xlsx", file="x/up.xlsx")
    system = VerticalSystem.objects.create(name="漠北税务系统", owner=region.north)
    return {
        "org": region.village.pk,
        "member": Member.objects.get(name="王春生").pk,
        "post": CommitteePost.objects.filter(org=region.village).first().pk,
        "system": system.pk,
        "user": clerk.pk,
        "job": job.pk,
        "audit": AuditLog.objects.filter(org_path__startswith=region.village.path).first().pk,
    }


class Ids(dict):
    """A kind of object this file has not made yet is walked with a number no row has: still no 5xx, no data."""

    def __missing__(self, kind):
        return 999999


def every_url(ids) -> dict[str, str]:
    assert set(ANONYMOUS_URLS) | OPEN_ROUTES == set(ROUTES)
    urls = {name: template.format_map(Ids(ids)) for name, template in ANONYMOUS_URLS.items()}
    return urls | OPEN_URLS


def fingerprint() -> str:
    rows = [
        list(Organization.objects.order_by("pk").values_list("pk", "name", "code", "path", "parent_id")),
        list(Member.objects.order_by("pk").values_list("pk", "name", "org_id", "status", "job", "id_number_digest")),
        list(CommitteePost.objects.order_by("pk").values_list("pk", "org_id", "holder_name")),
        list(User.objects.order_by("pk").values_list("pk", "username", "is_active", "password")),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_anonymous_gets_login_or_401_403_on_every_route_and_no_data(ids):
    client = Client()
    for name, url in every_url(ids).items():
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code < 500, (name, url, response.status_code)
            if name in OPEN_ROUTES:
                continue
            if url.startswith("/api/"):
                assert response.status_code in (401, 403), (name, response.status_code)
            else:
                assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
            body = response.content.decode(errors="replace")
            assert not any(secret in body for secret in NAMES_OF_THE_NORTH), name


# Pages a reader may read whose forms are for editors: the reader gets the page without them.
READ_WITH_FORMS = {"dues:member", "responsibility:org"}  # dues history (no base); an organization's duty list


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_walks_every_route_without_a_server_error(request, ids, persona):
    user = request.getfixturevalue(persona)
    client = Client()
    client.force_login(user)
    for name, url in every_url(ids).items():
        response = client.get(url)
        status = response.status_code
        assert status < 500, (persona, name, url, status)
        if ROUTES[name] not in ids or name.startswith(DUTY_PREFIXES):
            continue
        if persona == "outsider":  # 南岭县's manager: 漠北县's objects do not exist for them
            assert status == (405 if name in POST_ONLY else 404), (name, status)
        elif name in POST_ONLY:
            assert status == 405, (name, status)
        elif persona == "reader" and name in FORMS - READ_WITH_FORMS:
            assert status == 404, (name, status)  # sees, cannot change
        elif persona == "reader" and name in READ_WITH_FORMS:
            main = response.content.decode().split("<main", 1)[-1]
            assert status == 200 and 'method="post"' not in main, (name, status)
        elif name in VIEW_PAGES:
            assert status == 200, (persona, name, status)
        else:  # rights differ by role (move needs manage; an import job is its uploader's): allowed or refused
            assert status in (200, 403, 404), (persona, name, status)


@pytest.mark.parametrize("persona", ["reader", "outsider"])
def test_a_persona_without_change_rights_posts_to_every_route_and_changes_nothing(request, ids, persona):
    user = request.getfixturevalue(persona)
    before = fingerprint()
    hostile = {
        "name": "被篡改",
        "holder_name": "冒名者",
        "new_parent": "T-SOUTH",
        "to_org": "T-SVILLAGE",
        "confirm": "on",
    }
    for name, url in every_url(ids).items():
        if name == "logout":
            continue
        client = Client()
        client.force_login(user)
        response = client.post(url, hostile)
        assert response.status_code < 500, (persona, name, response.status_code)
        assert response.status_code != 200 or name in OPEN_ROUTES | {"orgs:search", "members:list"}, name
    assert fingerprint() == before
