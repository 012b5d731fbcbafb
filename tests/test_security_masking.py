"""No page, API answer or export shows a full ID number or phone to a role without the unmask permission."""

import io

import openpyxl
import pytest
from django.test import Client

from dangjian.members.models import Member
from dangjian.members.sensitive import can_unmask
from test_outsider_walk import ANONYMOUS_URLS

from conftest import PASSWORD, id_number

PERSONAS = ["city_admin", "county_user", "outsider", "town_user", "branch_secretary", "reader"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def body_text(response) -> str:
    if response.get("Content-Type", "").startswith(XLSX):
        content = b"".join(response.streaming_content) if response.streaming else response.content
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for value in row
        )
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def member_urls(region) -> list[str]:
    """Every page and API route of the route table that takes no object or an org/member, plus searches
    that name a member by its clear ID number or phone."""
    ids = {"org": region.village.pk, "member": Member.objects.get(name="王春生").pk}
    urls = []
    for template in ANONYMOUS_URLS.values():
        try:
            urls.append(template.format(**ids))
        except KeyError:  # routes about users, import jobs, systems, posts: they show no member
            continue
    for member in Member.objects.all():
        urls += [
            f"/members/{member.pk}/",
            f"/members/{member.pk}/edit/",
            f"/api/members/{member.pk}/",
            f"/api/members/{member.pk}/?format=json",
            f"/orgs/{member.org_id}/",
            f"/members/?id_number={member.id_number}",
            f"/api/members/?id_number={member.id_number}",
            f"/api/members/?search={member.phone}",
        ]
    urls += ["/sheets/export/members/", "/sheets/export/members/?org_code=T-CITY", "/orgs/search/?q=T-"]
    return sorted(set(urls))


@pytest.fixture
def phones(region):
    """Every member gets a phone, and an ID number unlike the import template's example (990101198001010014)."""
    for seq, member in enumerate(Member.objects.order_by("pk"), start=1):
        member.phone = f"1391234{seq:04d}"
        member.id_number = id_number(500 + seq)
        member.save()
    return {m.pk: m.phone for m in Member.objects.all()}


def secrets_in(text: str, echo: str = "") -> list[str]:
    """Clear values in `text`; `echo` is what the user typed into the URL, which links may repeat."""
    found = []
    for member in Member.objects.all():
        for clear in (member.id_number, member.phone):
            if clear and clear != echo and clear in text:
                found.append(clear)
    return found


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_page_api_or_export_shows_a_clear_id_number_or_phone(request, region, phones, persona):
    user = request.getfixturevalue(persona)
    assert not can_unmask(user)
    client = Client()
    client.force_login(user)
    urls = member_urls(region)
    assert "/sheets/export/members/" in urls and "/api/members/" in urls
    shown = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code == 200:
            shown += 1
            text = body_text(response)
            echo = url.partition("=")[2]
            assert not secrets_in(text, echo), f"{persona} sees {secrets_in(text, echo)} on {url}"
    assert shown >= 10  # the walk really saw pages, not only refusals


def test_the_api_by_token_masks_too(region, phones, county_user):
    client = Client()
    token = client.post("/api/token/", {"username": "county_user", "password": PASSWORD}).json()["token"]
    response = client.get("/api/members/?page_size=500", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200 and response.json()["count"] == 4
    assert not secrets_in(response.content.decode())
    assert any("*" in row["phone"] for row in response.json()["results"])


def test_the_masks_keep_the_first_and_last_four_of_the_id_and_hide_the_middle_of_the_phone(region, phones):
    member = Member.objects.get(name="王春生")
    assert member.id_number_masked == member.id_number[:4] + "*" * 10 + member.id_number[-4:]
    assert member.phone_masked == member.phone[:3] + "****" + member.phone[-4:]
