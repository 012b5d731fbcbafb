"""The strict Content-Security-Policy breaks nothing: each main page loads in Chromium without a violation."""

import pytest
from django.contrib.auth.models import Permission

from dangjian.members.models import Member

from .signin import sign_in
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch(page) -> list[str]:
    """Console messages and page errors about the policy; Playwright's init script is not subject to it."""
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda err: seen.append(str(err)))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return seen


def test_main_pages_load_without_a_csp_violation(page, live_server, region, county_user):
    county_user.user_permissions.add(Permission.objects.get(codename="unmask_member"))
    member = Member.objects.get(name="王春生")
    violations = watch(page)

    sign_in(page, live_server, "county_user", PASSWORD)

    for path in (
        "/",
        "/orgs/",
        f"/orgs/{region.village.pk}/",
        "/orgs/search/?q=松岭",
        "/orgs/systems/",
        "/members/",
        f"/members/{member.pk}/",
        f"/members/{member.pk}/edit/",
        "/orgs/new/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")

    # The scripts still work under the policy: the tree opens, the autocomplete suggests, the unmask button posts.
    page.goto(f"{live_server.url}/orgs/")
    page.locator(f'#org-tree li[data-id="{region.north.pk}"] > .toggle').click()
    page.get_by_role("link", name="松岭镇党委").wait_for()
    page.goto(f"{live_server.url}/members/")
    page.get_by_label("组织编码（含下级）").fill("T-")
    page.locator(".ac-list li").first.wait_for()
    page.goto(f"{live_server.url}/members/{member.pk}/")
    page.get_by_role("button", name="显示明文").click()
    page.locator("#clear-notice").wait_for()
    assert member.id_number in page.content()

    assert violations == []
