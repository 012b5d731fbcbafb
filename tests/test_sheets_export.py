"""Exports of the organization and member lists: exactly the rows the filtered page shows, nothing out of scope,
sensitive columns masked unless the user may see them, and every export in the audit log."""

from __future__ import annotations

import datetime
import io
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import Permission
from openpyxl import load_workbook

from dangjian.core.models import AuditAction, AuditLog
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from conftest import id_number

pytestmark = pytest.mark.django_db


def sheet(response):
    """(title row, note row, header, data rows as dicts keyed by header) of an exported workbook."""
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content)
    rows = list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))
    header = list(rows[2])
    data = [dict(zip(header, row, strict=False)) for row in rows[3:]]
    return rows[0][0], rows[1][0], header, data


def page_names(client, query: str) -> list[str]:
    """The member names the list page shows for `query`, across all its pages."""
    names, page = [], 1
    while True:
        response = client.get(f"/members/?{query}&page={page}")
        names += [m.name for m in response.context["page"]]
        if not response.context["page"].has_next():
            return names
        page += 1


def grant_unmask(user):
    user.user_permissions.add(Permission.objects.get(codename="unmask_member"))
    return type(user).objects.get(pk=user.pk)  # drop the cached permissions


@pytest.mark.parametrize("query", ["", "q=春", "status=full", "org_code=T-VILLAGE", "gender=female&org_code=T-TOWN"])
def test_member_export_has_exactly_the_rows_of_the_filtered_list_on_every_page(county_user, login, monkeypatch, query):
    monkeypatch.setattr("dangjian.members.views.PAGE_SIZE", 2)  # several pages even for a small county
    client = login(county_user)
    expected = page_names(client, query)

    _, _, _, rows = sheet(client.get(f"/sheets/export/members/?{query}"))

    assert [row["姓名"] for row in rows] == expected
    assert expected  # every filter above matches someone, so the comparison means something


def test_member_export_never_contains_another_county(county_user, region, login):
    client = login(county_user)
    _, _, _, rows = sheet(client.get("/sheets/export/members/"))
    assert "欧阳南风" not in [row["姓名"] for row in rows]
    assert len(rows) == Member.objects.filter(org__path__startswith=region.north.path).count()

    # Naming the other county's organization in the filter yields an empty sheet, not its members.
    _, _, _, rows = sheet(client.get("/sheets/export/members/?org_code=T-SVILLAGE"))
    assert rows == []


def test_org_export_has_the_orgs_in_scope_in_tree_order(county_user, region, login):
    client = login(county_user)
    _, _, header, rows = sheet(client.get("/sheets/export/orgs/"))
    expected = list(Organization.objects.filter(path__startswith=region.north.path).order_by("path"))
    assert [row["组织名称"] for row in rows] == [o.name for o in expected]
    assert "南岭县委" not in [row["组织名称"] for row in rows]


def test_org_export_of_a_search_has_every_match_of_the_search_page(county_user, login):
    client = login(county_user)
    shown = [o.name for o in client.get("/orgs/search/?q=村").context["results"]]
    _, _, _, rows = sheet(client.get("/sheets/export/orgs/?q=村"))
    assert [row["组织名称"] for row in rows] == shown
    assert sorted(shown) == sorted(["青松村党支部", "白桦村党支部"])


def test_member_export_masks_id_number_and_phone_without_the_permission(county_user, region, login):
    from conftest import make_member

    make_member(region.village, "钱有电", 9, phone="13912345678")
    _, _, _, rows = sheet(login(county_user).get("/sheets/export/members/?q=钱有电"))
    assert rows[0]["公民身份号码"] == id_number(9)[:4] + "*" * 10 + id_number(9)[-4:]
    assert rows[0]["联系电话"] == "139****5678"
    assert not AuditLog.objects.filter(action=AuditAction.UNMASK).exists()


def test_member_export_shows_clear_values_to_a_user_allowed_and_audits_it(county_user, region, login):
    from conftest import make_member

    make_member(region.village, "钱有电", 9, phone="13912345678")
    user = grant_unmask(county_user)
    _, _, _, rows = sheet(login(user).get("/sheets/export/members/?q=钱有电"))
    assert rows[0]["公民身份号码"] == id_number(9)
    assert rows[0]["联系电话"] == "13912345678"
    export = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert "明文" in export.detail
    unmask = AuditLog.objects.get(action=AuditAction.UNMASK)
    assert unmask.user == user and "1 行" in unmask.detail


def test_every_export_is_audited_with_its_filters_and_row_count(county_user, region, login):
    client = login(county_user)
    sheet(client.get("/sheets/export/members/?org_code=T-VILLAGE&status=full"))
    entry = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert entry.user == county_user
    assert "组织编码（含下级）：T-VILLAGE" in entry.detail
    assert "党员状态：正式党员" in entry.detail
    assert "共 3 行" in entry.detail
    assert entry.org_path == region.village.path
    assert "明文" not in entry.detail

    sheet(client.get("/sheets/export/orgs/?q=村"))
    entry = AuditLog.objects.filter(action=AuditAction.EXPORT).first()
    assert "名称或编码：村" in entry.detail and "共 2 行" in entry.detail


def test_the_sheet_has_a_title_who_and_when_and_real_dates(county_user, login):
    county_user.first_name = "县管"
    county_user.save()
    response = login(county_user).get("/sheets/export/members/?q=王春生")
    disposition = response["Content-Disposition"]
    assert disposition.lower().startswith("attachment; filename*=utf-8''")  # RFC 6266, what browsers accept
    assert unquote(disposition.split("''")[1]).startswith("党员名册_")
    assert response["Cache-Control"] == "no-store, private"

    title, note, header, rows = sheet(response)
    assert title == "党员名册"
    assert "导出人：县管" in note and "导出时间：" in note and "姓名：王春生" in note
    assert "姓名" in header and "公民身份号码" in header
    assert rows[0]["出生日期"] == datetime.datetime(1980, 1, 1)  # a date cell, not text


def test_the_columns_are_wide_enough_to_read_what_they_hold(county_user, login):
    response = login(county_user).get("/sheets/export/members/")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = book.active
    header = [cell.value for cell in ws[3]]
    for number, name in enumerate(header, start=1):
        letter = ws.cell(row=3, column=number).column_letter
        values = [ws.cell(row=r, column=number).value for r in range(4, ws.max_row + 1)]
        # A date needs ten columns (else it shows as ####); text one per letter and digit, two per Chinese character.
        needed = max(
            10 if isinstance(v, datetime.date) else len(str(v or "").encode("gbk", "replace")) for v in [name, *values]
        )
        assert ws.column_dimensions[letter].width >= needed, (name, ws.column_dimensions[letter].width, needed)


def test_a_printed_export_fits_the_page_width_and_repeats_its_header(county_user, login):
    response = login(county_user).get("/sheets/export/members/")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage  # every column on one page's width (9: A4)
    assert ws.print_title_rows == "$3:$3"  # the header on top of every printed page
    assert ws.freeze_panes == "A4"  # and in sight on screen


def test_an_export_too_large_for_one_sheet_is_refused_with_a_message(county_user, login, settings):
    settings.EXPORT_MAX_ROWS = 2
    client = login(county_user)
    response = client.get("/sheets/export/members/?status=full", follow=True)
    assert response.redirect_chain[0][0] == "/members/?status=full"
    assert "超过 2 条" in response.content.decode()
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()


def test_list_pages_offer_the_export_of_their_filters(county_user, login):
    client = login(county_user)
    body = client.get("/members/?status=full").content.decode()
    assert 'href="/sheets/export/members/?status=full"' in body
    body = client.get("/orgs/search/?q=村").content.decode()
    assert "/sheets/export/orgs/?q=" in body
    assert 'href="/sheets/export/orgs/"' in client.get("/orgs/").content.decode()
