"""List pages ask the database a fixed number of questions, however many rows they show (no N+1)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.orgs.choices import Domain, Level, OrgKind, Post
from dangjian.orgs.services import set_post

from conftest import PASSWORD, make_member, make_org

# Pinned counts: raise one only with a reason; a page whose count grows with its rows is a defect.
PINNED = {
    "/": 9,
    "/orgs/": 4,
    "/orgs/{town}/children/": 5,
    "/orgs/{town}/": 15,
    # Code prefix and name asked apart, each from its own index (orgs/search.py): one more than the OR was.
    "/orgs/search/?q=村": 5,
    "/orgs/search/?q=村&format=json": 5,
    "/members/": 5,
    "/members/?org_code=T-TOWN": 6,
    "/api/orgs/": 5,
    "/api/members/": 5,
}


def grow(region, n):
    """Add n branches with a member and a secretary each under the town."""
    for i in range(n):
        branch = make_org(
            region.town, f"新村{i:02d}党支部", f"T-N{i:02d}", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE
        )
        make_member(branch, f"新党员{i:02d}", 200 + i)
        set_post(branch, actor=None, post=Post.SECRETARY, holder_name=f"书记{i:02d}")


def count_queries(client, url):
    cache.clear()  # measure the page computing its counts, not reading them back
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("template", sorted(PINNED))
def test_list_pages_do_not_grow_with_rows(region, county_user, login, template):
    url = template.format(town=region.town.pk)
    client = login(county_user)
    client.get(url)  # warm the session and the per-user scope cache like any later request
    few = count_queries(client, url)
    grow(region, 25)
    many = count_queries(client, url)
    assert many == few, f"{url}: {few} queries for few rows, {many} for many"
    assert many <= PINNED[template], f"{url}: {many} queries, pinned at {PINNED[template]}"


def test_api_lists_do_not_grow_with_rows_under_a_token(region, county_user):
    from django.test import Client

    client = Client()
    token = client.post("/api/token/", {"username": "county_user", "password": PASSWORD}).json()["token"]
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    few = count_queries(client, "/api/members/")
    grow(region, 10)
    assert count_queries(client, "/api/members/") == few


@pytest.mark.django_db(transaction=True)  # the data version is renewed when a write commits
def test_home_counts_are_kept_until_the_next_write(region, county_user, login):
    client = login(county_user)
    cache.clear()
    assert client.get("/").context["member_totals"]["total"] == 4
    with CaptureQueriesContext(connection) as again:
        assert client.get("/").context["member_totals"]["total"] == 4
    assert len(again.captured_queries) < PINNED["/"]
    make_member(region.birch, "新来的", 99)
    assert client.get("/").context["member_totals"]["total"] == 5
